//! The command line as users run it: formats, exit codes, stdin, bad inputs.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TempDir, pglint_in, stderr, stdout};

fn pglint(args: &[&str]) -> Output {
    pglint_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, None)
}

const UNSAFE: &str = "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";
const SAFE: &str =
    "CREATE INDEX CONCURRENTLY \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";

#[test]
fn exit_codes_follow_the_fail_level() {
    let t = TempDir::new("exit");
    let bad = t.write("bad.sql", UNSAFE.as_bytes());
    let good = t.write("good.sql", SAFE.as_bytes());
    let (bad, good) = (bad.to_str().unwrap(), good.to_str().unwrap());
    assert_eq!(pglint(&[good]).status.code(), Some(0));
    assert_eq!(pglint(&[bad]).status.code(), Some(1));
    assert_eq!(pglint(&["check", bad]).status.code(), Some(1));
    assert_eq!(pglint(&["--fail-on", "error", bad]).status.code(), Some(0));
    assert_eq!(pglint(&["--fail-on", "never", bad]).status.code(), Some(0));
    assert_eq!(pglint(&["--fail-on", "info", good]).status.code(), Some(0));
}

#[test]
fn syntax_error_is_an_error_finding_and_the_rest_is_linted() {
    let t = TempDir::new("syntax");
    let f = t.write("m.sql", format!("SELEC 1;\n{UNSAFE}").as_bytes());
    let out = pglint(&["--format", "compact", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("m.sql:1:1: error[syntax-error]"), "{text}");
    assert!(
        text.contains("m.sql:2:14: warning[index-not-concurrent]"),
        "{text}"
    );
}

#[test]
fn missing_and_undecodable_inputs_exit_2_but_the_others_are_linted() {
    let t = TempDir::new("io");
    let bad_utf8 = t.write("latin1.sql", b"-- caf\xe9\nSELECT 1;\n");
    let unsafe_file = t.write("unsafe.sql", UNSAFE.as_bytes());
    let missing = t.0.join("nope.sql");
    let out = pglint(&[
        "--format",
        "compact",
        bad_utf8.to_str().unwrap(),
        missing.to_str().unwrap(),
        unsafe_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("unsafe.sql:1:14: warning[index-not-concurrent]"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("latin1.sql:1:7: the file is not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("nope.sql: no such file or directory"), "{err}");
}

#[test]
fn directory_is_linted_in_natural_order_and_empty_directory_is_an_error() {
    let t = TempDir::new("dir");
    t.write("m/0010_b.sql", UNSAFE.as_bytes());
    t.write("m/0002_a.sql", UNSAFE.as_bytes());
    t.write("m/notes.txt", b"not sql");
    std::fs::create_dir_all(t.0.join("empty")).unwrap();
    let out = pglint_in(&t.0, &["--format", "compact", "m"], None);
    let lines: Vec<_> = stdout(&out)
        .lines()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(lines, ["m/0002_a.sql", "m/0010_b.sql"]);
    let out = pglint_in(&t.0, &["empty"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("empty: the directory holds no .sql file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stdin_is_named_by_stdin_filename() {
    let out = pglint_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "--format",
            "compact",
            "--stdin-filename",
            "shop/0042.sql",
            "-",
        ],
        Some(UNSAFE.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("shop/0042.sql:1:14: warning[index-not-concurrent]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn json_has_the_documented_shape() {
    let out = pglint_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["--format", "json", "-"],
        Some(format!("BEGIN;\n{UNSAFE}COMMIT;\n").as_bytes()),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "index-not-concurrent");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["path"], "<stdin>");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(14))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(2), Some(37))
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("SHARE lock on shop_order")
    );
    assert!(f["help"].as_str().unwrap().contains("CONCURRENTLY"));
    assert!(
        f["django"]
            .as_str()
            .unwrap()
            .contains("AddIndexConcurrently")
    );
    assert_eq!(
        f["docs_url"],
        "https://github.com/pglint/pglint/blob/main/docs/rules/index-not-concurrent.md"
    );
    assert!(f["django_operation"].is_null());
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 1, "errors": 0, "warnings": 1, "infos": 0})
    );
}

#[test]
fn rules_and_explain() {
    let out = pglint(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    for id in ["index-not-concurrent", "fk-missing-index", "syntax-error"] {
        assert!(stdout(&out).contains(id), "{}", stdout(&out));
    }
    let out = pglint(&["explain", "fk-missing-index"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("## Why is this bad?"));
    let out = pglint(&["explain", "no-such-rule"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_input_is_a_usage_error() {
    assert_eq!(pglint(&[]).status.code(), Some(2));
    assert_eq!(
        pglint(&["--format", "nope", "x.sql"]).status.code(),
        Some(2)
    );
    assert_eq!(
        pglint(&["--pg-version", "9", "x.sql"]).status.code(),
        Some(2)
    );
}

#[test]
fn context_files_shape_the_schema_but_are_not_reported() {
    let t = TempDir::new("context");
    let first = t.write("0001.sql", b"CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY);\nCREATE INDEX \"a\" ON \"shop_order\" (\"id\");\n");
    let second = t.write("0002.sql", UNSAFE.as_bytes());
    let out = pglint(&[
        "--format",
        "compact",
        "--context",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(!text.contains("0001.sql"), "{text}");
    assert!(
        text.contains("0002.sql:1:14: warning[index-not-concurrent]"),
        "{text}"
    );
}

#[test]
fn config_is_found_upward_and_its_mistakes_point_at_the_line() {
    let t = TempDir::new("config");
    t.write("sql/0001.sql", UNSAFE.as_bytes());
    t.write(
        ".pglint.yaml",
        b"pg_version: 15\nrules:\n  index-not-concurrent: error\n",
    );
    let out = pglint_in(&t.0.join("sql"), &["--format", "compact", "0001.sql"], None);
    assert!(
        stdout(&out).contains("error[index-not-concurrent]"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        pglint_in(&t.0.join("sql"), &["--fail-on", "error", "0001.sql"], None)
            .status
            .code(),
        Some(1)
    );

    t.write(
        ".pglint.yaml",
        b"pg_version: 15\nrules:\n  index-not-concurent: error\n",
    );
    let out = pglint_in(&t.0.join("sql"), &["0001.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(".pglint.yaml:3:3"), "{err}");
    assert!(
        err.contains("index-not-concurrent"),
        "suggests the closest id: {err}"
    );

    t.write(
        ".pglint.yaml",
        b"rules:\n  fk-missing-index: {severity: warning, options: {nope: 1}}\nbogus: true\n",
    );
    let out = pglint_in(&t.0.join("sql"), &["0001.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bogus"), "{}", stderr(&out));

    let missing = pglint_in(&t.0, &["--config", "nope.yaml", "sql/0001.sql"], None);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn select_and_ignore_take_ids_and_families() {
    let t = TempDir::new("select");
    let f = t.write("m.sql", format!("SELEC 1;\n{UNSAFE}").as_bytes());
    let f = f.to_str().unwrap();
    let rules = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--format", "compact"];
        all.extend_from_slice(args);
        all.push(f);
        stdout(&pglint(&all))
            .lines()
            .map(|l| {
                l.split('[')
                    .nth(1)
                    .unwrap()
                    .split(']')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(rules(&[]), ["syntax-error", "index-not-concurrent"]);
    assert_eq!(rules(&["--ignore", "index-locks"]), ["syntax-error"]);
    assert_eq!(
        rules(&["--ignore", "index-not-concurrent,syntax-error"]),
        Vec::<String>::new()
    );
    assert_eq!(rules(&["--select", "foreign-keys"]), ["syntax-error"]);
    assert_eq!(
        pglint(&["--select", "no-such-family", f]).status.code(),
        Some(2)
    );
}

#[test]
fn init_writes_a_valid_starter_config() {
    let t = TempDir::new("init");
    let out = pglint_in(&t.0, &["init"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(t.0.join(".pglint.yaml").exists());
    t.write("m.sql", SAFE.as_bytes());
    assert_eq!(pglint_in(&t.0, &["m.sql"], None).status.code(), Some(0));
    assert_eq!(
        pglint_in(&t.0, &["init"], None).status.code(),
        Some(2),
        "never overwrites"
    );
}

#[test]
fn inline_suppression_silences_one_statement() {
    let sql = format!("-- pglint: ignore[index-not-concurrent] 40 rows\n{UNSAFE}{UNSAFE}");
    let out = pglint_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["--format", "compact", "-"],
        Some(sql.as_bytes()),
    );
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("<stdin>:3:14: warning[index-not-concurrent]"),
        "{text}"
    );
}

/// One command line of the README, as a shell would run it here: the words of the `pglint` at
/// the end of a pipeline (what comes before `|` prints the SQL it reads), its `< FILE` input,
/// and no `>>` output or `# comment`.
struct ReadmeLine {
    line: String,
    args: Vec<String>,
    stdin_from: Option<String>,
}

fn readme_pglint_lines() -> Vec<ReadmeLine> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut lines = Vec::new();
    for (_, block) in common::fenced_blocks(&readme, "sh") {
        for line in block.lines() {
            let command = line.split(" #").next().unwrap().trim();
            let (piped, command) = match command.rsplit_once(" | ") {
                Some((_, last)) => (true, last),
                None => (false, command),
            };
            let command = command.split(" >> ").next().unwrap();
            let (command, stdin_from) = match command.split_once(" < ") {
                Some((c, file)) => (c, Some(file.trim().to_string())),
                None => (command, piped.then(|| "0042.sql".to_string())),
            };
            let mut words = command.split_whitespace().map(String::from);
            if matches!(words.next().as_deref(), Some("pglint" | "scripts/pglint")) {
                lines.push(ReadmeLine {
                    line: line.to_string(),
                    args: words.collect(),
                    stdin_from,
                });
            }
        }
    }
    lines
}

/// Every `pglint` command line in the README's shell blocks runs as written, in a folder where
/// the files it names exist (directories of the shop's sqlmigrate output, and a migration that
/// indexes an existing table): exit 0 or 1, nothing on stderr. `pglint django` lines need a
/// Django project and database (tests/readme_django.rs runs them); here their options must be
/// ones the command takes.
#[test]
fn the_readmes_command_lines_run() {
    const MIGRATION: &str =
        "BEGIN;\nCREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\nCOMMIT;\n";
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = TempDir::new("readme-lines");
    let lines = readme_pglint_lines();
    assert!(lines.len() >= 10, "{} lines", lines.len());
    let mut ran = 0;
    for ReadmeLine {
        line,
        args,
        stdin_from,
    } in &lines
    {
        // `scripts/pglint examples/` runs in the repository, where examples/ is.
        let dir = if line.starts_with("scripts/pglint") {
            repo
        } else {
            t.path()
        };
        for arg in args.iter().filter(|a| !a.starts_with('-')) {
            let path = dir.join(arg);
            if arg.ends_with('/') && !path.exists() {
                common::copy_dir(&repo.join("examples/shop"), &path);
            } else if arg.ends_with(".sql") && !path.exists() && !args.contains(&"django".into()) {
                t.write(arg, MIGRATION);
            }
        }
        let stdin = stdin_from.as_ref().map(|file| {
            let path = t.path().join(file);
            if !path.exists() {
                t.write(file, MIGRATION);
            }
            std::fs::read(path).unwrap()
        });
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pglint_in(dir, &args, stdin.as_deref());
        let err = stderr(&out);
        if args.first() == Some(&"django") {
            assert!(
                err.starts_with("pglint django: ") && !err.contains("Usage:"),
                "{line}\n{err}"
            );
            continue;
        }
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)) && err.is_empty(),
            "{line}\nexit {code:?}\n{err}{}",
            stdout(&out)
        );
        ran += 1;
    }
    assert!(ran >= 10, "{ran} lines ran");
}

/// examples/README.md says which rules `pglint examples/` (the README's first command) raises
/// in each file of examples/shop/; that is what it raises.
#[test]
fn the_examples_readme_lists_what_pglint_examples_reports() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(repo.join("examples/README.md")).unwrap();
    let known: std::collections::HashSet<&str> = pglint::rules::registry::rules()
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    // | `0002_product_sku.sql` | what it shows | `index-not-concurrent` ×2 |
    let mut documented = std::collections::BTreeMap::new();
    for row in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let file = cells[0].trim_start_matches("| ").trim_matches('`');
        let rules = cells.last().unwrap();
        let mut found = Vec::new();
        for (i, piece) in rules.split('`').enumerate() {
            if i % 2 == 1 && known.contains(piece) {
                let after = rules.split('`').nth(i + 1).unwrap_or("");
                let times = after
                    .strip_prefix(" ×")
                    .and_then(|n| n.split(|c: char| !c.is_ascii_digit()).next())
                    .map_or(1, |n| n.parse().unwrap());
                found.extend(std::iter::repeat_n(piece.to_string(), times));
            }
        }
        found.sort();
        documented.insert(format!("examples/shop/{file}"), found);
    }
    assert_eq!(documented.len(), 13, "{documented:#?}");
    let out = pglint_in(repo, &["--format", "json", "examples/"], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut reported: std::collections::BTreeMap<String, Vec<String>> = documented
        .keys()
        .map(|file| (file.clone(), Vec::new()))
        .collect();
    for f in report["findings"].as_array().unwrap() {
        let file = f["path"].as_str().unwrap().to_string();
        reported
            .entry(file)
            .or_default()
            .push(f["rule"].as_str().unwrap().to_string());
    }
    reported.values_mut().for_each(|rules| rules.sort());
    assert_eq!(reported, documented);
}
