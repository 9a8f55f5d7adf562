//! GitHub Actions workflow commands, one per finding, so findings show on the pull request
//! diff: `::warning file=…,line=…,endLine=…,col=…,endColumn=…,title=pglint(rule-id)::message`.
//!
//! Text from the SQL reaches both parts, so both are escaped as the runner requires: in the
//! message `%`, `\r` and `\n`; in property values also `:` and `,`. An escaped line break
//! keeps a hostile identifier from starting a workflow command of its own. The rest is made
//! inert first ([`inert::encodable`]: other control characters escaped visibly, `##[` broken)
//! and line breaks are left to the runner's escaping, which it undoes: a file name with a
//! line break still names its file.

use std::io::{self, Write};

use super::{inert, repo_path, summary_line};
use crate::finding::{Finding, Severity, Summary};

pub fn render(findings: &[Finding], summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    render_findings(findings, out)?;
    render_summary(summary, out)
}

/// One workflow command per finding; a report is these, then [`render_summary`].
pub fn render_findings(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", command(f))?;
    }
    Ok(())
}

/// The last line of a report.
pub fn render_summary(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "pglint: {}", summary_line(summary))
}

/// The workflow command of one finding.
pub fn command(f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let (start, end) = f.location();
    let path = repo_path(&f.file.name);
    let mut props = vec![format!("file={}", property(&inert::encodable(&path)))];
    if f.file.generated.is_some() {
        // Generated SQL (`pglint django`): the operation's line of the .py file; the whole
        // line, which is what the diff view marks.
        props.extend([
            format!("line={}", start.line),
            format!("endLine={}", start.line),
        ]);
    } else {
        props.extend([
            format!("line={}", start.line),
            format!("endLine={}", end.line),
            format!("col={}", start.column),
        ]);
        // GitHub reads endColumn only on one-line annotations.
        if start.line == end.line {
            props.push(format!("endColumn={}", end.column.max(start.column)));
        }
    }
    props.push(format!(
        "title={}",
        property(&format!("pglint({})", f.rule))
    ));
    let mut message = f.message().into_owned();
    if let Some(help) = f.help() {
        message.push_str("\nHelp: ");
        message.push_str(&help);
    }
    if let Some(django) = f.django() {
        message.push_str("\nDjango: ");
        message.push_str(&django);
    }
    if let Some(op) = &f.operation {
        message.push_str("\nOperation: ");
        message.push_str(op);
    }
    message.push('\n');
    message.push_str(&f.docs_url());
    format!(
        "::{level} {}::{}",
        props.join(","),
        data(&inert::encodable(&message))
    )
}

/// Escapes a command's message.
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("100%\r\n::x"), "100%25%0D%0A::x");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
