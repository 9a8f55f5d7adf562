//! Text from the input made inert before pglint prints it.
//!
//! File names, identifiers, SQL, configuration keys and error messages come from files a pull
//! request may change. Printed raw they could drive a terminal (`\x1b` sequences, bidi
//! overrides that reorder what is shown) or the GitHub Actions runner, which reads every line
//! of a step's stdout and stderr (split on `\n` and on a lone `\r`, leading white space
//! trimmed) and obeys `::command …::` at the start of a line and the legacy `##[command]`
//! anywhere in a line (`add-mask`, `stop-commands`, spoofed annotations).
//!
//! So, in every format:
//! - control characters (C0 but the tab, DEL, C1), the Unicode line and paragraph separators
//!   and the bidi controls are written as visible escapes (`\r`, `\n`, `\x1b`, `\u{202e}`);
//! - `##[` is written `##\x5b`;
//! - a printed line never starts with `::` after its leading white space: the first colon is
//!   written `\x3a` ([`Lines`], for the formats whose lines mix pglint's words and input).
//!
//! JSON keeps its data exact instead ([`json`]): the same characters as `\u` escapes, which a
//! JSON reader decodes back. A backslash from the input is left as it is, so ordinary SQL
//! (`E'a\nb'`) and Windows paths print unchanged.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::LazyLock;

use memchr::memmem;

/// Whether `c` is shown as an escape: it could move the cursor, end a line or reorder text.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line and paragraph separators
                | '\u{061c}' | '\u{200e}' | '\u{200f}' // bidi marks
                | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' // bidi embeddings, isolates
        )
}

/// Whether every byte of `s` passes `ok` (which `pad` must pass too). Every output line and
/// most pieces of text printed are scanned, mostly short ones, so this is written for the
/// compiler to vectorize: fixed blocks of 32 bytes folded without an early exit inside a
/// block, the last block overlapping the one before, and text shorter than a block padded
/// to one. (A byte-by-byte `all` stays a compare and branch per byte, several times slower
/// on ordinary text.)
#[inline(always)]
fn all_bytes(s: &[u8], pad: u8, ok: impl Fn(u8) -> bool + Copy) -> bool {
    let block_ok = |block: &[u8; 32]| block.iter().fold(true, |all, &b| all & ok(b));
    match s.last_chunk::<32>() {
        Some(last) => s.as_chunks::<32>().0.iter().all(block_ok) && block_ok(last),
        None => {
            let mut padded = [pad; 32];
            padded[..s.len()].copy_from_slice(s);
            block_ok(&padded)
        }
    }
}

/// Printable ASCII (`b' ' <= b < 0x7f`, as one compare) or a tab.
#[inline(always)]
fn printable(b: u8) -> bool {
    b.wrapping_sub(b' ') < 0x7f - b' ' || b == b'\t'
}

/// Whether `s` is printable ASCII and tabs only (and `\n` too when `newline`), so holds
/// nothing [`needs_escape`] but a `\n` the caller keeps.
#[inline]
fn plain(s: &str, newline: bool) -> bool {
    if newline {
        all_bytes(s.as_bytes(), b' ', |b| printable(b) || b == b'\n')
    } else {
        all_bytes(s.as_bytes(), b' ', printable)
    }
}

/// [`plain`] and no `[` either: then [`escape`] and [`escape_into`] have nothing to do,
/// known from one scan (the usual answer, for most text printed).
#[inline]
fn plain_without_bracket(s: &str, newline: bool) -> bool {
    if newline {
        all_bytes(s.as_bytes(), b' ', |b| {
            (printable(b) || b == b'\n') && b != b'['
        })
    } else {
        all_bytes(s.as_bytes(), b' ', |b| printable(b) && b != b'[')
    }
}

/// Whether `s` holds `##[`: a `[` found with `memchr` (ordinary text has few or none) and the
/// two bytes before it looked at.
fn has_legacy_command(s: &[u8]) -> bool {
    memchr::memchr_iter(b'[', s).any(|i| i >= 2 && s[i - 2..i] == *b"##")
}

/// Whether `s` holds a character that [`needs_escape`] and `keep` does not accept. `keep` is
/// asked about `\n` to pick the fast scan; the character loop only runs for text that is
/// not plain ASCII.
fn has_escape(s: &str, keep: &impl Fn(char) -> bool) -> bool {
    !plain(s, keep('\n')) && s.contains(|c| needs_escape(c) && !keep(c))
}

fn push_escape(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every character that [`needs_escape`] (but those `keep` accepts) escaped and
/// `##[` broken; borrowed when there is nothing to do, as for all ordinary text.
fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if plain_without_bracket(s, keep('\n'))
        || (!has_escape(s, &keep) && !has_legacy_command(s.as_bytes()))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    escape_into(&mut out, s, keep);
    Cow::Owned(out)
}

/// Appends `s` to `out` as [`escape`] writes it. The `[` of `##[` is the character escaped,
/// looking back at what `out` already holds, so text appended piece by piece is guarded
/// across the pieces too.
pub(crate) fn escape_into(out: &mut String, s: &str, keep: impl Fn(char) -> bool) {
    if plain_without_bracket(s, keep('\n')) {
        out.push_str(s);
        return;
    }
    if has_escape(s, &keep) {
        for c in s.chars() {
            if needs_escape(c) && !keep(c) {
                push_escape(out, c);
            } else if c == '[' && out.ends_with("##") {
                out.push_str("\\x5b");
            } else {
                out.push(c);
            }
        }
        return;
    }
    // Nothing to escape (the common case): copied whole between the `[`s, each of which is
    // written escaped when `out` ends with `##` by then, as the loop above would.
    let mut from = 0;
    for i in memchr::memchr_iter(b'[', s.as_bytes()) {
        out.push_str(&s[from..i]);
        out.push_str(if out.ends_with("##") { "\\x5b" } else { "[" });
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// One piece of text from the input, made inert: nothing kept, line breaks included.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Whether [`text`] leaves `s` as it is.
pub(crate) fn unchanged(s: &str) -> bool {
    matches!(text(s), Cow::Borrowed(_))
}

/// [`text`] of an owned string: `s` itself when nothing changes, without a copy.
pub fn text_owned(s: String) -> String {
    let escaped = match text(&s) {
        Cow::Owned(escaped) => Some(escaped),
        Cow::Borrowed(_) => None,
    };
    escaped.unwrap_or(s)
}

/// Text whose `\n` are pglint's own line structure (a help of several lines): those are kept,
/// everything else as in [`text`].
pub fn lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n')
}

/// [`lines`] of an owned string: `s` itself when nothing changes, without a copy.
pub fn lines_owned(s: String) -> String {
    let escaped = match lines(&s) {
        Cow::Owned(escaped) => Some(escaped),
        Cow::Borrowed(_) => None,
    };
    escaped.unwrap_or(s)
}

/// Text whose line breaks the caller encodes itself (a GitHub workflow command turns `\r` and
/// `\n` into `%0D` and `%0A`): those are kept, everything else as in [`text`].
pub fn encodable(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\r')
}

/// One printed line (without its `\n`) made safe for the runner whatever it was assembled
/// from: a leading `::` and any `##[` broken, any `\r` (the runner's other line break)
/// escaped. ANSI styling pglint adds is left alone.
pub fn line(s: &str) -> Cow<'_, str> {
    let body = s.trim_start();
    if !body.starts_with("::") && !s.contains("##[") && !s.contains('\r') {
        return Cow::Borrowed(s);
    }
    let indent = &s[..s.len() - body.len()];
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&escape(indent, |c| c != '\r'));
    let body = match body.strip_prefix(':') {
        Some(rest) if rest.starts_with(':') => {
            out.push_str("\\x3a");
            rest
        }
        _ => body,
    };
    out.push_str(&escape(body, |c| c != '\r'));
    Cow::Owned(out)
}

/// Whether the `:` at `text[i]` may be where a line's leading white space ends, judged
/// from the bytes before it: only ASCII white space back to the line's start, or a byte
/// outside ASCII on the way, which may end a white space character (U+00A0, U+2003, …) that
/// `str::trim_start` skips too, and is then left to [`line()`] to judge.
fn may_lead_line(text: &[u8], i: usize) -> bool {
    // The ASCII white space `trim_start` skips, but for `\r` (the caller's) and `\n`
    // (which ends the line before).
    match text[..i]
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c'))
    {
        None => true,
        Some(j) => text[j] == b'\n' || !text[j].is_ascii(),
    }
}

/// About how much text a writer assembles before handing it to [`Lines`] in one write: enough
/// that the per-write costs (the searches' set-up, the write to `out`) do not count, little
/// enough not to hold a large report in memory.
pub const BATCH: usize = 1 << 16;

/// A writer that passes every line through [`line()`] on its way to `out`. Lines are held
/// until their `\n` arrives; [`Lines::finish`] writes an unfinished last one. The complete
/// lines of a write that [`line()`] would leave alone (nearly all) go on in one piece.
pub struct Lines<W: Write> {
    out: W,
    pending: Vec<u8>,
}

impl<W: Write> Lines<W> {
    pub fn new(out: W) -> Self {
        Lines {
            out,
            pending: Vec::new(),
        }
    }

    fn write_line(&mut self, bytes: &[u8]) -> io::Result<()> {
        match std::str::from_utf8(bytes) {
            Ok(s) => self.out.write_all(line(s).as_bytes()),
            // pglint writes text; bytes that are not are passed on as they are.
            Err(_) => self.out.write_all(bytes),
        }
    }

    /// Writes `text`, whole lines each ended by `\n`: the lines that [`line()`] leaves
    /// unchanged as they are, in runs, each other one through [`Lines::write_line`]. Only what
    /// it changes is looked for, over the whole text: a `\r` or `##[` (found by their `\r`
    /// and `#` with `memchr2`), and `::` with nothing but white space before it on its line
    /// (`::` found with `memmem`, which looks for both bytes at once). Ordinary output holds
    /// none of these bytes, or casts such as `'{}'::jsonb`, so this costs a fraction of an
    /// instruction a byte, where looking at every line's start cost several per line.
    fn write_lines(&mut self, text: &[u8]) -> io::Result<()> {
        static COLONS: LazyLock<memmem::Finder<'static>> =
            LazyLock::new(|| memmem::Finder::new("::"));
        // Where a line to change is, in any order: the starts of the commands and `\r`s,
        // and of the `::` that may lead a line. Empty (no allocation) for nearly all text.
        let mut found: Vec<usize> = memchr::memchr2_iter(b'\r', b'#', text)
            .filter(|&i| text[i] == b'\r' || text.get(i + 1..i + 3) == Some(b"#["))
            .collect();
        found.extend(COLONS.find_iter(text).filter(|&i| may_lead_line(text, i)));
        found.sort_unstable();
        // `text[..done]` is written; the `\n` of a line written through `line()` goes out
        // with the run that follows it.
        let mut done = 0;
        for i in found {
            if i < done {
                // In the line just written.
                continue;
            }
            let start = memchr::memrchr(b'\n', &text[..i]).map_or(0, |n| n + 1);
            let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |n| i + n);
            self.out.write_all(&text[done..start])?;
            self.write_line(&text[start..end])?;
            done = end;
        }
        match &text[done..] {
            [] => Ok(()),
            rest => self.out.write_all(rest),
        }
    }

    /// Writes the unfinished last line, if any; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.write_line(&pending)?;
        }
        Ok(self.out)
    }
}

impl<W: Write> Write for Lines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        if !self.pending.is_empty() {
            // The held line ends in this write, or is held longer.
            let Some(i) = memchr::memchr(b'\n', rest) else {
                self.pending.extend_from_slice(rest);
                return Ok(buf.len());
            };
            let mut whole = std::mem::take(&mut self.pending);
            whole.extend_from_slice(&rest[..=i]);
            self.write_lines(&whole)?;
            whole.clear();
            self.pending = whole;
            rest = &rest[i + 1..];
        }
        let complete = memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1);
        self.write_lines(&rest[..complete])?;
        self.pending.extend_from_slice(&rest[complete..]);
        Ok(buf.len())
    }

    /// Flushes what is complete; an unfinished line waits for its end or for `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `text` to stderr as pglint's own message lines: the text made inert (its `\n` kept
/// as line breaks), each line through [`line()`]. For messages that carry input (a file name,
/// git's or Django's words); nothing better to do when stderr itself fails.
pub fn eprint_message(text: &str) {
    let stderr = io::stderr();
    let mut err = Lines::new(stderr.lock());
    let _ = err
        .write_all(lines(text).as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .and_then(|()| err.finish().map(drop));
}

/// Whether a character of serialized JSON is written as a `\u` escape instead: serde_json
/// escapes C0 controls, but writes DEL, C1, the separators and the bidi controls raw.
fn json_escape(c: char) -> bool {
    needs_escape(c) && c >= '\u{7f}'
}

/// Whether [`json`] leaves `s` as it is; also true of a string before serde_json writes it,
/// so a writer can check a field first and serialize it directly (all ordinary text).
pub fn json_ready(s: &str) -> bool {
    // The characters to escape are all outside ASCII but DEL: one byte scan rules them out.
    (all_bytes(s.as_bytes(), b' ', |b| b < 0x7f) || !s.contains(json_escape))
        && !has_legacy_command(s.as_bytes())
}

/// Serialized JSON with the characters [`text`] escapes written as `\u` escapes and `##[` as
/// `##\u005b`: the data decodes unchanged, and no physical line carries a runner command (a
/// line of pretty-printed JSON starts with white space and `"`, `{`, `}`, `[` or `]`, never
/// with `::`). These characters only occur inside JSON strings, so the text is rewritten as
/// a whole.
pub fn json(s: &str) -> Cow<'_, str> {
    if json_ready(s) {
        return Cow::Borrowed(s);
    }
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if json_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else if c == '[' && out.ends_with("##") {
            out.push_str("\\u005b");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "CREATE INDEX \"i\" ON t (a);",
            "tab\there, E'a\\nb', C:\\dir, ünï ☃, 'x'::text, # [x]",
            "",
        ] {
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(line(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(json(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn controls_are_escaped_visibly() {
        assert_eq!(text("t\r::stop-commands::x"), "t\\r::stop-commands::x");
        assert_eq!(text("a\nb\x1b[31mc\x7f\0"), "a\\nb\\x1b[31mc\\x7f\\x00");
        assert_eq!(
            text("\u{85}\u{2028}\u{2029}\u{202e}\u{2066}\u{200f}\u{61c}"),
            "\\u{85}\\u{2028}\\u{2029}\\u{202e}\\u{2066}\\u{200f}\\u{61c}"
        );
        assert_eq!(lines("a\nb\rc"), "a\nb\\rc");
        assert_eq!(encodable("a\nb\rc\x1b"), "a\nb\rc\\x1b");
    }

    /// The scans go 32 bytes at a time, the last block overlapping and short text padded:
    /// a byte to escape, a `##[` or a `[` is seen wherever it is, whatever the length.
    #[test]
    fn scans_see_every_byte_whatever_the_length() {
        for len in 0..=100 {
            let ordinary = "a".repeat(len);
            assert!(matches!(text(&ordinary), Cow::Borrowed(_)), "{len}");
            for at in 0..len {
                let mut s = ordinary.clone().into_bytes();
                s[at] = 0x1b;
                let s = String::from_utf8(s).unwrap();
                assert!(text(&s).contains("\\x1b"), "{len} {at}");
                assert!(lines(&s).contains("\\x1b"), "{len} {at}");
                let mut piece = String::from("##");
                escape_into(&mut piece, &s, |_| false);
                assert!(piece.contains("\\x1b"), "{len} {at}");
                if at + 3 <= len {
                    let s = format!("{}##[{}", &ordinary[..at], &ordinary[at + 3..]);
                    assert!(text(&s).contains("##\\x5b"), "{len} {at}");
                    assert!(lines(&s).contains("##\\x5b"), "{len} {at}");
                    assert!(!json(&s).contains("##["), "{len} {at}");
                }
                // A `[` alone is kept, but joins a `##` already written before it.
                let s = format!("{}[{}", &ordinary[..at], &ordinary[at + 1..]);
                assert!(matches!(text(&s), Cow::Borrowed(_)), "{len} {at}");
                if at == 0 {
                    let mut piece = String::from("x ##");
                    escape_into(&mut piece, &s, |_| false);
                    assert!(piece.starts_with("x ##\\x5b"), "{len}");
                }
            }
        }
    }

    #[test]
    fn legacy_commands_are_broken() {
        assert_eq!(text("x ##[add-mask]y"), "x ##\\x5badd-mask]y");
        assert_eq!(text("###[x]"), "###\\x5bx]");
        assert_eq!(text("#[x] ## [x]"), "#[x] ## [x]");
        for s in ["x ##[add-mask]y", "###[x]", "##[##[", "\r##[x"] {
            assert!(!text(s).contains("##["), "{s}");
            assert!(!line(s).contains("##["), "{s}");
            assert!(!json(s).contains("##["), "{s}");
        }
    }

    #[test]
    fn a_line_never_starts_with_a_workflow_command() {
        assert_eq!(line("::warning::x"), "\\x3a:warning::x");
        assert_eq!(line("  \u{a0}::error::x"), "  \u{a0}\\x3a:error::x");
        assert_eq!(line(": :x"), ": :x");
        assert_eq!(line("a ::x"), "a ::x");
        assert_eq!(line("a\rb"), "a\\rb");
        assert_eq!(line("\r::x"), "\\r\\x3a:x");
        assert_eq!(line("\x1b[1m::x\x1b[0m"), "\x1b[1m::x\x1b[0m");
    }

    #[test]
    fn the_line_writer_guards_lines_split_across_writes() {
        let text = "ok\n  ::warning::a\nb ##[add-mask]c\n::x";
        for cut in 0..=text.len() {
            let mut w = Lines::new(Vec::new());
            w.write_all(&text.as_bytes()[..cut]).unwrap();
            w.write_all(&text.as_bytes()[cut..]).unwrap();
            let out = String::from_utf8(w.finish().unwrap()).unwrap();
            assert_eq!(
                out, "ok\n  \\x3a:warning::a\nb ##\\x5badd-mask]c\n\\x3a:x",
                "cut at {cut}"
            );
        }
    }

    /// The line writer only looks for what `line()` changes; whatever it writes is what
    /// `line()` gives for each line: leading white space of every kind before `::`, `\r`,
    /// `##[` and near misses.
    #[test]
    fn the_line_writer_writes_what_line_gives() {
        let starts = [
            "",
            " ",
            "\t ",
            "\x0b",
            "\u{a0}",
            " \u{2003}",
            "\u{3000}",
            "│ ",
            "·",
            "é",
        ];
        let bodies = [
            "", "x", ":", "::", "::x", ": :", ":x::", "a ##[b", "##[", "#[", "# #[", "a\rb",
            "\r::x", "[##", "x [y] ##", "é::",
        ];
        let mut text = String::new();
        let mut expected = String::new();
        for start in starts {
            for body in bodies {
                let one = format!("{start}{body}");
                text.push_str(&one);
                text.push('\n');
                expected.push_str(&line(&one));
                expected.push('\n');
            }
        }
        let mut w = Lines::new(Vec::new());
        w.write_all(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), expected);
        // Bytes that are not UTF-8 pass unchanged, whatever they hold.
        let mut w = Lines::new(Vec::new());
        w.write_all(b"::\xff\n##[\xc2\n\r\xe2\x80\n").unwrap();
        assert_eq!(w.finish().unwrap(), b"::\xff\n##[\xc2\n\r\xe2\x80\n");
    }

    #[test]
    fn json_keeps_its_data() {
        let value = "t\r::x ##[add-mask]y \u{2028}\u{202e}\u{85}\u{7f}";
        let raw = serde_json::to_string_pretty(&serde_json::json!({ "m": value })).unwrap();
        let safe = json(&raw);
        assert!(!safe.contains("##["), "{safe}");
        assert!(
            !safe.contains(['\u{2028}', '\u{202e}', '\u{85}', '\u{7f}']),
            "{safe}"
        );
        assert!(safe.contains("##\\u005badd-mask]"), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["m"], value);
    }
}
