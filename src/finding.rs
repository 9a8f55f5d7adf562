//! What a rule reports, after its text has been filled in from the rule's YAML.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::rules::decl::RuleDecl;
use crate::rules::template::fill;
use crate::source::SourceFile;
use crate::span::{LineCol, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's level: a severity, or switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// A secondary label, possibly in another (earlier) file.
#[derive(Debug, Clone)]
pub struct Related {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub label: String,
}

impl Related {
    /// Start and end in the file its report names (see [`Finding::location`]).
    pub fn location(&self) -> (LineCol, LineCol) {
        let file = &self.file;
        if file.generated.is_some() {
            let at = file.place(self.span.start);
            return (at, at);
        }
        (
            file.lines.line_col(&file.text, self.span.start),
            file.lines.line_col(&file.text, self.span.end),
        )
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: Arc<SourceFile>,
    /// The exact offending token (type name, index name, constraint…).
    pub span: Span,
    /// The words: read them with [`Finding::message`], [`Finding::help`],
    /// [`Finding::django`] and [`Finding::label`].
    pub text: Text,
    /// The `describe()` of the Django operation the statement falls under.
    pub operation: Option<Arc<str>>,
    pub related: Vec<Related>,
    /// For findings in generated SQL (`pglint django`): the place of the Django operation
    /// (or, for deferred SQL, of the operation that asked for it) in the file named by
    /// `file.name`, the migration `.py`. Read it through [`Finding::location`].
    pub source_at: Option<LineCol>,
    /// Index of the statement in its file (for suppressions and ordering).
    pub statement: usize,
    /// The whole statement the finding is in (for fingerprints that survive unrelated edits).
    pub statement_span: Span,
}

/// The words of a finding. A rule's finding keeps its rule's templates and its own values and
/// fills them when shown: a run over a large project holds every finding until it renders
/// them, and the filled texts (help and Django advice repeat the template's prose) would be
/// most of its memory.
#[derive(Debug, Clone)]
pub enum Text {
    Rule {
        decl: &'static RuleDecl,
        /// Key into the rule's `labels:` for the primary span.
        label: Option<&'static str>,
        /// Exactly as long as needed: every finding of a run is held until it is rendered.
        vars: Box<[(&'static str, String)]>,
        /// Several findings reported as one: the texts are the rule's `group:` ones.
        grouped: bool,
    },
    /// Words given as they are (findings made outside the rule engine, tests); boxed, so
    /// that the common case keeps a finding small.
    Given(Box<GivenText>),
}

#[derive(Debug, Clone)]
pub struct GivenText {
    pub message: String,
    pub help: Option<String>,
    pub django: Option<String>,
    pub label: Option<String>,
}

impl Text {
    /// Words given as they are: a message, no help, no Django advice, no label.
    pub fn given(message: impl Into<String>) -> Text {
        Text::Given(Box::new(GivenText {
            message: message.into(),
            help: None,
            django: None,
            label: None,
        }))
    }

    fn given_mut(&mut self) -> Option<&mut GivenText> {
        match self {
            Text::Given(g) => Some(g),
            Text::Rule { .. } => None,
        }
    }

    /// With a help text (words given as they are only).
    pub fn help(mut self, text: impl Into<String>) -> Text {
        if let Some(g) = self.given_mut() {
            g.help = Some(text.into());
        }
        self
    }

    /// With Django advice (words given as they are only).
    pub fn django(mut self, text: impl Into<String>) -> Text {
        if let Some(g) = self.given_mut() {
            g.django = Some(text.into());
        }
        self
    }

    /// With a label on the primary span (words given as they are only).
    pub fn label(mut self, text: impl Into<String>) -> Text {
        if let Some(g) = self.given_mut() {
            g.label = Some(text.into());
        }
        self
    }
}

impl Finding {
    pub fn message(&self) -> Cow<'_, str> {
        match &self.text {
            Text::Rule { .. } => self
                .rule_text(|d| Some(&d.message), |g| Some(&g.message))
                .unwrap_or_default(),
            Text::Given(g) => Cow::Borrowed(&g.message),
        }
    }

    pub fn help(&self) -> Option<Cow<'_, str>> {
        match &self.text {
            Text::Rule { .. } => self.rule_text(|d| Some(&d.help), |g| g.help.as_ref()),
            Text::Given(g) => g.help.as_deref().map(Cow::Borrowed),
        }
    }

    /// What to do instead, in Django terms.
    pub fn django(&self) -> Option<Cow<'_, str>> {
        match &self.text {
            Text::Rule { .. } => self.rule_text(|d| d.django.as_ref(), |g| g.django.as_ref()),
            Text::Given(g) => g.django.as_deref().map(Cow::Borrowed),
        }
    }

    /// The value a rule's check gave the placeholder `name` (`None` for given words).
    pub fn var(&self, name: &str) -> Option<&str> {
        match &self.text {
            Text::Rule { vars, .. } => vars.iter().find(|(k, _)| *k == name).map(|(_, v)| &**v),
            Text::Given(_) => None,
        }
    }

    /// One of a rule finding's texts, filled: the rule's `group:` one for a finding that
    /// stands for several, when the group has its own, else the single finding's.
    fn rule_text(
        &self,
        single: impl Fn(&'static RuleDecl) -> Option<&'static String>,
        group: impl Fn(&'static crate::rules::decl::GroupDecl) -> Option<&'static String>,
    ) -> Option<Cow<'_, str>> {
        let Text::Rule {
            decl,
            vars,
            grouped,
            ..
        } = &self.text
        else {
            return None;
        };
        let template = match (grouped, &decl.group) {
            (true, Some(g)) => group(g).or_else(|| single(decl)),
            _ => single(decl),
        };
        template.map(|t| Cow::Owned(fill(t, vars)))
    }

    /// The short text on the primary span.
    pub fn label(&self) -> Option<Cow<'_, str>> {
        match &self.text {
            Text::Rule {
                decl, label, vars, ..
            } => label
                .and_then(|k| decl.labels.get(k))
                .map(|t| Cow::Owned(fill(t, vars))),
            Text::Given(g) => g.label.as_deref().map(Cow::Borrowed),
        }
    }

    /// Where the finding is in the file its report names, start and end: the span itself in
    /// a SQL file; in SQL generated from a migration `.py` (`pglint django`), the place of the
    /// operation the statement came from (or of the `class Migration`), start = end, since
    /// the span's lines are those of the SQL. Every format reports this place.
    pub fn location(&self) -> (LineCol, LineCol) {
        match &self.file.generated {
            None => (self.start(), self.end()),
            Some(_) => {
                let at = self
                    .source_at
                    .unwrap_or_else(|| self.file.place(self.span.start));
                (at, at)
            }
        }
    }

    /// The start of the span in `file.text` (for generated SQL, a place in the SQL: see
    /// [`Finding::location`]).
    pub fn start(&self) -> LineCol {
        self.file.lines.line_col(&self.file.text, self.span.start)
    }

    /// The end position; for an empty span this is the start.
    pub fn end(&self) -> LineCol {
        self.file.lines.line_col(&self.file.text, self.span.end)
    }

    pub fn docs_url(&self) -> String {
        docs_url(self.rule)
    }
}

pub const DOCS_BASE: &str = "https://github.com/pglint/pglint/blob/main/docs/rules";

pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE}/{rule}.md")
}

/// Counts per severity, for the summary line and the JSON summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn count(files: usize, findings: &[Finding]) -> Summary {
        let mut s = Summary {
            files,
            ..Summary::default()
        };
        s.add(findings);
        s
    }

    /// Counts more findings.
    pub fn add(&mut self, findings: &[Finding]) {
        for f in findings {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    /// Whether any finding counted is at `severity` or above.
    pub fn any_at_least(&self, severity: Severity) -> bool {
        match severity {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }
}
