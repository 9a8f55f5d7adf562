//! `pglint locks`: snapshots of the three formats for the shop example and for small
//! Django-typical migrations, the CLI surface, and the Mermaid charts parsed by the real Mermaid
//! parser (scripts/install-mermaid-check.sh installs it; in CI a missing checker fails).
//!
//! The facts come from `pglint::locks::effects` through the real command; after the knowledge
//! base changes, `INSTA_UPDATE=always cargo test --test locks` regenerates the snapshots.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pglint::advisor::{self, mermaid};
use pglint::parse;
use pglint::source::SourceFile;

const SHOP: &str = "examples/shop";
const LIBRARY: &str = "tests/fixtures/locks/library";
const ODD_NAMES: &str = "tests/fixtures/locks/odd_names.sql";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pglint(args: &[&str], stdin: Option<&str>) -> Output {
    common::pglint_in(root(), args, stdin.map(str::as_bytes))
}

fn locks_ok(args: &[&str]) -> String {
    let mut all = vec!["locks"];
    all.extend_from_slice(args);
    let out = pglint(&all, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "pglint {all:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn snapshot(name: &str, value: &str) {
    common::snapshot_settings().bind(|| insta::assert_snapshot!(name, value));
}

#[test]
fn shop_in_three_formats() {
    snapshot("locks__shop_human", &locks_ok(&[SHOP]));
    snapshot(
        "locks__shop_markdown",
        &locks_ok(&[SHOP, "--format", "markdown"]),
    );
    snapshot("locks__shop_json", &locks_ok(&[SHOP, "--format", "json"]));
}

/// CreateModel with FKs, AddField with a default (+ DROP DEFAULT), AlterField int → bigint,
/// AddIndexConcurrently in a non-atomic migration.
#[test]
fn django_typical_migrations_in_three_formats() {
    snapshot("locks__library_human", &locks_ok(&[LIBRARY]));
    snapshot(
        "locks__library_markdown",
        &locks_ok(&[LIBRARY, "--format", "markdown"]),
    );
    snapshot(
        "locks__library_json",
        &locks_ok(&[LIBRARY, "--format", "json"]),
    );
}

#[test]
fn names_from_sql_are_escaped_in_markdown_and_mermaid() {
    snapshot(
        "locks__odd_names_markdown",
        &locks_ok(&[ODD_NAMES, "--format", "markdown"]),
    );
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&locks_ok(&all)).unwrap()
}

#[test]
fn json_has_the_documented_shape() {
    let v = json(&[LIBRARY]);
    assert_eq!(v["version"], 1);
    let statements = v["statements"].as_array().unwrap();
    for s in statements {
        for key in [
            "path",
            "line",
            "operation",
            "sql",
            "locks",
            "rewrites",
            "scans",
            "needs_no_transaction",
            "held_until_line",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
        for l in s["locks"].as_array().unwrap() {
            let mode = l["mode"].as_str().unwrap();
            assert!(
                [
                    "ACCESS SHARE",
                    "ROW SHARE",
                    "ROW EXCLUSIVE",
                    "SHARE UPDATE EXCLUSIVE",
                    "SHARE",
                    "SHARE ROW EXCLUSIVE",
                    "EXCLUSIVE",
                    "ACCESS EXCLUSIVE"
                ]
                .contains(&mode),
                "{mode}"
            );
            assert!(l["blocks_reads"].is_boolean() && l["blocks_writes"].is_boolean());
        }
    }
    // Every statement of an atomic file is held to its COMMIT; the non-atomic one to its end.
    let pages: Vec<_> = statements
        .iter()
        .filter(|s| s["path"].as_str().unwrap().ends_with("0003_book_pages.sql"))
        .map(|s| {
            (
                s["line"].as_u64().unwrap(),
                s["held_until_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pages, [(5, 7), (6, 7)]);
    let concurrent = statements
        .iter()
        .find(|s| {
            s["path"]
                .as_str()
                .unwrap()
                .ends_with("0005_book_title_idx.sql")
        })
        .unwrap();
    assert_eq!(concurrent["held_until_line"], 4);
    assert_eq!(concurrent["released_by"], "statement_end");
    assert_eq!(
        concurrent["operation"],
        "Concurrently create index book_title_idx on field(s) title of model book"
    );
}

#[test]
fn context_files_make_tables_existing_and_are_not_reported() {
    let alone = json(&[&format!("{LIBRARY}/0001_initial.sql")]);
    assert!(
        alone["migrations"][0]["tables"]
            .as_array()
            .unwrap()
            .is_empty(),
        "every table of 0001 is new in 0001"
    );
    // The same CREATE INDEX in a later file locks a table that existed before.
    let sql =
        "BEGIN;\nCREATE INDEX \"library_book_title\" ON \"library_book\" (\"title\");\nCOMMIT;\n";
    let out = pglint(
        &[
            "locks",
            "-",
            "--stdin-filename",
            "library/0009_title.sql",
            "--context",
            &format!("{LIBRARY}/0001_initial.sql"),
            "--format",
            "json",
        ],
        Some(sql),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statements = v["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "context files are not reported");
    assert_eq!(statements[0]["path"], "library/0009_title.sql");
    assert_eq!(statements[0]["held_until_line"], 3);
    let book = statements[0]["locks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "library_book")
        .expect("the index build locks the table");
    assert_eq!(book["new"], false);
    assert_eq!(v["migrations"][0]["tables"][0]["relation"], "library_book");
}

#[test]
fn schema_qualified_relations_outside_public() {
    let out = pglint(
        &["locks", "-", "--format", "json"],
        Some("ALTER TABLE billing.invoice ADD COLUMN note text;\n"),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["statements"][0]["path"], "<stdin>");
    assert_eq!(
        v["statements"][0]["locks"][0]["relation"],
        "billing.invoice"
    );
}

#[test]
fn missing_input_exits_2_and_bad_format_is_a_usage_error() {
    let out = pglint(&["locks", "no/such/file.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
    let out = pglint(&["locks", SHOP, "--format", "sarif"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = pglint(&["locks"], None);
    assert_eq!(out.status.code(), Some(2), "paths are required");
}

// --- Mermaid ---------------------------------------------------------------------------

/// Every chart the tests produce: the shop, the library, odd names, a schema-qualified table.
fn diagrams() -> Vec<(String, String)> {
    let mut runs: Vec<Vec<(String, String)>> = Vec::new();
    for dir in [SHOP, LIBRARY] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        runs.push(
            files
                .iter()
                .map(|p| {
                    (
                        p.strip_prefix(root()).unwrap().display().to_string(),
                        std::fs::read_to_string(p).unwrap(),
                    )
                })
                .collect(),
        );
    }
    runs.push(vec![(
        ODD_NAMES.to_string(),
        std::fs::read_to_string(root().join(ODD_NAMES)).unwrap(),
    )]);
    runs.push(vec![(
        "weird: path; #1 \"x\".sql".to_string(),
        "CREATE INDEX CONCURRENTLY i ON billing.invoice (n);\nALTER TABLE billing.invoice ADD COLUMN note text;\n".to_string(),
    )]);
    let mut out = Vec::new();
    for run in runs {
        let migrations = run.iter().map(|(name, text)| {
            (
                parse::parse_file(SourceFile::new(name.as_str(), text.as_str())),
                true,
            )
        });
        for f in advisor::analyze(migrations, 15) {
            if let Some(chart) = mermaid::diagram(&f) {
                out.push((f.path.clone(), chart));
            }
        }
    }
    out
}

/// Where scripts/install-mermaid-check.sh put the parser: `MERMAID_CHECK_DIR`, else
/// `<target dir>/mermaid-check` (the target dir this test binary was built into).
fn checker_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MERMAID_CHECK_DIR") {
        return PathBuf::from(dir);
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_pglint"));
    bin.parent()
        .and_then(Path::parent)
        .map(|target| target.join("mermaid-check"))
        .unwrap_or_else(|| root().join("target/mermaid-check"))
}

/// Runs the checker on the diagrams; `None` when it is not installed.
fn check_mermaid(diagrams: &[(String, String)]) -> Option<Output> {
    let dir = checker_dir();
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok || !dir.join("node_modules/mermaid/package.json").is_file() {
        return None;
    }
    let script = dir.join("check.mjs");
    std::fs::write(&script, include_str!("../scripts/mermaid-check/check.mjs")).unwrap();
    let work = dir.join(format!("diagrams-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut files = Vec::new();
    for (i, (_, chart)) in diagrams.iter().enumerate() {
        let path = work.join(format!("{i:03}.mmd"));
        std::fs::write(&path, chart).unwrap();
        files.push(path);
    }
    let out = Command::new("node")
        .arg(&script)
        .args(&files)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    Some(out)
}

#[test]
fn every_mermaid_chart_parses_with_the_real_mermaid_parser() {
    let charts = diagrams();
    assert!(
        charts.len() >= 8,
        "expected charts for most files, got {}",
        charts.len()
    );
    let Some(out) = check_mermaid(&charts) else {
        let msg = format!(
            "the Mermaid checker is not installed in {} (run scripts/install-mermaid-check.sh)",
            checker_dir().display()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; CI must run it");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
        return;
    };
    let report = String::from_utf8_lossy(&out.stdout);
    // Every task line we wrote is one task Mermaid sees: no name swallowed a line (`%%`) or
    // split one.
    let expected = |chart: &str| {
        let tasks = chart.lines().filter(|l| l.starts_with("    L")).count();
        format!(": ok (gantt) tasks={tasks}")
    };
    let failures: Vec<String> = report
        .lines()
        .enumerate()
        .filter(|(i, l)| !charts.get(*i).is_some_and(|c| l.ends_with(&expected(&c.1))))
        .map(|(i, l)| {
            format!(
                "{l}\n--- chart of {} ---\n{}",
                charts.get(i).map_or("?", |c| c.0.as_str()),
                charts.get(i).map_or("", |c| c.1.as_str())
            )
        })
        .collect();
    assert!(
        out.status.success() && failures.is_empty() && report.lines().count() == charts.len(),
        "Mermaid rejected charts:\n{}\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    // The checker must be able to say no: a newline in a name breaks the chart, a task with an
    // unreadable time fails when its bar is computed, a stray line is a syntax error.
    let broken = vec![
        (
            "newline".to_string(),
            "gantt\n    dateFormat X\n    section a\nb\n    L5 x :crit, 5, 8\n".to_string(),
        ),
        (
            "time".to_string(),
            "gantt\n    dateFormat X\n    section a\n    L5 x :crit, five, 8\n".to_string(),
        ),
        (
            "syntax".to_string(),
            "gantt\n    dateFormat X\n    section a\n    L5 x :crit, 5, 8\n    flowchart --> x\n"
                .to_string(),
        ),
    ];
    let out = check_mermaid(&broken).expect("installed above");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && !report.contains(": ok ("),
        "the checker accepted broken charts:\n{report}"
    );
}

/// An UPDATE or DELETE without WHERE on a table that existed before (a RunSQL, a data
/// migration): a scan, and every row written and row-locked until COMMIT, in the summary of
/// every format. With a WHERE, or on a table of the same file, it is not listed.
#[test]
fn a_whole_table_update_writes_every_row() {
    let context = format!("{LIBRARY}/0001_initial.sql");
    let sql = "BEGIN;\n\
               UPDATE library_book SET title = upper(title);\n\
               DELETE FROM library_author WHERE id = 1;\n\
               CREATE TABLE library_shelf (id bigint PRIMARY KEY, name text);\n\
               UPDATE library_shelf SET name = 'x';\n\
               COMMIT;\n";
    let run = |format: &str| {
        let out = pglint(
            &[
                "locks",
                "-",
                "--stdin-filename",
                "library/0009_upper.sql",
                "--context",
                &context,
                "--format",
                format,
            ],
            Some(sql),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let v: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let statements = v["statements"].as_array().unwrap();
    assert_eq!(
        statements[0]["writes_every_row"],
        serde_json::json!(["library_book"])
    );
    assert_eq!(statements[0]["scans"], serde_json::json!(["library_book"]));
    assert_eq!(statements[1]["writes_every_row"], serde_json::json!([]));
    assert_eq!(
        statements[3]["writes_every_row"],
        serde_json::json!(["library_shelf"])
    );
    assert_eq!(
        v["migrations"][0]["every_row_written"],
        serde_json::json!([{"relation": "library_book", "lines": [2]}])
    );
    let book = v["migrations"][0]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["relation"] == "library_book")
        .unwrap();
    assert_eq!(book["mode"], "ROW EXCLUSIVE");
    assert_eq!(book["until_line"], 6);
    let line = "Every row written and row-locked until the table's lock is released (writes of \
                those rows wait): ";
    let human = run("human");
    assert!(
        human.contains(&format!("\n  {line}library_book (line 2)\n")),
        "{human}"
    );
    let markdown = run("markdown");
    assert!(
        markdown.contains(&format!("\n- {line}`library_book` (line 2)\n")),
        "{markdown}"
    );
}
