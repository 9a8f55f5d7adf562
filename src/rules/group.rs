//! Findings reported together. A rule with a `group:` in its YAML gathers its findings of one
//! migration (or of the whole run) that share a value (`by: table`) into one finding: the first
//! one's place and words, the group's message naming every item, and each other finding's
//! place as a related location. Runs after suppressions and the config's ignores, so each
//! statement can still be silenced on its own and only what is reported is grouped.

use crate::finding::{Finding, Related, Text};
use crate::rules::decl::{GroupDecl, GroupScope};

/// A group's key: the rule and the value of its `by` placeholder.
type Key = (&'static str, Option<String>);

/// The most places a run-wide group points at; its message gives the full count.
pub const RUN_GROUP_PLACES: usize = 10;

/// Whether a finding belongs to a group of `scope`.
pub fn in_scope(f: &Finding, scope: GroupScope) -> bool {
    group_of(f).is_some_and(|g| g.scope == scope)
}

fn group_of(f: &Finding) -> Option<&'static GroupDecl> {
    match &f.text {
        Text::Rule {
            decl,
            grouped: false,
            ..
        } => decl.group.as_ref(),
        _ => None,
    }
}

/// Merges the findings of `scope`'s groups, in place: each group becomes its first finding,
/// in the position of that first finding; findings outside any group are left as they are.
/// `findings` are in reporting order.
pub fn merge(findings: Vec<Finding>, scope: GroupScope) -> Vec<Finding> {
    if !findings.iter().any(|f| in_scope(f, scope)) {
        return findings;
    }
    // The group key of each finding: its rule and the value of the rule's `by` placeholder.
    let key = |f: &Finding| -> Option<Key> {
        let g = group_of(f).filter(|g| g.scope == scope)?;
        let by = match &g.by {
            Some(name) => Some(f.var(name)?.to_string()),
            None => None,
        };
        Some((f.rule, by))
    };
    let keys: Vec<_> = findings.iter().map(key).collect();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // Index in `out` of each group's first finding, and the members gathered for it.
    let mut heads: Vec<(Key, usize, Vec<Finding>)> = Vec::new();
    for (f, k) in findings.into_iter().zip(keys) {
        let Some(k) = k else {
            out.push(f);
            continue;
        };
        match heads.iter_mut().find(|(hk, _, _)| *hk == k) {
            Some((_, _, members)) => members.push(f),
            None => {
                heads.push((k, out.len(), Vec::new()));
                out.push(f);
            }
        }
    }
    for (_, at, members) in heads {
        if !members.is_empty() {
            absorb(&mut out[at], members, scope);
        }
    }
    out
}

/// Makes `head` the finding of its whole group.
fn absorb(head: &mut Finding, members: Vec<Finding>, scope: GroupScope) {
    let Some(group) = group_of(head) else { return };
    // Places, not findings: one statement may raise several (one per locked table, say).
    let mut spans: Vec<(&str, crate::span::Span)> = Vec::new();
    for f in std::iter::once(&*head).chain(&members) {
        if !spans.contains(&(&f.file.name, f.span)) {
            spans.push((&f.file.name, f.span));
        }
    }
    let count = spans.len();
    let distinct = |name: &str| -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for f in std::iter::once(&*head).chain(&members) {
            if let Some(v) = f.var(name)
                && !values.iter().any(|i| i == v)
            {
                values.push(v.to_string());
            }
        }
        values
    };
    let items = distinct(&group.items);
    let lists: Vec<(String, String)> = group
        .lists
        .iter()
        .map(|name| (name.clone(), list(&distinct(name))))
        .collect();
    let places = match scope {
        GroupScope::Migration => usize::MAX,
        GroupScope::Run => RUN_GROUP_PLACES - 1,
    };
    let mut related = std::mem::take(&mut head.related);
    for f in members.iter().take(places) {
        let here = |r: &Related| r.file.name == f.file.name && r.span == f.span;
        if f.span != head.span && !related.iter().any(here) {
            related.push(Related {
                file: f.file.clone(),
                span: f.span,
                label: f.label().map(|l| l.into_owned()).unwrap_or_default(),
            });
        }
        for r in &f.related {
            let same = |o: &Related| o.file.name == r.file.name && o.span == r.span;
            if !related.iter().any(same) {
                related.push(r.clone());
            }
        }
    }
    head.related = related;
    head.severity = members
        .iter()
        .map(|f| f.severity)
        .fold(head.severity, Ord::max);
    if let Text::Rule { vars, grouped, .. } = &mut head.text {
        let mut all = std::mem::take(vars).into_vec();
        all.retain(|(k, _)| *k != "count" && *k != "items");
        for (k, v) in all.iter_mut() {
            if let Some((_, listed)) = lists.iter().find(|(name, _)| name == k) {
                *v = listed.clone();
            }
        }
        all.push(("count", count.to_string()));
        all.push(("items", list(&items)));
        *vars = all.into_boxed_slice();
        *grouped = true;
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn lists_read_as_english() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&s(&[])), "");
        assert_eq!(list(&s(&["a"])), "a");
        assert_eq!(list(&s(&["a", "b"])), "a and b");
        assert_eq!(list(&s(&["a", "b", "c"])), "a, b and c");
    }
}
