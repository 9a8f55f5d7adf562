//! The pre-commit recipe: the staged files as targets, their folder as context. A target is
//! never replayed as context before it is linted, and the migrations after it in its folder
//! are not replayed before it (issue 15, point 1).

mod common;

use common::{TempDir, run_in};

fn project(name: &str) -> TempDir {
    let t = TempDir::new(name);
    t.write(
        "sql/0001_initial.sql",
        "CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY, \"code\" varchar(100) NOT NULL);\n",
    );
    // A varchar shrink: a rewrite of the table, judged against varchar(100).
    t.write(
        "sql/0002_shrink_code.sql",
        "BEGIN;\nALTER TABLE \"shop_order\" ALTER COLUMN \"code\" TYPE varchar(50);\nCOMMIT;\n",
    );
    // After the target: drops the column the target changes.
    t.write(
        "sql/0003_drop_code.sql",
        "BEGIN;\nALTER TABLE \"shop_order\" DROP COLUMN \"code\";\nCOMMIT;\n",
    );
    t
}

#[test]
fn a_staged_file_with_its_folder_as_context_is_judged_against_the_schema_before_it() {
    let t = project("ctx-order-check");
    let (code, out, err) = run_in(
        t.path(),
        &[
            "--format",
            "compact",
            "--context",
            "sql/",
            "sql/0002_shrink_code.sql",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("sql/0002_shrink_code.sql:2:51: warning[column-type-change] Changing shop_order.code from varchar(100) to varchar(50)"),
        "{out}"
    );
    // Only the target is reported.
    assert!(
        out.lines()
            .all(|l| l.starts_with("sql/0002_shrink_code.sql")),
        "{out}"
    );
}

#[test]
fn pglint_locks_orders_context_the_same_way() {
    let t = project("ctx-order-locks");
    // Replayed before its target, the shrink would meet varchar(50) and rewrite nothing.
    t.write(
        "sql/0003_drop_code.sql",
        "BEGIN;\nALTER TABLE \"shop_order\" ADD COLUMN \"note\" text NULL;\nCOMMIT;\n",
    );
    let (code, out, err) = run_in(
        t.path(),
        &[
            "locks",
            "--format",
            "json",
            "--context",
            "sql/",
            "sql/0002_shrink_code.sql",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statements = v["statements"].as_array().unwrap();
    let alter = statements
        .iter()
        .find(|s| s["sql"].as_str().unwrap().contains("TYPE varchar(50)"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        alter["rewrites"],
        serde_json::json!(["shop_order"]),
        "{out}"
    );
}
