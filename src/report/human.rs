//! The `human` format: one miette graphical report per finding, grouped by file, then a
//! summary line.
//!
//! Colours and unicode box drawing only on a terminal without `NO_COLOR`; anywhere else (pipes,
//! files, CI logs, snapshots) a plain unicode theme without ANSI codes, 100 columns wide.

use std::fmt::{self, Display, Write as _};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::inert::{self, Lines};
use super::source_code::IndexedSource;
use super::{printable, snippet};
use crate::finding::{Finding, Related, Severity, Summary};
use crate::source::SourceFile;
use crate::span::Span;

/// Width of the plain output, and of terminal output when the width is unknown.
pub const PLAIN_WIDTH: usize = 100;

/// How the report looks; decided once per output stream by [`Styling::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Styling {
    /// Colours and unicode, wrapped at the terminal's width.
    Fancy { width: usize },
    /// No ANSI codes, unicode box drawing, [`PLAIN_WIDTH`] columns.
    Plain,
}

impl Styling {
    /// The one place the look is decided: fancy only on a terminal without `NO_COLOR`.
    pub fn decide(is_terminal: bool, no_color: bool, terminal_width: Option<usize>) -> Styling {
        if is_terminal && !no_color {
            Styling::Fancy {
                width: terminal_width.filter(|&w| w > 20).unwrap_or(PLAIN_WIDTH),
            }
        } else {
            Styling::Plain
        }
    }

    pub fn for_stdout() -> Styling {
        let out = io::stdout();
        let width = terminal_size::terminal_size_of(&out).map(|(w, _)| usize::from(w.0));
        Styling::decide(out.is_terminal(), no_color(), width)
    }

    pub fn for_stderr() -> Styling {
        let err = io::stderr();
        let width = terminal_size::terminal_size_of(&err).map(|(w, _)| usize::from(w.0));
        Styling::decide(err.is_terminal(), no_color(), width)
    }

    /// The miette handler for this look; the docs link is printed as text after the rule id.
    pub fn handler(self) -> GraphicalReportHandler {
        let (theme, width) = match self {
            Styling::Fancy { width } => (GraphicalTheme::unicode(), width),
            Styling::Plain => (GraphicalTheme::unicode_nocolor(), PLAIN_WIDTH),
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            // A path in a hint (`… (shop/migrations/0042_add-sku.py:17)`) stays on one line,
            // so that terminals and editors can open it: lines break at spaces only (not after
            // a `/` or at a hyphen), and a word longer than the width is not cut.
            .with_break_words(false)
            .with_word_separator(textwrap::WordSeparator::AsciiSpace)
            .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
            .with_links(false)
            .with_context_lines(snippet::CONTEXT_LINES)
    }
}

/// <https://no-color.org>: set and not empty.
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Renders the findings (already in file order) and the summary line.
pub fn render(
    findings: &[Finding],
    summary: &Summary,
    styling: Styling,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_findings(findings, styling, out)?;
    render_summary(summary, out)
}

/// The findings, file by file; a report is these for every file, then [`render_summary`].
pub fn render_findings(
    findings: &[Finding],
    styling: Styling,
    out: &mut dyn Write,
) -> io::Result<()> {
    let handler = styling.handler();
    let mut out = Lines::new(out);
    // The report is assembled here and handed to the line writer a batch at a time, which
    // then looks for what it must change in one pass over many diagnostics. Writing to a
    // `String` cannot fail.
    let mut text = String::new();
    for group in findings.chunk_by(|a, b| same_file(&a.file, &b.file)) {
        let counts = Summary::count(1, group);
        let _ = writeln!(
            text,
            "{}: {}",
            inert::text(&group[0].file.name),
            counts_text(&counts).unwrap_or_default()
        );
        text.push('\n');
        for f in group {
            let diagnostic = FindingDiagnostic::new(f);
            let start = text.len();
            printable::render(&handler, &diagnostic, &mut text).map_err(io::Error::other)?;
            insert_place(&mut text, start, f);
            // Labels in other files follow, each with its own snippet.
            for related in &diagnostic.elsewhere {
                text.push('\n');
                printable::render(&handler, related, &mut text).map_err(io::Error::other)?;
            }
            text.push('\n');
            if text.len() >= inert::BATCH {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
    }
    out.write_all(text.as_bytes())?;
    out.finish().map(drop)
}

/// For SQL generated from a migration `.py` (`pglint django`), the snippet shows the SQL
/// (under its own name, `sqlmigrate APP NAME`): the place in the `.py` to open is put on a line
/// of its own right under the rule's line of the report that starts at `start`, as
/// `  --> shop/migrations/0003_x.py:16:9 (Add field handled_by to order)`.
fn insert_place(text: &mut String, start: usize, f: &Finding) {
    if f.file.generated.is_none() {
        return;
    }
    let Some(eol) = text[start..].find('\n') else {
        return;
    };
    let (at, _) = f.location();
    let mut line = format!(
        "  --> {}:{}:{}",
        inert::text(&f.file.name),
        at.line,
        at.column
    );
    if let Some(operation) = f.operation.as_deref() {
        line.push_str(" (");
        inert::escape_into(&mut line, operation, |_| false);
        line.push(')');
    }
    line.push('\n');
    text.insert_str(start + eol + 1, &line);
}

/// The last line of a report.
pub fn render_summary(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", summary_line(summary))
}

/// Renders diagnostics that are not findings (unreadable inputs, config errors) the same way.
pub fn render_diagnostic(
    diagnostic: &dyn Diagnostic,
    styling: Styling,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut text = String::new();
    printable::render(&styling.handler(), diagnostic, &mut text).map_err(io::Error::other)?;
    let mut out = Lines::new(out);
    out.write_all(text.as_bytes())?;
    out.finish().map(drop)
}

/// Writes errors (unreadable inputs, config errors) to stderr, styled for stderr.
pub fn eprint_diagnostics<'a>(diagnostics: impl IntoIterator<Item = &'a dyn Diagnostic>) {
    let styling = Styling::for_stderr();
    let stderr = io::stderr();
    let mut err = stderr.lock();
    for d in diagnostics {
        // Nothing better to do when stderr itself fails.
        let _ = render_diagnostic(d, styling, &mut err).and_then(|()| writeln!(err));
    }
}

/// `1 error, 3 warnings in 2 files`, `No problems found in 2 files`, or `No file was linted`
/// (stderr says why: the inputs could not be read, or none was selected).
pub fn summary_line(s: &Summary) -> String {
    if s.files == 0 && counts_text(s).is_none() {
        return "No file was linted".to_string();
    }
    let files = plural(s.files, "file", "files");
    match counts_text(s) {
        None => format!("No problems found in {files}"),
        Some(counts) => format!("{counts} in {files}"),
    }
}

/// `1 error, 3 warnings`; `None` when there is nothing.
fn counts_text(s: &Summary) -> Option<String> {
    let counts: Vec<String> = [
        (s.errors, "error", "errors"),
        (s.warnings, "warning", "warnings"),
        (s.infos, "info", "infos"),
    ]
    .into_iter()
    .filter(|&(n, _, _)| n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    (!counts.is_empty()).then(|| counts.join(", "))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn same_file(a: &Arc<SourceFile>, b: &Arc<SourceFile>) -> bool {
    Arc::ptr_eq(a, b) || a.name == b.name
}

/// Where miette draws a span. An empty span at the very end of a file that ends with a line
/// break ("the migration ends here") is drawn after the last line's text: miette shows no line
/// after the final line break, so the label would vanish.
fn drawable(file: &SourceFile, span: Span) -> Span {
    let text = &file.text;
    if !span.is_empty() || span.start != text.len() {
        return span;
    }
    let end = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .map_or(text.len(), str::len);
    Span::new(end, end)
}

/// A finding as miette sees it.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    message: String,
    source: IndexedSource,
    /// The help, Django hint and operation header, one per line.
    help: Option<String>,
    /// Related labels in other files, each shown with its own snippet.
    elsewhere: Vec<RelatedDiagnostic<'a>>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding) -> Self {
        // One hint a line: each made inert here, so that a line break from the input cannot
        // pass for one of these. Written straight into the one help text, which gives what
        // `inert::text` of each, joined, gave: `escape_into` looks back into the text before
        // only for a `##` before a `[`, and each hint follows the start, a line break or a
        // prefix.
        let (rule_help, django) = (finding.help(), finding.django());
        // In generated SQL the operation is named on the place's line (`insert_place`).
        let operation = finding
            .operation
            .as_deref()
            .filter(|_| finding.file.generated.is_none());
        let hints = [
            ("", rule_help.as_deref()),
            ("Django: ", django.as_deref()),
            ("in Django operation: ", operation),
        ];
        let present = || {
            hints
                .iter()
                .filter_map(|&(prefix, text)| Some((prefix, text?)))
        };
        let mut help = String::with_capacity(present().map(|(p, t)| p.len() + t.len() + 1).sum());
        for (i, (prefix, text)) in present().enumerate() {
            if i > 0 {
                help.push('\n');
            }
            help.push_str(prefix);
            inert::escape_into(&mut help, text, |_| false);
        }
        FindingDiagnostic {
            finding,
            message: finding.message().into_owned(),
            source: IndexedSource::new(finding.file.clone()),
            // A hint may be empty: whether there is one is not read off the text.
            help: present().next().is_some().then_some(help),
            elsewhere: finding
                .related
                .iter()
                .filter(|r| !same_file(&r.file, &finding.file))
                .map(RelatedDiagnostic::new)
                .collect(),
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("rule", &self.finding.rule)
            .finish_non_exhaustive()
    }
}

impl Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'b>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        Some(Box::new(DocsUrl(self.finding.rule)))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let primary = LabeledSpan::new_primary_with_span(
            f.label().map(|l| l.into_owned()),
            drawable(&f.file, f.span),
        );
        let same_file = f
            .related
            .iter()
            .filter(|r| same_file(&r.file, &f.file))
            .map(|r| LabeledSpan::new_with_span(Some(r.label.clone()), drawable(&r.file, r.span)));
        Some(Box::new(std::iter::once(primary).chain(same_file)))
    }
}

/// The docs link of a rule, [`crate::finding::docs_url`] written out without a `String` of
/// its own (it is read once per finding, to be copied).
struct DocsUrl(&'static str);

impl Display for DocsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::finding::DOCS_BASE)?;
        f.write_str("/")?;
        f.write_str(self.0)?;
        f.write_str(".md")
    }
}

/// A secondary label in another (earlier) file: a note with that file's snippet.
struct RelatedDiagnostic<'a> {
    related: &'a Related,
    source: IndexedSource,
}

impl<'a> RelatedDiagnostic<'a> {
    fn new(related: &'a Related) -> Self {
        RelatedDiagnostic {
            related,
            source: IndexedSource::new(related.file.clone()),
        }
    }
}

impl fmt::Debug for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelatedDiagnostic")
            .field("file", &self.related.file.name)
            .field("span", &self.related.span)
            .finish()
    }
}

impl Display for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "note: {}", self.related.label)
    }
}

impl std::error::Error for RelatedDiagnostic<'_> {}

impl Diagnostic for RelatedDiagnostic<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                None,
                drawable(&self.related.file, self.related.span),
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styling_is_fancy_only_on_a_terminal_without_no_color() {
        assert_eq!(
            Styling::decide(true, false, Some(132)),
            Styling::Fancy { width: 132 }
        );
        assert_eq!(
            Styling::decide(true, false, None),
            Styling::Fancy { width: PLAIN_WIDTH }
        );
        assert_eq!(Styling::decide(true, true, Some(132)), Styling::Plain);
        assert_eq!(Styling::decide(false, false, Some(132)), Styling::Plain);
    }

    #[test]
    fn docs_url_is_written_as_the_finding_gives_it() {
        assert_eq!(
            DocsUrl("missing-lock-timeout").to_string(),
            crate::finding::docs_url("missing-lock-timeout")
        );
    }

    #[test]
    fn summary_wording() {
        let s = |files, errors, warnings, infos| Summary {
            files,
            errors,
            warnings,
            infos,
        };
        assert_eq!(summary_line(&s(2, 0, 0, 0)), "No problems found in 2 files");
        assert_eq!(summary_line(&s(1, 0, 0, 0)), "No problems found in 1 file");
        assert_eq!(summary_line(&s(0, 0, 0, 0)), "No file was linted");
        assert_eq!(
            summary_line(&s(2, 1, 3, 0)),
            "1 error, 3 warnings in 2 files"
        );
        assert_eq!(
            summary_line(&s(1, 2, 1, 1)),
            "2 errors, 1 warning, 1 info in 1 file"
        );
    }
}
