//! Output formats. A reporter only renders; it never decides what is a finding.

pub mod compact;
pub mod github;
pub mod human;
pub mod inert;
pub mod json;
pub mod markdown;
mod printable;
pub mod sarif;
mod snippet;
pub mod source_code;

use std::io::{self, Write};
use std::path::Path;

use crate::advisor::FileLocks;
use crate::cli::Format;
use crate::finding::{Finding, Summary};

/// A report written file by file while the lint runs, for the formats that allow it (all but
/// markdown): a run over a large project then never holds all of its findings, and the first
/// file's findings show while the others are linted.
pub struct Stream<'w> {
    writer: StreamWriter<'w>,
    summary: Summary,
}

/// `Send`: with `PGLINT_THREADS=1` the lint, and so the writing, runs on a thread of its own.
enum StreamWriter<'w> {
    Json(json::Writer<&'w mut (dyn Write + Send)>),
    Compact(&'w mut (dyn Write + Send)),
    Human(human::Styling, &'w mut (dyn Write + Send)),
    Github(&'w mut (dyn Write + Send)),
    // Boxed: its maps make it several times the size of the other writers.
    Sarif(Box<sarif::Writer<&'w mut (dyn Write + Send)>>),
}

impl<'w> Stream<'w> {
    /// `None` for markdown, which needs every finding first: it opens with its tables.
    pub fn begin(format: Format, out: &'w mut (dyn Write + Send)) -> io::Result<Option<Self>> {
        let writer = match format {
            Format::Json => StreamWriter::Json(json::Writer::begin(out)?),
            Format::Compact => StreamWriter::Compact(out),
            Format::Human => StreamWriter::Human(human::Styling::for_stdout(), out),
            Format::Github => StreamWriter::Github(out),
            Format::Sarif => StreamWriter::Sarif(Box::new(sarif::Writer::begin(out)?)),
            Format::Markdown => return Ok(None),
        };
        Ok(Some(Stream {
            writer,
            summary: Summary::default(),
        }))
    }

    /// Writes one file's findings (in order) and counts them.
    pub fn findings(&mut self, findings: &[Finding]) -> io::Result<()> {
        self.summary.add(findings);
        match &mut self.writer {
            StreamWriter::Json(w) => w.findings(findings),
            StreamWriter::Compact(out) => compact::render(findings, &mut **out),
            StreamWriter::Human(styling, out) => {
                human::render_findings(findings, *styling, &mut **out)
            }
            StreamWriter::Github(out) => github::render_findings(findings, &mut **out),
            StreamWriter::Sarif(w) => w.findings(findings),
        }
    }

    /// Ends the report; returns what it counted.
    pub fn finish(self, files: usize) -> io::Result<Summary> {
        let summary = Summary {
            files,
            ..self.summary
        };
        match self.writer {
            StreamWriter::Json(w) => w.finish(&summary)?,
            StreamWriter::Compact(_) => {}
            StreamWriter::Human(_, out) => human::render_summary(&summary, out)?,
            StreamWriter::Github(out) => github::render_summary(&summary, out)?,
            StreamWriter::Sarif(w) => w.finish()?,
        }
        Ok(summary)
    }
}

/// Whether a value nested in a pretty-printed JSON document starts on a line of its own (an
/// array element) or after its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    OwnLine,
    AfterKey,
}

/// `value` pretty-printed by serde_json as it prints it nested `indent` deep: every line
/// indented, but the first only when the value starts on a line of its own; made inert
/// ([`inert::json`]). JSON strings hold no raw newlines, so splitting on them is safe.
fn write_indented(
    out: &mut impl Write,
    value: &impl serde::Serialize,
    indent: &str,
    start: Start,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    for (i, line) in inert::json(&text).split('\n').enumerate() {
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

/// Renders findings in a format that needs nothing else (the markdown report then has no
/// locks section).
pub fn render(
    format: Format,
    findings: &[Finding],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_report(format, findings, summary, &[], out)
}

/// Renders findings; `locks` (the advisor's view of each reported file) is shown by the
/// markdown format.
pub fn render_report(
    format: Format,
    findings: &[Finding],
    summary: &Summary,
    locks: &[FileLocks],
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(findings, summary, human::Styling::for_stdout(), out),
        Format::Compact => compact::render(findings, out),
        Format::Json => json::render(findings, summary, out),
        Format::Sarif => sarif::render(findings, out),
        Format::Github => github::render(findings, summary, out),
        Format::Markdown => markdown::render(findings, summary, locks, out),
    }
}

/// The path a CI system shows and links: relative to the current directory when the file is
/// below it, without a leading `./`, with `/` separators.
pub fn repo_path(name: &str) -> String {
    let path = Path::new(name);
    let relative = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| {
                let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
                let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                file.strip_prefix(&cwd)
                    .ok()
                    .map(|p| p.display().to_string())
            })
            .unwrap_or_else(|| name.to_string())
    } else {
        name.to_string()
    };
    let mut s = relative.replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

/// `2 errors, 1 warning, 0 infos in 3 files`.
pub fn summary_line(summary: &Summary) -> String {
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {}, {} in {}",
        n(summary.errors, "error", "errors"),
        n(summary.warnings, "warning", "warnings"),
        n(summary.infos, "info", "infos"),
        n(summary.files, "file", "files")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths_are_relative_and_slashed() {
        assert_eq!(repo_path("./shop/0001.sql"), "shop/0001.sql");
        assert_eq!(repo_path("shop\\0001.sql"), "shop/0001.sql");
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("Cargo.toml");
        assert_eq!(repo_path(&abs.display().to_string()), "Cargo.toml");
        assert_eq!(repo_path("/nowhere/x.sql"), "/nowhere/x.sql");
    }

    /// The streamed report, written file by file, is the report rendered whole, byte for byte.
    #[test]
    fn streamed_reports_match_whole_ones() {
        let engine = crate::rules::Engine::new(crate::rules::Settings::default());
        let texts = [
            (
                "a.sql",
                "CREATE TABLE t (id serial PRIMARY KEY, at timestamp);\n",
            ),
            ("b.sql", "SELECT 1;\n"),
            (
                "c.sql",
                "CREATE INDEX i ON t (at);\nALTER TABLE t ADD COLUMN n varchar(10);\n",
            ),
        ];
        let findings = crate::lint::lint_texts(&engine, &texts);
        assert!(findings.len() >= 3, "{}", findings.len());
        assert!(findings.chunk_by(|a, b| a.file.name == b.file.name).count() >= 2);
        let whole_summary = Summary::count(texts.len(), &findings);
        for format in [
            Format::Json,
            Format::Compact,
            Format::Human,
            Format::Github,
            Format::Sarif,
        ] {
            let mut whole = Vec::new();
            render(format, &findings, &whole_summary, &mut whole).unwrap();
            let splits: [Vec<&[Finding]>; 3] = [
                vec![&findings[..]],
                // As the lint hands them over: one file at a time, files without findings too.
                findings
                    .chunk_by(|a, b| a.file.name == b.file.name)
                    .flat_map(|file| [file, &[]])
                    .collect(),
                vec![&[], &findings[..]],
            ];
            for batches in splits {
                let mut streamed = Vec::new();
                let mut stream = Stream::begin(format, &mut streamed).unwrap().unwrap();
                for batch in batches {
                    stream.findings(batch).unwrap();
                }
                assert_eq!(stream.finish(texts.len()).unwrap(), whole_summary);
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    String::from_utf8(whole.clone()).unwrap()
                );
            }
        }
        // No findings at all.
        let mut whole = Vec::new();
        render(Format::Json, &[], &Summary::default(), &mut whole).unwrap();
        let mut streamed = Vec::new();
        let stream = Stream::begin(Format::Json, &mut streamed).unwrap().unwrap();
        stream.finish(0).unwrap();
        assert_eq!(streamed, whole);
        assert!(
            String::from_utf8(whole)
                .unwrap()
                .contains("\"findings\": [],")
        );
        assert!(
            Stream::begin(Format::Markdown, &mut Vec::new())
                .unwrap()
                .is_none()
        );
    }
}
