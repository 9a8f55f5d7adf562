//! `path:line:col: severity[rule-id] message`, one finding per line.

use std::io::{self, Write};

use super::inert::{self, Lines};
use crate::finding::Finding;

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let mut out = Lines::new(out);
    for f in findings {
        let at = f.start();
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            inert::text(&f.file.name),
            at.line,
            at.column,
            f.severity,
            f.rule,
            one_line(&inert::text(&f.message()))
        )?;
    }
    out.finish().map(drop)
}

/// Messages are one line in this format, whatever the SQL held (its line breaks are escaped
/// by then; runs of other white space become one space).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
