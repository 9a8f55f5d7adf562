//! `pglint django`: lint Django migration files (`app/migrations/0042_x.py`) through the SQL
//! that `sqlmigrate` prints for them.
//!
//! One Python process runs in the user's project ([`HELPER`], embedded): it loads Django,
//! resolves each file to `(app_label, migration_name)`, and answers with the SQL of each target
//! and of every earlier migration of its plan, plus the line of each operation in the target's
//! `.py` file. The earlier migrations are replayed as context; the targets are linted and
//! reported under their `.py` names, each finding's operation followed by `(file.py:LINE)`.
//! Django's errors (settings, database, one migration's sqlmigrate) name the migration, the
//! rest is still linted, and the exit code is 2; an earlier (context) migration whose SQL
//! cannot be rendered is only a warning: it is replayed as nothing. What the connection already
//! sets (`lock_timeout`, the server's version) is taken into the rule settings ([`connection`]).

mod answer;
mod connection;
mod helper;
#[cfg(unix)]
mod process;
mod py_comments;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;

use crate::cli::{DjangoArgs, FailOn, Format, LocksFormat};
use crate::config;
use crate::finding::Summary;
use crate::lint::{EXIT_ERROR, Outcome};
use crate::parse;
use crate::report::inert;
use crate::rules::Engine;
use crate::source::{self, SourceFile};
use crate::span::LineCol;

pub use helper::{Answer, HELPER, MigrationSql, Request};

/// A migration file to lint: the name shown in reports and its canonical path.
#[derive(Debug, Clone)]
struct Target {
    shown: String,
    canonical: PathBuf,
}

pub fn run(args: &DjangoArgs) -> u8 {
    let config = match config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return report_error(e),
    };
    crate::report::human::eprint_diagnostics(
        config.warnings.iter().map(|w| w as &dyn miette::Diagnostic),
    );
    let mut settings = match config.settings(&args.select, &args.ignore, args.pg_version) {
        Ok(s) => s,
        Err(e) => return report_error(e),
    };
    let locks_format = match locks_format(args) {
        Ok(f) => f,
        Err(e) => {
            inert::eprint_message(&format!("pglint django: {e}"));
            return EXIT_ERROR;
        }
    };
    let mut errors: Vec<String> = Vec::new();
    let targets = match targets(args, &mut errors) {
        Ok(t) => t,
        Err(e) => {
            inert::eprint_message(&format!("pglint django: {e}"));
            return EXIT_ERROR;
        }
    };
    // No file and no --changed-since: the project's own apps.
    let whole_project = args.files.is_empty() && args.changed_since.is_none();
    if !whole_project && !args.apps.is_empty() {
        inert::eprint_message(
            "pglint django: --app selects among the project's own apps, with no files and no \
             --changed-since",
        );
        return EXIT_ERROR;
    }
    let mut migrations = Vec::new();
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    if !targets.is_empty() || whole_project {
        match ask_django(args, &targets, whole_project) {
            Ok(mut answer) => {
                if let Some(db) = &answer.fresh_database {
                    notes.push(format!(
                        "rendered on the throwaway database `{db}`, each migration applied \
                         after its SQL was collected; dropped at the end"
                    ));
                }
                warnings.append(&mut answer.warnings);
                if let Some(c) = &answer.connection {
                    notes.extend(connection::apply(
                        &mut settings,
                        &config,
                        args.pg_version,
                        c,
                    ));
                }
                let gaps = if whole_project {
                    Vec::new()
                } else {
                    answer::gaps(&answer, &targets)
                };
                migrations =
                    to_migrations(answer, &targets, &mut errors, &mut warnings, &mut notes);
                errors.extend(gaps);
            }
            Err(e) => errors.push(e),
        }
    }
    if let Some(format) = locks_format {
        // The advisor's view of the same migrations, the earlier ones replayed as context.
        let files = crate::advisor::analyze(migrations, settings.pg_version);
        if let Err(e) = crate::advisor::write_stdout(format, &files) {
            eprintln!("pglint django: cannot write the report: {e}");
            return EXIT_ERROR;
        }
        eprint_messages(&notes, &warnings, &errors);
        return if errors.is_empty() {
            crate::lint::EXIT_CLEAN
        } else {
            EXIT_ERROR
        };
    }
    // After the answer: the connection may have set lock_timeout and the server's version.
    let engine = Engine::new(settings);
    let want_locks = args.format == Format::Markdown;
    let pg_version = engine.settings().pg_version;
    let (findings, files, locks) = crate::lint::lint_migrations_with_locks(
        &engine,
        &config,
        migrations,
        want_locks.then_some(pg_version),
    );
    let outcome = Outcome {
        findings,
        errors: Vec::new(),
        files,
        locks,
    };
    let summary = Summary::count(outcome.files, &outcome.findings);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = crate::report::render_report(
        args.format,
        &outcome.findings,
        &summary,
        &outcome.locks,
        &mut out,
    ) {
        eprintln!("pglint django: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    let _ = out.flush();
    eprint_messages(&notes, &warnings, &errors);
    if !errors.is_empty() {
        return EXIT_ERROR;
    }
    crate::lint::exit_code(
        false,
        &summary,
        args.fail_on.or(config.fail_on).unwrap_or(FailOn::Warning),
    )
}

/// Django's words, and the migrations' names, made inert.
fn eprint_messages(notes: &[String], warnings: &[String], errors: &[String]) {
    for n in notes {
        inert::eprint_message(&format!("pglint django: note: {n}"));
    }
    for w in warnings {
        inert::eprint_message(&format!("pglint django: warning: {w}"));
    }
    for e in errors {
        inert::eprint_message(&format!("pglint django: error: {e}"));
    }
}

/// With `--locks`, the `pglint locks` format `--format` names (it has no compact, sarif or
/// github output); `None` without.
fn locks_format(args: &DjangoArgs) -> Result<Option<LocksFormat>, String> {
    if !args.locks {
        return Ok(None);
    }
    match args.format {
        Format::Human => Ok(Some(LocksFormat::Human)),
        Format::Markdown => Ok(Some(LocksFormat::Markdown)),
        Format::Json => Ok(Some(LocksFormat::Json)),
        other => Err(format!(
            "--locks prints human, markdown or json, not {}",
            other
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string())
        )),
    }
}

fn report_error(e: impl miette::Diagnostic + Send + Sync + 'static) -> u8 {
    crate::report::human::eprint_diagnostics([&e as &dyn miette::Diagnostic]);
    EXIT_ERROR
}

/// `app/migrations/*.py`, not `__init__.py`.
pub fn is_migration_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
        && path.file_name().is_some_and(|n| n != "__init__.py")
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "migrations")
}

/// The files to lint: the given ones, or (with `--changed-since`) the changed ones among them
/// or among all migration files. Missing files become errors; git failing is fatal.
fn targets(args: &DjangoArgs, errors: &mut Vec<String>) -> Result<Vec<Target>, String> {
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut keep =
        |shown: String, path: &Path, out: &mut Vec<Target>| match std::fs::canonicalize(path) {
            Ok(canonical) => {
                if !out.iter().any(|t: &Target| t.canonical == canonical) {
                    out.push(Target { shown, canonical });
                }
            }
            Err(_) => errors.push(format!("{shown}: no such file")),
        };
    match &args.changed_since {
        None => {
            // None given: the project's own apps, which Django knows (see `run`).
            for f in &args.files {
                keep(f.display().to_string(), f, &mut out);
            }
        }
        Some(reference) => {
            let changed = source::changed_since(reference, Path::new("."))?;
            if args.files.is_empty() {
                let mut found: Vec<&Path> =
                    changed.iter().filter(|p| is_migration_file(p)).collect();
                found.sort_by(|a, b| {
                    source::natural_cmp(&a.to_string_lossy(), &b.to_string_lossy())
                });
                for p in found {
                    let shown = p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
                    keep(shown, p, &mut out);
                }
            } else {
                for f in args.files.iter().filter(|f| changed.contains(f)) {
                    keep(f.display().to_string(), f, &mut out);
                }
            }
        }
    }
    Ok(out)
}

/// The nearest `manage.py` at or above `dir`.
fn find_manage_py(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("manage.py"))
        .find(|p| p.is_file())
}

fn python(args: &DjangoArgs) -> PathBuf {
    if let Some(p) = &args.python {
        // A path like `.venv/bin/python` is the user's, from where they run pglint; the
        // helper runs in the project's folder, where it would name another file. A bare name
        // (`python3`) is looked up on the PATH.
        if p.is_relative() && p.components().count() > 1 {
            return std::env::current_dir()
                .map(|cwd| cwd.join(p))
                .unwrap_or_else(|_| p.clone());
        }
        return p.clone();
    }
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        let p = Path::new(&venv).join("bin").join("python");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("python3")
}

/// Runs the helper once for all targets (or, `whole_project`, the project's own apps).
fn ask_django(
    args: &DjangoArgs,
    targets: &[Target],
    whole_project: bool,
) -> Result<Answer, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let manage_py = match &args.manage_py {
        Some(p) => {
            if !p.is_file() {
                return Err(format!("--manage-py {}: no such file", p.display()));
            }
            Some(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        }
        None => find_manage_py(&cwd).or_else(|| {
            targets
                .first()
                .and_then(|t| t.canonical.parent())
                .and_then(find_manage_py)
        }),
    };
    let project_dir = manage_py
        .as_deref()
        .and_then(Path::parent)
        .map_or(cwd, Path::to_path_buf);
    let request = Request {
        settings: args.settings.clone(),
        manage_py: manage_py.map(|p| p.display().to_string()),
        database: args.database.clone(),
        targets: targets
            .iter()
            .map(|t| t.canonical.display().to_string())
            .collect(),
        project_apps: whole_project.then(|| helper::ProjectApps {
            root: project_dir.display().to_string(),
            apps: args.apps.clone(),
        }),
        fresh_database: args.fresh_database,
    };
    helper::run(
        &python(args),
        &project_dir,
        &request,
        Duration::from_secs(args.helper_timeout),
    )
}

/// Parses the answer's SQL into migrations (targets reported, the rest context), with each
/// operation's `.py` line appended to its description; collects Django's errors, a warning for
/// each context migration whose SQL cannot be rendered (replayed as nothing), and a note for
/// each target that Django's plan does not apply (not linted, not an error).
fn to_migrations(
    answer: Answer,
    targets: &[Target],
    errors: &mut Vec<String>,
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Vec<(parse::Migration, bool)> {
    if let Some(e) = answer.error {
        errors.push(e);
    }
    let shown_for =
        |path: &str| answer::target_index(targets, path).map(|i| targets[i].shown.clone());
    for u in answer.unresolved {
        let shown = shown_for(&u.path).unwrap_or(u.path);
        errors.push(format!("{shown}: {}", u.error));
    }
    for s in answer.skipped {
        let shown = shown_for(&s.path).unwrap_or(s.path);
        notes.push(format!("{shown}: not linted: {}", s.reason));
    }
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    // A target found by Django (whole-project mode) is named from the current directory.
    let relative = |path: &str| {
        Path::new(path)
            .strip_prefix(&cwd)
            .ok()
            .map(|p| p.display().to_string())
    };
    let mut out = Vec::new();
    for m in answer.migrations {
        let shown = m
            .path
            .as_deref()
            .filter(|_| m.target)
            .and_then(|p| shown_for(p).or_else(|| relative(p)))
            .unwrap_or_else(|| m.display.clone());
        let Some(sql) = m.sql.as_ref() else {
            let why = m.error.as_deref().unwrap_or("no SQL");
            if m.target {
                errors.push(format!("{shown}: {why}"));
            } else {
                // Context only: say what the schema then lacks, and lint the rest (on a fresh
                // database, a third-party migration that looks a constraint up cannot render).
                warnings.push(format!(
                    "{shown}: cannot render its SQL ({why}): replayed as nothing, so the \
                     findings after it may miss what it changes"
                ));
            }
            continue;
        };
        let mut migration = parse::parse_file(SourceFile::new(shown, sql.as_str()));
        attach_places(&mut migration, &m);
        if m.target {
            migration.py_comments = py_suppressions(&m);
        }
        out.push((migration, m.target));
    }
    out
}

/// The `# pglint:` comments of a target's `.py` file (none when it cannot be read: Django
/// just did, so that is a race not worth an error).
fn py_suppressions(m: &MigrationSql) -> Vec<parse::PyComment> {
    let Some(text) = m
        .path
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
    else {
        return Vec::new();
    };
    let lines: Vec<usize> = m.operations.iter().filter_map(|o| o.line).collect();
    py_comments::read(&text, &lines)
}

/// Maps the SQL back to the `.py` file: each operation header gets its operation's place
/// there, and the file says where each part of the SQL comes from ([`source::Generated`]), so
/// that every report points into the `.py`. The k-th header sqlmigrate prints is the k-th
/// operation of the migration; when the headers found in the SQL do not line up one to one,
/// they are matched by their text, in order.
fn attach_places(migration: &mut parse::Migration, m: &MigrationSql) {
    let headers = &mut migration.operations;
    let ops = &m.operations;
    let pairs: Vec<(usize, usize)> = if headers.len() == ops.len() {
        (0..ops.len()).map(|i| (i, i)).collect()
    } else {
        let mut pairs = Vec::new();
        let mut next = 0;
        for (h, header) in headers.iter().enumerate() {
            if let Some(k) = (next..ops.len()).find(|&k| *ops[k].describe == *header.describe) {
                pairs.push((h, k));
                next = k + 1;
            }
        }
        pairs
    };
    let place = |line: Option<usize>, column: Option<usize>| {
        line.map(|line| LineCol {
            line,
            column: column.unwrap_or(1),
        })
    };
    for (h, k) in pairs {
        headers[h].source_at = place(ops[k].line, ops[k].column);
    }
    let generated = source::Generated {
        sql_name: format!("sqlmigrate {} {}", m.app, m.name),
        migration_at: place(m.line, m.column),
        operations: headers
            .iter()
            .filter_map(|h| Some((h.span.start, h.source_at?)))
            .collect(),
    };
    // Just parsed: nothing else holds the file yet.
    if let Some(file) = std::sync::Arc::get_mut(&mut migration.file) {
        file.generated = Some(Box::new(generated));
    }
}

#[cfg(test)]
mod tests;
