//! pglint's configuration: pg_version, fail_on, per-rule levels and options, per-path ignores.
//!
//! It is read from `.pglint.yaml`, or from the `[tool.pglint]` table of a `pyproject.toml`
//! (same keys); [`discover`] takes the nearest of them from the working directory upward, a
//! `.pglint.yaml` winning in its directory and a pyproject.toml without `[tool.pglint]` passed
//! over. Either file is parsed into one tree of spanned nodes ([`tree`], by [`yaml`] or
//! [`toml`]) and validated by hand, so every mistake (unknown key, unknown rule, wrong option
//! type, bad level, syntax) becomes a miette diagnostic with a label on the offending key or
//! value, at its line in the file it was written in.

mod diagnostic;
mod ignore;
mod load;
mod names;
mod settings;
mod starter;
mod toml;
mod tree;
mod validate;
mod yaml;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::cli::FailOn;
use crate::finding::Level;
use crate::rules::decl::OptionValue;

pub use self::diagnostic::{ConfigDiagnostic, ConfigError, Kind};
use self::ignore::IgnoreEntry;
pub use self::load::{
    discover, has_tool_table, load, parse, parse_pyproject, parse_pyproject_with, parse_with,
};
pub use self::names::{Target, resolve, suggest, unknown_rule_help};
pub use self::starter::STARTER;

/// The configuration file name looked for upward from the working directory.
pub const FILE_NAME: &str = ".pglint.yaml";

/// The Python project file whose `[tool.pglint]` table is used when a directory has no
/// [`FILE_NAME`].
pub const PYPROJECT: &str = "pyproject.toml";

pub const MIN_PG_VERSION: u32 = 12;
pub const MAX_PG_VERSION: u32 = 18;

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from (none: defaults).
    pub path: Option<PathBuf>,
    pub pg_version: Option<u32>,
    pub fail_on: Option<FailOn>,
    /// Configured level per rule id (family entries already expanded; ids win over families).
    pub levels: BTreeMap<String, Level>,
    /// Configured options per rule id, type-checked against the rule's defaults.
    pub options: BTreeMap<String, Vec<(String, OptionValue)>>,
    ignore: Vec<IgnoreEntry>,
    /// Non-fatal remarks (renamed rule ids), to show on stderr.
    pub warnings: Vec<ConfigDiagnostic>,
}

#[cfg(test)]
mod tests;
