//! The errors configuration loading reports: located diagnostics with a code per kind of
//! mistake, and the unlocated ones (missing file, I/O, a pyproject.toml without
//! `[tool.pglint]`, unknown CLI names).

use std::fmt::Display;

use miette::{Diagnostic, LabeledSpan, SourceCode};
use thiserror::Error;

use crate::report::source_code::IndexedSource;
use crate::span::Span;

/// What kind of mistake a configuration diagnostic is about; each has its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Syntax,
    UnknownKey,
    UnknownRule,
    UnknownOption,
    OptionType,
    BadLevel,
    BadValue,
    BadGlob,
    RenamedRule,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Syntax => "pglint::config::syntax",
            Kind::UnknownKey => "pglint::config::unknown_key",
            Kind::UnknownRule => "pglint::config::unknown_rule",
            Kind::UnknownOption => "pglint::config::unknown_option",
            Kind::OptionType => "pglint::config::option_type",
            Kind::BadLevel => "pglint::config::bad_level",
            Kind::BadValue => "pglint::config::bad_value",
            Kind::BadGlob => "pglint::config::bad_glob",
            Kind::RenamedRule => "pglint::config::renamed_rule",
        }
    }
}

/// One located problem in the configuration file.
#[derive(Debug, Clone, Error)]
#[error("{message}")]
pub struct ConfigDiagnostic {
    pub kind: Kind,
    pub message: String,
    pub label: String,
    pub span: Span,
    pub help: Option<String>,
    pub(super) src: IndexedSource,
}

impl Diagnostic for ConfigDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.kind == Kind::RenamedRule {
            miette::Severity::Warning
        } else {
            miette::Severity::Error
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span),
        )))
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("configuration file {path} does not exist")]
    #[diagnostic(code(pglint::config::not_found))]
    NotFound { path: String },
    #[error("cannot read configuration file {path}: {source}")]
    #[diagnostic(code(pglint::config::io))]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// `--config` named a pyproject.toml that has no settings for pglint.
    #[error("{path} has no [tool.pglint] table")]
    #[diagnostic(
        code(pglint::config::no_tool_table),
        help(
            "pglint reads its settings from the [tool.pglint] table of a pyproject.toml: add one, or pass a .pglint.yaml to --config"
        )
    )]
    NoToolTable { path: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<ConfigDiagnostic>),
    #[error("{} problems in {name}", errors.len())]
    #[diagnostic(code(pglint::config::invalid))]
    Many {
        name: String,
        #[related]
        errors: Vec<ConfigDiagnostic>,
    },
    #[error("{flag} {name}: no rule or rule family is named `{name}`")]
    #[diagnostic(code(pglint::cli::unknown_rule))]
    UnknownName {
        flag: &'static str,
        name: String,
        #[help]
        help: String,
    },
}

impl ConfigError {
    /// The located problems this error carries.
    pub fn diagnostics(&self) -> Vec<&ConfigDiagnostic> {
        match self {
            ConfigError::Invalid(d) => vec![d],
            ConfigError::Many { errors, .. } => errors.iter().collect(),
            _ => Vec::new(),
        }
    }
}
