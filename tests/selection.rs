//! Choosing what to lint: `--changed-since REF` (a real git repository in a temp dir) and
//! `--schema DUMP.sql` (real `pg_dump --schema-only` output from `tests/fixtures/pg_dump/`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{TempDir, git, run_in};

const CREATE: &str = "CREATE TABLE \"shop_order\" (\"id\" bigint PRIMARY KEY, \"status\" text);\n";

fn index(name: &str) -> String {
    format!("CREATE INDEX \"{name}\" ON \"shop_order\" (\"status\");\n")
}

#[test]
fn changed_since_reports_committed_staged_unstaged_and_untracked_files() {
    let t = TempDir::new("changed");
    let dir = t.path();
    git(dir, &["init", "-q", "-b", "main"]);
    t.write("m/0001_initial.sql", CREATE);
    t.write("m/0002_old.sql", index("old_idx"));
    t.write("m/0003_staged.sql", "SELECT 1;\n");
    t.write("m/0004_unstaged.sql", "SELECT 1;\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    git(dir, &["tag", "base"]);
    // committed after the base
    t.write("m/0005_committed.sql", index("committed_idx"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "next"]);
    // staged, unstaged, untracked
    t.write("m/0003_staged.sql", index("staged_idx"));
    git(dir, &["add", "m/0003_staged.sql"]);
    t.write("m/0004_unstaged.sql", index("unstaged_idx"));
    t.write("m/0006_untracked.sql", index("untracked_idx"));
    // ignored files are not "changed"
    t.write(".gitignore", "m/0007_ignored.sql\n");
    t.write("m/0007_ignored.sql", index("ignored_idx"));

    let (code, out, err) = run_in(
        dir,
        &[
            "--format",
            "compact",
            "--select",
            "index-locks",
            "--changed-since",
            "base",
            "m",
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    for name in [
        "staged_idx",
        "unstaged_idx",
        "committed_idx",
        "untracked_idx",
    ] {
        assert!(
            out.contains(&format!("index {name} ")),
            "{name} missing:\n{out}"
        );
    }
    assert!(!out.contains("old_idx"), "{out}");
    assert!(!out.contains("ignored_idx"), "{out}");
    // The unchanged 0001 is context: shop_order exists, so it is not "new" in 0003.
    assert!(
        out.contains("m/0003_staged.sql:1:14: warning[index-not-concurrent]"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 4, "{out}");

    // From a subdirectory, with a path spelled differently, against a branch name.
    let (code, out, _) = run_in(
        &dir.join("m"),
        &[
            "--format",
            "compact",
            "--changed-since",
            "main",
            "../m/0004_unstaged.sql",
            "./0002_old.sql",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("unstaged_idx") && !out.contains("old_idx"),
        "{out}"
    );

    // Nothing changed among the given files: nothing reported, exit 0.
    let (code, out, _) = run_in(
        dir,
        &[
            "--format",
            "compact",
            "--changed-since",
            "HEAD",
            "m/0002_old.sql",
        ],
    );
    assert_eq!((code, out.as_str()), (0, ""));

    // A reference git does not know is a usage error.
    let (code, _, err) = run_in(dir, &["--changed-since", "no-such-ref", "m"]);
    assert_eq!(code, 2);
    assert!(err.contains("`no-such-ref` is not a commit"), "{err}");
}

#[test]
fn changed_since_outside_a_repository_is_an_error() {
    let t = TempDir::new("changed-norepo");
    t.write("m.sql", "SELECT 1;\n");
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(["--changed-since", "HEAD", "m.sql"])
        .current_dir(t.path())
        .env("GIT_CEILING_DIRECTORIES", t.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--changed-since"));
}

/// Real `pg_dump --schema-only` output vendored in the repository (tests/fixtures/pg_dump,
/// whose README gives each file's source and licence).
fn dumps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pg_dump")
}

#[test]
fn every_real_dump_loads_as_schema_without_syntax_errors() {
    let dir = dumps_dir();
    let t = TempDir::new("dumps");
    let m = t.write("m.sql", "SELECT 1;\n");
    for dump in ["gitlab.sql", "danbooru.sql", "billing.sql"] {
        let path = dir.join(dump);
        // Every statement parses: no syntax-error piece but psql's own lines (a current
        // pg_dump writes `\restrict KEY`), which `--schema` skips without a word.
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = pglint::parse::parse_file(pglint::source::SourceFile::new(dump, text.clone()));
        let bad: Vec<_> = parsed
            .statements
            .iter()
            .filter_map(|s| s.node.as_ref().err())
            .filter(|e| !text[e.at.start..].starts_with('\\'))
            .collect();
        assert!(bad.is_empty(), "{dump}: {bad:?}");
        let started = Instant::now();
        let (code, out, err) = run_in(
            t.path(),
            &[
                "--format",
                "compact",
                "--schema",
                path.to_str().unwrap(),
                m.to_str().unwrap(),
            ],
        );
        eprintln!(
            "{dump}: --schema took {:?} (debug build)",
            started.elapsed()
        );
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{dump}");
    }
}

#[test]
fn restrict_meta_commands_in_a_dump_are_skipped_silently() {
    let t = TempDir::new("restrict");
    let dump = t.write(
        "dump.sql",
        "\\restrict AbCdEf123\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.shop_order (id bigint NOT NULL, status text);\nALTER TABLE public.shop_order OWNER TO app;\nCOMMENT ON TABLE public.shop_order IS 'x';\n\\unrestrict AbCdEf123\n",
    );
    let m = t.write("m.sql", index("status_idx"));
    let (code, out, err) = run_in(
        t.path(),
        &[
            "--format",
            "compact",
            "--schema",
            dump.to_str().unwrap(),
            m.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(err, "");
    assert!(out.contains("warning[index-not-concurrent]"), "{out}");
    assert!(!out.contains("syntax-error"), "{out}");
    // A statement the dump really cannot hold is warned about, not reported as a finding.
    let broken = t.write(
        "broken.sql",
        "CREATE TABLE public.t (id bigint);\nCREAT TABLE x;\n",
    );
    let (code, out, err) = run_in(
        t.path(),
        &[
            "--format",
            "compact",
            "--schema",
            broken.to_str().unwrap(),
            "m.sql",
        ],
    );
    assert_eq!(code, 1);
    assert!(!out.contains("syntax-error"), "{out}");
    assert!(
        err.contains("broken.sql:2:1: skipped while loading the schema"),
        "{err}"
    );
}

/// A migration linted against GitLab's dump sees its tables, indexes and foreign keys, with
/// unqualified names matching the dump's tables.
#[test]
fn migration_against_the_gitlab_dump_sees_tables_indexes_and_fks() {
    let dir = dumps_dir();
    let gitlab = dir.join("gitlab.sql");
    let t = TempDir::new("gitlab");
    // issues.author_id has an FK to users and the one index index_issues_on_author_id;
    // issues.closed_by_id is covered by index_issues_on_closed_by_id; weight by none.
    let m = t.write(
        "0042_issues.sql",
        "BEGIN;\n\
ALTER TABLE \"issues\" ADD CONSTRAINT \"issues_closed_by_fk\" FOREIGN KEY (\"closed_by_id\") REFERENCES \"users\" (\"id\") DEFERRABLE INITIALLY DEFERRED;\n\
ALTER TABLE \"issues\" ADD CONSTRAINT \"issues_weight_fk\" FOREIGN KEY (\"weight\") REFERENCES \"users\" (\"id\") DEFERRABLE INITIALLY DEFERRED;\n\
CREATE INDEX \"issues_title_idx\" ON \"public\".\"issues\" (\"title\");\n\
DROP INDEX \"index_issues_on_author_id\";\n\
COMMIT;\n",
    );
    let lint = |with_schema: bool| {
        let mut args = vec![
            "--format",
            "compact",
            "--select",
            "fk-missing-index,index-not-concurrent",
        ];
        if with_schema {
            args.extend(["--schema", gitlab.to_str().unwrap()]);
        }
        args.push(m.to_str().unwrap());
        let (_, out, err) = run_in(t.path(), &args);
        assert_eq!(err, "");
        out
    };
    let with = lint(true);
    let line_has = |out: &str, line: usize, rule: &str| {
        out.lines().any(|l| {
            l.contains(&format!("0042_issues.sql:{line}:")) && l.contains(&format!("[{rule}]"))
        })
    };
    assert!(
        !line_has(&with, 2, "fk-missing-index"),
        "closed_by_id is indexed in the dump:\n{with}"
    );
    assert!(line_has(&with, 3, "fk-missing-index"), "{with}");
    assert!(
        line_has(&with, 4, "index-not-concurrent"),
        "issues exists before:\n{with}"
    );
    assert!(
        line_has(&with, 5, "fk-missing-index"),
        "the drop leaves fk_05f1e72feb uncovered:\n{with}"
    );
    // Without the dump, issues and its FKs are unknown: fk-missing-index cannot judge.
    let without = lint(false);
    assert!(!without.contains("[fk-missing-index]"), "{without}");
    assert!(line_has(&without, 4, "index-not-concurrent"), "{without}");
}

/// Dumps that qualify every name with `public.` (Danbooru) match unqualified names.
#[test]
fn qualified_dump_names_match_unqualified_migration_names() {
    let dir = dumps_dir();
    let t = TempDir::new("qualified");
    // public.comments.post_id is indexed in the dump (index_comments_on_post_id); score is
    // indexed too, but updater_id only partially (WHERE updater_id IS NOT NULL).
    let m = t.write(
        "m.sql",
        "ALTER TABLE \"comments\" ADD CONSTRAINT \"c_post_fk\" FOREIGN KEY (\"post_id\") REFERENCES \"posts\" (\"id\");\n\
ALTER TABLE \"comments\" ADD CONSTRAINT \"c_updater_fk\" FOREIGN KEY (\"updater_id\") REFERENCES \"users\" (\"id\");\n",
    );
    let (_, out, err) = run_in(
        t.path(),
        &[
            "--format",
            "compact",
            "--select",
            "fk-missing-index",
            "--schema",
            dir.join("danbooru.sql").to_str().unwrap(),
            m.to_str().unwrap(),
        ],
    );
    assert_eq!(err, "");
    assert!(
        !out.contains("m.sql:1:"),
        "post_id is indexed in the dump:\n{out}"
    );
    assert!(
        out.contains("m.sql:2:") && out.contains("[fk-missing-index]"),
        "{out}"
    );
}

/// A current pg_dump with `--clean --if-exists` (our billing.sql): the DROP preamble runs
/// against an empty schema, then the CREATEs build it, so the migration sees the tables of
/// both schemas and their indexes.
#[test]
fn migration_against_a_clean_if_exists_dump_sees_its_schema() {
    let dir = dumps_dir();
    let t = TempDir::new("billing");
    // invoices.customer_id is indexed in the dump; billing.payments.invoice_id is not.
    let m = t.write(
        "0007_more.sql",
        "ALTER TABLE \"invoices\" ADD CONSTRAINT \"inv_cust_fk\" FOREIGN KEY (\"customer_id\") REFERENCES \"customers\" (\"id\") NOT VALID;\n\
ALTER TABLE \"billing\".\"payments\" ADD CONSTRAINT \"pay_inv_fk\" FOREIGN KEY (\"invoice_id\") REFERENCES \"invoices\" (\"id\") NOT VALID;\n\
CREATE INDEX \"invoices_status_idx\" ON \"invoices\" (\"status\");\n",
    );
    let (_, out, err) = run_in(
        t.path(),
        &[
            "--format",
            "compact",
            "--select",
            "fk-missing-index,index-not-concurrent",
            "--schema",
            dir.join("billing.sql").to_str().unwrap(),
            m.to_str().unwrap(),
        ],
    );
    assert_eq!(err, "");
    let has = |line: usize, rule: &str| {
        out.lines()
            .any(|l| l.contains(&format!("0007_more.sql:{line}:")) && l.contains(rule))
    };
    assert!(
        !has(1, "[fk-missing-index]"),
        "customer_id is indexed:\n{out}"
    );
    assert!(has(2, "[fk-missing-index]"), "{out}");
    assert!(
        has(3, "[index-not-concurrent]"),
        "invoices exists before:\n{out}"
    );
}

#[test]
fn changed_since_that_selects_nothing_says_so() {
    let t = TempDir::new("changed-nothing");
    let dir = t.path();
    git(dir, &["init", "-q", "-b", "main"]);
    t.write("m/0001_initial.sql", CREATE);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let (code, out, err) = run_in(dir, &["--changed-since", "HEAD", "m"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No file was linted"), "{out}");
    assert!(!out.contains("No problems found"), "{out}");
    assert!(
        err.contains("pglint: nothing was linted: none of the given files changed since HEAD"),
        "{err}"
    );
}
