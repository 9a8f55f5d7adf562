//! The stable JSON shape: `{"version": 1, "findings": [...], "summary": {...}}`.
//!
//! Each finding is `{"rule", "severity", "path", "line", "column", "end_line", "end_column",
//! "message", "help", "django", "docs_url", "django_operation", "migration", "sql",
//! "related"}`; `help`, `django` (the fix in Django terms) and `django_operation` (the
//! `describe()` of the statement's Django operation) are `null` when absent. In `pglint
//! django` the path is the migration `.py` and the place is the operation's there;
//! `migration` is `{"path", "line", "column", "operation"}` (that place, named), and `sql`
//! is `{"name", "line", "column", "end_line", "end_column"}`, the span in the SQL that
//! `sqlmigrate` prints (`name`: `sqlmigrate APP NAME`); both are `null` for SQL files.
//! `related` lists the finding's other places (the other statements of a group, the statement
//! that took a lock), each `{"path", "line", "column", "end_line", "end_column", "label",
//! "sql"}`. Lines and columns are 1-based, columns count characters (not bytes), and the end
//! is exclusive (it equals the start for an empty span). The summary is `{"files", "errors",
//! "warnings", "infos"}`.

use std::io::{self, Write};

use super::{Start, inert, write_indented};
use crate::finding::{Finding, Summary};
use crate::source::SourceFile;
use crate::span::Span;

/// A value of a finding's field: a scalar, or an object of scalars (a place).
enum Value<'a> {
    Str(&'a str),
    Num(usize),
    Null,
    Object(Vec<(&'static str, Value<'a>)>),
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Value::Null, Value::Str)
    }
}

/// One finding, written as `serde_json`'s pretty printer writes it as an element of the
/// `findings` array. Writing the fields directly, rather than pretty-printing the finding and
/// indenting each line again, took a sixth of a run's instructions off (BENCHMARKS.md); the
/// output is the same byte for byte (the `report__json` snapshot pins it).
fn write_finding(out: &mut impl Write, f: &Finding) -> io::Result<()> {
    let (start, end) = f.location();
    let message = f.message();
    let help = f.help();
    let django = f.django();
    let docs = crate::finding::docs_url(f.rule);
    let fields = [
        ("rule", Value::Str(f.rule)),
        ("severity", Value::Str(f.severity.as_str())),
        ("path", Value::Str(&f.file.name)),
        ("line", Value::Num(start.line)),
        ("column", Value::Num(start.column)),
        ("end_line", Value::Num(end.line)),
        ("end_column", Value::Num(end.column)),
        ("message", Value::Str(&message)),
        ("help", help.as_deref().into()),
        ("django", django.as_deref().into()),
        ("docs_url", Value::Str(&docs)),
        ("django_operation", f.operation.as_deref().into()),
        ("migration", migration(f)),
        ("sql", sql_place(&f.file, f.span)),
    ];
    out.write_all(b"    {")?;
    write_fields(out, &fields, "      ")?;
    out.write_all(b",\n      \"related\": [")?;
    for (i, r) in f.related.iter().enumerate() {
        let (start, end) = r.location();
        let fields = [
            ("path", Value::Str(&r.file.name)),
            ("line", Value::Num(start.line)),
            ("column", Value::Num(start.column)),
            ("end_line", Value::Num(end.line)),
            ("end_column", Value::Num(end.column)),
            ("label", Value::Str(&r.label)),
            ("sql", sql_place(&r.file, r.span)),
        ];
        out.write_all(if i == 0 {
            b"\n        {"
        } else {
            b",\n        {"
        })?;
        write_fields(out, &fields, "          ")?;
        out.write_all(b"\n        }")?;
    }
    if !f.related.is_empty() {
        out.write_all(b"\n      ")?;
    }
    out.write_all(b"]\n    }")
}

/// `pglint django`: the migration `.py` and the place there of the operation the finding's
/// statement came from (`null` elsewhere).
fn migration(f: &Finding) -> Value<'_> {
    if f.file.generated.is_none() {
        return Value::Null;
    }
    let (at, _) = f.location();
    Value::Object(vec![
        ("path", Value::Str(&f.file.name)),
        ("line", Value::Num(at.line)),
        ("column", Value::Num(at.column)),
        ("operation", f.operation.as_deref().into()),
    ])
}

/// For SQL generated from a migration `.py`: where `span` is in that SQL, named as the
/// command that prints it (`null` for a SQL file, whose place is the finding's own).
fn sql_place(file: &SourceFile, span: Span) -> Value<'_> {
    let Some(g) = &file.generated else {
        return Value::Null;
    };
    let start = file.lines.line_col(&file.text, span.start);
    let end = file.lines.line_col(&file.text, span.end);
    Value::Object(vec![
        ("name", Value::Str(&g.sql_name)),
        ("line", Value::Num(start.line)),
        ("column", Value::Num(start.column)),
        ("end_line", Value::Num(end.line)),
        ("end_column", Value::Num(end.column)),
    ])
}

/// The fields of an object, each on a line of its own at `indent`, as `serde_json`'s pretty
/// printer writes them (the caller writes the braces).
fn write_fields(
    out: &mut impl Write,
    fields: &[(&str, Value<'_>)],
    indent: &str,
) -> io::Result<()> {
    for (i, (key, value)) in fields.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        out.write_all(indent.as_bytes())?;
        out.write_all(b"\"")?;
        out.write_all(key.as_bytes())?;
        out.write_all(b"\": ")?;
        match value {
            Value::Str(s) => write_str(out, s)?,
            Value::Num(n) => write!(out, "{n}")?,
            Value::Null => out.write_all(b"null")?,
            Value::Object(fields) => {
                let inner = format!("{indent}  ");
                out.write_all(b"{")?;
                write_fields(out, fields, &inner)?;
                out.write_all(b"\n")?;
                out.write_all(indent.as_bytes())?;
                out.write_all(b"}")?;
            }
        }
    }
    Ok(())
}

/// A JSON string with what the input may hold made inert ([`inert::json`]); ordinary text is
/// serialized straight into `out`.
fn write_str(out: &mut impl Write, s: &str) -> io::Result<()> {
    if inert::json_ready(s) {
        return serde_json::to_writer(&mut *out, s).map_err(io::Error::other);
    }
    let text = serde_json::to_string(s).map_err(io::Error::other)?;
    out.write_all(inert::json(&text).as_bytes())
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
            write_finding(&mut self.out, f)?;
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
