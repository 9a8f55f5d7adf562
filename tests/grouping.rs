//! One finding per hazard: a rule's findings on one table in one migration are reported
//! together, `missing-lock-timeout` once per run, and the statements of one incident (Django's
//! deferred index under the ACCESS EXCLUSIVE lock of its ADD COLUMN) get one finding.

mod common;

use std::process::Command;

use common::{TempDir, lint, lint_files, rule_ids, snapshot_settings};
use pglint::finding::{Finding, Text};

fn grouped(f: &Finding) -> bool {
    matches!(f.text, Text::Rule { grouped: true, .. })
}

/// The lines (1-based) a finding's related locations are on.
fn related_lines(f: &Finding) -> Vec<usize> {
    f.related
        .iter()
        .map(|r| r.file.lines.line_col(&r.file.text, r.span.start).line)
        .collect()
}

const DROPS: &str = "BEGIN;
ALTER TABLE \"shop_product\" DROP COLUMN \"a\" CASCADE;
ALTER TABLE \"shop_product\" DROP COLUMN \"b\" CASCADE;
ALTER TABLE \"shop_order\" DROP COLUMN \"c\" CASCADE;
ALTER TABLE \"shop_product\" DROP COLUMN \"d\" CASCADE;
COMMIT;
";

#[test]
fn a_rules_findings_on_one_table_in_one_migration_are_one_finding() {
    let found = lint(DROPS);
    assert_eq!(rule_ids(&found), ["drop-column", "drop-column"]);
    let product = &found[0];
    assert!(grouped(product));
    assert_eq!(
        product.message(),
        "Dropping 3 columns of shop_product (a, b and d) breaks the application code still \
         running during the deploy: Django selects every field of a model by name, so each \
         query of the old code fails until it is replaced"
    );
    assert_eq!(product.start().line, 2, "at the first of them");
    assert_eq!(
        related_lines(product),
        [3, 5],
        "each other one is pointed at"
    );
    assert_eq!(
        product.related[0].label, "old code still selects this column",
        "with its own label"
    );
    // A table with one finding keeps the single finding's words.
    assert!(!grouped(&found[1]));
    assert!(
        found[1]
            .message()
            .starts_with("Dropping shop_order.c breaks")
    );
}

#[test]
fn groups_do_not_cross_migration_files() {
    let one = "ALTER TABLE \"shop_product\" DROP COLUMN \"a\";\n";
    let two = "ALTER TABLE \"shop_product\" DROP COLUMN \"b\";\n";
    let found = lint_files(&[("0001.sql", one), ("0002.sql", two)]);
    assert_eq!(rule_ids(&found), ["drop-column", "drop-column"]);
    assert!(found.iter().all(|f| !grouped(f)));
}

#[test]
fn a_suppressed_statement_leaves_the_group() {
    let sql = DROPS.replace(
        "ALTER TABLE \"shop_product\" DROP COLUMN \"b\"",
        "-- pglint: ignore[drop-column] unused since 0041\nALTER TABLE \"shop_product\" DROP COLUMN \"b\"",
    );
    let found = lint(&sql);
    assert_eq!(rule_ids(&found), ["drop-column", "drop-column"]);
    assert!(
        found[0]
            .message()
            .starts_with("Dropping 2 columns of shop_product (a and d)")
    );
}

#[test]
fn the_deferred_index_under_the_add_column_lock_is_one_finding() {
    // Django's AddField(db_index=True): the column, then the deferred index, one transaction.
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ADD COLUMN \"ref\" varchar(20) NULL;
CREATE INDEX \"shop_order_ref_6f1a\" ON \"shop_order\" (\"ref\");
CREATE INDEX \"shop_order_ref_6f1a_like\" ON \"shop_order\" (\"ref\" varchar_pattern_ops);
COMMIT;
";
    let found = lint(sql);
    assert_eq!(rule_ids(&found), ["access-exclusive-then-slow"]);
    let f = &found[0];
    assert_eq!(
        f.message(),
        "While ACCESS EXCLUSIVE on shop_order, taken earlier in the transaction, is still \
         held, this migration builds index shop_order_ref_6f1a and builds index \
         shop_order_ref_6f1a_like: every read and write of shop_order waits for all of it, \
         until COMMIT"
    );
    assert_eq!(related_lines(f), [2, 4], "the lock, and the second build");
}

#[test]
fn a_single_deferred_index_gets_the_concurrent_advice() {
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ADD COLUMN \"ref\" varchar(20) NULL;
CREATE INDEX \"shop_order_ref_6f1a\" ON \"shop_order\" (\"ref\");
COMMIT;
";
    let found = lint(sql);
    assert_eq!(rule_ids(&found), ["access-exclusive-then-slow"]);
    assert!(
        found[0]
            .help()
            .unwrap()
            .ends_with("then build the index with CREATE INDEX CONCURRENTLY in a migration of its own, outside a transaction block"),
        "{:?}",
        found[0].help()
    );
}

#[test]
fn suppressing_the_held_lock_finding_leaves_the_index_build() {
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ADD COLUMN \"ref\" varchar(20) NULL;
-- pglint: ignore[access-exclusive-then-slow] shop_order is tiny
CREATE INDEX \"shop_order_ref_6f1a\" ON \"shop_order\" (\"ref\");
COMMIT;
";
    assert_eq!(rule_ids(&lint(sql)), ["index-not-concurrent"]);
}

#[test]
fn a_statement_that_locks_the_table_itself_is_left_to_its_own_rule() {
    let context = "CREATE TABLE \"shop_order\" (\"id\" integer PRIMARY KEY, \"qty\" integer);\n";
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ADD COLUMN \"ref\" varchar(20) NULL;
ALTER TABLE \"shop_order\" ALTER COLUMN \"qty\" TYPE bigint;
COMMIT;
";
    let found = common::lint_enabling_after(Some(context), ("0002.sql", sql), "");
    assert_eq!(rule_ids(&found), ["column-type-change"]);
}

#[test]
fn djangos_foreign_key_dropped_and_added_back_belongs_to_the_type_change() {
    // AlterField of a ForeignKey's type: Django drops the constraint, changes the type and adds
    // the constraint back, all under the type change's ACCESS EXCLUSIVE lock.
    let context = "CREATE TABLE \"shop_customer\" (\"id\" bigint PRIMARY KEY);
CREATE TABLE \"shop_order\" (\"id\" integer PRIMARY KEY, \"customer_id\" integer NOT NULL);
ALTER TABLE \"shop_order\" ADD CONSTRAINT \"shop_order_customer_id_fk\" FOREIGN KEY (\"customer_id\") REFERENCES \"shop_customer\" (\"id\") DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX \"shop_order_customer_id_idx\" ON \"shop_order\" (\"customer_id\");
";
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" DROP CONSTRAINT \"shop_order_customer_id_fk\";
ALTER TABLE \"shop_order\" ALTER COLUMN \"customer_id\" TYPE bigint USING \"customer_id\"::bigint;
ALTER TABLE \"shop_order\" ADD CONSTRAINT \"shop_order_customer_id_fk\" FOREIGN KEY (\"customer_id\") REFERENCES \"shop_customer\" (\"id\") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
";
    let found = common::lint_enabling_after(Some(context), ("0002.sql", sql), "");
    // The referenced table stays locked ACCESS EXCLUSIVE from the DROP CONSTRAINT to COMMIT:
    // reads of shop_customer wait for the rewrite of shop_order. That is a hazard of its own.
    assert_eq!(
        rule_ids(&found),
        ["access-exclusive-then-slow", "column-type-change"]
    );
    assert!(
        found[0].message().starts_with(
            "While ACCESS EXCLUSIVE on shop_customer, taken earlier in the transaction, is \
             still held, this migration rewrites a table and validates foreign key \
             shop_order_customer_id_fk row by row:"
        ),
        "{}",
        found[0].message()
    );
    let f = &found[1];
    assert_eq!(related_lines(f), [4]);
    assert_eq!(
        f.related[0].label,
        "shop_order is locked here too, until COMMIT, while this statement validates foreign key \
         shop_order_customer_id_fk row by row"
    );
}

fn pglint(dir: &std::path::Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

fn three_migrations(name: &str) -> TempDir {
    let t = TempDir::new(name);
    for (i, table) in ["shop_order", "shop_book", "shop_tag"].iter().enumerate() {
        t.write(
            &format!("migrations/000{}_x.sql", i + 1),
            format!("ALTER TABLE \"{table}\" ADD COLUMN \"n\" integer NULL;\n"),
        );
    }
    t
}

#[test]
fn missing_lock_timeout_is_one_finding_per_run_in_every_format() {
    let t = three_migrations("lock-timeout-run");
    for format in ["json", "compact", "human", "github", "sarif", "markdown"] {
        let (out, code) = pglint(t.path(), &["--format", format, "migrations"]);
        assert_eq!(code, 0, "{format}: infos only");
        assert_eq!(
            out.matches("3 migrations wait for a strong lock").count(),
            1,
            "{format}:\n{out}"
        );
        assert!(
            !out.contains("with no lock_timeout: while it waits"),
            "{format}"
        );
    }
    let (json, _) = pglint(t.path(), &["--format", "json", "migrations"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["infos"], 1, "{json}");
}

#[test]
fn missing_lock_timeout_per_file_when_configured() {
    let t = three_migrations("lock-timeout-per-file");
    t.write(
        ".pglint.yaml",
        "rules:\n  missing-lock-timeout: {severity: info, options: {per_file: true}}\n",
    );
    let (out, _) = pglint(t.path(), &["--format", "compact", "migrations"]);
    assert_eq!(out.matches("missing-lock-timeout").count(), 3, "{out}");
}

#[test]
fn a_group_renders_every_place() {
    let found = lint(DROPS);
    let summary = pglint::finding::Summary::count(1, &found);
    let mut out = Vec::new();
    pglint::report::human::render(
        &found,
        &summary,
        pglint::report::human::Styling::Plain,
        &mut out,
    )
    .unwrap();
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("grouped_drop_columns", String::from_utf8(out).unwrap()));
}
