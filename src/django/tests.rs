use std::path::Path;

use super::*;

#[test]
fn migration_files_are_recognised() {
    assert!(is_migration_file(Path::new("shop/migrations/0002_x.py")));
    assert!(!is_migration_file(Path::new("shop/migrations/__init__.py")));
    assert!(!is_migration_file(Path::new("shop/models.py")));
    assert!(!is_migration_file(Path::new("shop/migrations/0002_x.sql")));
}

fn op(describe: &str, line: Option<usize>) -> helper::OperationLine {
    helper::OperationLine {
        describe: describe.to_string(),
        line,
    }
}

fn answer_for(ops: Vec<helper::OperationLine>) -> MigrationSql {
    MigrationSql {
        app: "shop".into(),
        name: "0002_x".into(),
        path: None,
        display: "shop/migrations/0002_x.py".into(),
        target: true,
        sql: None,
        error: None,
        operations: ops,
    }
}

const SQL: &str = "BEGIN;\n--\n-- Add field sku to product\n--\nALTER TABLE \"p\" ADD COLUMN \"sku\" int NULL;\n--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL\n--\n-- Create index x on field(s) sku of model product\n--\nCREATE INDEX \"x\" ON \"p\" (\"sku\");\nCOMMIT;\n";

#[test]
fn kth_header_gets_the_kth_operation_line() {
    let mut m = parse::parse_file(SourceFile::new("shop/migrations/0002_x.py", SQL));
    let a = answer_for(vec![
        op("Add field sku to product", Some(12)),
        op("Raw Python operation", None),
        op("Create index x on field(s) sku of model product", Some(20)),
    ]);
    attach_lines(&mut m, &a, "shop/migrations/0002_x.py");
    let got: Vec<&str> = m.operations.iter().map(|o| &*o.describe).collect();
    assert_eq!(
        got,
        [
            "Add field sku to product (shop/migrations/0002_x.py:12)",
            "Raw Python operation",
            "Create index x on field(s) sku of model product (shop/migrations/0002_x.py:20)",
        ]
    );
}

#[test]
fn headers_that_do_not_line_up_match_by_text() {
    let mut m = parse::parse_file(SourceFile::new("m.py", SQL));
    let a = answer_for(vec![
        op("Something the SQL lost", Some(5)),
        op("Add field sku to product", Some(12)),
        op("Raw Python operation", None),
        op("Create index x on field(s) sku of model product", Some(20)),
    ]);
    attach_lines(&mut m, &a, "m.py");
    assert_eq!(
        &*m.operations[0].describe,
        "Add field sku to product (m.py:12)"
    );
    assert_eq!(&*m.operations[1].describe, "Raw Python operation");
    assert!(m.operations[2].describe.ends_with("(m.py:20)"));
    assert_eq!(m.operations[2].source_line, Some(20));
    assert_eq!(m.operations[1].source_line, None);
}
