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

/// Whether `s` is printable ASCII and tabs only, so holds nothing [`needs_escape`]: one
/// tight byte loop, where checking character by character is what ordinary text would cost.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (b' '..0x7f).contains(&b) || b == b'\t')
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
    if (plain(s) || !s.contains(|c| needs_escape(c) && !keep(c))) && !s.contains("##[") {
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
    // Nothing to escape and no `[` to look behind: the common case, copied whole.
    if plain(s) && !s.contains('[') {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if needs_escape(c) && !keep(c) {
            push_escape(out, c);
        } else if c == '[' && out.ends_with("##") {
            out.push_str("\\x5b");
        } else {
            out.push(c);
        }
    }
}

/// One piece of text from the input, made inert: nothing kept, line breaks included.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Text whose `\n` are pglint's own line structure (a help of several lines): those are kept,
/// everything else as in [`text`].
pub fn lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n')
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

/// A writer that passes every line through [`line()`] on its way to `out`. Lines are held
/// until their `\n` arrives; [`Lines::finish`] writes an unfinished last one.
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
        while let Some(i) = memchr::memchr(b'\n', rest) {
            if self.pending.is_empty() {
                self.write_line(&rest[..i])?;
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(&rest[..i]);
                self.write_line(&whole)?;
            }
            self.out.write_all(b"\n")?;
            rest = &rest[i + 1..];
        }
        self.pending.extend_from_slice(rest);
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
    (s.bytes().all(|b| b < 0x7f) || !s.contains(json_escape)) && !s.contains("##[")
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
