//! False positives found by the blind audit of real Django projects' migrations (NOISE.md),
//! each reduced to the Django-shaped SQL that raised it, with the neighbour that must still be
//! reported.

mod common;

use common::{lint_enabling_after, rule_ids};

const EXISTING: &str =
    "CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY, \"tax_rate\" numeric(10, 2) NULL);
CREATE TABLE \"shop_item\" (\"id\" bigint PRIMARY KEY);
";

fn lint(sql: &str) -> Vec<String> {
    rule_ids(&lint_enabling_after(Some(EXISTING), ("0002.sql", sql), ""))
}

#[test]
fn foreign_keys_of_a_table_created_in_the_migration_are_no_slow_work() {
    // pretix 0138: CreateModel GiftCard (its FKs validated against an empty table) after an
    // ALTER TABLE of an existing table in the same transaction.
    let sql = "BEGIN;
ALTER TABLE \"shop_item\" ADD COLUMN \"note\" text NULL;
CREATE TABLE \"shop_giftcard\" (\"id\" bigint PRIMARY KEY, \"order_id\" bigint NOT NULL);
ALTER TABLE \"shop_giftcard\" ADD CONSTRAINT \"shop_giftcard_order_id_fk\" FOREIGN KEY (\"order_id\") REFERENCES \"shop_order\" (\"id\") DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX \"shop_giftcard_order_id_idx\" ON \"shop_giftcard\" (\"order_id\");
COMMIT;
";
    assert!(!lint(sql).iter().any(|r| r == "access-exclusive-then-slow"));
    // The same foreign key on an existing table does scan it.
    let sql = "BEGIN;
ALTER TABLE \"shop_item\" ADD COLUMN \"note\" text NULL;
ALTER TABLE \"shop_item\" ADD COLUMN \"order_id\" bigint NULL;
ALTER TABLE \"shop_item\" ADD CONSTRAINT \"shop_item_order_id_fk\" FOREIGN KEY (\"order_id\") REFERENCES \"shop_order\" (\"id\") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
";
    assert!(lint(sql).iter().any(|r| r == "access-exclusive-then-slow"));
}

#[test]
fn a_default_the_migration_set_itself_on_an_existing_column_can_be_dropped() {
    // pretix 0007: AlterField(null=False, default=0) of an existing column. The old code lists
    // the column in its INSERTs and never relied on a default it did not have.
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ALTER COLUMN \"tax_rate\" SET DEFAULT 0.00;
UPDATE \"shop_order\" SET \"tax_rate\" = 0.00 WHERE \"tax_rate\" IS NULL; SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE \"shop_order\" ALTER COLUMN \"tax_rate\" SET NOT NULL;
ALTER TABLE \"shop_order\" ALTER COLUMN \"tax_rate\" DROP DEFAULT;
COMMIT;
";
    assert!(!lint(sql).iter().any(|r| r == "not-null-default-dropped"));
    // AddField(default=…) of a new column: the old code omits it from its INSERTs.
    let sql = "BEGIN;
ALTER TABLE \"shop_order\" ADD COLUMN \"paid\" boolean DEFAULT false NOT NULL;
ALTER TABLE \"shop_order\" ALTER COLUMN \"paid\" DROP DEFAULT;
COMMIT;
";
    assert!(lint(sql).iter().any(|r| r == "not-null-default-dropped"));
}

#[test]
fn a_scan_under_a_held_lock_that_no_other_rule_reports_is_still_reported() {
    // django-oscar order/0016: a second ADD COLUMN with a CHECK scans the table under the
    // ACCESS EXCLUSIVE lock the first one took; no rule of its own reports that scan.
    let sql = "BEGIN;
ALTER TABLE \"shop_item\" ADD COLUMN \"cancelled\" boolean DEFAULT false NOT NULL;
ALTER TABLE \"shop_item\" ALTER COLUMN \"cancelled\" DROP DEFAULT;
ALTER TABLE \"shop_item\" ADD COLUMN \"allocated\" integer NULL CHECK (\"allocated\" >= 0);
COMMIT;
";
    assert!(lint(sql).iter().any(|r| r == "access-exclusive-then-slow"));
}

#[test]
fn the_help_says_when_a_commit_between_does_not_help() {
    // The slow statement locks the table ACCESS EXCLUSIVE itself: splitting the migration
    // leaves it just as blocking; making it cheap is what helps.
    let sql = "BEGIN;
ALTER TABLE \"shop_item\" ADD COLUMN \"note\" text NULL;
ALTER TABLE \"shop_item\" ADD COLUMN \"allocated\" integer NULL CHECK (\"allocated\" >= 0);
COMMIT;
";
    let found = lint_enabling_after(Some(EXISTING), ("0002.sql", sql), "");
    let f = found
        .iter()
        .find(|f| f.rule == "access-exclusive-then-slow")
        .expect("the scan under the held lock is reported");
    let help = f.help().unwrap();
    assert!(help.contains("a commit alone does not help"), "{help}");
    assert!(help.contains("NOT VALID"), "{help}");
    // A plain data change after the lock: committing between is the fix.
    let sql = "BEGIN;
ALTER TABLE \"shop_item\" ADD COLUMN \"note\" text NULL;
UPDATE \"shop_item\" SET \"note\" = '';
COMMIT;
";
    let found = lint_enabling_after(Some(EXISTING), ("0002.sql", sql), "");
    let help = found[0].help().unwrap().into_owned();
    assert!(help.starts_with("Commit between the two"), "{help}");
    assert!(!help.contains("does not help"), "{help}");
}

#[test]
fn a_type_change_that_can_fail_on_existing_values_says_so() {
    // Issue 15, point 10: a varchar shrink (or any narrowing) also fails on long values.
    let context = "CREATE TABLE \"shop_customer\" (\"id\" bigint PRIMARY KEY, \"name\" varchar(200) NOT NULL, \"zip\" varchar(20) NULL, \"visits\" bigint NOT NULL, \"qty\" integer NOT NULL);\n";
    let message = |sql: &str| -> String {
        let found = lint_enabling_after(Some(context), ("0002.sql", sql), "");
        let f = found
            .iter()
            .find(|f| f.rule == "column-type-change")
            .unwrap_or_else(|| panic!("{:?}", rule_ids(&found)));
        f.message().into_owned()
    };
    let shrink = message("ALTER TABLE \"shop_customer\" ALTER COLUMN \"name\" TYPE varchar(100);");
    assert!(
        shrink.ends_with(
            "and it fails (rolling the whole migration back) if shop_customer holds a longer value"
        ),
        "{shrink}"
    );
    let parse = message(
        "ALTER TABLE \"shop_customer\" ALTER COLUMN \"zip\" TYPE integer USING \"zip\"::integer;",
    );
    assert!(
        parse.contains("a value that does not parse as the new type"),
        "{parse}"
    );
    let narrower = message("ALTER TABLE \"shop_customer\" ALTER COLUMN \"visits\" TYPE integer;");
    assert!(
        narrower.contains("a value out of the new range"),
        "{narrower}"
    );
    // Widening an integer rewrites the table but cannot fail.
    let widen = message("ALTER TABLE \"shop_customer\" ALTER COLUMN \"qty\" TYPE bigint;");
    assert!(!widen.contains("fails"), "{widen}");
}

#[test]
fn django_advice_fits_where_the_sql_came_from() {
    // Issue 15, point 9. The `_like` twin of unique=True is not in Meta.indexes:
    // RemoveIndexConcurrently cannot remove it.
    let context =
        "CREATE TABLE \"shop_product\" (\"id\" bigint PRIMARY KEY, \"sku\" varchar(32) NULL);
CREATE INDEX \"shop_product_sku_20049d15_like\" ON \"shop_product\" (\"sku\" varchar_pattern_ops);
CREATE INDEX \"product_sku_idx\" ON \"shop_product\" (\"sku\");
";
    let django = |sql: &str, rule: &str| -> String {
        let found = lint_enabling_after(Some(context), ("0002.sql", sql), "");
        found
            .iter()
            .find(|f| f.rule == rule)
            .unwrap_or_else(|| panic!("{:?}", rule_ids(&found)))
            .django()
            .unwrap()
            .into_owned()
    };
    let generated = django(
        "DROP INDEX IF EXISTS \"shop_product_sku_20049d15_like\";",
        "drop-index-not-concurrent",
    );
    assert!(
        generated.contains("RemoveIndexConcurrently cannot remove"),
        "{generated}"
    );
    let own = django(
        "DROP INDEX \"product_sku_idx\";",
        "drop-index-not-concurrent",
    );
    assert!(own.starts_with("Use RemoveIndexConcurrently"), "{own}");

    // The ADD COLUMN and its deferred index come from one AddField: no split separates them.
    let one = "BEGIN;\n--\n-- Add field ref to product\n--\nALTER TABLE \"shop_product\" ADD COLUMN \"ref\" varchar(20) NULL;\nCREATE INDEX \"shop_product_ref_6f1a2b3c\" ON \"shop_product\" (\"ref\");\nCOMMIT;\n";
    let advice = django(one, "access-exclusive-then-slow");
    assert!(advice.contains("come from one operation"), "{advice}");
    // Two operations: split the migration.
    let two = "BEGIN;\n--\n-- Add field ref to product\n--\nALTER TABLE \"shop_product\" ADD COLUMN \"ref\" varchar(20) NULL;\n--\n-- Create index product_ref_idx on field(s) ref of model product\n--\nCREATE INDEX \"product_ref_idx\" ON \"shop_product\" (\"ref\");\nCOMMIT;\n";
    let advice = django(two, "access-exclusive-then-slow");
    assert!(advice.starts_with("Split the migration in two"), "{advice}");
}
