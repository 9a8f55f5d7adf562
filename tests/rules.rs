//! Every declared rule is complete and true to its docs: its YAML is well formed, its check
//! exists, its bad example raises exactly that rule, its good example raises nothing, its
//! generated doc is current, and its fixture's `-- expect:` comments match what it finds.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use pglint::cli::Format;
use pglint::finding::Summary;
use pglint::rules::{checks, docs, registry};

#[test]
fn rule_files_are_well_formed() {
    let mut ids = BTreeSet::new();
    for (path, _) in registry::rule_files() {
        let stem = Path::new(path).file_stem().unwrap().to_str().unwrap();
        let family = Path::new(path)
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let rule = registry::rules()
            .iter()
            .find(|r| r.id == stem)
            .unwrap_or_else(|| panic!("{path}: id must equal the file stem"));
        assert_eq!(rule.family, family, "{path}: family must equal the folder");
        assert!(
            registry::FAMILIES.contains(&family),
            "{path}: unknown family {family}"
        );
        assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
        assert!(
            rule.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: ids are kebab-case",
            rule.id
        );
        assert!(
            checks::lookup(rule.check_name()).is_some(),
            "{}: no check named {}",
            rule.id,
            rule.check_name()
        );
        assert!(
            !rule.help.trim().is_empty() && !rule.docs.why.trim().is_empty(),
            "{}: help and why are required",
            rule.id
        );
    }
    assert_eq!(ids.len(), registry::rules().len());
}

#[test]
fn unknown_fields_in_a_rule_file_are_errors() {
    let (_, text) = registry::rule_files()[0];
    let broken = format!("{text}\nsevertiy: error\n");
    assert!(serde_saphyr::from_str::<pglint::rules::decl::RuleDecl>(&broken).is_err());
}

#[test]
fn bad_examples_raise_exactly_their_rule_and_good_ones_nothing() {
    for rule in registry::rules() {
        let bad = common::lint_example(rule, &rule.docs.bad);
        let ids: BTreeSet<_> = bad.iter().map(|f| f.rule).collect();
        assert_eq!(
            ids,
            BTreeSet::from([rule.id.as_str()]),
            "{}: docs.bad must raise exactly this rule",
            rule.id
        );
        for f in &bad {
            for text in [Some(f.message()), f.help(), f.django(), f.label()]
                .into_iter()
                .flatten()
            {
                assert!(
                    !has_placeholder(&text),
                    "{}: unfilled placeholder in {text:?}",
                    rule.id
                );
            }
            for r in &f.related {
                assert!(
                    !has_placeholder(&r.label),
                    "{}: unfilled placeholder in {:?}",
                    rule.id,
                    r.label
                );
            }
        }
        let good = common::lint_example(rule, &rule.docs.good);
        assert!(
            good.is_empty(),
            "{}: docs.good must raise nothing, got {:?}",
            rule.id,
            common::rule_ids(&good)
        );
    }
}

fn has_placeholder(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i + 1..];
        let end = tail.find('}').unwrap_or(0);
        if end > 0
            && tail[..end]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return true;
        }
        rest = tail;
    }
    false
}

#[test]
fn labels_named_by_checks_exist() {
    // Every label key a rule's findings use must be declared; checked through the examples.
    for rule in registry::rules() {
        for f in common::lint_example(rule, &rule.docs.bad) {
            assert!(
                f.label().is_some(),
                "{}: the primary span has no label text",
                rule.id
            );
        }
    }
}

/// Regenerate with `PGLINT_UPDATE_DOCS=1 cargo test --test rules`.
#[test]
fn generated_docs_are_current() {
    let update = std::env::var_os("PGLINT_UPDATE_DOCS").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    let mut expected_files = BTreeSet::new();
    for rule in registry::rules() {
        let path = root.join("docs/rules").join(format!("{}.md", rule.id));
        expected_files.insert(path.clone());
        let want = docs::rule_markdown(rule);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if update {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    for entry in std::fs::read_dir(root.join("docs/rules")).unwrap() {
        let path = entry.unwrap().path();
        if !expected_files.contains(&path) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                stale.push(format!("{} (no rule declares it)", path.display()));
            }
        }
    }
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let a = readme.find(start).expect("README has a rules:start marker") + start.len();
    let b = readme.find(end).expect("README has a rules:end marker");
    let table = docs::rules_table();
    if readme[a..b] != table {
        if update {
            std::fs::write(
                &readme_path,
                format!("{}{}{}", &readme[..a], table, &readme[b..]),
            )
            .unwrap();
        } else {
            stale.push("README.md rules table".into());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated docs (run PGLINT_UPDATE_DOCS=1 cargo test --test rules): {stale:#?}"
    );
}

/// Each `tests/fixtures/rules/<id>.sql` (after `<id>.context.sql` if present) marks with `-- expect: rule-id[, rule-id]` the
/// statements that must raise those rules; every other statement must stay silent. A statement
/// whose finding is reported together with an earlier one of its rule (the rule's `group:`) is
/// marked `-- expect-grouped: rule-id`: the group's finding must point at it.
#[test]
fn fixtures_raise_exactly_what_they_expect() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let is_context = |p: &Path| p.to_string_lossy().ends_with(".context.sql");
    let mut mismatches = Vec::new();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql") && !is_context(p))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let m = pglint::parse::parse_file(pglint::source::SourceFile::new(name, text.as_str()));
        let mut expected = BTreeSet::new();
        let mut expected_grouped = BTreeSet::new();
        for c in &m.comments {
            let (ids, into) = match (
                c.text.strip_prefix("expect:"),
                c.text.strip_prefix("expect-grouped:"),
            ) {
                (Some(ids), _) => (ids, &mut expected),
                (_, Some(ids)) => (ids, &mut expected_grouped),
                _ => continue,
            };
            let stmt = m
                .statements
                .iter()
                .position(|s| s.span.start > c.span.start)
                .expect("an expect comment precedes a statement");
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                into.insert((stmt + 1, id.to_string()));
            }
        }
        let stem = path.file_stem().unwrap().to_str().unwrap();
        // `<id>.context.sql`, when present, is an earlier migration replayed first.
        let context = std::fs::read_to_string(dir.join(format!("{stem}.context.sql"))).ok();
        let findings = common::lint_enabling_after(context.as_deref(), (name, text.as_str()), stem);
        let found: BTreeSet<_> = findings
            .iter()
            .map(|f| (f.statement + 1, f.rule.to_string()))
            .collect();
        if found != expected {
            let extra: Vec<_> = found.difference(&expected).collect();
            let missing: Vec<_> = expected.difference(&found).collect();
            mismatches.push(format!("{name}: unexpected {extra:?}, missing {missing:?}"));
        }
        // The statements each group's finding points at (besides its own).
        let statement_at = |at: usize| {
            m.statements
                .iter()
                .position(|s| s.span.start <= at && at < s.span.end)
        };
        let pointed: BTreeSet<_> = findings
            .iter()
            .filter(|f| matches!(f.text, pglint::finding::Text::Rule { grouped: true, .. }))
            .flat_map(|f| {
                f.related
                    .iter()
                    .filter(|r| r.file.name == name)
                    .filter_map(|r| Some((statement_at(r.span.start)? + 1, f.rule.to_string())))
            })
            .collect();
        let missing: Vec<_> = expected_grouped.difference(&pointed).collect();
        if !missing.is_empty() {
            mismatches.push(format!("{name}: not in a group's finding: {missing:?}"));
        }
        checked += 1;
    }
    assert!(
        mismatches.is_empty(),
        "(statement number, rule) found vs expected:\n{}",
        mismatches.join("\n")
    );
    let rules_with_fixtures = entries
        .iter()
        .filter(|p| !is_context(p))
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .collect::<BTreeSet<_>>();
    for rule in registry::rules() {
        assert!(
            rules_with_fixtures.contains(&rule.id),
            "{}: add tests/fixtures/rules/{}.sql",
            rule.id,
            rule.id
        );
    }
    assert!(checked > 0);
}

/// What the user sees for each rule's bad example.
#[test]
fn rendered_bad_examples() {
    for rule in registry::rules() {
        let findings = common::lint_example(rule, &rule.docs.bad);
        let mut out = Vec::new();
        pglint::report::render(
            Format::Human,
            &findings,
            &Summary::count(1, &findings),
            &mut out,
        )
        .unwrap();
        common::snapshot_settings().bind(|| {
            insta::assert_snapshot!(
                format!("rule__{}", rule.id),
                String::from_utf8(out).unwrap()
            )
        });
    }
}

/// A rule's `group:` texts use only what its findings carry (the bad example's placeholders),
/// plus `{count}` and `{items}`; `by` and `items` name placeholders its findings have.
#[test]
fn group_texts_use_the_findings_placeholders() {
    use pglint::rules::template::placeholders;
    for rule in registry::rules() {
        let Some(group) = &rule.group else { continue };
        let bad = common::lint_example(rule, &rule.docs.bad);
        let f = bad.first().expect("a bad example raises its rule");
        let pglint::finding::Text::Rule { vars, .. } = &f.text else {
            panic!("{}: a rule's finding has the rule's words", rule.id)
        };
        let has = |name: &str| vars.iter().any(|(k, _)| *k == name);
        assert!(
            has(&group.items),
            "{}: no placeholder {}",
            rule.id,
            group.items
        );
        if let Some(by) = &group.by {
            assert!(has(by), "{}: no placeholder {by}", rule.id);
        }
        for name in &group.lists {
            assert!(has(name), "{}: no placeholder {name} to list", rule.id);
        }
        for text in [
            Some(&group.message),
            group.help.as_ref(),
            group.django.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            for name in placeholders(text) {
                assert!(
                    has(name) || name == "count" || name == "items",
                    "{}: group text uses {{{name}}}, which its findings lack",
                    rule.id
                );
            }
        }
    }
}

/// A brace in a rule's text is a `{placeholder}` (lower-case letters and `_`) or a literal
/// written `{{`/`}}`: a Python dict written with single braces would be taken for a
/// placeholder and shown as `<'options': …>` in the docs.
#[test]
fn rule_texts_use_braces_only_for_placeholders() {
    use pglint::rules::template::placeholders;
    for rule in registry::rules() {
        let mut texts = vec![&rule.message, &rule.help];
        texts.extend(rule.django.as_ref());
        texts.extend(rule.labels.values());
        if let Some(g) = &rule.group {
            texts.push(&g.message);
            texts.extend(g.help.as_ref());
            texts.extend(g.django.as_ref());
        }
        for text in texts {
            for name in placeholders(text) {
                assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{}: `{{{name}}}` is not a placeholder; write literal braces as {{{{ }}}}",
                    rule.id
                );
            }
        }
    }
}
