//! Every Django advice that tells the user to change code is tried (issue 15, point 9): for
//! each rule whose `django:` text prescribes a change, tests/fixtures/django_advice/cases/RULE/
//! holds a small `shop` app — `base/` (migrations already applied), `bad/` (the migration as
//! makemigrations writes it), `advised/` (the migrations the advice says to write instead) and
//! `models.py` (the models the advice leaves; an `advised*/models.py` of its own for another
//! form of the advice) — and the test, against a real PostgreSQL and a
//! real Django:
//!
//! 1. migrates `base/`, then runs `pglint django` on `bad/`: the rule fires;
//! 2. runs `pglint django` on `advised/`: the rule does not fire;
//! 3. `manage.py migrate` applies `advised/` on the server;
//! 4. `manage.py makemigrations --check` finds the models and the migrations in step, so
//!    the advice leaves nothing for makemigrations to write (a RenameField that renames the
//!    column back, say).
//!
//! A rule with a `django:` text and no case fails the test unless [`NO_CODE_CHANGE`] says why
//! its advice has nothing to try. Django and psycopg come from the venv of
//! scripts/install-django-test-env.sh, the server from tests/pg/mod.rs; both missing is a loud
//! skip, or a failure when `CI` is set.

mod common;
mod pg;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Rules whose `django:` text gives no change to a migration or a model that a test could
/// apply, and why.
const NO_CODE_CHANGE: &[(&str, &str)] = &[
    (
        "syntax-error",
        "points at the RunSQL text to read; the fix is whatever the SQL meant",
    ),
    (
        "unused-suppression",
        "says to edit or remove a comment; no schema change",
    ),
    (
        "varchar-length",
        "explains what CharField and TextField create; it prescribes no change",
    ),
    (
        "too-many-indexes",
        "lists the places to review; which index goes is the project's choice",
    ),
    (
        "matview-refresh-trigger",
        "moves the refresh out of the database into a scheduled task",
    ),
    (
        "table-rewrite-command",
        "takes the maintenance command out of migrations altogether",
    ),
    (
        "partition-candidate",
        "a design choice (partition the table or not), not a change with one outcome",
    ),
    (
        "partition-key-not-in-unique",
        "a model redesign (a composite key with the partition column)",
    ),
    (
        "wide-table",
        "a model redesign (which fields move to which related model)",
    ),
];

fn venv_python() -> Option<PathBuf> {
    let venv = match std::env::var_os("PGLINT_DJANGO_VENV") {
        Some(v) => PathBuf::from(v),
        None => common::target_dir().join("django-venv"),
    };
    let python = venv.join("bin").join("python");
    python.exists().then_some(python)
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django_advice/cases")
}

/// The cases: a rule id, or `RULE+WHAT` for one more situation of the same rule (another
/// kind of index, say).
fn cases() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_django_advice_is_tried_or_says_why_not() {
    let with_advice: BTreeSet<&str> = pglint::rules::registry::rules()
        .iter()
        .filter(|d| d.django.is_some())
        .map(|d| d.id.as_str())
        .collect();
    let cases = cases();
    let tried: BTreeSet<&str> = cases.iter().map(|c| rule_of(c)).collect();
    let excused: BTreeSet<&str> = NO_CODE_CHANGE.iter().map(|(id, _)| *id).collect();
    assert!(
        tried.is_disjoint(&excused),
        "tried and excused: {:?}",
        tried.intersection(&excused).collect::<Vec<_>>()
    );
    let covered: BTreeSet<&str> = tried.union(&excused).copied().collect();
    assert_eq!(
        with_advice.difference(&covered).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "rules with a `django:` advice and no case in tests/fixtures/django_advice/cases/ \
         (nor a reason in NO_CODE_CHANGE)"
    );
    assert_eq!(
        covered.difference(&with_advice).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "cases or reasons for rules that have no `django:` advice (or do not exist)"
    );
    for id in &cases {
        let dir = cases_dir().join(id);
        for part in ["base", "bad"] {
            assert!(
                py_files(&dir.join(part)).next().is_some(),
                "{id}: no migration in {part}/"
            );
        }
        let advised = advised_dirs(&dir);
        assert!(!advised.is_empty(), "{id}: no advised/");
        for variant in advised {
            assert!(
                py_files(&variant).next().is_some(),
                "{id}: {variant:?} is empty"
            );
        }
        assert!(dir.join("models.py").exists(), "{id}: no models.py");
    }
}

fn rule_of(case: &str) -> &str {
    case.split('+').next().unwrap()
}

fn py_files(dir: &Path) -> impl Iterator<Item = PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py") && !p.ends_with("models.py"))
        .collect();
    files.sort();
    files.into_iter()
}

struct Env<'a> {
    python: &'a Path,
    host: String,
    port: u16,
}

impl Env<'_> {
    fn vars(&self, db: &str) -> [(&'static str, String); 3] {
        [
            ("PGLINT_DJANGO_PGHOST", self.host.clone()),
            ("PGLINT_DJANGO_PGPORT", self.port.to_string()),
            ("PGLINT_DJANGO_PGDATABASE", db.to_string()),
        ]
    }

    fn manage(&self, dir: &Path, db: &str, args: &[&str]) -> Output {
        Command::new(self.python)
            .arg("manage.py")
            .args(args)
            .current_dir(dir)
            .env_remove("DJANGO_SETTINGS_MODULE")
            .envs(self.vars(db))
            .output()
            .expect("run manage.py")
    }

    /// `pglint django` on `files` with only `rule` on: how many findings of it in all.
    fn findings(
        &self,
        dir: &Path,
        db: &str,
        rule: &str,
        files: &[String],
    ) -> Result<usize, String> {
        let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
            .arg("django")
            .arg("--python")
            .arg(self.python)
            .args(["--select", rule, "--format", "json"])
            .args(files)
            .current_dir(dir)
            .env_remove("DJANGO_SETTINGS_MODULE")
            .env_remove("VIRTUAL_ENV")
            .envs(self.vars(db))
            .output()
            .expect("run pglint");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        if !matches!(out.status.code(), Some(0 | 1)) {
            return Err(format!(
                "pglint django {files:?} exited {:?}: {}",
                out.status.code(),
                text(&out.stderr)
            ));
        }
        let v: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("not JSON ({e}): {}", text(&out.stdout)))?;
        Ok(v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count())
    }
}

fn ok(out: &Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Copies the `.py` files of `from` into `to`; returns their paths relative to the project.
fn put(from: &Path, to: &Path) -> Vec<String> {
    py_files(from)
        .map(|p| {
            let name = p.file_name().unwrap();
            std::fs::copy(&p, to.join(name)).unwrap();
            format!("shop/migrations/{}", name.to_string_lossy())
        })
        .collect()
}

/// The advised variants of a case: `advised/`, and `advised-WHAT/` for another form the
/// advice names.
fn advised_dirs(case: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("advised"))
        })
        .collect();
    dirs.sort();
    dirs
}

struct Case<'a> {
    env: &'a Env<'a>,
    server: &'a pg::Server,
    work: &'a Path,
    id: &'a str,
    dbs: std::cell::Cell<usize>,
}

impl Case<'_> {
    fn dir(&self) -> PathBuf {
        cases_dir().join(self.id)
    }

    /// A fresh project and database for one variant, with `base/` migrated: (project, db).
    fn project(&self, variant: &str) -> Result<(PathBuf, String), String> {
        let dir = self.work.join(self.id).join(variant);
        common::copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django_advice/project"),
            &dir,
        );
        let migrations = dir.join("shop/migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(dir.join("shop/__init__.py"), "").unwrap();
        std::fs::write(migrations.join("__init__.py"), "").unwrap();
        // The models the advice leaves: the case's, or the variant's own.
        let models = [self.dir().join(variant), self.dir()]
            .map(|d| d.join("models.py"))
            .into_iter()
            .find(|m| m.exists())
            .unwrap();
        std::fs::copy(models, dir.join("shop/models.py")).unwrap();
        let n = self.dbs.get();
        self.dbs.set(n + 1);
        let db = format!("advice_{}_{n}", self.id.replace(['-', '+'], "_"));
        self.server
            .connect("postgres")
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
        // sqlmigrate looks some names up in the database (the index that AlterField drops).
        let base = put(&self.dir().join("base"), &migrations);
        let last = Path::new(base.last().unwrap())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        ok(
            &self.env.manage(&dir, &db, &["migrate", "shop", &last]),
            "migrate base/",
        )?;
        Ok((dir, db))
    }

    fn try_it(&self) -> Result<(), String> {
        let (dir, db) = self.project("bad")?;
        let bad = put(&self.dir().join("bad"), &dir.join("shop/migrations"));
        if self.env.findings(&dir, &db, rule_of(self.id), &bad)? == 0 {
            return Err(format!("bad/ is not reported: {bad:?}"));
        }
        for variant in advised_dirs(&self.dir()) {
            let name = variant.file_name().unwrap().to_string_lossy().into_owned();
            let (dir, db) = self.project(&name)?;
            let advised = put(&variant, &dir.join("shop/migrations"));
            let found = self.env.findings(&dir, &db, rule_of(self.id), &advised)?;
            if found != 0 {
                return Err(format!("{name}/ is still reported {found} time(s)"));
            }
            ok(
                &self.env.manage(&dir, &db, &["migrate", "shop"]),
                &format!("migrate {name}/"),
            )?;
            ok(
                &self.env.manage(
                    &dir,
                    &db,
                    &["makemigrations", "shop", "--check", "--dry-run"],
                ),
                &format!(
                    "makemigrations --check after {name}/ (models.py and the migrations differ)"
                ),
            )?;
        }
        Ok(())
    }
}

#[test]
fn every_advice_applied_to_a_django_project_silences_its_rule() {
    let Some(python) = venv_python() else {
        common::skip(
            "django_advice",
            "no Django venv (scripts/install-django-test-env.sh makes it)",
        );
        return;
    };
    let Some(bin) = pg::find_bin() else {
        common::skip(
            "django_advice",
            "no PostgreSQL server binary (initdb, pg_ctl)",
        );
        return;
    };
    let server = pg::Server::start(&bin);
    let env = Env {
        python: &python,
        host: server.dir.display().to_string(),
        port: server.port,
    };
    let work = std::env::temp_dir().join(format!("pglint-django-advice-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    // PGLINT_ADVICE_CASE=rule-id,... tries only these cases (while writing one).
    let only = std::env::var("PGLINT_ADVICE_CASE").ok();
    let mut todo: Vec<String> = cases()
        .into_iter()
        .filter(|id| only.as_ref().is_none_or(|o| o.split(',').any(|c| c == id)))
        .collect();
    todo.reverse();
    // Each case has its own project folder and databases, and spends its time waiting on
    // Python and the server: a few at once (PGLINT_THREADS=1 for one at a time).
    let threads = std::env::var("PGLINT_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 4);
    let todo = std::sync::Mutex::new(todo);
    let failed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(id) = todo.lock().unwrap().pop() {
                    let case = Case {
                        env: &env,
                        server: &server,
                        work: &work,
                        id: &id,
                        dbs: std::cell::Cell::new(0),
                    };
                    if let Err(e) = case.try_it() {
                        failed.lock().unwrap().push(format!("{id}: {e}"));
                    }
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap();
    failed.sort();
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
    assert!(failed.is_empty(), "\n{}", failed.join("\n\n"));
}
