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
    let mut writer = Writer::begin(out)?;
    writer.findings(findings)?;
    writer.finish(summary)
}

/// Writes the report piece by piece, as `serde_json`'s pretty printer would write it whole:
/// `pglint` streams the findings of each file as soon as it is linted, so a run never holds
/// all of them (they would be a quarter of its memory on a large project).
pub struct Writer<W: Write> {
    out: W,
    written: usize,
}

impl<W: Write> Writer<W> {
    pub fn begin(mut out: W) -> io::Result<Self> {
        write!(out, "{{\n  \"version\": 1,\n  \"findings\": [")?;
        Ok(Writer { out, written: 0 })
    }

    pub fn findings(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            self.out
                .write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
            write_indented(&mut self.out, &JsonFinding::new(f), "    ", Start::OwnLine)?;
            self.written += 1;
        }
        Ok(())
    }

    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"],\n  \"summary\": ")?;
        write_indented(&mut self.out, summary, "  ", Start::AfterKey)?;
        self.out.write_all(b"\n}\n")
    }
}

/// Where a value starts: on a line of its own (an array element) or after its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    OwnLine,
    AfterKey,
}

/// `value` pretty-printed, its lines indented by `indent` (the first one only when it starts
/// on its own line). JSON strings hold no raw newlines, so splitting on them is safe.
fn write_indented(
    out: &mut impl Write,
    value: &impl Serialize,
    indent: &str,
    start: Start,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        if i > 0 || start == Start::OwnLine {
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
