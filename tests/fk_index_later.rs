//! `fk-missing-index` is settled by the whole run: a foreign key created without its index
//! (`ForeignKey(db_index=False)`) and the index created concurrently by a later migration of
//! the same run — pglint's own advice — is no finding. The run's migrations are applied
//! together, so a later file (reported or `--context`) counts; the finding stays at the
//! foreign key when nothing later covers it. Fixtures: tests/fixtures/fk_index_later/.

mod common;

use std::path::Path;

use serde_json::Value;

const FK: &str = "0001_review.sql";
const INDEX: &str = "0002_review_product_idx.sql";
const PARTIAL: &str = "0002_review_product_partial_idx.sql";
const DROP: &str = "0003_remove_review_product_idx.sql";
const WIDER: &str = "0004_review_product_stars_idx.sql";

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fk_index_later"
    ))
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

/// The files of `names` linted as consecutive migrations (the library's replay, not
/// streamed): (file, rule) of each finding.
fn lint(names: &[&str]) -> Vec<(String, String)> {
    let texts: Vec<(&str, String)> = names.iter().map(|n| (*n, text(n))).collect();
    let texts: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    common::lint_files(&texts)
        .iter()
        .map(|f| (f.file.name.clone(), f.rule.to_string()))
        .collect()
}

fn fk_findings(found: &[(String, String)]) -> Vec<&str> {
    found
        .iter()
        .filter(|(_, rule)| rule == "fk-missing-index")
        .map(|(file, _)| file.as_str())
        .collect()
}

/// `pglint` itself on the fixtures, in a format that streams each file's findings as it is
/// linted: (file, rule) of each fk-missing-index finding.
fn cli(args: &[&str]) -> Vec<String> {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = common::run_in(fixtures(), &all);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "fk-missing-index")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn alone_the_foreign_key_without_index_is_reported() {
    assert_eq!(fk_findings(&lint(&[FK])), [FK]);
}

#[test]
fn an_index_created_by_a_later_migration_of_the_run_covers_it() {
    assert_eq!(fk_findings(&lint(&[FK, INDEX])), Vec::<&str>::new());
    // A longer index whose leading column is the foreign key's covers it too.
    assert_eq!(fk_findings(&lint(&[FK, WIDER])), Vec::<&str>::new());
}

#[test]
fn a_later_index_that_does_not_cover_it_leaves_the_finding_at_the_foreign_key() {
    assert_eq!(fk_findings(&lint(&[FK, PARTIAL])), [FK]);
}

#[test]
fn the_schema_at_the_end_of_the_run_decides() {
    // Created, then dropped again by a later migration: no index at the end. The foreign key
    // still lacks its index, and the drop is what took it away: both are reported (keeping
    // the index settles both).
    assert_eq!(fk_findings(&lint(&[FK, INDEX, DROP])), [FK, DROP]);
    // Dropped and replaced by a later migration: covered at the end.
    assert_eq!(
        fk_findings(&lint(&[FK, INDEX, DROP, WIDER])),
        Vec::<&str>::new()
    );
}

#[test]
fn a_drop_reported_in_a_later_migration_is_settled_by_a_still_later_index() {
    // The foreign key and its index are context: the drop in 0003 is what is reported.
    let context = format!("--context={FK}");
    let index = format!("--context={INDEX}");
    assert_eq!(cli(&[&context, &index, DROP]), [DROP]);
    assert_eq!(cli(&[&context, &index, DROP, WIDER]), Vec::<String>::new());
}

#[test]
fn the_streamed_report_holds_the_finding_until_the_run_ends() {
    assert_eq!(cli(&[FK]), [FK]);
    assert_eq!(cli(&[FK, INDEX]), Vec::<String>::new());
    assert_eq!(cli(&[FK, PARTIAL]), [FK]);
    // Compact streams too: the finding that stands is written, once.
    let (code, stdout, _) = common::run_in(fixtures(), &["--format", "compact", FK, PARTIAL]);
    assert_eq!(code, 1);
    assert_eq!(stdout.matches("fk-missing-index").count(), 1, "{stdout}");
}

#[test]
fn a_later_context_file_is_part_of_the_run() {
    // The pre-commit recipe: the whole folder as context, the changed file as target. The
    // migration after it is applied in the same deploy, so its index counts.
    let index = format!("--context={INDEX}");
    assert_eq!(cli(&[&index, FK]), Vec::<String>::new());
    let partial = format!("--context={PARTIAL}");
    assert_eq!(cli(&[&partial, FK]), [FK]);
}
