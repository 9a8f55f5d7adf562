//! Resolving the rule names users write (ids, former ids, families) and suggesting the
//! closest one for a typo.

use crate::rules::decl::RuleDecl;
use crate::rules::registry;

/// A name as the user wrote it, resolved.
#[derive(Debug, Clone, Copy)]
pub enum Target<'r> {
    Rule {
        rule: &'r RuleDecl,
        /// Written as a former id (an alias).
        renamed: bool,
    },
    Family(&'r str),
}

impl<'r> Target<'r> {
    /// The rules the name stands for.
    pub fn rules(self, rules: &'r [RuleDecl]) -> Vec<&'r RuleDecl> {
        match self {
            Target::Rule { rule, .. } => vec![rule],
            Target::Family(f) => rules.iter().filter(|r| r.family == f).collect(),
        }
    }

    /// The current id, when the name was written as a former id (an alias).
    pub(super) fn renamed_to(self) -> Option<&'r str> {
        match self {
            Target::Rule {
                rule,
                renamed: true,
            } => Some(&rule.id),
            _ => None,
        }
    }

    pub fn covers(self, rule: &RuleDecl) -> bool {
        match self {
            Target::Rule { rule: r, .. } => r.id == rule.id,
            Target::Family(f) => rule.family == f,
        }
    }
}

/// Resolves a rule id, a former id (alias) or a family name.
pub fn resolve<'r>(rules: &'r [RuleDecl], name: &str) -> Option<Target<'r>> {
    if let Some(rule) = rules.iter().find(|r| r.id == name) {
        return Some(Target::Rule {
            rule,
            renamed: false,
        });
    }
    if let Some(rule) = rules.iter().find(|r| r.aliases.iter().any(|a| a == name)) {
        return Some(Target::Rule {
            rule,
            renamed: true,
        });
    }
    if let Some(f) = registry::FAMILIES.iter().find(|f| **f == name) {
        return Some(Target::Family(f));
    }
    rules
        .iter()
        .find(|r| r.family == name)
        .map(|r| Target::Family(&r.family))
}

/// The known rule id or family name closest to `name`, if one is close enough to be a typo.
pub fn suggest(rules: &[RuleDecl], name: &str) -> Option<String> {
    let candidates = rules
        .iter()
        .flat_map(|r| std::iter::once(r.id.as_str()).chain(r.aliases.iter().map(String::as_str)))
        .chain(registry::FAMILIES.iter().copied())
        .chain(rules.iter().map(|r| r.family.as_str()));
    closest(name, candidates).map(|(c, _)| {
        // An alias is suggested by its current id.
        rules
            .iter()
            .find(|r| r.aliases.iter().any(|a| a == c))
            .map_or_else(|| c.to_string(), |r| r.id.clone())
    })
}

/// A help text for an unknown rule name.
pub fn unknown_rule_help(rules: &[RuleDecl], name: &str) -> String {
    match suggest(rules, name) {
        Some(s) => format!("did you mean `{s}`? (`pglint rules` lists every rule)"),
        None => "`pglint rules` lists every rule id and family".to_string(),
    }
}

pub(super) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<(&'a str, usize)> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| {
            // A prefix (`warn` for `warning`) is as good as one typo.
            let prefix =
                name.len().min(c.len()) >= 3 && (c.starts_with(name) || name.starts_with(c));
            (c, if prefix { 1 } else { edit_distance(name, c) })
        })
        .filter(|(_, d)| *d <= limit)
        .min_by_key(|(c, d)| (*d, *c))
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
