//! Text from the input (file names, identifiers, SQL comments, configuration keys) never
//! reaches a terminal or the GitHub Actions runner as a command, in any format, on stdout or
//! stderr: control characters are shown escaped, no line the runner reads starts with `::`
//! (but the `github` format's own annotations) or holds `##[`, and the text stays readable.
//! The Action's own script is checked in tests/action.rs.

mod common;

use std::process::Output;

use common::{TempDir, assert_runner_safe, pglint_in, stderr, stdout};

/// A file name that would spoof an annotation on README.md.
pub const FILE: &str = "a\r::warning file=README.md,line=1::Spoofed\r.sql";
/// A file name that starts lines where pglint prints the name first.
const TOP: &str = "::warning file=README.md,line=1::top.sql";
const TABLE: &str = "t\r::stop-commands::x";
const INDEX: &str = "x ##[add-mask]y";

/// An index on the hostile table under the hostile name, a column name that moves the cursor,
/// comments near the finding that hold commands, and a table named like a command.
pub fn hostile_sql() -> String {
    format!(
        "-- ::warning::from a comment\n-- ##[add-mask]comment\n-- \r::error::a CR in a comment\n\
         CREATE INDEX \"{INDEX}\" ON \"{TABLE}\" (\"a\u{2028}\x1b[2J\u{202e}\");\n\
         ALTER TABLE \"::warning::relation\" ADD COLUMN b int;\n"
    )
}

/// The hostile file and an unreadable one, in `m/` of a folder named after `test`.
fn project(test: &str) -> TempDir {
    let t = TempDir::new(test);
    t.write(&format!("m/{FILE}"), hostile_sql());
    t.write(TOP, hostile_sql());
    // An unreadable file under a hostile name: its error goes to stderr, snippet included.
    t.write(
        "m/b\r::error::x ##[add-mask]z.sql",
        b"SELECT '\r::x\xff';\n",
    );
    t
}

#[track_caller]
fn check(out: &Output, code: i32, annotations: bool, what: &str) -> (String, String) {
    let (o, e) = (stdout(out), stderr(out));
    assert_eq!(out.status.code(), Some(code), "{what}\n{o}\n{e}");
    assert_runner_safe(&o, annotations, &format!("{what} stdout"));
    assert_runner_safe(&e, false, &format!("{what} stderr"));
    (o, e)
}

#[test]
fn every_format_prints_input_inert() {
    let t = project("inert-formats");
    let run = |format: &str| pglint_in(t.path(), &["--format", format, "m", TOP], None);
    // The unreadable file makes every run exit with 2, after reporting the other one.
    for format in ["human", "compact", "github", "markdown", "json", "sarif"] {
        let (_, err) = check(&run(format), 2, format == "github", format);
        // The unreadable file is named, with its snippet, escaped.
        assert!(
            err.contains(
                "m/b\\r::error::x ##\\x5badd-mask]z.sql:1:13: the file is not valid UTF-8"
            ),
            "{format}: {err}"
        );
        assert!(err.contains("SELECT '\\r::x�';"), "{format}: {err}");
    }
    // Readable: the escapes are visible where the characters were.
    let (human, _) = check(&run("human"), 2, false, "human");
    for shown in [
        "m/a\\r::warning file=README.md,line=1::Spoofed\\r.sql: 1 warning",
        "Building index x ##\\x5badd-mask]y takes a SHARE lock on t\\r::stop-commands::x",
        // The source lines around the finding.
        " 3 │ -- \\r::error::a CR in a comment",
        "(\"a\\u{2028}\\x1b[2J\\u{202e}\")",
        "help: Build it with CREATE INDEX CONCURRENTLY",
    ] {
        assert!(human.contains(shown), "{shown:?} in:\n{human}");
    }
    assert!(
        human.contains("\n\\x3a:warning file=README.md,line=1::top.sql: 1 warning\n"),
        "{human}"
    );
    let (compact, _) = check(&run("compact"), 2, false, "compact");
    assert!(
        compact.contains("\n\\x3a:warning file=README.md,line=1::top.sql:4:14: warning["),
        "{compact}"
    );
    assert!(
        compact.starts_with(
            "m/a\\r::warning file=README.md,line=1::Spoofed\\r.sql:4:14: warning[index-not-concurrent] \
             Building index x ##\\x5badd-mask]y takes a SHARE lock on t\\r::stop-commands::x"
        ),
        "{compact}"
    );
    // The runner undoes its own escaping: the annotation names the real file.
    let (github, _) = check(&run("github"), 2, true, "github");
    assert!(
        github.starts_with(
            "::warning file=m/a%0D%3A%3Awarning file=README.md%2Cline=1%3A%3ASpoofed%0D.sql,line=4,"
        ),
        "{github}"
    );
    assert!(github.contains("on t%0D::stop-commands::x:"), "{github}");
    // JSON and SARIF carry the exact text, escaped the JSON way.
    let (json, _) = check(&run("json"), 2, false, "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let message = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(TABLE) && message.contains(INDEX),
        "{message}"
    );
    assert_eq!(v["findings"][0]["path"], format!("m/{FILE}"));
    let (sarif, _) = check(&run("sarif"), 2, false, "sarif");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let message = v["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        message.contains(TABLE) && message.contains(INDEX),
        "{message}"
    );
}

#[test]
fn locks_prints_input_inert() {
    let t = project("inert-locks");
    for format in ["human", "markdown", "json"] {
        let out = pglint_in(t.path(), &["locks", "--format", format, "m", TOP], None);
        let (o, _) = check(&out, 2, false, &format!("locks {format}"));
        assert!(o.contains("stop-commands"), "{format}: {o}");
    }
    let out = pglint_in(t.path(), &["locks", "m", TOP], None);
    let (human, _) = check(&out, 2, false, "locks human");
    assert!(
        human.contains("\n\\x3a:warning file=README.md,line=1::top.sql\n"),
        "{human}"
    );
    // A relation's name starting a line of the summary.
    assert!(human.contains("\n  \\x3a:warning::relation  "), "{human}");
    let out = pglint_in(t.path(), &["locks", "--format", "json", "m"], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["statements"][0]["locks"][0]["relation"], TABLE);
}

/// Configuration mistakes carry their keys to stderr: `.pglint.yaml` with a `\r` in a key
/// (escaped in a quoted key, and raw), pyproject.toml's `[tool.pglint]`, and `--select`.
#[test]
fn configuration_errors_print_input_inert() {
    let t = TempDir::new("inert-config");
    t.write("m.sql", "SELECT 1;\n");
    let cases: [(&str, &[u8]); 4] = [
        (
            ".pglint.yaml",
            b"rules:\n  \"k\\r::warning file=README.md::Spoofed\": off\n  \"##[add-mask]m\": off\n",
        ),
        (".pglint.yaml", b"rules:\n  k\r::stop-commands::tok: off\n"),
        (
            "pyproject.toml",
            b"[tool.pglint.rules]\n\"k\\r::warning::Spoofed ##[add-mask]m\" = \"off\"\n",
        ),
        (
            "pyproject.toml",
            b"[tool.pglint]\nfail_on = \"\r::error::x ##[add-mask]y\"\n",
        ),
    ];
    for (name, text) in cases {
        let dir = TempDir::new("inert-config-case");
        dir.write(name, text);
        dir.write("m.sql", "SELECT 1;\n");
        let out = pglint_in(dir.path(), &["--config", name, "m.sql"], None);
        let (_, err) = check(&out, 2, false, name);
        assert!(err.contains(&format!("[{name}:")), "{err}");
    }
    let first = TempDir::new("inert-config-first");
    first.write(".pglint.yaml", cases[0].1);
    let out = pglint_in(first.path(), &["--config", ".pglint.yaml", "-"], None);
    let (_, err) = check(&out, 2, false, "yaml key");
    assert!(
        err.contains("k\\r::warning file=README.md::Spoofed"),
        "{err}"
    );
    let out = pglint_in(
        t.path(),
        &["--select", "x\r::warning::y ##[add-mask]z", "m.sql"],
        None,
    );
    let (_, err) = check(&out, 2, false, "--select");
    assert!(err.contains("x\\r::warning::y ##\\x5badd-mask]z"), "{err}");
}

/// pglint's one-line messages on stderr that quote the input: a schema dump's statement it
/// skips, `explain`'s unknown rule, `--changed-since`'s unknown reference.
#[test]
fn stderr_messages_print_input_inert() {
    let t = TempDir::new("inert-messages");
    t.write("m.sql", "SELECT 1;\n");
    t.write(
        "dump\r::warning::d.sql",
        "CREATE TABLE t (a int) \"##[add-mask]x\r::error::y\";\n",
    );
    let out = pglint_in(
        t.path(),
        &["--schema", "dump\r::warning::d.sql", "m.sql"],
        None,
    );
    let (_, err) = check(&out, 0, false, "--schema");
    assert!(
        err.contains("dump\\r::warning::d.sql:1:24: skipped while loading the schema"),
        "{err}"
    );
    assert!(err.contains("##\\x5badd-mask]x\\r::error::y"), "{err}");
    let hostile = "x\r::warning::y ##[add-mask]z";
    let out = pglint_in(t.path(), &["explain", hostile], None);
    let (_, err) = check(&out, 2, false, "explain");
    assert!(err.contains("x\\r::warning::y ##\\x5badd-mask]z"), "{err}");
    common::git(t.path(), &["init", "-q"]);
    let out = pglint_in(t.path(), &["--changed-since", hostile, "m.sql"], None);
    let (_, err) = check(&out, 2, false, "--changed-since");
    assert!(
        err.contains("`x\\r::warning::y ##\\x5badd-mask]z`"),
        "{err}"
    );
}
