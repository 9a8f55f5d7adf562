//! A pull-request comment / step summary: the counts, a table per file with findings (line,
//! severity, rule linked to its docs, message and fix), then what each migration locks, as
//! `pglint locks` summarises it (rendered by [`crate::advisor::markdown`], not re-derived).
//!
//! Every text that comes from the SQL goes through the advisor's escapers: names and paths as
//! code spans that survive table cells, messages as text with markdown punctuation
//! backslash-escaped and `< > &` as entities, so an identifier such as
//! `"<img src=x onerror=alert(1)>"`, `|` or backticks neither breaks a table nor injects markup.

use std::io::{self, Write};

use super::summary_line;
use crate::advisor::FileLocks;
use crate::advisor::markdown::{code, render_file_summary, text};
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
    let mut files: Vec<&str> = Vec::new();
    for f in findings {
        if !files.contains(&f.file.name.as_str()) {
            files.push(&f.file.name);
        }
    }
    for file in files {
        writeln!(out, "### {}", code(&super::repo_path(file)))?;
        writeln!(out)?;
        writeln!(out, "| Line | Severity | Rule | Message |")?;
        writeln!(out, "|---:|---|---|---|")?;
        for f in findings.iter().filter(|f| f.file.name == file) {
            let mut message = text(&f.message());
            if let Some(help) = f.help() {
                message.push_str("<br>Fix: ");
                message.push_str(&text(&help));
            }
            if let Some(django) = f.django() {
                message.push_str("<br>Django: ");
                message.push_str(&text(&django));
            }
            writeln!(
                out,
                "| {} | {} | [`{}`]({}) | {} |",
                f.start().line,
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
