//! Rule behaviour that a single fixture file cannot show: the schema carried across files,
//! context files, and the cases where a rule must stay silent.

mod common;

use common::{assert_fires, assert_silent, lint_files, rule_ids};

const BOOK: &str = "CREATE TABLE \"shop_author\" (\"id\" bigint NOT NULL PRIMARY KEY);
CREATE TABLE \"shop_book\" (\"id\" bigint NOT NULL PRIMARY KEY, \"author_id\" bigint NOT NULL);
ALTER TABLE \"shop_book\" ADD CONSTRAINT \"shop_book_author_id_fk\" FOREIGN KEY (\"author_id\") REFERENCES \"shop_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX \"shop_book_author_id_idx\" ON \"shop_book\" (\"author_id\");
";

#[test]
fn a_table_from_an_earlier_file_is_existing() {
    let found = lint_files(&[
        ("0001.sql", BOOK),
        (
            "0002.sql",
            "CREATE INDEX \"b\" ON \"shop_book\" (\"id\", \"author_id\");",
        ),
    ]);
    assert_eq!(rule_ids(&found), ["index-not-concurrent"]);
    assert_eq!(found[0].file.name, "0002.sql");
}

#[test]
fn public_and_unqualified_names_are_the_same_table() {
    assert_silent(
        "CREATE TABLE public.t (id bigint); CREATE INDEX i ON \"t\" (id);",
        "index-not-concurrent",
    );
    assert_silent(
        "CREATE TABLE \"t\" (id bigint); CREATE INDEX i ON public.t (id);",
        "index-not-concurrent",
    );
    assert_fires(
        "CREATE TABLE app.t (id bigint); CREATE INDEX i ON t (id);",
        "index-not-concurrent",
    );
}

#[test]
fn dropping_the_last_covering_index_in_a_later_migration_is_reported_at_the_drop() {
    let found = lint_files(&[
        ("0001.sql", BOOK),
        (
            "0002.sql",
            "DROP INDEX CONCURRENTLY \"shop_book_author_id_idx\";",
        ),
    ]);
    assert_eq!(rule_ids(&found), ["fk-missing-index"]);
    assert_eq!(found[0].file.name, "0002.sql");
    assert_eq!(found[0].related.len(), 1, "points back at the foreign key");
    assert_eq!(found[0].related[0].file.name, "0001.sql");
}

#[test]
fn dropping_an_index_that_another_index_still_covers_is_fine() {
    let extra = "CREATE INDEX CONCURRENTLY \"shop_book_author_title\" ON \"shop_book\" (\"author_id\", \"id\");";
    let found = lint_files(&[
        ("0001.sql", BOOK),
        ("0002.sql", extra),
        (
            "0003.sql",
            "DROP INDEX CONCURRENTLY \"shop_book_author_id_idx\";",
        ),
    ]);
    // The longer index made the short one redundant (reported in 0002); dropping it is the fix.
    assert_eq!(rule_ids(&found), ["redundant-index"]);
    assert_eq!(found[0].file.name, "0002.sql");
}

#[test]
fn replacing_the_covering_index_in_the_same_migration_is_fine() {
    let swap = "DROP INDEX CONCURRENTLY \"shop_book_author_id_idx\";\nCREATE INDEX CONCURRENTLY \"shop_book_author_id_2\" ON \"shop_book\" (\"author_id\");";
    assert_eq!(
        rule_ids(&lint_files(&[("0001.sql", BOOK), ("0002.sql", swap)])),
        Vec::<String>::new()
    );
}

#[test]
fn a_foreign_key_added_to_an_unknown_table_is_not_judged() {
    assert_silent(
        "ALTER TABLE \"legacy\" ADD CONSTRAINT \"fk\" FOREIGN KEY (\"x_id\") REFERENCES \"x\" (\"id\");",
        "fk-missing-index",
    );
}

#[test]
fn a_foreign_key_added_to_a_known_table_in_a_later_file_is_judged() {
    let later = "ALTER TABLE \"shop_book\" ADD COLUMN \"editor_id\" bigint NULL CONSTRAINT \"shop_book_editor_fk\" REFERENCES \"shop_author\"(\"id\") DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS \"shop_book_editor_fk\" IMMEDIATE;";
    let found = lint_files(&[("0001.sql", BOOK), ("0002.sql", later)]);
    assert_eq!(rule_ids(&found), ["fk-missing-index"]);
    let with_index = format!(
        "{later}\nCREATE INDEX CONCURRENTLY \"shop_book_editor_id\" ON \"shop_book\" (\"editor_id\");"
    );
    assert_eq!(
        rule_ids(&lint_files(&[
            ("0001.sql", BOOK),
            ("0002.sql", &with_index)
        ])),
        Vec::<String>::new()
    );
}

#[test]
fn primary_key_and_unique_constraints_count_as_indexes() {
    assert_silent(
        "CREATE TABLE \"shop_item\" (\"order_id\" bigint NOT NULL, \"product_id\" bigint NOT NULL, PRIMARY KEY (\"order_id\", \"product_id\"), FOREIGN KEY (\"order_id\") REFERENCES \"shop_order\" (\"id\"));",
        "fk-missing-index",
    );
    assert_fires(
        "CREATE TABLE \"shop_item\" (\"order_id\" bigint NOT NULL, \"product_id\" bigint NOT NULL REFERENCES \"shop_product\", UNIQUE (\"order_id\", \"product_id\"));",
        "fk-missing-index",
    );
}

#[test]
fn expression_and_non_btree_indexes_do_not_cover() {
    let base = "CREATE TABLE \"t\" (\"id\" bigint PRIMARY KEY, \"p_id\" bigint REFERENCES \"p\" (\"id\"));";
    assert_fires(
        &format!("{base} CREATE INDEX \"e\" ON \"t\" ((\"p_id\" + 0));"),
        "fk-missing-index",
    );
    assert_fires(
        &format!("{base} CREATE INDEX \"h\" ON \"t\" USING hash (\"p_id\");"),
        "fk-missing-index",
    );
    assert_silent(
        &format!("{base} CREATE INDEX \"b\" ON \"t\" USING btree (\"p_id\" DESC);"),
        "fk-missing-index",
    );
}

#[test]
fn django_pk_type_change_keeps_fks_judged() {
    // DROP then re-ADD of the FK around a type change; the index still exists.
    let change = "SET CONSTRAINTS \"shop_book_author_id_fk\" IMMEDIATE; ALTER TABLE \"shop_book\" DROP CONSTRAINT \"shop_book_author_id_fk\";
ALTER TABLE \"shop_author\" ALTER COLUMN \"id\" TYPE bigint USING \"id\"::bigint;
ALTER TABLE \"shop_book\" ALTER COLUMN \"author_id\" TYPE bigint USING \"author_id\"::bigint;
ALTER TABLE \"shop_book\" ADD CONSTRAINT \"shop_book_author_id_fk\" FOREIGN KEY (\"author_id\") REFERENCES \"shop_author\" (\"id\") DEFERRABLE INITIALLY DEFERRED;";
    let found = lint_files(&[("0001.sql", BOOK), ("0002.sql", change)]);
    assert!(
        !found.iter().any(|f| f.rule == "fk-missing-index"),
        "{:?}",
        rule_ids(&found)
    );
}

#[test]
fn unique_via_add_column_on_existing_table() {
    let found = lint_files(&[
        ("0001.sql", BOOK),
        (
            "0002.sql",
            "ALTER TABLE \"shop_book\" ADD COLUMN \"code\" varchar(10) NULL UNIQUE;",
        ),
    ]);
    assert_eq!(rule_ids(&found), ["constraint-builds-index"]);
}

#[test]
fn set_not_null_is_silent_after_a_validated_check_in_an_earlier_migration() {
    let table = "CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY, \"status\" text NULL);";
    let check = "ALTER TABLE \"shop_order\" ADD CONSTRAINT \"status_nn\" CHECK (\"status\" IS NOT NULL AND \"status\" <> '') NOT VALID;";
    let validate = "ALTER TABLE \"shop_order\" VALIDATE CONSTRAINT \"status_nn\";";
    let set = "ALTER TABLE \"shop_order\" ALTER COLUMN \"status\" SET NOT NULL;";
    let found = lint_files(&[
        ("0001.sql", table),
        ("0002.sql", check),
        ("0003.sql", validate),
        ("0004.sql", set),
    ]);
    assert_eq!(rule_ids(&found), Vec::<String>::new());
    // Not validated yet: the scan still happens.
    let found = lint_files(&[("0001.sql", table), ("0002.sql", check), ("0004.sql", set)]);
    assert_eq!(rule_ids(&found), ["set-not-null-scan"]);
    // A CHECK that allows NULL through an OR proves nothing.
    let weak = "ALTER TABLE \"shop_order\" ADD CONSTRAINT \"status_nn\" CHECK (\"status\" IS NOT NULL OR \"id\" < 10);";
    let found = lint_files(&[("0001.sql", table), ("0002.sql", weak), ("0004.sql", set)]);
    assert_eq!(
        rule_ids(&found),
        ["check-without-not-valid", "set-not-null-scan"]
    );
}
