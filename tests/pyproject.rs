//! `[tool.pglint]` in pyproject.toml through the real binary: found upward when there is no
//! `.pglint.yaml`, changing findings and exit codes, globs relative to its folder, located
//! errors with exit code 2, and the subcommands that read the configuration.

mod common;

use common::{TempDir, fenced_blocks, run_in};

const UNSAFE: &str = "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n";

/// What a Django project's pyproject.toml holds besides pglint's table.
const PROJECT: &str = r#"[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "shop"
version = "1.0"
dependencies = ["django>=4.2"]

[tool.ruff]
line-length = 100
"#;

/// `--format compact` lines as (path, rule) pairs.
fn findings(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let (path, rest) = l.split_once(':')?;
            let rule = rest.split('[').nth(1)?.split(']').next()?;
            Some((path.to_string(), rule.to_string()))
        })
        .collect()
}

#[test]
fn a_pyproject_table_turns_rules_off_and_sets_fail_on() {
    let t = TempDir::new("pyproject-rules");
    t.write("migrations/0001.sql", UNSAFE);
    let sql = t.path().join("migrations");

    // A pyproject.toml without pglint's table changes nothing: the defaults.
    t.write("pyproject.toml", PROJECT);
    let (code, out, err) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        findings(&out),
        [("0001.sql".to_string(), "index-not-concurrent".to_string())]
    );
    assert!(out.contains(": warning[index-not-concurrent]"), "{out}");

    // The rule off.
    t.write(
        "pyproject.toml",
        format!("{PROJECT}\n[tool.pglint.rules]\nindex-not-concurrent = \"off\"\n"),
    );
    let (code, out, err) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");

    // fail_on above the finding's level: reported, exit 0.
    t.write(
        "pyproject.toml",
        format!("{PROJECT}\n[tool.pglint]\nfail_on = \"error\"\n"),
    );
    let (code, out, err) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(findings(&out).len(), 1, "{out}");

    // Its level raised by family, options beside it: exit 1 again, at error.
    t.write(
        "pyproject.toml",
        format!(
            "{PROJECT}\n[tool.pglint]\nfail_on = \"error\"\n\n[tool.pglint.rules]\n\
             index-locks = \"error\"\nfloat-for-money = {{ options = {{ column_names = [\"total\"] }} }}\n"
        ),
    );
    let (code, out, err) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(": error[index-not-concurrent]"), "{out}");
    // The command line still wins over the file.
    let (code, _, _) = run_in(&sql, &["--fail-on", "never", "0001.sql"]);
    assert_eq!(code, 0);
}

#[test]
fn ignore_globs_are_relative_to_the_pyproject_folder() {
    let t = TempDir::new("pyproject-globs");
    t.write(
        "pyproject.toml",
        format!(
            "{PROJECT}\n[[tool.pglint.ignore]]\npaths = [\"db/legacy/**\"]\nrules = [\"index-locks\"]\n"
        ),
    );
    t.write("db/legacy/0001.sql", UNSAFE);
    t.write("db/new/0002.sql", UNSAFE);
    // Run from below the pyproject.toml's folder: the paths reported are relative to `db/`,
    // the globs to the project root.
    let db = t.path().join("db");
    let (code, out, err) = run_in(
        &db,
        &["--format", "compact", "legacy/0001.sql", "new/0002.sql"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        findings(&out),
        [(
            "new/0002.sql".to_string(),
            "index-not-concurrent".to_string()
        )]
    );
    // A `legacy/` folder elsewhere is not `db/legacy/`.
    t.write("other/legacy/0003.sql", UNSAFE);
    let (_, out, _) = run_in(
        &t.path().join("other"),
        &["--format", "compact", "legacy/0003.sql"],
    );
    assert_eq!(findings(&out).len(), 1, "{out}");
}

#[test]
fn pglint_yaml_wins_and_a_pyproject_without_the_table_is_passed_over() {
    let t = TempDir::new("pyproject-order");
    t.write("app/migrations/0001.sql", UNSAFE);
    let sql = t.path().join("app/migrations");
    t.write(".pglint.yaml", "rules:\n  index-not-concurrent: error\n");
    // The nearer pyproject.toml has no table: the farther .pglint.yaml applies.
    t.write("app/pyproject.toml", PROJECT);
    let (_, out, _) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert!(out.contains(": error[index-not-concurrent]"), "{out}");
    // With the table, the nearer pyproject.toml applies.
    t.write(
        "app/pyproject.toml",
        format!("{PROJECT}\n[tool.pglint.rules]\nindex-not-concurrent = \"info\"\n"),
    );
    let (_, out, _) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert!(out.contains(": info[index-not-concurrent]"), "{out}");
    // In the same folder, .pglint.yaml wins over pyproject.toml.
    t.write(
        "app/.pglint.yaml",
        "rules:\n  index-not-concurrent: \"off\"\n",
    );
    let (code, out, _) = run_in(&sql, &["--format", "compact", "0001.sql"]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn a_broken_tool_pglint_is_a_located_error() {
    let t = TempDir::new("pyproject-broken");
    t.write("m/0001.sql", UNSAFE);
    let m = t.path().join("m");
    // PROJECT is 11 lines; then a blank line, the header, and the mistake on line 14.
    t.write(
        "pyproject.toml",
        format!("{PROJECT}\n[tool.pglint.rules]\nindex-not-concurent = \"error\"\n"),
    );
    let (code, out, err) = run_in(&m, &["0001.sql"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("pyproject.toml:14:1"), "{err}");
    assert!(err.contains("unknown rule `index-not-concurent`"), "{err}");
    assert!(
        err.contains("did you mean `index-not-concurrent`?"),
        "{err}"
    );

    t.write(
        "pyproject.toml",
        format!("{PROJECT}\n[tool.pglint]\npg_version = 15\nfail-on = \"never\"\n"),
    );
    let (code, _, err) = run_in(&m, &["0001.sql"]);
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml:15:1"), "{err}");
    assert!(err.contains("did you mean `fail_on`?"), "{err}");

    // Not TOML at all (in another tool's table): pglint cannot tell whether the file holds its
    // settings, so it says where the file breaks instead of linting without them.
    t.write(
        "pyproject.toml",
        "[project]\nname = \"shop\ndependencies = []\n\n[tool.pglint]\nfail_on = \"never\"\n",
    );
    let (code, out, err) = run_in(&m, &["0001.sql"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("invalid TOML"), "{err}");
    assert!(err.contains("pyproject.toml:2:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn explicit_config_reads_a_pyproject_table_or_says_it_has_none() {
    let t = TempDir::new("pyproject-explicit");
    t.write("0001.sql", UNSAFE);
    t.write(
        "conf/pyproject.toml",
        format!("{PROJECT}\n[tool.pglint.rules]\nindex-not-concurrent = \"off\"\n"),
    );
    let (code, out, err) = run_in(
        t.path(),
        &[
            "--config",
            "conf/pyproject.toml",
            "--format",
            "compact",
            "0001.sql",
        ],
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");

    t.write("conf/pyproject.toml", PROJECT);
    let (code, out, err) = run_in(t.path(), &["--config", "conf/pyproject.toml", "0001.sql"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("conf/pyproject.toml has no [tool.pglint] table"),
        "{err}"
    );
    assert!(err.contains("pglint::config::no_tool_table"), "{err}");
}

#[test]
fn locks_and_django_read_the_pyproject_table() {
    let t = TempDir::new("pyproject-subcommands");
    // A virtual generated column rewrites the table before PostgreSQL 18, not from 18 on.
    t.write(
        "0001.sql",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a * 2) VIRTUAL;\n",
    );
    let rewrites = |out: &str| {
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with("2 "))
            .unwrap_or_else(|| panic!("no row for line 2:\n{out}"));
        row.split_whitespace().any(|w| w == "yes")
    };
    let (code, out, err) = run_in(t.path(), &["locks", "0001.sql"]);
    assert_eq!(code, 0, "{err}");
    assert!(rewrites(&out), "the default version is 15:\n{out}");
    t.write("pyproject.toml", "[tool.pglint]\npg_version = 18\n");
    let (code, out, err) = run_in(t.path(), &["locks", "0001.sql"]);
    assert_eq!(code, 0, "{err}");
    assert!(!rewrites(&out), "pg_version 18 from pyproject.toml:\n{out}");

    // A broken table stops both before any work, pointing at the line.
    t.write("pyproject.toml", "[tool.pglint]\npg_version = \"18\"\n");
    let (code, _, err) = run_in(t.path(), &["locks", "0001.sql"]);
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml:2:14"), "{err}");
    let (code, _, err) = run_in(t.path(), &["django", "--python", "/nonexistent/python"]);
    assert_eq!(code, 2);
    assert!(err.contains("pyproject.toml:2:14"), "{err}");
    assert!(err.contains("pg_version must be an integer"), "{err}");
}

#[test]
fn init_writes_pglint_yaml_beside_a_pyproject_without_the_table_only() {
    let t = TempDir::new("pyproject-init");
    // A pyproject.toml that configures pglint: a .pglint.yaml would take its place unseen.
    let pyproject = format!("{PROJECT}\n[tool.pglint]\nfail_on = \"never\"\n");
    t.write("pyproject.toml", &pyproject);
    let (code, _, err) = run_in(t.path(), &["init"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pyproject.toml already configures pglint"),
        "{err}"
    );
    assert!(!t.path().join(".pglint.yaml").exists());
    // One that configures other tools only is left alone, and .pglint.yaml is written.
    t.write("pyproject.toml", PROJECT);
    let (code, out, err) = run_in(t.path(), &["init"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(t.path().join(".pglint.yaml").is_file());
    assert_eq!(
        std::fs::read_to_string(t.path().join("pyproject.toml")).unwrap(),
        PROJECT
    );
    // .pglint.yaml is never overwritten.
    let (code, _, err) = run_in(t.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(err.contains(".pglint.yaml already exists"), "{err}");
}

#[test]
fn the_readme_examples_are_the_same_configuration() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let section = &readme[readme
        .find("\n## Configuration\n")
        .expect("a Configuration section")..];
    let block = |lang: &str| match fenced_blocks(section, lang).into_iter().next() {
        Some((_, text)) => text,
        None => panic!("no {lang} example"),
    };
    let yaml = pglint::config::parse(&block("yaml"), ".pglint.yaml").unwrap();
    let toml = pglint::config::parse_pyproject(&block("toml"), "pyproject.toml").unwrap();
    assert_eq!(toml.pg_version, yaml.pg_version);
    assert_eq!(toml.fail_on, yaml.fail_on);
    assert_eq!(toml.levels, yaml.levels);
    assert!(!toml.levels.is_empty());
    assert_eq!(toml.options, yaml.options);
    for rule in ["index-not-concurrent", "fk-missing-index"] {
        for path in ["legacy/0001.sql", "app/0001.sql"] {
            assert_eq!(
                toml.ignores(path, rule),
                yaml.ignores(path, rule),
                "{path} {rule}"
            );
        }
    }
    assert!(toml.ignores("legacy/0001.sql", "index-not-concurrent"));
}
