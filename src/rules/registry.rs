//! The rules compiled into the binary: every `rules/**/*.yaml`, embedded by `build.rs`, so
//! adding a rule needs no hand-kept list.

use std::sync::OnceLock;

use super::decl::RuleDecl;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A rule file as embedded: its path relative to the crate and its text.
pub fn rule_files() -> &'static [(&'static str, &'static str)] {
    EMBEDDED_RULES
}

/// Every declared rule, sorted by family then id.
pub fn rules() -> &'static [RuleDecl] {
    static RULES: OnceLock<Vec<RuleDecl>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules: Vec<RuleDecl> = EMBEDDED_RULES
            .iter()
            .map(
                |(path, text)| match serde_saphyr::from_str::<RuleDecl>(text) {
                    Ok(rule) => rule,
                    // Rule files are part of the build, checked by the test suite; a broken one is
                    // a bug in pglint, not in the user's input.
                    Err(e) => panic!("embedded rule file {path} is invalid: {e}"),
                },
            )
            .collect();
        rules.sort_by(|a, b| {
            (family_order(&a.family), &a.id).cmp(&(family_order(&b.family), &b.id))
        });
        rules
    })
}

/// Families in the order the docs list them.
pub const FAMILIES: &[&str] = &[
    "core",
    "index-locks",
    "foreign-keys",
    "types",
    "locks",
    "compat",
    "django",
    "partitioning",
    "design",
];

fn family_order(family: &str) -> usize {
    FAMILIES
        .iter()
        .position(|f| *f == family)
        .unwrap_or(FAMILIES.len())
}

/// A rule by id or alias.
pub fn find(id: &str) -> Option<&'static RuleDecl> {
    rules()
        .iter()
        .find(|r| r.id == id || r.aliases.iter().any(|a| a == id))
}

pub fn is_family(name: &str) -> bool {
    rules().iter().any(|r| r.family == name)
}
