//! Text that would keep Postgres's scanner busy for minutes.
//!
//! libpg_query's flex scanner reads a comment opener as `\/\*{op_chars}*`: it matches the
//! whole run of operator characters that follows and then gives all but two back
//! (`yyless(2)`). The operator rule does the same when a run holds `/*`. A run of operator
//! characters with many `/*` in it (`/*/*/*…`, nested comments written without spaces) is
//! therefore rescanned once per opener: 50,000 nested openers took 16 s, a million would take
//! hours. No migration has such a run, so pglint refuses it before any parser call.

use crate::span::Span;

/// The scanner's `op_chars` class (scan.l).
fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
            | b'+'
            | b'-'
            | b'*'
            | b'/'
            | b'%'
            | b'<'
            | b'>'
            | b'='
    )
}

/// Bytes the scanner may rescan in one file: about a second of its time (2 ns a byte), enough for
/// 10,000 nested comments written without spaces.
const MAX_RESCANNED: usize = 1 << 29;

/// The run of operator characters whose comment openers bring the bytes the scanner rescans
/// in `text` past [`MAX_RESCANNED`], with the number of openers in it. Linear in `text`.
pub fn quadratic_run(text: &str) -> Option<(Span, usize)> {
    let b = text.as_bytes();
    let mut rescanned = 0usize;
    let mut from = 0;
    // Only runs holding `/*` cost anything: jump from one to the next with memchr's
    // vectorised search (`str::find` was 1 % of a run), so that a file without comment
    // openers is read once, quickly.
    let opener = memchr::memmem::Finder::new(b"/*");
    while let Some(at) = opener.find(&b[from..]).map(|i| from + i) {
        let start = b[from..at]
            .iter()
            .rposition(|&c| !is_op_char(c))
            .map_or(from, |p| from + p + 1);
        let end = b[at..]
            .iter()
            .position(|&c| !is_op_char(c))
            .map_or(b.len(), |p| at + p);
        // Each opener rescans the rest of the run. Read as the scanner pairs them: `*/`
        // closes, so the `/*` inside `*/*/` opens nothing.
        let mut openers = 0usize;
        let mut j = start;
        while j + 1 < end {
            match (b[j], b[j + 1]) {
                (b'/', b'*') => {
                    openers += 1;
                    rescanned = rescanned.saturating_add(end - j);
                    j += 2;
                }
                (b'*', b'/') => j += 2,
                _ => j += 1,
            }
        }
        if rescanned > MAX_RESCANNED {
            return Some((Span::new(start, end), openers));
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_of_comment_openers_is_found_where_it_starts() {
        let text = format!(
            "SELECT 1;\n{}{};\n",
            "/*".repeat(50_000),
            "*/".repeat(50_000)
        );
        let (span, openers) = quadratic_run(&text).expect("found");
        assert_eq!(span.start, 10);
        assert_eq!(openers, 50_000);
    }

    #[test]
    fn ordinary_sql_and_spaced_nesting_pass() {
        let spaced = format!("{}{};", "/* ".repeat(100_000), "*/ ".repeat(100_000));
        assert_eq!(quadratic_run(&spaced), None);
        let ops = format!("SELECT 1 {} 2;", "+".repeat(1_000_000));
        assert_eq!(quadratic_run(&ops), None);
        assert_eq!(quadratic_run("SELECT a /* c */ <> b --x\n;"), None);
        // 10,000 unspaced openers cost about 0.6 s and are left to the parser…
        let nested = |n| format!("{}{};\n", "/*".repeat(n), "*/".repeat(n));
        assert_eq!(quadratic_run(&nested(10_000)), None);
        // …but the budget is the file's, not the run's.
        let (span, openers) = quadratic_run(&nested(10_000).repeat(2)).expect("found");
        assert_eq!((span.start, openers), (40_002, 10_000));
    }
}
