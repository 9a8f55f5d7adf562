//! `pglint django` against a real Django project and a real PostgreSQL server: the project in
//! tests/fixtures/django_project/ plus the shop app of scripts/django/, copied into a temp
//! directory; Django and psycopg from the venv that scripts/install-django-test-env.sh makes
//! (`${CARGO_TARGET_DIR:-target}/django-venv`, or `PGLINT_DJANGO_VENV`); a private server
//! started by tests/pg/mod.rs. Skipped loudly when the venv or the server binaries are missing,
//! unless `CI` is set, where that fails.

mod common;
mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::git;

fn venv_python() -> Option<PathBuf> {
    let venv = match std::env::var_os("PGLINT_DJANGO_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .map(|t| {
                    if t.is_absolute() {
                        t
                    } else {
                        Path::new(env!("CARGO_MANIFEST_DIR")).join(t)
                    }
                })
                .unwrap_or_else(|| {
                    // target/debug/deps/django_bridge-HASH
                    std::env::current_exe()
                        .ok()
                        .and_then(|e| e.ancestors().nth(3).map(Path::to_path_buf))
                        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
                });
            target.join("django-venv")
        }
    };
    let python = venv.join("bin").join("python");
    python.exists().then_some(python)
}

struct Project {
    dir: PathBuf,
    python: PathBuf,
    host: String,
    port: u16,
}

impl Project {
    fn pglint(&self, args: &[&str]) -> Output {
        self.pglint_env(args, &[])
    }

    fn pglint_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pglint"));
        cmd.arg("django")
            .arg("--python")
            .arg(&self.python)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("DJANGO_SETTINGS_MODULE")
            .env_remove("VIRTUAL_ENV")
            .env("PGLINT_DJANGO_PGHOST", &self.host)
            .env("PGLINT_DJANGO_PGPORT", self.port.to_string())
            .env("PGLINT_DJANGO_PGDATABASE", "pglint_django");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run pglint")
    }

    /// The venv's site-packages, where third-party apps' migrations are.
    fn site_packages(&self) -> PathBuf {
        let out = Command::new(&self.python)
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ])
            .output()
            .expect("run python");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    }

    /// The 1-based line of the first line of `file` that contains `needle` after `after`.
    fn line_of(&self, file: &str, needle: &str, after: &str) -> usize {
        let text = std::fs::read_to_string(self.dir.join(file)).unwrap();
        let start = text.lines().position(|l| l.contains(after)).unwrap_or(0);
        text.lines()
            .enumerate()
            .skip(start)
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
            .unwrap_or_else(|| panic!("{needle} not in {file}"))
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `(path, rule, "operation (file.py:LINE)")` of each finding; the operation's place from
/// the JSON's `migration`, which must agree with the finding's own path and line.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let m = &f["migration"];
            assert!(
                m["path"] == f["path"] && m["line"] == f["line"] && m["line"].is_u64(),
                "the finding's place is its operation's place in the .py: {f:#}"
            );
            let operation = match m["operation"].as_str() {
                Some(o) => format!("{o} ({}:{})", m["path"].as_str().unwrap(), m["line"]),
                None => String::new(),
            };
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                operation,
            )
        })
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn has(found: &[(String, String, String)], path: &str, rule: &str, operation: &str) -> bool {
    found
        .iter()
        .any(|(p, r, o)| p == path && r == rule && o == operation)
}

const STOCK: &str = "warehouse/migrations/0002_stock_changes.py";
const BROKEN: &str = "warehouse/migrations/0003_remove_stock_unique_together.py";
const RESERVED: &str = "warehouse/migrations/0004_stock_reserved.py";
const SKU: &str = "shop/migrations/0002_product_sku.py";

#[test]
fn django_bridge() {
    let Some(python) = venv_python() else {
        common::skip(
            "django_bridge",
            "no Django venv (scripts/install-django-test-env.sh makes it)",
        );
        return;
    };
    let Some(bin) = pg::find_bin() else {
        common::skip(
            "django_bridge",
            "no PostgreSQL server binary (initdb, pg_ctl)",
        );
        return;
    };
    let server = pg::Server::start(&bin);
    server
        .connect("postgres")
        .batch_execute("CREATE DATABASE pglint_django")
        .unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("pglint-django-bridge-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let dir = work.join("project");
    common::copy_dir(&root.join("tests/fixtures/django_project"), &dir);
    common::copy_dir(&root.join("scripts/django/shop"), &dir.join("shop"));
    let project = Project {
        dir,
        python,
        host: server.dir.display().to_string(),
        port: server.port,
    };

    findings_name_the_py_file_operation_and_line(&project);
    py_comments_suppress_the_operation_after_them(&project);
    no_file_lints_the_projects_own_apps(&project);
    earlier_migrations_are_context(&project);
    one_broken_migration_does_not_stop_the_others(&project);
    context_that_cannot_render_is_a_warning(&project);
    a_lock_timeout_the_connection_sets_is_not_reported(&project, &server, &work);
    bad_settings_and_no_database_are_clear_errors(&project);
    output_that_looks_like_an_answer_is_not_the_answer(&project);
    a_migration_missing_from_the_answer_is_an_error(&project);
    a_hanging_project_is_killed_at_the_timeout(&project);
    a_project_that_exits_while_loading_is_named(&project);
    squashed_migrations_follow_djangos_plan(&project, &server);
    changed_since_selects_changed_migration_files(&project);
    a_relative_python_is_found_from_the_current_directory(&project, &work);
    a_fresh_database_renders_what_looks_names_up(&project, &server);
    a_fresh_database_is_dropped_at_the_timeout(&project, &server);
    a_third_party_migration_that_looks_names_up(&project, &server);
    the_locks_of_migration_files(&project);
    // Last: it migrates a database of its own.
    server
        .connect("postgres")
        .batch_execute("CREATE DATABASE pglint_dump")
        .unwrap();
    a_schema_dump_of_the_migrated_project_seeds_the_catalog(&project, &bin);

    drop(server);
    let _ = std::fs::remove_dir_all(&work);
}

const DEPOT_UNIQUE: &str = "depot/migrations/0002_bin_unique_together_off.py";
const DEPOT_RESET: &str = "depot/migrations/0004_bin_shelf_reset.py";
const DEPOT_RENAME: &str = "depot/migrations/0006_rename_bin_code_index.py";
/// The settings that install `depot`.
const FRESH_SETTINGS: &str = "bridgeproj.settings_fresh";

/// The databases whose name ends in `_pglint` (`--fresh-database` makes and drops them).
fn throwaway_databases(server: &pg::Server) -> Vec<String> {
    server
        .connect("postgres")
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE '%\\_pglint' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// depot 0002 removes a `unique_together`, and 0006 renames the index an `index_together` made
/// (`RenameIndex` with `old_fields`): Django looks their names up in the database, so on an
/// unmigrated database they cannot render (an error as a target, a warning as context). With --fresh-database, against a database name that does not even exist, the plan
/// is applied to a throwaway database as it is rendered: 0002 renders with the constraint's
/// real name, 0003's RunPython runs there, and the database is gone afterwards.
fn a_fresh_database_renders_what_looks_names_up(p: &Project, server: &pg::Server) {
    let settings = ["--settings", FRESH_SETTINGS];
    let out = p.pglint(&[&settings[..], &[DEPOT_UNIQUE]].concat());
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "pglint django: error: {DEPOT_UNIQUE}: sqlmigrate depot \
             0002_bin_unique_together_off failed: ValueError: Found wrong number (0) of \
             constraints"
        )),
        "stderr: {}",
        stderr(&out)
    );
    let out = p.pglint(&[&settings[..], &[DEPOT_RENAME]].concat());
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "pglint django: error: {DEPOT_RENAME}: sqlmigrate depot 0006_rename_bin_code_index \
             failed: ValueError: Found wrong number (0) of indexes for depot_bin(code)."
        )),
        "stderr: {}",
        stderr(&out)
    );
    let out = p.pglint(&[&settings[..], &[DEPOT_RESET, "--fail-on", "never"]].concat());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "pglint django: warning: {DEPOT_UNIQUE}: cannot render its SQL"
        )),
        "stderr: {}",
        stderr(&out)
    );

    let marker = p.dir.join("depot.marker");
    let fresh = |args: &[&str]| {
        p.pglint_env(
            &[&settings[..], &["--fresh-database"], args].concat(),
            &[
                ("PGLINT_DJANGO_PGDATABASE", "pglint_absent"),
                ("PGLINT_TEST_MARKER", marker.to_str().unwrap()),
            ],
        )
    };
    let out = fresh(&[
        "--locks",
        "--format",
        "json",
        DEPOT_UNIQUE,
        DEPOT_RESET,
        DEPOT_RENAME,
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("warning") && !err.contains("error"),
        "stderr: {err}"
    );
    assert!(
        err.contains(
            "pglint django: note: rendered on the throwaway database \
             `test_pglint_absent_pglint`, each migration applied after its SQL was collected; \
             dropped at the end"
        ),
        "stderr: {err}"
    );
    let v = json(&out);
    let sql: Vec<(&str, &str)> = v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap(), s["sql"].as_str().unwrap()))
        .collect();
    assert!(
        sql.iter().any(|(path, sql)| *path == DEPOT_UNIQUE
            && sql
                .starts_with(r#"ALTER TABLE "depot_bin" DROP CONSTRAINT "depot_bin_code_shelf_"#)),
        "{sql:#?}"
    );
    assert!(
        sql.iter().any(|(path, sql)| *path == DEPOT_RENAME
            && sql.starts_with(r#"ALTER INDEX "depot_bin_code_"#)
            && sql.ends_with(r#" RENAME TO "depot_bin_code_idx""#)),
        "{sql:#?}"
    );
    // 0004's RunSQL updates every row of a table 0001 made (context).
    let reset = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"] == DEPOT_RESET)
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        reset["every_row_written"],
        serde_json::json!([{"relation": "depot_bin", "lines": [5]}]),
        "{v:#}"
    );
    // The RunPython of 0003 (context) ran on the throwaway database.
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "test_pglint_absent_pglint"
    );
    assert_eq!(throwaway_databases(server), Vec::<String>::new());

    // Linted as usual; a migration that fails to apply is a warning and the walk goes on:
    // shop 0009 (context of warehouse) runs CREATE INDEX CONCURRENTLY in a transaction.
    let out = fresh(&[BROKEN, "--format", "json", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "pglint django: warning: shop/migrations/0009_auditlog_happened_at_idx.py: applying \
             it to the throwaway database `test_pglint_absent_pglint` failed (InternalError: \
             CREATE INDEX CONCURRENTLY cannot run inside a transaction block)"
        ) && !err.contains("cannot render"),
        "stderr: {err}"
    );
    let v = json(&out);
    assert!(
        has(
            &findings(&v),
            BROKEN,
            "missing-lock-timeout",
            &format!(
                "Alter unique_together for stock (0 constraint(s)) ({BROKEN}:{})",
                p.line_of(BROKEN, "AlterUniqueTogether", "operations")
            )
        ),
        "{v:#}"
    );
    assert_eq!(throwaway_databases(server), Vec::<String>::new());
}

const TAGGED: &str = "tagged/migrations/0001_initial.py";
const TAGGIT_RENAME: &str =
    "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx";

/// A real third-party app from PyPI: django-taggit's 0006 is a `RenameIndex` with `old_fields`,
/// whose SQL Django can only write after looking the index up in the database. On the fresh
/// (never migrated) database of the test it cannot render: a warning naming it, as context of
/// the project's `tagged` 0001, and the run goes on. With `--fresh-database` it renders (as a
/// target too, from site-packages), against the state the migrations before it leave: there,
/// a no-op.
fn a_third_party_migration_that_looks_names_up(p: &Project, server: &pg::Server) {
    let settings = ["--settings", "bridgeproj.settings_thirdparty"];
    let out = p.pglint(&[&settings[..], &[TAGGED, "--format", "json"]].concat());
    // A new table with its FK's index: nothing to report, and linted all the same.
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(json(&out)["summary"]["files"], 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "pglint django: warning: taggit/migrations/{TAGGIT_RENAME}.py: cannot render its SQL \
             (sqlmigrate taggit {TAGGIT_RENAME} failed: ValueError: Found wrong number (0) of \
             indexes for taggit_taggeditem(content_type_id, object_id).)"
        )),
        "stderr: {err}"
    );

    let taggit = p
        .site_packages()
        .join("taggit/migrations")
        .join(format!("{TAGGIT_RENAME}.py"));
    let out = p.pglint_env(
        &[
            &settings[..],
            &["--fresh-database", "--locks", "--format", "json"],
            &[TAGGED, taggit.to_str().unwrap()],
        ]
        .concat(),
        &[("PGLINT_DJANGO_PGDATABASE", "pglint_absent")],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("warning") && !err.contains("error") && err.contains("throwaway database"),
        "stderr: {err}"
    );
    // Rendered against the real state, the rename is Django's `-- (no-op)`: taggit's 0002
    // already made the index under its new name. The migration is there, with no statement.
    let v = json(&out);
    let rendered = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["path"]
                .as_str()
                .unwrap_or("")
                .ends_with(&format!("{TAGGIT_RENAME}.py"))
        })
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(rendered["commit_lines"], serde_json::json!([6]), "{v:#}");
    assert!(
        !v["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == rendered["path"]),
        "{v:#}"
    );
    assert_eq!(throwaway_databases(server), Vec::<String>::new());
}

/// Stopped at --helper-timeout while a RunPython sleeps on the throwaway database: pglint sends
/// SIGTERM first, and the helper drops the database before it ends.
fn a_fresh_database_is_dropped_at_the_timeout(p: &Project, server: &pg::Server) {
    let marker = p.dir.join("depot-timeout.marker");
    let started = Instant::now();
    let out = p.pglint_env(
        &[
            "--settings",
            FRESH_SETTINGS,
            "--fresh-database",
            "--helper-timeout",
            "8",
            DEPOT_RESET,
        ],
        &[
            ("PGLINT_TEST_SLEEP", "120"),
            ("PGLINT_TEST_MARKER", marker.to_str().unwrap()),
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    // Well before the SIGKILL that follows SIGTERM by 10 s.
    assert!(took < Duration::from_secs(16), "took {took:?}");
    assert!(
        stderr(&out).contains("did not finish within 8 s and was killed (--helper-timeout)"),
        "stderr: {}",
        stderr(&out)
    );
    // The database existed when the deadline came: the RunPython ran on it.
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "test_pglint_django_pglint"
    );
    assert_eq!(throwaway_databases(server), Vec::<String>::new());
}

/// `pglint django --locks`: `pglint locks` for the migration files, from the same answer: the
/// earlier migrations as context, operations with their `.py` lines; formats other than
/// human, markdown and json are refused.
fn the_locks_of_migration_files(p: &Project) {
    let out = p.pglint(&["--locks", "--format", "json", STOCK]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let v = json(&out);
    let migrations = v["migrations"].as_array().unwrap();
    assert_eq!(migrations.len(), 1, "{v:#}");
    assert_eq!(migrations[0]["path"], STOCK);
    let stock = migrations[0]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["relation"] == "warehouse_stock")
        .unwrap_or_else(|| panic!("{v:#}"));
    // warehouse_stock is 0001's (context): it existed before, and is rewritten (int → bigint).
    assert_eq!(stock["mode"], "ACCESS EXCLUSIVE", "{v:#}");
    assert_eq!(
        migrations[0]["sql_name"], "sqlmigrate warehouse 0002_stock_changes",
        "{v:#}"
    );
    assert!(
        migrations[0]["rewrites"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["relation"] == "warehouse_stock"),
        "{v:#}"
    );
    let line = p.line_of(STOCK, "AlterField", "operations");
    assert!(
        v["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["operation"]
                .as_str()
                .unwrap_or("")
                .ends_with(&format!("({STOCK}:{line})"))),
        "{v:#}"
    );

    let out = p.pglint(&["--locks", STOCK]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{STOCK}\nlines are those of the SQL that `sqlmigrate warehouse 0002_stock_changes` \
             prints\natomic: every lock is held until COMMIT"
        )) && text.contains(&format!("-- Alter field quantity on stock ({STOCK}:"))
            && text.contains("Summary\n  warehouse_stock  ACCESS EXCLUSIVE"),
        "{text}"
    );

    let out = p.pglint(&["--locks", "--format", "sarif", STOCK]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("pglint django: --locks prints human, markdown or json, not sarif"),
        "stderr: {}",
        stderr(&out)
    );
}

fn findings_name_the_py_file_operation_and_line(p: &Project) {
    let out = p.pglint(&[SKU, STOCK, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let v = json(&out);
    let found = findings(&v);
    assert_eq!(v["summary"]["files"], 2, "{found:#?}");
    // Only the targets are reported, never their context.
    for (path, rule, _) in &found {
        assert!(path == SKU || path == STOCK, "{path} {rule} reported");
    }
    let sku_line = p.line_of(SKU, "migrations.AddField(", "operations");
    assert!(
        has(
            &found,
            SKU,
            "missing-lock-timeout",
            &format!("Add field sku to product ({SKU}:{sku_line})")
        ),
        "{found:#?}"
    );
    // The db_index=True index is Django's deferred SQL, built while ADD COLUMN's ACCESS
    // EXCLUSIVE lock is held (one finding for both): it belongs to the AddField that asked
    // for it, and points at that operation's line.
    assert!(
        has(
            &found,
            SKU,
            "access-exclusive-then-slow",
            &format!("deferred from Add field sku to product ({SKU}:{sku_line})")
        ),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|(p, r, _)| p == SKU && r == "index-not-concurrent"),
        "{found:#?}"
    );
    // AddIndex runs while the lock of the AddField before it is still held: the build is a
    // related location of the type change's finding (the same lock), not a finding of its own.
    assert!(
        !found
            .iter()
            .any(|(p, r, _)| p == STOCK && r == "index-not-concurrent"),
        "{found:#?}"
    );
    let index_line = p.line_of(STOCK, "migrations.AddIndex(", "operations");
    assert!(
        has(
            &found,
            STOCK,
            "runpython-holds-locks",
            &format!(
                "Create index stock_note_idx on field(s) note of model stock ({STOCK}:{index_line})"
            )
        ),
        "{found:#?}"
    );
    let alter_line = p.line_of(STOCK, "migrations.AlterField(", "operations");
    assert!(
        has(
            &found,
            STOCK,
            "column-type-change",
            &format!("Alter field quantity on stock ({STOCK}:{alter_line})")
        ),
        "{found:#?}"
    );
    // GitHub annotations land on the operation's line of the .py file (not the SQL's line).
    let out = p.pglint(&[STOCK, "--format", "github"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let wanted = format!(
        "::warning file={STOCK},line={alter_line},endLine={alter_line},title=pglint(column-type-change)::"
    );
    assert!(
        text.lines().any(|l| l.starts_with(&wanted)),
        "{wanted}\n{text}"
    );
    // And SARIF regions too.
    let out = p.pglint(&[STOCK, "--format", "sarif"]);
    let v = json(&out);
    let result = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "column-type-change")
        .unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"], alter_line,
        "{result:#}"
    );
    // The human report puts the same place on the line under the rule's, and the SQL under
    // it, named as the command that prints it (its lines are the SQL's, not the .py's).
    let out = p.pglint(&[STOCK]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "\n  --> {STOCK}:{index_line}:9 (Create index stock_note_idx on field(s) note of model stock)\n"
        )) && text.contains("╭─[sqlmigrate warehouse 0002_stock_changes:"),
        "human report:\n{text}"
    );
    assert!(
        !text.contains(&format!("[{STOCK}:")),
        "human report:\n{text}"
    );
    // Compact: `path:line:col` of the operation.
    let out = p.pglint(&[STOCK, "--format", "compact"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "{STOCK}:{alter_line}:9: warning[column-type-change]"
        )),
        "{text}"
    );
    // Markdown: the operation's line, and the SQL generated for it in the cell.
    let out = p.pglint(&[STOCK, "--format", "markdown"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("`column-type-change`"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.starts_with(&format!("| {alter_line} |"))
            && row.contains("<br>SQL: `ALTER TABLE \"warehouse_stock\" ALTER COLUMN"),
        "{row}"
    );
    // Its locks section counts the SQL's lines, and says so.
    assert!(
        text.contains(
            "Lines are those of the SQL that `sqlmigrate warehouse 0002_stock_changes` prints."
        ),
        "{text}"
    );
}

fn earlier_migrations_are_context(p: &Project) {
    // warehouse_stock and its integer column come from 0001, replayed as context: the type
    // change is judged against it, and nothing is reported against the context files.
    let out = p.pglint(&[STOCK, "--format", "json", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let v = json(&out);
    let found = findings(&v);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "column-type-change"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("warehouse_stock.quantity from integer to bigint")),
        "{v:#}"
    );
    assert!(
        found.iter().all(|(p, _, _)| p == STOCK),
        "context reported: {found:#?}"
    );
}

fn one_broken_migration_does_not_stop_the_others(p: &Project) {
    let out = p.pglint(&[STOCK, BROKEN, RESERVED, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{BROKEN}: sqlmigrate warehouse 0003_remove_stock_unique_together failed: ValueError: Found wrong number (0) of constraints"
        )),
        "stderr: {err}"
    );
    let v = json(&out);
    let found = findings(&v);
    assert!(
        found.iter().any(|(p, _, _)| p == STOCK),
        "the migration before the broken one is still linted: {found:#?}"
    );
    assert_eq!(v["summary"]["files"], 2, "{found:#?}");
}

/// On a fresh database, 0003's AlterUniqueTogether cannot render (Django looks the constraint
/// up in the database). Linting only what comes after it, 0003 is context: a warning names
/// it, and the run goes on (no exit code 2).
fn context_that_cannot_render_is_a_warning(p: &Project) {
    let out = p.pglint(&[RESERVED, "--format", "json", "--fail-on", "never"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "pglint django: warning: {BROKEN}: cannot render its SQL (sqlmigrate warehouse \
             0003_remove_stock_unique_together failed: ValueError: Found wrong number (0) of \
             constraints"
        )) && err.contains("replayed as nothing"),
        "stderr: {err}"
    );
    assert!(!err.contains("pglint django: error"), "stderr: {err}");
    let v = json(&out);
    let found = findings(&v);
    assert_eq!(v["summary"]["files"], 1, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|(p, r, _)| p == RESERVED && r == "missing-lock-timeout"),
        "{found:#?}"
    );
}

/// `DATABASES['default']['OPTIONS'] = {'options': '-c lock_timeout=5s'}` (or a lock_timeout
/// the database sets for every connection): `missing-lock-timeout` is off, and a note says
/// why. The configuration's own `assume_set` wins; `SHOW lock_timeout` on the connection is
/// the truth (an option of 0 on a database that sets it: reported).
fn a_lock_timeout_the_connection_sets_is_not_reported(
    p: &Project,
    server: &pg::Server,
    work: &Path,
) {
    let lock_findings = |out: &Output| {
        findings(&json(out))
            .into_iter()
            .filter(|(_, r, _)| r == "missing-lock-timeout")
            .count()
    };
    let notes = |out: &Output| -> Vec<String> {
        stderr(out)
            .lines()
            .filter(|l| l.starts_with("pglint django: note:"))
            .map(str::to_string)
            .collect()
    };
    let args = [SKU, "--format", "json"];
    // Not set: reported, and nothing said (the server is the default pg_version's or set).
    let out = p.pglint(&args);
    assert_eq!(lock_findings(&out), 1, "stderr: {}", stderr(&out));
    assert!(
        !stderr(&out).contains("lock_timeout is"),
        "stderr: {}",
        stderr(&out)
    );
    // Set in OPTIONS.
    let out = p.pglint_env(&args, &[("PGLINT_TEST_LOCK_TIMEOUT", "5s")]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert_eq!(lock_findings(&out), 0, "stderr: {}", stderr(&out));
    assert!(
        notes(&out).contains(
            &"pglint django: note: lock_timeout is 5s on the connection to the database \
              `default` (DATABASES['default']['OPTIONS']['options']): missing-lock-timeout is off"
                .to_string()
        ),
        "stderr: {}",
        stderr(&out)
    );
    // The configuration says assume_set: false: it wins, quietly.
    let config = work.join("assume-not-set.pglint.yaml");
    std::fs::write(
        &config,
        "rules:\n  missing-lock-timeout: {severity: info, options: {assume_set: false}}\n",
    )
    .unwrap();
    let out = p.pglint_env(
        &[&args[..], &["--config", config.to_str().unwrap()]].concat(),
        &[("PGLINT_TEST_LOCK_TIMEOUT", "5s")],
    );
    assert_eq!(lock_findings(&out), 1, "stderr: {}", stderr(&out));
    assert!(
        !stderr(&out).contains("lock_timeout is"),
        "stderr: {}",
        stderr(&out)
    );
    // Set by the database for every connection, not by the project.
    let admin = || server.connect("postgres");
    admin()
        .batch_execute("CREATE DATABASE pglint_locked")
        .unwrap();
    admin()
        .batch_execute("ALTER DATABASE pglint_locked SET lock_timeout = '3s'")
        .unwrap();
    let locked = [("PGLINT_DJANGO_PGDATABASE", "pglint_locked")];
    let out = p.pglint_env(&args, &locked);
    assert_eq!(lock_findings(&out), 0, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: lock_timeout is 3s on the connection to the database `default` (the server's"
        ),
        "stderr: {}",
        stderr(&out)
    );
    // Turned off again by the project's OPTIONS: what the connection shows wins.
    let out = p.pglint_env(&args, &[locked[0], ("PGLINT_TEST_LOCK_TIMEOUT", "0")]);
    assert_eq!(lock_findings(&out), 1, "stderr: {}", stderr(&out));
}

fn bad_settings_and_no_database_are_clear_errors(p: &Project) {
    let out = p.pglint(&[STOCK, "--settings", "nosuchproject.settings"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot load the Django settings `nosuchproject.settings`")
            && err.contains("No module named 'nosuchproject'"),
        "stderr: {err}"
    );
    let out = p.pglint_env(&[STOCK], &[("PGLINT_DJANGO_PGPORT", "1")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to the database `default`"),
        "stderr: {err}"
    );
    let out = p.pglint(&["shop/models.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("shop/models.py: not a migration of an installed app"),
        "stderr: {}",
        stderr(&out)
    );
}

/// The project prints a well-formed empty answer (and `{}`) on stdout at import and at exit:
/// the report is still that of the real answer.
fn output_that_looks_like_an_answer_is_not_the_answer(p: &Project) {
    let plain = p.pglint(&[SKU, STOCK, "--format", "json"]);
    let noisy = p.pglint(&[
        SKU,
        STOCK,
        "--format",
        "json",
        "--settings",
        "bridgeproj.settings_noisy",
    ]);
    assert_eq!(noisy.status.code(), Some(1), "stderr: {}", stderr(&noisy));
    let v = json(&noisy);
    assert_eq!(v["summary"]["files"], 2, "{v:#}");
    assert_eq!(v, json(&plain));
}

/// The project's settings patch Django so that the helper leaves STOCK out of its answer:
/// STOCK is named as not linted, the other file is still reported, and the exit code is 2.
fn a_migration_missing_from_the_answer_is_an_error(p: &Project) {
    let forgetful = [
        "--settings",
        "bridgeproj.settings_forgetful",
        "--format",
        "json",
    ];
    let out = p.pglint(&[&[SKU, STOCK][..], &forgetful].concat());
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "pglint django: error: {STOCK}: the Django helper's answer has nothing for this \
             migration: it was not linted"
        )),
        "stderr: {err}"
    );
    let v = json(&out);
    let found = findings(&v);
    assert_eq!(v["summary"]["files"], 1, "{found:#?}");
    assert!(found.iter().all(|(p, _, _)| p == SKU), "{found:#?}");
    // Alone, it is not "no problems in 0 files".
    let out = p.pglint(&[&[STOCK][..], &forgetful].concat());
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
}

/// The settings sleep for a minute: with `--helper-timeout 2` the helper is killed (no such
/// process afterwards) and pglint stops with exit code 2 and the helper's last output.
fn a_hanging_project_is_killed_at_the_timeout(p: &Project) {
    let pid_file = p.dir.join("settings_hangs.pid");
    let started = Instant::now();
    let out = p.pglint_env(
        &[
            STOCK,
            "--settings",
            "bridgeproj.settings_hangs",
            "--helper-timeout",
            "2",
        ],
        &[("PGLINT_TEST_PID_FILE", pid_file.to_str().unwrap())],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let err = stderr(&out);
    assert!(
        err.contains("did not finish within 2 s and was killed (--helper-timeout)")
            && err.contains("settings_hangs: sleeping"),
        "stderr: {err}"
    );
    assert!(
        !err.contains("##[")
            && err
                .split(['\n', '\r'])
                .all(|l| !l.trim_start().starts_with("::")),
        "the project's output reached stderr as a runner command: {err}"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let alive = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -0 {} 2>/dev/null", pid.trim()))
        .status()
        .unwrap();
    assert!(!alive.success(), "the helper ({pid}) is still running");
}

/// The settings call `sys.exit(3)`: the error says so (exit code 2), rather than that the
/// helper gave no answer.
fn a_project_that_exits_while_loading_is_named(p: &Project) {
    let out = p.pglint(&[STOCK, "--settings", "bridgeproj.settings_exits"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the project's code called sys.exit(3) while loading"),
        "stderr: {err}"
    );
}

const LEDGER: [&str; 4] = [
    "ledger/migrations/0001_initial.py",
    "ledger/migrations/0001_squashed_0002_entry_memo.py",
    "ledger/migrations/0002_entry_memo.py",
    "ledger/migrations/0003_entry_posted.py",
];

/// The ledger app has a squash beside the two migrations it replaces, and a migration after
/// them. Django's plan uses the squash when none (or all) of the originals are applied, the
/// originals when only some are: `pglint django` lints what the plan applies, replays the
/// same as context, and names each file it leaves out with the reason (a note, not an error).
fn squashed_migrations_follow_djangos_plan(p: &Project, server: &pg::Server) {
    let [initial, squash, memo, posted] = LEDGER;
    let files_and_notes = |database: &str| {
        let out = p.pglint_env(
            &[&LEDGER[..], &["--format", "json", "--fail-on", "never"]].concat(),
            &[("PGLINT_DJANGO_PGDATABASE", database)],
        );
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        let v = json(&out);
        let mut paths: Vec<String> = findings(&v).into_iter().map(|(p, _, _)| p).collect();
        paths.dedup();
        let notes: Vec<String> = stderr(&out)
            .lines()
            .filter_map(|l| l.strip_prefix("pglint django: note: ").map(str::to_string))
            .collect();
        (v["summary"]["files"].as_u64().unwrap(), paths, notes)
    };
    // A fresh database: the squash, then 0003 on top of it (which depends on 0002 as written).
    let (files, paths, notes) = files_and_notes("pglint_django");
    assert_eq!(files, 2, "{paths:?} {notes:?}");
    assert_eq!(paths, [posted], "{notes:?}");
    let replaced = "Django's plan uses ledger.0001_squashed_0002_entry_memo, which replaces it, \
                    instead (none of them is applied on the database `default`)";
    assert_eq!(
        notes,
        [
            format!("{initial}: not linted: {replaced}"),
            format!("{memo}: not linted: {replaced}"),
        ]
    );
    // 0001 applied, 0002 not: the originals, and no squash.
    server
        .connect("postgres")
        .batch_execute("CREATE DATABASE pglint_partial")
        .unwrap();
    server
        .connect("pglint_partial")
        .batch_execute(
            "CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL, \
             name varchar(255) NOT NULL, applied timestamptz NOT NULL);
             INSERT INTO django_migrations (app, name, applied) VALUES ('ledger', '0001_initial', now());",
        )
        .unwrap();
    let (files, paths, notes) = files_and_notes("pglint_partial");
    assert_eq!(files, 3, "{paths:?} {notes:?}");
    assert_eq!(paths, [memo, posted], "{notes:?}");
    assert_eq!(
        notes,
        [format!(
            "{squash}: not linted: Django's plan uses the migrations it replaces instead (only 1 \
             of those 2 is applied on the database `default`, so the squash cannot be used)"
        )]
    );
}

fn changed_since_selects_changed_migration_files(p: &Project) {
    git(&p.dir, &["init", "-q"]);
    git(&p.dir, &["add", "."]);
    git(&p.dir, &["commit", "-q", "-m", "project"]);
    let path = p.dir.join(STOCK);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}# changed\n")).unwrap();
    std::fs::write(p.dir.join("shop/models.py.bak"), "not a migration").unwrap();
    let out = p.pglint(&["--changed-since", "HEAD", "--format", "json"]);
    let v = json(&out);
    let found = findings(&v);
    assert_eq!(v["summary"]["files"], 1, "{found:#?} {}", stderr(&out));
    assert!(!found.is_empty() && found.iter().all(|(p, _, _)| p == STOCK));
    git(&p.dir, &["commit", "-qam", "changed"]);
    let out = p.pglint(&["--changed-since", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
}

/// `--schema` with a real `pg_dump --schema-only` of the test project after `migrate`: a new
/// migration is judged against the tables, indexes and foreign keys in the dump.
fn a_schema_dump_of_the_migrated_project_seeds_the_catalog(p: &Project, bin: &Path) {
    // shop 0009 is the example of CREATE INDEX CONCURRENTLY in an atomic migration, which
    // PostgreSQL refuses: record it as applied without running it, as the fixture script does.
    for args in [
        &["migrate", "shop", "0008", "--noinput"][..],
        &["migrate", "shop", "0009", "--fake", "--noinput"],
        &["migrate", "--noinput"],
    ] {
        let migrate = Command::new(&p.python)
            .arg("manage.py")
            .args(args)
            .current_dir(&p.dir)
            .env("PGLINT_DJANGO_PGHOST", &p.host)
            .env("PGLINT_DJANGO_PGPORT", p.port.to_string())
            .env("PGLINT_DJANGO_PGDATABASE", "pglint_dump")
            .output()
            .unwrap();
        assert!(
            migrate.status.success(),
            "migrate {args:?}: {}",
            stderr(&migrate)
        );
    }
    let dump = Command::new(bin.join("pg_dump"))
        .args([
            "--schema-only",
            "-h",
            &p.host,
            "-p",
            &p.port.to_string(),
            "-U",
            "postgres",
            "pglint_dump",
        ])
        .output()
        .unwrap();
    assert!(dump.status.success(), "pg_dump: {}", stderr(&dump));
    let dump_path = p.dir.join("schema.sql");
    std::fs::write(&dump_path, &dump.stdout).unwrap();
    // shop_orderitem.product_id has no index of its own (db_index=False in the shop app), and
    // shop_product exists: both facts come only from the dump.
    let migration = p.dir.join("0100_new.sql");
    std::fs::write(
        &migration,
        "CREATE INDEX \"shop_product_name_idx2\" ON \"shop_product\" (\"name\", \"id\");\n\
         ALTER TABLE \"shop_orderitem\" ADD CONSTRAINT \"shop_orderitem_product_fk2\" FOREIGN KEY (\"product_id\") REFERENCES \"shop_product\" (\"id\") NOT VALID;\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "index-locks,foreign-keys,core",
            "--schema",
        ])
        .arg(&dump_path)
        .arg(&migration)
        .output()
        .unwrap();
    let v = json(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["index-not-concurrent", "fk-missing-index"],
        "stderr: {}",
        stderr(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "the dump loads cleanly: {}",
        stderr(&out)
    );
}

/// The README's pre-commit example with `manage.py` in a subfolder: `--python .venv/bin/python`
/// names the venv from where pglint runs, not from the project's folder.
fn a_relative_python_is_found_from_the_current_directory(p: &Project, work: &Path) {
    let venv = Path::new(&p.python).parent().unwrap().parent().unwrap();
    let link = work.join(".venv");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(venv, &link).unwrap();
    let target = format!("project/{SKU}");
    let out = Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(["django", "--python", ".venv/bin/python", "--manage-py"])
        .arg("project/manage.py")
        .args(["--format", "json", &target])
        .current_dir(work)
        .env_remove("DJANGO_SETTINGS_MODULE")
        .env_remove("VIRTUAL_ENV")
        .env("PGLINT_DJANGO_PGHOST", &p.host)
        .env("PGLINT_DJANGO_PGPORT", p.port.to_string())
        .env("PGLINT_DJANGO_PGDATABASE", "pglint_django")
        .output()
        .expect("run pglint");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["summary"]["files"], 1, "{v}");
    let _ = std::fs::remove_file(&link);
}

/// `# pglint: ignore[rule] reason` on the line above an operation in the migration `.py`
/// suppresses that operation's findings, Django's deferred SQL of it included; one that
/// suppresses nothing is reported (issue 15, point 5).
fn py_comments_suppress_the_operation_after_them(p: &Project) {
    let path = p.dir.join(SKU);
    let original = std::fs::read_to_string(&path).unwrap();
    let commented = original.replace(
        "        migrations.AddField(",
        "        # pglint: ignore[access-exclusive-then-slow] shop_product holds 200 rows\n        \
         # pglint: ignore[drop-column] nothing of the kind here\n        migrations.AddField(",
    );
    assert_ne!(commented, original);
    std::fs::write(&path, &commented).unwrap();
    let out = p.pglint(&[SKU, "--format", "json"]);
    std::fs::write(&path, &original).unwrap();
    let v = json(&out);
    let found = findings(&v);
    // The deferred index under the ADD COLUMN lock was the finding; it is silenced.
    assert!(
        !found
            .iter()
            .any(|(_, r, _)| r == "access-exclusive-then-slow"),
        "{found:#?}"
    );
    let line = p.line_of(SKU, "migrations.AddField(", "operations");
    let unused: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unused-suppression")
        .collect();
    assert_eq!(unused.len(), 1, "{found:#?}");
    assert!(
        unused[0]["message"]
            .as_str()
            .unwrap()
            .contains("no `drop-column` finding in the operation after it"),
        "{unused:#?}"
    );
    // It points at the operation in the .py (line of the AddField in the original file, one
    // comment line above which the test inserted two: reported at the operation's own line).
    assert_eq!(
        unused[0]["migration"],
        serde_json::json!({"path": SKU, "line": line + 2, "column": 9,
                           "operation": "Add field sku to product"}),
        "{unused:#?}"
    );
}

/// `pglint django` with no file: every migration of the project's own apps (shop, warehouse,
/// ledger: not Django's contrib apps under site-packages), in plan order; `--app` narrows it
/// (issue 15, point 4).
fn no_file_lints_the_projects_own_apps(p: &Project) {
    let out = p.pglint(&["--format", "json"]);
    let v = json(&out);
    let files = v["summary"]["files"].as_u64().unwrap();
    let found = findings(&v);
    assert!(files >= 15, "{files} files: {}", stderr(&out));
    for (path, _, _) in &found {
        assert!(
            ["shop/", "warehouse/", "ledger/"]
                .iter()
                .any(|app| path.starts_with(app)),
            "{path}: not one of the project's own apps"
        );
    }
    assert!(found.iter().any(|(path, _, _)| path == SKU), "{found:#?}");

    let out = p.pglint(&["--app", "shop", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let v = json(&out);
    let shop_migrations = std::fs::read_dir(p.dir.join("shop/migrations"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".py") && name != "__init__.py"
        })
        .count();
    assert_eq!(v["summary"]["files"], shop_migrations as u64, "{v}");
    assert!(
        findings(&v)
            .iter()
            .all(|(path, _, _)| path.starts_with("shop/migrations/"))
    );

    let out = p.pglint(&["--app", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no installed app with the label `nosuch`"),
        "{}",
        stderr(&out)
    );
    let out = p.pglint(&["--app", "shop", SKU]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--app selects among the project's own apps"));
}
