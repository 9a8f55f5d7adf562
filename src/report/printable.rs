//! Every diagnostic pglint prints (findings, their notes, input and configuration errors)
//! reaches miette through [`render`]: as a [`Printable`] copy whose words are made inert and
//! whose source is a clipped [`Snippet`] with the labels remapped into it, never the source
//! itself (see [`super::snippet`] for why).

use std::fmt::{self, Display};

use miette::{Diagnostic, GraphicalReportHandler, LabeledSpan, Severity, SourceCode};

use super::inert;
use super::snippet::{self, Snippet};

/// Renders `diagnostic` (and what it relates) with `handler`, appending to `out`.
pub fn render(
    handler: &GraphicalReportHandler,
    diagnostic: &dyn Diagnostic,
    out: &mut String,
) -> fmt::Result {
    handler.render_report(out, &Printable::new(diagnostic, None))
}

/// A diagnostic as miette is allowed to see it; owns everything it shows.
#[derive(Debug)]
struct Printable {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    url: Option<String>,
    snippet: Option<Snippet>,
    labels: Vec<LabeledSpan>,
    cause: Option<Box<Cause>>,
    diagnostic_source: Option<Box<Printable>>,
    related: Vec<Printable>,
}

impl Printable {
    /// `parent` is the source of the diagnostic this one is related to, which miette reads
    /// the labels from when this one has no source of its own.
    fn new(d: &dyn Diagnostic, parent: Option<&dyn SourceCode>) -> Self {
        let source = d.source_code().or(parent);
        let labels: Vec<LabeledSpan> = d.labels().map(Iterator::collect).unwrap_or_default();
        let (snippet, labels) = match source {
            Some(source) if !labels.is_empty() => {
                snippet::clip(source, &labels).map_or((None, Vec::new()), |(s, l)| (Some(s), l))
            }
            _ => (None, Vec::new()),
        };
        Printable {
            // Each text is written out once by its `Display` and kept as it is unless
            // something in it had to be escaped.
            message: inert::text_owned(d.to_string()),
            code: d.code().map(|c| inert::text_owned(c.to_string())),
            severity: d.severity(),
            // A help's line breaks are the diagnostic's own (one line per hint).
            help: d.help().map(|h| inert::lines_owned(h.to_string())),
            url: d.url().map(|u| inert::text_owned(u.to_string())),
            snippet,
            labels,
            cause: Cause::chain(d.source()),
            diagnostic_source: d
                .diagnostic_source()
                .map(|s| Box::new(Printable::new(s, source))),
            related: d
                .related()
                .map(|r| r.map(|r| Printable::new(r, source)).collect())
                .unwrap_or_default(),
        }
    }
}

impl Display for Printable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Printable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as _)
    }
}

impl Diagnostic for Printable {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as _)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as _)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.url.as_ref().map(|u| Box::new(u) as _)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as _)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as _)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)) as _)
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.diagnostic_source.as_deref().map(|d| d as _)
    }
}

/// One error of a cause chain, its words made inert.
#[derive(Debug)]
struct Cause {
    text: String,
    next: Option<Box<Cause>>,
}

impl Cause {
    fn chain(error: Option<&dyn std::error::Error>) -> Option<Box<Cause>> {
        let error = error?;
        Some(Box::new(Cause {
            text: inert::text_owned(error.to_string()),
            next: Cause::chain(error.source()),
        }))
    }
}

impl Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.next.as_deref().map(|c| c as _)
    }
}
