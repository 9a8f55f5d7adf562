//! The stable JSON shape: `{"version": 1, "findings": [...], "summary": {...}}`.
//!
//! Each finding is `{"rule", "severity", "path", "line", "column", "end_line", "end_column",
//! "message", "help", "django_operation"}`; `help` and `django_operation` are `null` when
//! absent. Lines and columns are 1-based, columns count characters (not bytes), and the end
//! is exclusive (it equals the start for an empty span). The summary is
//! `{"files", "errors", "warnings", "infos"}`.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Summary};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: Cow<'a, str>,
    help: Option<Cow<'a, str>>,
    django_operation: Option<&'a str>,
}

pub fn render(findings: &[Finding], summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let findings = findings
        .iter()
        .map(|f| {
            let (start, end) = (f.start(), f.end());
            JsonFinding {
                rule: f.rule,
                severity: f.severity.as_str(),
                path: &f.file.name,
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                message: f.message(),
                help: f.help(),
                django_operation: f.operation.as_deref(),
            }
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &Report {
            version: 1,
            findings,
            summary,
        },
    )?;
    writeln!(out)
}
