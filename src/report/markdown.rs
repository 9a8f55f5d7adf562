//! A pull-request comment / step summary: the counts, a table per file with findings (line,
//! severity, rule linked to its docs, message and fix), then what each migration locks, as
//! `pglint locks` summarises it (rendered by [`crate::advisor::markdown`], not re-derived).
//!
//! Every text that comes from the SQL goes through the advisor's escapers: names and paths as
//! code spans that survive table cells, messages as text with markdown punctuation
//! backslash-escaped and `< > &` as entities, so an identifier such as
//! `"<img src=x onerror=alert(1)>"`, `|` or backticks neither breaks a table nor injects markup.

use std::collections::HashMap;
use std::io::{self, Write};

use super::summary_line;
use crate::advisor::FileLocks;
use crate::advisor::markdown::{code, render_file_summary, text};
use crate::advisor::timeline::{one_line, shorten};
use crate::finding::{Finding, Severity, Summary};

pub fn render(
    findings: &[Finding],
    summary: &Summary,
    locks: &[FileLocks],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "## pglint")?;
    writeln!(out)?;
    if findings.is_empty() {
        writeln!(out, "✅ No findings in {}.", files_phrase(summary.files))?;
    } else {
        writeln!(out, "**{}**", summary_line(summary))?;
    }
    writeln!(out)?;
    for (file, group) in by_file(findings) {
        writeln!(out, "### {}", code(&super::repo_path(file)))?;
        writeln!(out)?;
        writeln!(out, "| Line | Severity | Rule | Message |")?;
        writeln!(out, "|---:|---|---|---|")?;
        for f in group {
            let mut message = text(&f.message());
            if let Some(help) = f.help() {
                message.push_str("<br>Fix: ");
                message.push_str(&text(&help));
            }
            if let Some(django) = f.django() {
                message.push_str("<br>Django: ");
                message.push_str(&text(&django));
            }
            push_generated_sql(&mut message, f);
            writeln!(
                out,
                "| {} | {} | [`{}`]({}) | {} |",
                f.location().0.line,
                severity(f.severity),
                f.rule,
                f.docs_url(),
                message
            )?;
        }
        writeln!(out)?;
    }
    if !locks.is_empty() {
        writeln!(out, "## Locks taken by these migrations")?;
        writeln!(out)?;
        for f in locks {
            writeln!(out, "### {}", code(&super::repo_path(&f.path)))?;
            writeln!(out)?;
            render_file_summary(f, out)?;
        }
    }
    Ok(())
}

/// The longest SQL quoted under a finding of `pglint django`; a statement can be megabytes.
const SQL_QUOTE_CHARS: usize = 240;

/// In `pglint django` the line is the operation's in the `.py`: quote the SQL that Django
/// generated for it (the finding's statement, white space collapsed, cut at
/// [`SQL_QUOTE_CHARS`]) with the operation's name, so that the cell shows what is wrong.
fn push_generated_sql(message: &mut String, f: &Finding) {
    if f.file.generated.is_none() {
        return;
    }
    if let Some(operation) = f.operation.as_deref() {
        message.push_str("<br>Operation: ");
        message.push_str(&text(operation));
    }
    let statement = f
        .file
        .text
        .get(f.statement_span.start..f.statement_span.end)
        .unwrap_or_default();
    let quoted = shorten(&one_line(statement), SQL_QUOTE_CHARS);
    message.push_str("<br>SQL: ");
    message.push_str(&code(&quoted));
}

/// The findings grouped by file name, files in the order they first appear, each file's
/// findings in their order; one pass (a file's findings need not be adjacent).
fn by_file(findings: &[Finding]) -> Vec<(&str, Vec<&Finding>)> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let name = f.file.name.as_str();
        let i = *index.entry(name).or_insert_with(|| {
            groups.push((name, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    groups
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

fn files_phrase(n: usize) -> String {
    if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::span::Span;

    fn finding(file: &std::sync::Arc<SourceFile>, message: &str) -> Finding {
        Finding {
            rule: "index-not-concurrent",
            severity: Severity::Warning,
            file: file.clone(),
            span: Span::new(0, 1),
            text: crate::finding::Text::given(message),
            operation: None,
            related: Vec::new(),
            source_at: None,
            statement: 0,
            statement_span: Span::new(0, 1),
        }
    }

    #[test]
    fn files_in_order_of_first_finding_even_when_not_adjacent() {
        let a = SourceFile::new("a.sql", "x;\n");
        let b = SourceFile::new("b.sql", "y;\n");
        let findings = [
            finding(&b, "first b"),
            finding(&a, "first a"),
            finding(&b, "second b"),
            finding(&a, "second a"),
        ];
        let mut out = Vec::new();
        render(&findings, &Summary::count(2, &findings), &[], &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let at = |s: &str| {
            assert_eq!(out.matches(s).count(), 1, "{s:?} once in:\n{out}");
            out.find(s).unwrap()
        };
        let order = [
            at("### `b.sql`"),
            at("first b"),
            at("second b"),
            at("### `a.sql`"),
            at("first a"),
            at("second a"),
        ];
        assert!(order.is_sorted(), "{order:?} in:\n{out}");
    }
}
