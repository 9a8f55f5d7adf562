//! The shape of a rule file, `rules/<family>/<id>.yaml`. Every mapping denies unknown keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Level;
pub use crate::locks::{Blocked, LockMode};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleDecl {
    /// kebab-case, names the defect, stable forever; equals the file stem.
    pub id: String,
    pub family: String,
    /// Default level.
    pub severity: Level,
    /// One line for `pglint rules` and the doc's "What it does".
    pub summary: String,
    /// The problem, with `{placeholders}` filled by the check.
    pub message: String,
    /// The fix, imperative.
    pub help: String,
    /// The fix in Django terms.
    #[serde(default)]
    pub django: Option<String>,
    /// Texts of the labels the check places, by key.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// PostgreSQL facts about the statement this rule flags.
    #[serde(default)]
    pub locks: Option<LockDecl>,
    #[serde(default)]
    pub min_pg: Option<u32>,
    #[serde(default)]
    pub max_pg: Option<u32>,
    #[serde(default)]
    pub options: BTreeMap<String, OptionDecl>,
    /// Old ids that keep working.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The Rust check; defaults to the id.
    #[serde(default)]
    pub check: Option<String>,
    /// Findings of this rule that make one finding (see [`GroupDecl`]).
    #[serde(default)]
    pub group: Option<GroupDecl>,
    pub docs: Docs,
}

impl RuleDecl {
    pub fn check_name(&self) -> &str {
        self.check.as_deref().unwrap_or(&self.id)
    }

    pub fn applies_to(&self, pg_version: u32) -> bool {
        self.min_pg.is_none_or(|v| pg_version >= v) && self.max_pg.is_none_or(|v| pg_version <= v)
    }
}

/// How a rule's findings are reported together: a migration that drops 40 columns of one
/// table is one change for a reviewer, not 40. Each finding's place stays in the group as a
/// related location, so every line is still pointed at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupDecl {
    /// Where findings are gathered: each migration file, or the whole run.
    #[serde(default)]
    pub scope: GroupScope,
    /// The placeholder whose equal values make one group (`table`); without it, every finding
    /// of the rule in the scope is one group.
    #[serde(default)]
    pub by: Option<String>,
    /// The placeholder listed over the group's findings, as `{items}`.
    pub items: String,
    /// Placeholders that, in the group's texts, list their values over the group's findings
    /// (each once) instead of holding the first finding's.
    #[serde(default)]
    pub lists: Vec<String>,
    /// The message of a group of two or more findings: the first finding's placeholders, with
    /// `{count}` (how many places) and `{items}` (the listed values, each once).
    pub message: String,
    /// The help of a group, when the single finding's names only one of them.
    #[serde(default)]
    pub help: Option<String>,
    /// The Django advice of a group, likewise.
    #[serde(default)]
    pub django: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum GroupScope {
    /// One migration file.
    #[default]
    Migration,
    /// Every file of the run (for a fix made once, like a connection setting).
    Run,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LockDecl {
    pub mode: LockMode,
    pub blocks: Vec<Blocked>,
    pub rewrite: bool,
    pub scan: bool,
}

/// A typed knob; the type of `default` is the option's type.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionDecl {
    pub default: OptionValue,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum OptionValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

impl OptionValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            OptionValue::Bool(_) => "a boolean",
            OptionValue::Int(_) => "an integer",
            OptionValue::Str(_) => "a string",
            OptionValue::List(_) => "a list of strings",
        }
    }

    pub fn same_type(&self, other: &OptionValue) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// What goes wrong in production.
    pub why: String,
    /// Earlier migrations the examples build on (replayed first, never reported).
    #[serde(default)]
    pub context: Option<String>,
    /// SQL that must raise exactly this rule (tested).
    pub bad: String,
    /// SQL that must raise nothing (tested).
    pub good: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

#[cfg(test)]
mod tests {
    /// `rules/schema.json` lets editors validate rule files; it is generated from these types.
    /// Regenerate with `PGLINT_UPDATE_DOCS=1 cargo test --lib`.
    #[test]
    fn rule_schema_is_current() {
        let schema = schemars::schema_for!(super::RuleDecl);
        let want = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema.json");
        if std::env::var_os("PGLINT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "rules/schema.json is stale: run PGLINT_UPDATE_DOCS=1 cargo test --lib"
        );
    }
}
