//! Objects that are new in the file being linted are not judged as existing ones (issue 14,
//! point 1): a table the file creates again, a column it adds or renames, an index that is not
//! there to drop, a unique key over a column that is NULL in every row, a foreign key on a
//! table the file creates. Each case also has the neighbour that must still be reported.

mod common;

use common::{lint_files, rule_ids};

/// The rules of `files`' last file, by id.
fn last_file_rules(files: &[(&str, &str)]) -> Vec<String> {
    let last = files.last().unwrap().0;
    let found = lint_files(files);
    rule_ids(
        &found
            .into_iter()
            .filter(|f| f.file.name == last)
            .collect::<Vec<_>>(),
    )
}

fn assert_none_of(files: &[(&str, &str)], rules: &[&str]) {
    let found = last_file_rules(files);
    for rule in rules {
        assert!(
            !found.iter().any(|f| f == rule),
            "expected no {rule} on {:?}, got {found:?}",
            files.last().unwrap().1
        );
    }
}

fn assert_all_of(files: &[(&str, &str)], rules: &[&str]) {
    let found = last_file_rules(files);
    for rule in rules {
        assert!(
            found.iter().any(|f| f == rule),
            "expected {rule} on {:?}, got {found:?}",
            files.last().unwrap().1
        );
    }
}

const EARLIER: &str = r#"
CREATE TABLE "shop_customer" ("id" bigint NOT NULL PRIMARY KEY);
CREATE TABLE "shop_order" ("id" bigint NOT NULL PRIMARY KEY, "code" varchar(20) NULL);
CREATE INDEX "shop_order_code_idx" ON "shop_order" ("code");
"#;

/// What a squash (or another app's copy of a table) does after the originals: the table is
/// created again, then indexed, constrained and extended in the same transaction.
fn recreated(create: &str) -> String {
    format!(
        r#"BEGIN;
{create} "shop_order" ("id" bigint NOT NULL PRIMARY KEY, "code" varchar(20) NULL, "customer_id" bigint NULL);
ALTER TABLE "shop_order" ADD COLUMN "total" integer NOT NULL;
CREATE INDEX "shop_order_code_idx2" ON "shop_order" ("code");
ALTER TABLE "shop_order" ADD CONSTRAINT "shop_order_code_uniq" UNIQUE ("code");
CREATE UNIQUE INDEX "shop_order_customer_uniq" ON "shop_order" ("customer_id", "code");
ALTER TABLE "shop_order" ADD CONSTRAINT "shop_order_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "shop_customer" ("id") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
"#
    )
}

const ON_RECREATED: &[&str] = &[
    "index-not-concurrent",
    "fk-without-not-valid",
    "constraint-builds-index",
    "add-unique-may-fail",
    "access-exclusive-then-slow",
    "not-null-column-without-default",
];

#[test]
fn a_table_created_again_is_new_in_its_file() {
    let sql = recreated("CREATE TABLE");
    assert_none_of(&[("0001.sql", EARLIER), ("0002.sql", &sql)], ON_RECREATED);
}

#[test]
fn a_table_created_if_not_exists_keeps_the_old_one() {
    let sql = recreated("CREATE TABLE IF NOT EXISTS");
    assert_all_of(
        &[("0001.sql", EARLIER), ("0002.sql", &sql)],
        // The index builds and the foreign key run under the ACCESS EXCLUSIVE lock that the
        // unique constraint's finding reports (held until COMMIT): they are its related
        // locations.
        &["constraint-builds-index", "not-null-column-without-default"],
    );
}

#[test]
fn a_table_created_again_replaces_the_old_ones_indexes() {
    // The old table's index went with it: this name is free, and dropping it is a no-op on
    // the new table.
    let sql = r#"CREATE TABLE "shop_order" ("id" bigint NOT NULL PRIMARY KEY);
CREATE INDEX "shop_order_code_idx" ON "shop_order" ("id");
DROP INDEX "shop_order_code_idx";
"#;
    assert_none_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["index-not-concurrent", "drop-index-not-concurrent"],
    );
}

#[test]
fn a_column_added_earlier_in_the_file_is_unknown_to_old_code() {
    let sql = r#"BEGIN;
ALTER TABLE "shop_order" ADD COLUMN "note" text NULL;
ALTER TABLE "shop_order" RENAME COLUMN "note" TO "remark";
ALTER TABLE "shop_order" DROP COLUMN "remark";
COMMIT;
"#;
    assert_none_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["rename-column", "drop-column"],
    );
}

#[test]
fn a_column_renamed_earlier_in_the_file_is_not_reported_again() {
    // The rename is reported once; dropping the column under its new name is the same break.
    let sql = r#"BEGIN;
ALTER TABLE "shop_order" RENAME COLUMN "code" TO "reference";
ALTER TABLE "shop_order" DROP COLUMN "reference";
COMMIT;
"#;
    let found = last_file_rules(&[("0001.sql", EARLIER), ("0002.sql", sql)]);
    assert_eq!(found, ["rename-column"]);
}

#[test]
fn a_column_added_in_an_earlier_transaction_of_the_file_is_still_unknown_to_old_code() {
    // One file is one migration: the code deployed before it never saw the column.
    let sql = r#"BEGIN;
ALTER TABLE "shop_order" ADD COLUMN "note" text NULL;
COMMIT;
BEGIN;
ALTER TABLE "shop_order" DROP COLUMN "note";
COMMIT;
"#;
    assert_none_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["drop-column"],
    );
}

#[test]
fn a_column_from_an_earlier_file_is_still_reported() {
    let sql = r#"BEGIN;
ALTER TABLE "shop_order" RENAME COLUMN "id" TO "order_id";
ALTER TABLE "shop_order" DROP COLUMN "code";
COMMIT;
"#;
    assert_all_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["rename-column", "drop-column"],
    );
}

#[test]
fn dropping_an_index_that_is_not_there_locks_nothing() {
    let sql = "DROP INDEX IF EXISTS \"shop_order_status_partial\";\n";
    assert_none_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["drop-index-not-concurrent"],
    );
}

#[test]
fn dropping_an_unknown_index_is_reported_without_if_exists_or_without_a_schema() {
    // Without IF EXISTS, PostgreSQL would refuse a missing index: pglint's model is what is
    // missing it. Without earlier files, pglint knows nothing of the schema.
    let plain = "DROP INDEX \"shop_order_status_partial\";\n";
    assert_all_of(
        &[("0001.sql", EARLIER), ("0002.sql", plain)],
        &["drop-index-not-concurrent"],
    );
    let guarded =
        "CREATE TABLE \"x\" (\"id\" int);\nDROP INDEX IF EXISTS \"shop_order_status_partial\";\n";
    assert_all_of(&[("0001.sql", guarded)], &["drop-index-not-concurrent"]);
    // A known index is reported, IF EXISTS or not.
    let known = "DROP INDEX IF EXISTS \"shop_order_code_idx\";\n";
    assert_all_of(
        &[("0001.sql", EARLIER), ("0002.sql", known)],
        &["drop-index-not-concurrent"],
    );
}

#[test]
fn pglint_locks_claims_no_lock_for_an_index_that_is_not_there() {
    let sql = "DROP INDEX IF EXISTS \"shop_order_status_partial\";\n";
    let files = pglint::advisor::analyze_texts(&[("0001.sql", EARLIER), ("0002.sql", sql)], 15);
    let row = &files[1].rows[0];
    assert!(
        row.locks.iter().all(|l| !l.blocks_anyone()),
        "{:?}",
        row.locks
    );
    // Without a schema, the lock on the index's table is still claimed.
    let files = pglint::advisor::analyze_texts(&[("0001.sql", sql)], 15);
    assert!(files[0].rows[0].locks.iter().any(|l| l.blocks_anyone()));
}

#[test]
fn a_unique_key_over_a_column_null_in_every_row_cannot_fail() {
    for unique in [
        r#"ALTER TABLE "shop_order" ADD CONSTRAINT "shop_order_note_uniq" UNIQUE ("note");"#,
        r#"CREATE UNIQUE INDEX "shop_order_note_uniq" ON "shop_order" ("note");"#,
    ] {
        let sql = format!(
            "BEGIN;\nALTER TABLE \"shop_order\" ADD COLUMN \"note\" varchar(10) NULL;\n{unique}\nCOMMIT;\n"
        );
        let found = last_file_rules(&[("0001.sql", EARLIER), ("0002.sql", &sql)]);
        assert!(
            !found.iter().any(|r| r == "add-unique-may-fail"),
            "{found:?}"
        );
        // The index is still built under a lock on a table others use (here, the ACCESS
        // EXCLUSIVE lock of the ADD COLUMN, so the finding is access-exclusive-then-slow's).
        assert!(
            found.iter().any(|r| r == "constraint-builds-index"
                || r == "index-not-concurrent"
                || r == "access-exclusive-then-slow"),
            "{found:?}"
        );
    }
}

#[test]
fn a_unique_key_over_a_new_column_with_values_may_fail() {
    // Django's AddField(default=…) fills every row with the same value, then drops the
    // default; an UPDATE between fills it too.
    for fill in [
        "ALTER TABLE \"shop_order\" ADD COLUMN \"note\" varchar(10) DEFAULT 'x' NOT NULL;\nALTER TABLE \"shop_order\" ALTER COLUMN \"note\" DROP DEFAULT;",
        "ALTER TABLE \"shop_order\" ADD COLUMN \"note\" varchar(10) NULL;\nUPDATE \"shop_order\" SET \"note\" = 'x';",
        "ALTER TABLE \"shop_order\" ADD COLUMN \"note\" varchar(10) NULL;\n--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL",
    ] {
        let sql = format!(
            "BEGIN;\n{fill}\nALTER TABLE \"shop_order\" ADD CONSTRAINT \"shop_order_note_uniq\" UNIQUE (\"note\");\nCOMMIT;\n"
        );
        assert_all_of(
            &[("0001.sql", EARLIER), ("0002.sql", &sql)],
            &["add-unique-may-fail"],
        );
    }
}

#[test]
fn validating_a_foreign_key_of_a_table_created_in_the_file_is_free() {
    let sql = r#"BEGIN;
CREATE TABLE "shop_invoice" ("id" bigint NOT NULL PRIMARY KEY, "order_id" bigint NOT NULL);
ALTER TABLE "shop_invoice" ADD CONSTRAINT "shop_invoice_order_fk" FOREIGN KEY ("order_id") REFERENCES "shop_order" ("id") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
"#;
    assert_none_of(
        &[("0001.sql", EARLIER), ("0002.sql", sql)],
        &["fk-without-not-valid"],
    );
    // On a table from an earlier file, the scan is reported.
    let existing = r#"ALTER TABLE "shop_order" ADD CONSTRAINT "shop_order_customer_fk" FOREIGN KEY ("id") REFERENCES "shop_customer" ("id");"#;
    assert_all_of(
        &[("0001.sql", EARLIER), ("0002.sql", existing)],
        &["fk-without-not-valid"],
    );
}

#[test]
fn pglint_locks_sees_a_table_created_again_as_new() {
    let sql = recreated("CREATE TABLE");
    let files = pglint::advisor::analyze_texts(&[("0001.sql", EARLIER), ("0002.sql", &sql)], 15);
    for row in &files[1].rows {
        assert!(
            row.locks
                .iter()
                .all(|l| !l.blocks_anyone() || l.relation.name == "shop_customer"),
            "{}: {:?}",
            row.sql,
            row.locks
        );
    }
    let sql = recreated("CREATE TABLE IF NOT EXISTS");
    let files = pglint::advisor::analyze_texts(&[("0001.sql", EARLIER), ("0002.sql", &sql)], 15);
    assert!(files[1].rows.iter().any(|r| {
        r.locks
            .iter()
            .any(|l| l.blocks_anyone() && l.relation.name == "shop_order")
    }));
}

#[test]
fn a_drop_index_if_exists_of_an_absent_index_holds_no_lock_for_later_statements() {
    let found = lint_files(&[
        (
            "0001.sql",
            "CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY, \"status\" text);\n",
        ),
        (
            "0002.sql",
            "BEGIN;\nDROP INDEX IF EXISTS \"shop_order_gone_idx\";\nUPDATE \"shop_order\" SET \"status\" = 'x';\nCOMMIT;\n",
        ),
    ]);
    assert!(rule_ids(&found).is_empty(), "{:?}", rule_ids(&found));
}
