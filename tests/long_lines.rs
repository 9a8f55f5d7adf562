//! A line too long for miette to lay out (a label past column 65,535 panicked inside it, exit
//! 101, and a directory run lost every other file's results) is reported like any other: in
//! every output format, for findings, syntax errors, stdin, unreadable input and configuration
//! errors; the true line and column are shown, the snippet is a window of the line, and the
//! exit code is the documented one (0 clean, 1 findings, 2 input or configuration error).

mod common;

use std::process::Output;

use common::{TempDir, pglint_in, stderr, stdout};

/// What puts the rest of a line past column 65,535.
const PAD: usize = 65_530;

/// `SELECT 1;`, the padding, then an index built without CONCURRENTLY.
fn long_sql() -> String {
    format!("SELECT 1;{}CREATE INDEX i ON t (a);\n", " ".repeat(PAD))
}

/// The 1-based column of `i` in [`long_sql`], where the finding is.
const COLUMN: usize = 9 + PAD + "CREATE INDEX ".len() + 1;

const UNSAFE: &str = "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";

/// The run ended by itself (no panic, no signal) with `code`; returns stdout.
#[track_caller]
fn ended_with(out: &Output, code: i32) -> String {
    let (o, e) = (stdout(out), stderr(out));
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        short(&o),
        short(&e)
    );
    o
}

/// The start of a long text, for failure messages.
fn short(s: &str) -> String {
    s.chars().take(2_000).collect()
}

#[track_caller]
fn assert_holds(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} in:\n{}", short(text));
    }
}

/// No printed line is anywhere near miette's limit: the snippet is a window of the line.
#[track_caller]
fn assert_lines_clipped(text: &str) {
    for line in text.lines() {
        assert!(line.chars().count() < 1_000, "{}", short(line));
    }
}

fn run(t: &TempDir, args: &[&str]) -> Output {
    pglint_in(t.path(), args, None)
}

#[test]
fn a_finding_past_column_65535_is_reported_in_every_format() {
    let t = TempDir::new("long-formats");
    t.write("long.sql", long_sql());
    let out = ended_with(&run(&t, &["long.sql"]), 1);
    assert!(out.starts_with("long.sql: 1 warning\n"), "{}", short(&out));
    assert_holds(&out, &[&format!("[long.sql:1:{COLUMN}]"), " 1 │ …"]);
    assert!(out.ends_with("1 warning in 1 file\n"), "{}", short(&out));
    assert_lines_clipped(&out);

    let out = ended_with(&run(&t, &["--format", "compact", "long.sql"]), 1);
    assert_eq!(
        out,
        format!(
            "long.sql:1:{COLUMN}: warning[index-not-concurrent] Building index i takes a SHARE \
             lock on t: every INSERT, UPDATE and DELETE on t waits until the whole build finishes\n"
        )
    );

    let out = ended_with(&run(&t, &["--format", "json", "long.sql"]), 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"][0]["column"], COLUMN);

    let out = ended_with(&run(&t, &["--format", "sarif", "long.sql"]), 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], COLUMN);

    let out = ended_with(&run(&t, &["--format", "github", "long.sql"]), 1);
    assert!(
        out.starts_with(&format!(
            "::warning file=long.sql,line=1,endLine=1,col={COLUMN},"
        )),
        "{out}"
    );

    let out = ended_with(&run(&t, &["--format", "markdown", "long.sql"]), 1);
    assert!(
        out.contains("| 1 | ⚠️ warning | [`index-not-concurrent`]"),
        "{out}"
    );
    assert_lines_clipped(&out);
}

/// `pglint locks` shows statements shortened, never miette's snippets; it is checked anyway.
#[test]
fn locks_reads_a_long_line() {
    let t = TempDir::new("long-locks");
    t.write("long.sql", long_sql());
    for format in ["human", "markdown", "json"] {
        let out = ended_with(&run(&t, &["locks", "--format", format, "long.sql"]), 0);
        assert!(out.contains("CREATE INDEX"), "{format}: {}", short(&out));
    }
}

/// A directory run: the other files are still reported, and the exit code is right.
#[test]
fn a_directory_run_keeps_the_other_files() {
    let t = TempDir::new("long-dir");
    t.write("m/0001_long.sql", long_sql());
    t.write("m/0002_index.sql", UNSAFE);
    t.write("m/0003_clean.sql", "SELECT 1;\n");
    for threads in ["1", "2"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pglint"))
            .arg("m")
            .current_dir(t.path())
            .env("NO_COLOR", "1")
            .env("PGLINT_THREADS", threads)
            .output()
            .unwrap();
        let text = ended_with(&out, 1);
        assert_holds(
            &text,
            &["m/0001_long.sql: 1 warning", "m/0002_index.sql: 1 warning"],
        );
        assert!(
            text.ends_with("2 warnings in 3 files\n"),
            "{}",
            short(&text)
        );
    }
    // Nothing to report: 0, however long the line.
    let clean = TempDir::new("long-dir-clean");
    clean.write(
        "m/0001.sql",
        format!("SELECT 1;{}SELECT 2;\n", " ".repeat(PAD)),
    );
    assert_eq!(
        ended_with(&run(&clean, &["m"]), 0),
        "No problems found in 1 file\n"
    );
    // An unreadable file among them: its error is shown, the rest reported, exit code 2.
    let mut bad = format!("SELECT '{}", "x".repeat(PAD)).into_bytes();
    bad.extend_from_slice(b"\xff';\n");
    t.write("m/0004_binary.sql", bad);
    let out = run(&t, &["m"]);
    let text = ended_with(&out, 2);
    assert_holds(&text, &["m/0002_index.sql: 1 warning"]);
    assert!(
        text.ends_with("2 warnings in 3 files\n"),
        "{}",
        short(&text)
    );
    let err = stderr(&out);
    let at = 8 + PAD + 1;
    assert_holds(
        &err,
        &[
            &format!("m/0004_binary.sql:1:{at}: the file is not valid UTF-8"),
            &format!("[m/0004_binary.sql:1:{at}]"),
        ],
    );
    assert_lines_clipped(&err);
}

#[test]
fn a_syntax_error_and_stdin_past_column_65535() {
    let t = TempDir::new("long-syntax");
    t.write("bad.sql", format!("SELECT 1;{}SELEC 2;\n", " ".repeat(PAD)));
    let out = ended_with(&run(&t, &["bad.sql"]), 1);
    assert_holds(
        &out,
        &["syntax-error (", &format!("[bad.sql:1:{}]", 9 + PAD + 1)],
    );
    assert_lines_clipped(&out);

    let out = pglint_in(t.path(), &["-"], Some(long_sql().as_bytes()));
    let text = ended_with(&out, 1);
    assert_holds(&text, &[&format!("[<stdin>:1:{COLUMN}]")]);
    assert_lines_clipped(&text);
}

/// Configuration errors past column 65,535, in `.pglint.yaml` and in pyproject.toml's
/// `[tool.pglint]`: located, clipped, exit code 2.
#[test]
fn configuration_errors_on_a_long_line() {
    let pad = " ".repeat(PAD);
    let cases = [
        (
            ".pglint.yaml",
            format!("rules: {{{pad}no-such-rule: off}}\n"),
            "1:65539",
        ),
        (".pglint.yaml", format!("rules: [a]{pad}]\n"), "1:65541"),
        (
            "pyproject.toml",
            format!("[tool.pglint]\nrules = {{{pad}no-such-rule = \"off\"}}\n"),
            "2:65540",
        ),
        (
            "pyproject.toml",
            format!("[tool.pglint]\nfail_on = \"x\"{pad}y\n"),
            "2:65544",
        ),
    ];
    for (name, text, at) in cases {
        let dir = TempDir::new("long-config");
        dir.write(name, &text);
        dir.write("m.sql", UNSAFE);
        // Found upward, and named with --config.
        for args in [vec!["m.sql"], vec!["--config", name, "m.sql"]] {
            let out = run(&dir, &args);
            assert_eq!(ended_with(&out, 2), "", "{name} {args:?}");
            let err = stderr(&out);
            // Found upward, the file is named by its absolute path.
            assert!(
                err.contains(&format!("{name}:{at}]")),
                "{name}: {}",
                short(&err)
            );
            assert_lines_clipped(&err);
        }
    }
}
