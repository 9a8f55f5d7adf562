//! `path:line:col: severity[rule-id] message`, one finding per line.

use std::io::{self, Write};

use crate::finding::Finding;

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for f in findings {
        let at = f.start();
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            f.file.name,
            at.line,
            at.column,
            f.severity,
            f.rule,
            one_line(&f.message())
        )?;
    }
    Ok(())
}

/// Messages are one line in this format, whatever the SQL held.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
