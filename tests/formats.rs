//! The CI formats (`github`, `sarif`, `markdown`) as users run them, with hostile identifiers:
//! text from the SQL must never break the format or inject markup or workflow commands.

mod common;

use common::{TempDir, assert_valid_sarif, run_in};
use serde_json::Value;

/// A quoted identifier with HTML, a table pipe, backticks, a percent escape, `,` and `:`, and a
/// line break followed by a workflow command (under PostgreSQL's 63-byte limit).
const EVIL: &str = "<img src=x onerror=alert(1)>|`t`,%0A:x\n::error::pwn";

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A context file that creates the hostile table, and a migration that indexes it without
/// CONCURRENTLY under a hostile index name and adds a float money column.
fn evil_project(t: &TempDir) -> (String, String) {
    let ctx = t.write(
        "ctx/0001_initial.sql",
        format!(
            "CREATE TABLE {} (\"id\" bigint PRIMARY KEY, \"price\" integer);\n",
            quoted(EVIL)
        ),
    );
    // The index before the ADD COLUMN: built after it, under its ACCESS EXCLUSIVE lock, it
    // would be access-exclusive-then-slow's finding.
    let m = t.write(
        "shop/0002_ev,il:%.sql",
        format!(
            "BEGIN;\n--\n-- Add field {EVIL_OP} to order\n--\n--\n--\nCREATE INDEX {index} ON {table} (\"price\");\nALTER TABLE {table} ADD COLUMN \"amount\" double precision NULL;\nCOMMIT;\n",
            EVIL_OP = "<b>x</b>|`y`",
            table = quoted(EVIL),
            index = quoted(&format!("{EVIL}_i")),
        ),
    );
    let rel = |p: std::path::PathBuf| {
        p.strip_prefix(t.path())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    (rel(ctx), rel(m))
}

fn run_format(t: &TempDir, format: &str) -> (i32, String, String) {
    let (ctx, m) = evil_project(t);
    run_in(
        t.path(),
        &[
            "--format",
            format,
            "--context",
            &ctx,
            "--pg-version",
            "15",
            &m,
        ],
    )
}

#[test]
fn github_commands_escape_sql_text() {
    let t = TempDir::new("fmt-github");
    let (code, out, err) = run_format(&t, "github");
    assert_eq!(code, 1, "{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 2, "{out}");
    // One command per finding, then the summary: nothing from the SQL starts a line.
    for line in &lines[..lines.len() - 1] {
        assert!(
            line.starts_with("::warning file=")
                || line.starts_with("::notice file=")
                || line.starts_with("::error file="),
            "{line}"
        );
        // `::` separates properties from the message exactly once, before any SQL text.
        let (props, _message) = line[2..].split_once("::").unwrap();
        assert!(!props.contains('\n'));
        assert!(
            props.contains("file=shop/0002_ev%2Cil%3A%25.sql,"),
            "{props}"
        );
    }
    assert!(lines.last().unwrap().starts_with("pglint: "), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("::error::pwn")), "{out}");
    let index = lines
        .iter()
        .find(|l| l.contains("title=pglint(index-not-concurrent)"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(index.starts_with("::warning "), "{index}");
    // The identifier's `%0A` is text, its line break is escaped.
    assert!(index.contains("|`t`,%250A:x%0A::error::pwn"), "{index}");
    // The identifier's line break makes the statement span lines 7-8: no endColumn then.
    assert!(index.contains(",line=7,endLine=8,col=14,title="), "{index}");
}

#[test]
fn markdown_escapes_sql_text_and_keeps_tables_intact() {
    let t = TempDir::new("fmt-markdown");
    let (code, out, err) = run_format(&t, "markdown");
    assert_eq!(code, 1, "{out}\n{err}");
    // Outside code spans (where GitHub shows text literally) no markup survives.
    let prose = without_code_spans(&out);
    assert!(!prose.contains("<img"), "{prose}");
    assert!(!prose.contains("<b>"), "{prose}");
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("::error")), "{out}");
    // Every table row has exactly five unescaped pipes (four cells).
    for line in out.lines().filter(|l| l.starts_with("| ")) {
        let mut pipes = 0;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '|' && prev != '\\' {
                pipes += 1;
            }
            prev = c;
        }
        assert_eq!(pipes, 5, "{line}");
    }
    assert!(out.starts_with("## pglint\n"), "{out}");
    assert!(out.contains("### `shop/0002_ev,il:%.sql`"), "{out}");
    assert!(
        out.contains("[`index-not-concurrent`](https://github.com/pglint/pglint/blob/main/docs/rules/index-not-concurrent.md)"),
        "{out}"
    );
    // The locks summary of `pglint locks`, per migration.
    assert!(out.contains("## Locks taken by these migrations"), "{out}");
    assert!(
        out.contains("Atomic: every lock is held until `COMMIT` at line 12."),
        "{out}"
    );
    assert!(
        out.contains(
            "- ``<img src=x onerror=alert(1)>\\|`t`,%0A:x ::error::pwn``: **ACCESS EXCLUSIVE**"
        ),
        "{out}"
    );
    assert!(out.contains("**Summary**"), "{out}");
}

#[test]
fn sarif_is_valid_and_carries_sql_text_verbatim() {
    let t = TempDir::new("fmt-sarif");
    let (code, out, err) = run_format(&t, "sarif");
    assert_eq!(code, 1, "{out}\n{err}");
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let index = results
        .iter()
        .find(|r| r["ruleId"] == "index-not-concurrent")
        .unwrap();
    assert!(index["message"]["text"].as_str().unwrap().contains(EVIL));
    let loc = &index["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "shop/0002_ev%2Cil%3A%25.sql"
    );
    assert_eq!(loc["region"]["startLine"], 7);
    assert_eq!(loc["region"]["startColumn"], 14);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), pglint::rules::registry::rules().len());
    let i = index["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[i]["id"], "index-not-concurrent");
    assert!(
        rules[i]["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("/index-not-concurrent.md")
    );
    assert!(
        rules[i]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("# index-not-concurrent")
    );
}

#[test]
fn json_carries_sql_text_verbatim() {
    let t = TempDir::new("fmt-json");
    let (_, out, _) = run_format(&t, "json");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains(EVIL)),
        "{out}"
    );
}

/// A clean run is valid SARIF too, with the rules and no results.
#[test]
fn sarif_without_findings_is_valid() {
    let t = TempDir::new("fmt-sarif-clean");
    let m = t.write("m.sql", "SELECT 1;\n");
    let (code, out, _) = run_in(t.path(), &["--format", "sarif", m.to_str().unwrap()]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    // The validator does reject what the schema forbids.
    let mut bad = log.clone();
    bad["runs"][0]["results"] = serde_json::json!([{
        "message": {"text": "x"},
        "level": "fatal",
        "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]
    }]);
    assert!(std::panic::catch_unwind(|| assert_valid_sarif(&bad)).is_err());
}

/// Fingerprints name the statement, not its line: an unrelated statement inserted above and
/// re-wrapping leave them unchanged; two findings of one rule on one statement differ.
#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let t = TempDir::new("fmt-fp");
    let before = "CREATE INDEX \"a_idx\" ON \"shop_order\" (\"a\");\nCREATE INDEX \"b_idx\" ON \"shop_customer\" (\"b\");\n";
    let after = "-- a comment\nSELECT 1;\n\nCREATE INDEX \"a_idx\"\n    ON \"shop_order\" (\"a\");\nCREATE INDEX \"b_idx\" ON \"shop_customer\" (\"b\");\n";
    let fingerprints = |text: &str| -> Vec<(String, u64, String)> {
        t.write("m.sql", text);
        let (_, out, _) = run_in(t.path(), &["--format", "sarif", "m.sql"]);
        let log: Value = serde_json::from_str(&out).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                    r["partialFingerprints"]["pglint/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    let a = fingerprints(before);
    let b = fingerprints(after);
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert_ne!(x.1, y.1, "the lines moved");
        assert_eq!(x.2, y.2, "the fingerprint stayed");
    }
    assert_ne!(a[0].2, a[1].2);
}

/// The text with every code span removed (a run of n backticks up to the next run of n).
fn without_code_spans(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&c| c == '`').count();
        let mut j = i + n;
        let mut closed = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = chars[j..].iter().take_while(|&&c| c == '`').count();
                if m == n {
                    closed = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => i = end,
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}
