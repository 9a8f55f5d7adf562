//! Bad input never crashes pglint: every case exits with a documented code, says what is wrong
//! and where (`path:line:column`), and the other files of the same run are still linted.
//!
//! Exit codes: 0 clean, 1 findings (a syntax error is an `error[syntax-error]` finding), 2 an
//! input or usage error (set even when other files have findings).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{TempDir, pglint_in, stderr, stdout};

/// Runs `pglint --format compact` in `t` on `files` followed by `ok.sql`, a file with one
/// known finding, so every case also checks that the rest is still linted.
fn lint_with_witness(t: &TempDir, files: &[&str]) -> Output {
    t.write("ok.sql", UNSAFE);
    let mut args = vec!["--format", "compact"];
    args.extend_from_slice(files);
    args.push("ok.sql");
    pglint_in(t.path(), &args, None)
}

const UNSAFE: &str = "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";
const WITNESS: &str = "ok.sql:1:14: warning[index-not-concurrent]";

/// The run did not die from a signal or a panic, and the witness file was linted.
#[track_caller]
fn assert_survived(out: &Output, code: i32) {
    let (o, e) = (stdout(out), stderr(out));
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(
        o.contains(WITNESS),
        "the other file was not linted:\n{o}\n{e}"
    );
}

/// The compact lines of one file, without the witness.
fn lines_of(out: &Output, file: &str) -> Vec<String> {
    stdout(out)
        .lines()
        .filter(|l| l.starts_with(&format!("{file}:")))
        .map(|l| l.chars().take(300).collect())
        .collect()
}

#[test]
fn empty_file_and_comments_only_are_clean() {
    let t = TempDir::new("empty");
    t.write("empty.sql", b"");
    t.write("blank.sql", b"\n\n   \t\n");
    t.write(
        "comments.sql",
        b"-- nothing here\n/* nor /* nested */ here */\n--\n",
    );
    let out = lint_with_witness(&t, &["empty.sql", "blank.sql", "comments.sql"]);
    assert_survived(&out, 1);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn binary_file_is_an_input_error_at_its_first_bad_byte() {
    let t = TempDir::new("binary");
    // A PNG header: 0x89 is not UTF-8.
    t.write("image.sql", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    let out = lint_with_witness(&t, &["image.sql"]);
    assert_survived(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("image.sql:1:1: the file is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn binary_bytes_that_happen_to_be_utf8_are_syntax_errors() {
    let t = TempDir::new("ascii-binary");
    t.write("ctl.sql", b"\x01\x02\x03\x7f\x1b[0m;\nSELECT 1;\n");
    let out = lint_with_witness(&t, &["ctl.sql"]);
    assert_survived(&out, 1);
    let lines = lines_of(&out, "ctl.sql");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("ctl.sql:1:1: error[syntax-error]"),
        "{lines:?}"
    );
}

#[test]
fn invalid_utf8_in_a_comment_and_in_an_identifier_is_located() {
    let t = TempDir::new("utf8");
    t.write(
        "comment.sql",
        b"SELECT 1;\n-- caf\xe9 cr\xe8me\nSELECT 2;\n",
    );
    t.write(
        "ident.sql",
        b"CREATE TABLE \"t\" (\"id\" int);\nALTER TABLE \"t\" ADD COLUMN \"na\xefve\" int;\n",
    );
    let out = lint_with_witness(&t, &["comment.sql", "ident.sql"]);
    assert_survived(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("comment.sql:2:7: the file is not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("ident.sql:2:31: the file is not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("does not start a valid UTF-8 character"),
        "{err}"
    );
}

#[test]
fn nul_byte_is_a_located_syntax_error_and_the_rest_of_the_file_is_linted() {
    let t = TempDir::new("nul");
    t.write(
        "nul.sql",
        format!("SELECT 1;\nSELECT 'a\0b';\n{UNSAFE}").as_bytes(),
    );
    let out = lint_with_witness(&t, &["nul.sql"]);
    assert_survived(&out, 1);
    let lines = lines_of(&out, "nul.sql");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("nul.sql:2:10: error[syntax-error]"),
        "{lines:?}"
    );
    assert!(lines[0].contains("NUL"), "{lines:?}");
    assert!(
        lines[1].starts_with("nul.sql:3:14: warning[index-not-concurrent]"),
        "{lines:?}"
    );
}

#[test]
fn bom_is_skipped_and_columns_do_not_count_it() {
    let t = TempDir::new("bom");
    t.write("bom.sql", format!("\u{feff}{UNSAFE}").as_bytes());
    let out = lint_with_witness(&t, &["bom.sql"]);
    assert_survived(&out, 1);
    let lines = lines_of(&out, "bom.sql");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("bom.sql:1:14: warning[index-not-concurrent]"),
        "{lines:?}"
    );
}

#[test]
fn crlf_line_endings_keep_lines_and_columns() {
    let t = TempDir::new("crlf");
    let text =
        format!("BEGIN;\r\n--\r\n-- Add index\r\n--\r\n{UNSAFE}SELEC 1;\r\n  SELECT 'x;\r\n")
            .replace("\");\n", "\");\r\n");
    t.write("crlf.sql", text.as_bytes());
    t.write("ok.sql", UNSAFE.as_bytes());
    let out = pglint_in(t.path(), &["--format", "json", "crlf.sql", "ok.sql"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", stdout(&out), stderr(&out));
    });
    assert_eq!(out.status.code(), Some(1));
    let found: Vec<(String, String, u64, u64, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "crlf.sql")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_line"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |rule: &str| {
        found
            .iter()
            .find(|f| f.0 == rule)
            .map(|f| (f.2, f.3, f.4, f.5))
    };
    // The index name starts at column 14 of line 5; the \r is not part of the span.
    assert_eq!(
        at("index-not-concurrent"),
        Some((5, 14, 5, 37)),
        "{found:?}"
    );
    // `SELEC` on line 6, and the unterminated string at column 10 of line 7.
    let syntax: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "syntax-error")
        .map(|f| (f.2, f.3))
        .collect();
    assert_eq!(syntax, [(6, 1), (7, 10)], "{found:?}");
    let witness = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "ok.sql");
    assert!(witness, "{}", stdout(&out));
}

#[test]
fn one_megabyte_single_line_is_linted_with_the_right_column() {
    let t = TempDir::new("long-line");
    let filler = "x".repeat(1 << 20);
    let line = format!("SELECT '{filler}'; {UNSAFE}");
    t.write("long.sql", line.as_bytes());
    let out = lint_with_witness(&t, &["long.sql"]);
    assert_survived(&out, 1);
    // `SELECT '` (8) + filler + `'; ` (3) + `CREATE INDEX ` (13), 1-based.
    let column = 8 + filler.len() + 3 + 13 + 1;
    assert!(
        stdout(&out).contains(&format!(
            "long.sql:1:{column}: warning[index-not-concurrent]"
        )),
        "{}",
        &stdout(&out)[..200.min(stdout(&out).len())]
    );
}

#[test]
fn unterminated_string_comment_and_dollar_quote_point_at_the_opening() {
    let t = TempDir::new("unterminated");
    t.write(
        "string.sql",
        format!("{UNSAFE}SELECT 'abc;\nSELECT 2;\n").as_bytes(),
    );
    t.write(
        "comment.sql",
        format!("{UNSAFE}SELECT 1; /* no end\nSELECT 2;\n").as_bytes(),
    );
    t.write(
        "dollar.sql",
        format!("{UNSAFE}DO $body$ BEGIN NULL; END\n$bod$;\n").as_bytes(),
    );
    t.write("ident.sql", format!("{UNSAFE}SELECT \"abc;\n").as_bytes());
    let out = lint_with_witness(
        &t,
        &["string.sql", "comment.sql", "dollar.sql", "ident.sql"],
    );
    assert_survived(&out, 1);
    for (file, at, what) in [
        ("string.sql", "2:8", "unterminated quoted string"),
        ("comment.sql", "2:11", "unterminated /* comment"),
        ("dollar.sql", "2:4", "unterminated dollar-quoted string"),
        ("ident.sql", "2:8", "unterminated quoted identifier"),
    ] {
        let lines = lines_of(&out, file);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with(&format!("{file}:1:14: warning[index-not-concurrent]")),
            "the statement before the broken one is linted: {lines:?}"
        );
        assert!(
            lines[1].starts_with(&format!("{file}:{at}: error[syntax-error]")),
            "{lines:?}"
        );
        assert!(lines[1].contains(what), "{lines:?}");
    }
}

#[test]
fn last_statement_without_semicolon_is_linted() {
    let t = TempDir::new("no-semicolon");
    t.write(
        "m.sql",
        format!("SELECT 1;\n{}", UNSAFE.trim_end().trim_end_matches(';')).as_bytes(),
    );
    let out = lint_with_witness(&t, &["m.sql"]);
    assert_survived(&out, 1);
    assert_eq!(lines_of(&out, "m.sql").len(), 1);
    assert!(
        stdout(&out).contains("m.sql:2:14: warning[index-not-concurrent]"),
        "{}",
        stdout(&out)
    );
}

/// Deep nesting, in every shape that makes the parse tree (or the parser's stack) deep.
fn deep(depth: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "parens",
            format!("SELECT {}1{};\n", "(".repeat(depth), ")".repeat(depth)),
        ),
        (
            "sums",
            format!("SELECT {}1{};\n", "1 + (".repeat(depth), ")".repeat(depth)),
        ),
        (
            "arrays",
            format!("SELECT {}1{};\n", "ARRAY[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "subselects",
            format!(
                "SELECT {}1{};\n",
                "(SELECT ".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "functions",
            format!("SELECT {}1{};\n", "abs(".repeat(depth), ")".repeat(depth)),
        ),
        ("not", format!("SELECT {}true;\n", "NOT ".repeat(depth))),
        (
            "case",
            format!(
                "SELECT {}1{};\n",
                "CASE WHEN true THEN ".repeat(depth),
                " END".repeat(depth)
            ),
        ),
        (
            "default",
            format!(
                "ALTER TABLE \"t\" ADD COLUMN \"c\" int DEFAULT {}1{};\n",
                "(1 + ".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "check",
            format!(
                "ALTER TABLE \"t\" ADD CONSTRAINT \"k\" CHECK ({}\"c\"{} > 0);\n",
                "abs(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "comments",
            format!("{}{};\nSELECT 1;\n", "/*".repeat(depth), "*/".repeat(depth)),
        ),
    ]
}

#[test]
fn deep_nesting_is_a_located_error_not_a_crash() {
    let t = TempDir::new("deep");
    let mut names = Vec::new();
    for (shape, sql) in deep(10_000) {
        let name = format!("{shape}.sql");
        t.write(
            &name,
            format!("CREATE TABLE \"t\" (\"c\" int);\n{sql}{UNSAFE}").as_bytes(),
        );
        names.push(name);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let out = lint_with_witness(&t, &refs);
    assert_survived(&out, 1);
    for name in &names {
        let lines = lines_of(&out, name);
        // The nested comment is followed by `SELECT 1;` on a line of its own.
        let line = if name == "comments.sql" { 4 } else { 3 };
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{name}:{line}:14: warning[index-not-concurrent]"))),
            "the statement after the deep one is linted: {lines:?}"
        );
        if name == "comments.sql" {
            continue;
        }
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{name}:2:")) && l.contains("error[syntax-error]")),
            "{lines:?}"
        );
    }
}

#[test]
fn moderate_nesting_is_still_analysed() {
    // Real schemas nest a few levels; 12 is beyond any ORM output and stays analysable.
    let t = TempDir::new("moderate");
    let mut names = Vec::new();
    for (shape, sql) in deep(12) {
        let name = format!("{shape}.sql");
        t.write(
            &name,
            format!("CREATE TABLE \"t\" (\"c\" int);\n{sql}").as_bytes(),
        );
        names.push(name);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let out = lint_with_witness(&t, &refs);
    assert_survived(&out, 1);
    for name in &names {
        let lines = lines_of(&out, name);
        assert!(
            !lines.iter().any(|l| l.contains("error[syntax-error]")),
            "{lines:?}"
        );
    }
}

#[test]
fn directory_without_sql_and_missing_path_are_input_errors() {
    let t = TempDir::new("dirs");
    t.write("docs/readme.txt", b"no sql here");
    std::fs::create_dir_all(t.path().join("empty")).unwrap();
    let out = lint_with_witness(&t, &["docs", "empty", "nope.sql", "nope/"]);
    assert_survived(&out, 2);
    let err = stderr(&out);
    for msg in [
        "docs: the directory holds no .sql file",
        "empty: the directory holds no .sql file",
        "nope.sql: no such file or directory",
        "nope/: no such file or directory",
    ] {
        assert!(err.contains(msg), "{msg}: {err}");
    }
}

#[test]
fn symlink_loop_and_dangling_symlink_are_input_errors() {
    let t = TempDir::new("symlinks");
    std::os::unix::fs::symlink("b.sql", t.path().join("a.sql")).unwrap();
    std::os::unix::fs::symlink("a.sql", t.path().join("b.sql")).unwrap();
    std::os::unix::fs::symlink("gone.sql", t.path().join("dangling.sql")).unwrap();
    // A directory that links to itself: the walk must not loop.
    std::fs::create_dir_all(t.path().join("m")).unwrap();
    t.write("m/0001.sql", UNSAFE.as_bytes());
    std::os::unix::fs::symlink("..", t.path().join("m/up")).unwrap();
    let out = lint_with_witness(&t, &["a.sql", "dangling.sql", "m"]);
    assert_survived(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("a.sql: cannot read: Too many levels of symbolic links"),
        "{err}"
    );
    assert!(
        err.contains("dangling.sql: no such file or directory"),
        "{err}"
    );
    assert_eq!(lines_of(&out, "m/0001.sql").len(), 1, "{}", stdout(&out));
}

#[test]
fn unreadable_inputs_are_input_errors() {
    let t = TempDir::new("unreadable");
    // Permission bits: root reads anyway, so only check when they bite.
    let locked = t.write("locked.sql", UNSAFE.as_bytes());
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();
    // A directory named like a file, inside a walked directory, is not a file to read.
    std::fs::create_dir_all(t.path().join("m/0002.sql")).unwrap();
    t.write("m/0001.sql", UNSAFE.as_bytes());
    let out = lint_with_witness(&t, &["locked.sql", "m"]);
    if root {
        assert_survived(&out, 1);
    } else {
        assert_survived(&out, 2);
        assert!(
            stderr(&out).contains("locked.sql: cannot read: Permission denied"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(lines_of(&out, "m/0001.sql").len(), 1, "{}", stdout(&out));
}

#[test]
fn fifo_is_read_when_named_and_skipped_in_a_directory() {
    let t = TempDir::new("fifo");
    std::fs::create_dir_all(t.path().join("m")).unwrap();
    let status = Command::new("mkfifo")
        .arg(t.path().join("m/0002.sql"))
        .arg(t.path().join("pipe.sql"))
        .status()
        .unwrap();
    assert!(status.success());
    t.write("m/0001.sql", UNSAFE.as_bytes());
    // A writer for the named FIFO, as with `pglint <(python manage.py sqlmigrate …)`.
    let pipe = t.path().join("pipe.sql");
    let writer = std::thread::spawn(move || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(pipe)
            .unwrap()
            .write_all(UNSAFE.as_bytes())
            .unwrap();
    });
    let out = lint_with_witness(&t, &["pipe.sql", "m"]);
    writer.join().unwrap();
    assert_survived(&out, 1);
    assert_eq!(lines_of(&out, "pipe.sql").len(), 1, "{}", stdout(&out));
    assert_eq!(lines_of(&out, "m/0001.sql").len(), 1, "{}", stdout(&out));
}

#[test]
fn stdin_closed_early_or_empty() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // No bytes at all: a clean, empty input.
    let out = pglint_in(dir, &["--format", "compact", "-"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Closed in the middle of a statement: the half statement is a located syntax error.
    let half = &UNSAFE.as_bytes()[..30];
    let out = pglint_in(dir, &["--format", "compact", "-"], Some(half));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("<stdin>:1:"), "{}", stdout(&out));
    // stdin never opened for reading (closed before start).
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(["--format", "compact", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn stdout_closed_early_is_not_a_panic() {
    let t = TempDir::new("epipe");
    // Enough output to overflow the pipe buffer once the reader is gone.
    let many: String = (0..300)
        .map(|i| format!("CREATE INDEX \"i{i}\" ON \"t\" (\"c\");\n"))
        .collect();
    t.write("many.sql", many.as_bytes());
    for args in [
        &["--format", "compact", "many.sql"][..],
        &["--format", "json", "many.sql"][..],
        &["rules"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pglint"))
            .args(args)
            .current_dir(t.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.status.code().is_some(), "{args:?}: killed by a signal");
    }
}

#[test]
fn bad_configs_and_selections_are_located_usage_errors() {
    let t = TempDir::new("config");
    t.write("m.sql", UNSAFE.as_bytes());
    let run = |config: &[u8], extra: &[&str]| {
        t.write("bad.yaml", config);
        let mut args = vec!["--config", "bad.yaml"];
        args.extend_from_slice(extra);
        args.push("m.sql");
        pglint_in(t.path(), &args, None)
    };
    let out = run(b"rules: [unclosed\n  - x: {\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml:"), "{}", stderr(&out));
    let out = run(b"\x89PNG\r\n\x1a\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml"), "{}", stderr(&out));
    let out = run(b"pg_version: fifteen\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml:1:"), "{}", stderr(&out));
    let out = run(b"rules: 3\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml:1:"), "{}", stderr(&out));
    let out = run(b"", &["--select", "index-not-concurent"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("index-not-concurent"), "{err}");
    assert!(
        err.contains("index-not-concurrent"),
        "suggests the closest id: {err}"
    );
    // A directory where the config file is expected.
    std::fs::create_dir_all(t.path().join("dir.yaml")).unwrap();
    let out = pglint_in(t.path(), &["--config", "dir.yaml", "m.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("dir.yaml"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// A Django migration `.py` named as input is not read as SQL (a wall of syntax errors, or,
/// for `pglint locks`, nothing at all): it is an input error that points at `pglint django`.
#[test]
fn a_python_migration_given_as_sql_points_at_pglint_django() {
    let t = common::TempDir::new("python-input");
    t.write(
        "shop/migrations/0002_x.py",
        "from django.db import migrations\n",
    );
    t.write("ok.sql", "SELECT 1;\n");
    for args in [
        &["shop/migrations/0002_x.py", "ok.sql"][..],
        &["locks", "shop/migrations/0002_x.py"][..],
    ] {
        let (code, _, err) = common::run_in(t.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("shop/migrations/0002_x.py: this is Python, not SQL"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("pglint django shop/migrations/0002_x.py"),
            "{err}"
        );
    }
}
