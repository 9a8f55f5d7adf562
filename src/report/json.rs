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
    findings: Findings<'a>,
    summary: &'a Summary,
}

/// The findings, each turned into its JSON shape as it is written: filling every finding's
/// texts up front would hold them all in memory at once.
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(JsonFinding::new))
    }
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

impl<'a> JsonFinding<'a> {
    fn new(f: &'a Finding) -> Self {
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
    }
}

pub fn render(findings: &[Finding], summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Report {
            version: 1,
            findings: Findings(findings),
            summary,
        },
    )?;
    writeln!(out)
}
