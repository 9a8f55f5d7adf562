//! The pre-commit hooks as teams run them, through the real `pre-commit` in real git
//! repositories: `pre-commit try-repo` of this repository's `.pre-commit-hooks.yaml`, the
//! README's `.pre-commit-config.yaml` validated and run as written (pointed at a copy of the
//! hooks, with the `-system` twin of each hook: the freshly built binary on PATH instead of a
//! `cargo install`), and the Django hooks on a real Django project against a real PostgreSQL
//! server. `scripts/install-test-deps.sh` installs pre-commit into `target/precommit-venv` and
//! Django into `target/django-venv`; without them the tests fail in CI and are skipped loudly
//! elsewhere.

mod common;
mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TempDir, fenced_blocks, git, target_dir};

const TEST: &str = "tests/precommit.rs";

fn pre_commit() -> Option<PathBuf> {
    common::test_tool("precommit-venv/bin/pre-commit", TEST)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs pre-commit in `dir` with the built pglint first on PATH and its cache in `dir` (an
/// untracked folder, which `pre-commit run` leaves alone).
fn run_pre_commit(pre_commit: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_pglint")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(pre_commit)
        .args(args)
        .current_dir(dir)
        .env("PATH", &path)
        .env("PRE_COMMIT_HOME", dir.join(".cache"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_pglint_system_hook_lints_staged_sql_files() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let t = TempDir::new("precommit-try-repo");
    let dir = t.path();
    git(dir, &["init", "-q"]);
    t.write(
        "0002_bad.sql",
        "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n",
    );
    t.write(
        "0003_good.sql",
        "CREATE INDEX CONCURRENTLY \"shop_order_code_idx\" ON \"shop_order\" (\"code\");\n",
    );
    git(dir, &["add", "."]);
    let run = |file: &str| {
        let args = [
            "try-repo",
            env!("CARGO_MANIFEST_DIR"),
            "pglint-system",
            "--files",
            file,
        ];
        run_pre_commit(&pre_commit, dir, &args, &[])
    };
    let bad = run("0002_bad.sql");
    let out = text(&bad);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(
        out.contains("index-not-concurrent") && out.contains("Failed"),
        "{out}"
    );
    let good = run("0003_good.sql");
    let out = text(&good);
    assert_eq!(good.status.code(), Some(0), "{out}");
    assert!(out.contains("Passed"), "{out}");
}

/// The README's `.pre-commit-config.yaml`: its first pre-commit block, with the hook of the
/// second (the Django one, shown indented as an entry of the same `hooks:` list) appended.
fn readme_config() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme
        .find("\n### pre-commit\n")
        .expect("a pre-commit section")..];
    let blocks = fenced_blocks(section, "yaml");
    let [(_, config), (_, django), ..] = &blocks[..] else {
        panic!("the README's pre-commit section has two yaml blocks");
    };
    assert!(config.starts_with("repos:\n"), "{config}");
    assert!(
        django.trim_start().starts_with("- id: pglint-django"),
        "{django}"
    );
    format!("{config}{django}")
}

/// `config` pointed at `hooks` (a git repository holding this `.pre-commit-hooks.yaml`) at
/// commit `rev`, each hook replaced by its `-system` twin.
fn runnable(config: &str, hooks: &Path, rev: &str) -> String {
    let mut config = config.to_string();
    for (from, to) in [
        (
            "repo: https://github.com/pglint/pglint\n".to_string(),
            format!("repo: {}\n", hooks.display()),
        ),
        ("rev: <commit SHA or tag>\n".into(), format!("rev: {rev}\n")),
        ("- id: pglint\n".into(), "- id: pglint-system\n".into()),
        (
            "- id: pglint-django\n".into(),
            "- id: pglint-django-system\n".into(),
        ),
    ] {
        assert!(config.contains(&from), "{from:?} not in {config}");
        config = config.replace(&from, &to);
    }
    config
}

/// A git repository holding this repository's `.pre-commit-hooks.yaml` alone (the `-system`
/// hooks need nothing else), committed; returns its commit.
fn hooks_repository(dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    std::fs::copy(
        repo().join(".pre-commit-hooks.yaml"),
        dir.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "hooks"]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A user's repository in `t`/project, laid out by `lay_out`, with the README's configuration
/// (made [`runnable`] against a [`hooks_repository`] in `t`/hooks), all committed.
fn user_project(t: &TempDir, lay_out: impl FnOnce(&Path)) -> PathBuf {
    let hooks = t.path().join("hooks");
    let rev = hooks_repository(&hooks);
    let dir = t.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    lay_out(&dir);
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        runnable(&readme_config(), &hooks, &rev),
    )
    .unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "project"]);
    dir
}

/// Each `-system` hook is its twin but for how pglint is found, so running it runs the twin's
/// entry, file patterns and serial setting.
#[test]
fn each_system_hook_is_its_twin_but_for_the_language() {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
    for hook in hooks.iter().filter(|h| h["language"] == "rust") {
        let id = hook["id"].as_str().unwrap();
        let twin = hooks
            .iter()
            .find(|h| h["id"] == format!("{id}-system"))
            .unwrap_or_else(|| panic!("no {id}-system"));
        assert_eq!(twin["language"], "system");
        let (mut a, mut b) = (hook.clone(), twin.clone());
        for key in ["id", "name", "description", "language"] {
            a.as_object_mut().unwrap().remove(key);
            b.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(a, b, "{id} and {id}-system differ");
    }
}

/// pre-commit's own validation of the manifest it reads from this repository and of the
/// configuration the README tells users to write (the placeholder `rev` only draws a warning).
#[test]
fn pre_commit_accepts_the_manifest_and_the_readme_config() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let t = TempDir::new("precommit-validate");
    let validate = |what: &str, file: &Path| {
        let out = run_pre_commit(&pre_commit, t.path(), &[what, file.to_str().unwrap()], &[]);
        (out.status.success(), text(&out))
    };
    let (ok, out) = validate("validate-manifest", &repo().join(".pre-commit-hooks.yaml"));
    assert!(ok, "{out}");
    let config = t.write(".pre-commit-config.yaml", readme_config());
    let (ok, out) = validate("validate-config", &config);
    assert!(ok, "{out}");
    // It does refuse what it must.
    let config = t.write(
        ".pre-commit-config.yaml",
        readme_config().replace("hooks:", "hookz:"),
    );
    let (ok, out) = validate("validate-config", &config);
    assert!(!ok, "{out}");
}

/// The README's configuration in a repository that commits its sqlmigrate output: the staged
/// migration is reported, the others (`--context sqlmigrate/`) are its schema.
#[test]
fn the_readme_config_lints_staged_sql_with_the_rest_as_context() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let t = TempDir::new("precommit-readme-sql");
    let dir = user_project(&t, |dir| {
        common::copy_dir(&repo().join("examples/shop"), &dir.join("sqlmigrate"));
    });
    // shop_order exists only in the committed migrations: without them as context the index
    // would be on a table pglint does not know.
    std::fs::write(
        dir.join("sqlmigrate/0014_order_reference_idx.sql"),
        "BEGIN;\n--\n-- Create index order_reference_idx on field(s) reference of model order\n--\nCREATE INDEX \"order_reference_idx\" ON \"shop_order\" (\"reference\");\nCOMMIT;\n",
    )
    .unwrap();
    git(&dir, &["add", "sqlmigrate/0014_order_reference_idx.sql"]);
    let out = run_pre_commit(&pre_commit, &dir, &["run"], &[]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("sqlmigrate/0014_order_reference_idx.sql")
            && report.contains("index-not-concurrent")
            && report.contains("in 1 file"),
        "{report}"
    );
    assert!(
        !report.contains("0002_product_sku"),
        "context reported: {report}"
    );
}

/// The README's configuration in a Django project (tests/fixtures/django_project plus the shop
/// app of scripts/django/) with its `--python .venv/bin/python` as written, against a private
/// PostgreSQL server: only staged migration files reach `pglint django`.
#[test]
fn the_readme_config_lints_staged_django_migrations() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let venv = match std::env::var_os("PGLINT_DJANGO_VENV") {
        Some(venv) => PathBuf::from(venv),
        None => target_dir().join("django-venv"),
    };
    if !venv.join("bin/python").exists() {
        common::skip(TEST, &format!("no Django venv in {}", venv.display()));
        return;
    }
    let Some(bin) = pg::find_bin() else {
        common::skip(TEST, "no PostgreSQL server binaries (initdb, pg_ctl)");
        return;
    };
    let server = pg::Server::start(&bin);
    server
        .connect("postgres")
        .batch_execute("CREATE DATABASE pglint_django")
        .unwrap();
    let host = server.dir.display().to_string();
    let port = server.port.to_string();
    let env = [
        ("PGLINT_DJANGO_PGHOST", host.as_str()),
        ("PGLINT_DJANGO_PGPORT", port.as_str()),
        ("PGLINT_DJANGO_PGDATABASE", "pglint_django"),
    ];

    let t = TempDir::new("precommit-readme-django");
    let dir = user_project(&t, |dir| {
        common::copy_dir(&repo().join("tests/fixtures/django_project"), dir);
        common::copy_dir(&repo().join("scripts/django/shop"), &dir.join("shop"));
        std::os::unix::fs::symlink(&venv, dir.join(".venv")).unwrap();
        std::fs::write(dir.join(".gitignore"), ".venv\n").unwrap();
    });
    let stage = |files: &[&str]| {
        for file in files {
            let path = dir.join(file);
            let old = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{old}# changed\n")).unwrap();
            git(&dir, &["add", file]);
        }
    };
    let commit = || git(&dir, &["commit", "-q", "--no-verify", "-m", "step"]);

    // A model and the migrations package: not migrations, so the hook has nothing to check.
    stage(&["shop/models.py", "warehouse/migrations/__init__.py"]);
    let out = run_pre_commit(&pre_commit, &dir, &["run"], &env);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("(no files to check)Skipped"), "{report}");
    commit();

    // A migration with a type change and a plain CREATE INDEX on an existing table (built while
    // the type change's lock is held, so told in its finding): reported under the .py file;
    // 0001, its context, is not.
    stage(&["warehouse/migrations/0002_stock_changes.py"]);
    let out = run_pre_commit(&pre_commit, &dir, &["run"], &env);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("pglint django (installed)")
            && report.contains("Failed")
            && report.contains("warehouse/migrations/0002_stock_changes.py")
            && report.contains("column-type-change")
            && report
                .contains("is locked here too, until COMMIT, while this statement builds index"),
        "{report}"
    );
    assert!(!report.contains("0001_initial.py"), "{report}");
    commit();

    // A migration adding a nullable column: nothing at warning or above.
    stage(&["shop/migrations/0011_customer_phone.py"]);
    let out = run_pre_commit(&pre_commit, &dir, &["run"], &env);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("Passed"), "{report}");
}
