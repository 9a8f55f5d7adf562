//! Inputs from fuzzing (`fuzz/`, see fuzz/README.md) and from the nesting and size checks done
//! with it, run through the `pglint` binary: each must end with exit code 0, 1 or 2, without a
//! panic, an abort or a hang.
//!
//! The 2026-12-02 runs of the three fuzz targets found no crash. The slow inputs below were
//! found by hand, beyond the fuzzers' 4 KiB inputs: each took minutes to hours before its fix.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Lints `bytes` written to a fresh temporary file with `--format compact`; returns the
/// output and how long the run took.
fn lint(name: &str, bytes: &[u8]) -> (Output, Duration) {
    let dir = std::env::temp_dir().join(format!("pglint-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join(format!("{name}.sql"));
    std::fs::write(&file, bytes).unwrap();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(["--format", "compact"])
        .arg(&file)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = start.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    (out, took)
}

/// Only a guard against a hang, far above what any of these takes (a release build needs
/// under a second, a debug build a few CPU seconds): wall time on a loaded two-core machine is
/// no measure of speed. Growth is checked without timing in tests/scaling.rs, speed in the
/// benchmark (`cargo bench --bench throughput`, its stress inputs).
const HANG: Duration = Duration::from_secs(90);

/// Exit code 0, 1 or 2 (not a signal), and no panic message.
#[track_caller]
fn assert_survived(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let shown = |s: &str| s.chars().take(2000).collect::<String>();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        shown(&stdout),
        shown(&stderr)
    );
    assert!(!stderr.contains("panicked"), "{}", shown(&stderr));
    (stdout, stderr)
}

const UNSAFE: &str = "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";

/// libpg_query never aborts on deep nesting: past bison's stack (10,000 levels) it reports
/// "memory exhausted", past its stack check "stack depth limit exceeded"; both are located
/// syntax errors and the next statement is still linted. `tests/bad_input.rs` covers 10,000
/// levels of every shape; these are 1,000,000 (2 to 9 MB files, well under a second each in
/// a release build).
#[test]
fn a_million_levels_of_nesting_is_a_syntax_error_not_an_abort() {
    let depth = 1_000_000;
    let shapes = [
        (
            "parens",
            format!("SELECT {}1{};\n", "(".repeat(depth), ")".repeat(depth)),
        ),
        (
            "subselects",
            format!(
                "SELECT {}1{};\n",
                "(SELECT ".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        ("not", format!("SELECT {}true;\n", "NOT ".repeat(depth))),
        // Flat, but a left-deep tree of a million `+`: the parser's stack check trips.
        ("flat_sum", format!("SELECT 1{};\n", " + 1".repeat(depth))),
    ];
    for (shape, sql) in shapes {
        let (out, _) = lint(shape, format!("{sql}{UNSAFE}").as_bytes());
        let (stdout, _) = assert_survived(&out);
        assert_eq!(out.status.code(), Some(1), "{shape}");
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(":1:") && l.contains("error[syntax-error]")),
            "{shape}: {}",
            stdout.chars().take(2000).collect::<String>()
        );
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(":2:14: warning[index-not-concurrent]")),
            "{shape}: the statement after the deep one is linted: {}",
            stdout.chars().take(2000).collect::<String>()
        );
    }
}

/// 50,000 nested block comments written without spaces (200 KB) took 16 s before pglint
/// refused them (100,000 levels: 65 s; 1,000,000: killed after 120 s). The time is all in
/// libpg_query's scanner (`core_yylex`), which is quadratic in a run of `/*`: its `xcstart`
/// rule (`\/\*{op_chars}*`) matches the whole rest of the run and gives all but two
/// characters back with `yyless(2)`, once per `/*`. pglint now finds such runs first
/// (`src/parse/scanner_cost.rs`): the statements before are linted, the rest is one located
/// error.
#[test]
fn deeply_nested_comments_are_refused_in_bounded_time() {
    let depth = 1_000_000;
    let sql = format!(
        "{UNSAFE}SELECT 1 + {}{};\nSELECT 2;\n",
        "/*".repeat(depth),
        "*/".repeat(depth)
    );
    let (out, took) = lint("nested_comments", sql.as_bytes());
    let (stdout, _) = assert_survived(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains(":1:14: warning[index-not-concurrent]"),
        "the statement before is linted: {stdout}"
    );
    assert!(
        stdout.contains(":2:12: error[syntax-error]") && stdout.contains("1000000 comment openers"),
        "{}",
        stdout.chars().take(2000).collect::<String>()
    );
    assert!(took < HANG, "took {took:?}");
}

/// 5,000 indexes on one table took 30 to 40 s (10,000: 175 s): every statement copied the
/// catalog of the tables it touched, the checks for duplicate and redundant indexes walked
/// every earlier index of the table by name, and each unnamed index tried `t_c_idx`,
/// `t_c_idx1`, … in turn. Now the catalog keeps a table's indexes by leading keys
/// (`src/schema/index_store.rs`) and remembers the first free name: 0.1 s for 8,000.
#[test]
fn many_indexes_on_one_table_are_linted_in_bounded_time() {
    let sql = format!(
        "CREATE TABLE t (c int);\n{}",
        "CREATE INDEX ON t (c);\n".repeat(5_000)
    );
    let (out, took) = lint("many_indexes", sql.as_bytes());
    let (stdout, _) = assert_survived(&out);
    assert!(took < HANG, "took {took:?}");
    // Each is a duplicate of the first, under the name Postgres would give it.
    assert_eq!(stdout.matches("warning[duplicate-index]").count(), 4_999);
    assert!(stdout.contains(":5001:17: warning[duplicate-index] t_c_idx4999 on t (c) indexes exactly what t_c_idx already indexes"));

    // Named two-key indexes, each made redundant-able by a one-key index added at the end.
    let n = 5_000;
    let mut sql = String::from("CREATE TABLE t (c int);\n");
    for i in 0..n {
        sql += &format!("ALTER TABLE t ADD COLUMN a{i} int;\nCREATE INDEX i{i} ON t (c, a{i});\n");
    }
    sql += "CREATE INDEX short ON t (c);\n";
    let (out, took) = lint("many_named_indexes", sql.as_bytes());
    let (stdout, _) = assert_survived(&out);
    assert!(took < HANG, "took {took:?}");
    assert_eq!(stdout.matches("warning[redundant-index]").count(), 1);
    assert!(
        stdout.contains("warning[redundant-index] short on t (c) is redundant: i0 (c, a0) starts with the same keys"),
        "{}",
        stdout.chars().take(3000).collect::<String>()
    );
}
