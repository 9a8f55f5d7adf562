//! `path:line:col: severity[rule-id] message`, one finding per line.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::inert::{self, Lines};
use crate::finding::Finding;

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let mut out = Lines::new(out);
    // Lines are assembled here and handed to the line writer a batch at a time: it passes
    // a run of lines that need no change on in one write, where a `writeln!` straight to it
    // would be a dozen small writes per finding.
    let mut text = String::new();
    for f in findings {
        let (at, _) = f.location();
        text.push_str(&inert::text(&f.file.name));
        // Writing to a `String` cannot fail.
        let _ = write!(
            text,
            ":{}:{}: {}[{}] ",
            at.line, at.column, f.severity, f.rule
        );
        push_one_line(&mut text, &inert::text(&f.message()));
        text.push('\n');
        if text.len() >= inert::BATCH {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes())?;
    out.finish().map(drop)
}

/// Messages are one line in this format, whatever the SQL held (its line breaks are escaped
/// by then; runs of other white space become one space): appends the words of `s` with one
/// space between them.
fn push_one_line(out: &mut String, s: &str) {
    if single_spaced(s.as_bytes()) {
        // Nearly every message: printable ASCII, words already one space apart.
        out.push_str(s);
        return;
    }
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether `s` is printable ASCII (no tab) with no space at either end and no two in a row:
/// then its only white space is single spaces between words, and `split_whitespace` joined
/// by one space gives it back. Folded without early exits, so the compiler vectorizes it.
fn single_spaced(s: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (s.first(), s.last()) else {
        return true;
    };
    let printable = s
        .iter()
        .fold(true, |all, &b| all & (b.wrapping_sub(b' ') < 0x7f - b' '));
    let double = s
        .iter()
        .zip(&s[1..])
        .fold(false, |any, (&a, &b)| any | ((a == b' ') & (b == b' ')));
    printable && !double && first != b' ' && last != b' '
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_is_split_whitespace_joined() {
        for s in [
            "",
            " ",
            "a",
            "a b  c",
            " a b",
            "a b ",
            "a\tb",
            "a\u{a0}b",
            "a\u{2003} b",
            "ünï ☃ x",
            "ALTER TABLE \"t\" ADD COLUMN \"c\" int; -- x",
        ] {
            let mut out = String::from(">");
            push_one_line(&mut out, s);
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(out, format!(">{expected}"), "{s:?}");
        }
    }
}
