//! The single generator of rule documentation: `docs/rules/<id>.md`, `pglint explain`, and the
//! README's rules table all come from here. A test fails when a committed copy is stale.

use std::fmt::Write;

use super::decl::{GroupScope, RuleDecl};
use super::registry;

/// The Markdown page of one rule.
pub fn rule_markdown(rule: &RuleDecl) -> String {
    let mut s = String::new();
    let level = format!("{:?}", rule.severity).to_lowercase();
    let _ = writeln!(
        s,
        "<!-- generated from rules/{}/{}.yaml by `pglint`; do not edit -->",
        rule.family, rule.id
    );
    let _ = writeln!(s, "# {}\n", rule.id);
    let _ = writeln!(
        s,
        "Family: `{}` · default severity: `{}`",
        rule.family, level
    );
    if let Some(v) = rule.min_pg {
        let _ = writeln!(s, " · PostgreSQL {v} and later");
    }
    if !rule.aliases.is_empty() {
        let _ = writeln!(
            s,
            "\nFormerly: {}",
            rule.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(s, "\n## What it does\n\n{}", rule.summary.trim());
    let _ = writeln!(s, "\n## Why is this bad?\n\n{}", rule.docs.why.trim());
    if let Some(locks) = &rule.locks {
        let blocks: Vec<_> = locks
            .blocks
            .iter()
            .map(|b| format!("{b:?}").to_lowercase())
            .collect();
        let _ = writeln!(s, "\n## Lock facts\n");
        let _ = writeln!(
            s,
            "| lock | blocks | rewrites the table | scans the table |\n|---|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            locks.mode.as_sql(),
            if blocks.is_empty() {
                "nothing".to_string()
            } else {
                blocks.join(", ")
            },
            yes_no(locks.rewrite),
            yes_no(locks.scan)
        );
    }
    let _ = writeln!(
        s,
        "\n## Example\n\n```sql\n{}\n```",
        rule.docs.bad.trim_end()
    );
    let _ = writeln!(
        s,
        "\n## Use instead\n\n```sql\n{}\n```",
        rule.docs.good.trim_end()
    );
    let _ = writeln!(s, "\n## How to fix\n\n{}", plain(&rule.help));
    if let Some(django) = &rule.django {
        let _ = writeln!(s, "\nIn Django: {}", plain(django));
    }
    if let Some(group) = &rule.group {
        let scope = match (group.scope, &group.by) {
            (GroupScope::Run, _) => "All its findings of one run".to_string(),
            (GroupScope::Migration, Some(by)) => {
                format!("Its findings on the same `<{by}>` in one migration")
            }
            (GroupScope::Migration, None) => "All its findings in one migration".to_string(),
        };
        let _ = writeln!(
            s,
            "\n## Reported together\n\n{scope} are reported as one finding, at the first of \
             them, with each of the others as a related location:\n\n> {}",
            plain(&group.message)
        );
    }
    if !rule.options.is_empty() {
        let _ = writeln!(
            s,
            "\n## Options\n\n| option | default | meaning |\n|---|---|---|"
        );
        for (name, opt) in &rule.options {
            let default = serde_json::to_string(&opt.default).unwrap_or_default();
            let _ = writeln!(
                s,
                "| `{name}` | `{default}` | {} |",
                opt.doc.trim().replace('\n', " ")
            );
        }
    }
    if let Some(notes) = &rule.docs.notes {
        let _ = writeln!(s, "\n## Notes\n\n{}", notes.trim());
    }
    if !rule.docs.references.is_empty() {
        let _ = writeln!(s, "\n## References\n");
        for r in &rule.docs.references {
            let _ = writeln!(s, "- <{r}>");
        }
    }
    s
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A template's text with placeholders shown as `<name>`, for docs.
pub fn plain(template: &str) -> String {
    let mut out = template.trim().to_string();
    for name in super::template::placeholders(template) {
        out = out.replace(&format!("{{{name}}}"), &format!("<{name}>"));
    }
    out.replace("{{", "{").replace("}}", "}")
}

/// The README's rules table (between the markers `<!-- rules:start -->` and `<!-- rules:end -->`).
pub fn rules_table() -> String {
    let mut s = String::from("| rule | family | default | what it flags |\n|---|---|---|---|\n");
    for rule in registry::rules() {
        let level = format!("{:?}", rule.severity).to_lowercase();
        let _ = writeln!(
            s,
            "| [`{0}`](docs/rules/{0}.md) | {1} | {2} | {3} |",
            rule.id,
            rule.family,
            level,
            rule.summary.trim()
        );
    }
    s
}

/// The terminal listing of `pglint rules`.
pub fn rules_listing() -> String {
    let width = registry::rules()
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for rule in registry::rules() {
        let level = format!("{:?}", rule.severity).to_lowercase();
        let _ = writeln!(
            s,
            "{:width$}  {:13}  {:7}  {}",
            rule.id,
            rule.family,
            level,
            rule.summary.trim()
        );
    }
    s
}
