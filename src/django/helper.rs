//! The embedded Python helper ([`HELPER`], `helper.py`) and its JSON protocol: one request on
//! its stdin, one answer on a pipe of pglint's own (see `process`; never its stdout, which the
//! project's code shares).

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The helper's source, run as `python -c HELPER` in the project's directory.
pub const HELPER: &str = include_str!("helper.py");

#[derive(Debug, Serialize)]
pub struct Request {
    pub settings: Option<String>,
    pub manage_py: Option<String>,
    pub database: String,
    /// Absolute paths of the migration files to lint.
    pub targets: Vec<String>,
    /// Lint every migration of the project's own apps instead (no files given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_apps: Option<ProjectApps>,
    /// Render and apply the plan on a throwaway database made for the run (`--fresh-database`).
    pub fresh_database: bool,
}

/// The project's own apps: installed apps whose folder is under `root` (not under a
/// `site-packages`), all of them or those labelled in `apps`.
#[derive(Debug, Serialize)]
pub struct ProjectApps {
    pub root: String,
    pub apps: Vec<String>,
}

/// Every list is required: `{}` is not an answer.
#[derive(Debug, Deserialize)]
pub struct Answer {
    /// Why nothing (or nothing more) could be done: settings, database, Django missing.
    pub error: Option<String>,
    #[allow(dead_code)]
    pub django: Option<String>,
    /// What the database connection already sets; `None` when the helper stopped before
    /// connecting.
    pub connection: Option<Connection>,
    /// The throwaway database the plan was rendered and applied on (`--fresh-database`),
    /// dropped before the answer was written.
    #[serde(default)]
    pub fresh_database: Option<String>,
    /// What went wrong without stopping the run: a migration that could not be applied to
    /// the throwaway database, which could not be dropped.
    #[serde(default)]
    pub warnings: Vec<String>,
    pub unresolved: Vec<Unresolved>,
    /// Targets that Django's plan does not apply (a migration replaced by the squash the plan
    /// uses, or a squash the plan does not use): answered, not linted.
    pub skipped: Vec<Skipped>,
    /// Every migration of the targets' plans, in order; the targets are marked.
    pub migrations: Vec<MigrationSql>,
}

/// Facts of the `--database` connection, the one `migrate` uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Connection {
    /// The database alias (`default`).
    pub alias: String,
    /// The server's major version (`connection.pg_version // 10000`).
    pub server_version: Option<u32>,
    /// `SHOW lock_timeout` on the connection when it is not 0 (off): `5s`.
    pub lock_timeout: Option<String>,
    /// What sets it: `DATABASES['default']['OPTIONS']['options']`, or the server's settings.
    pub lock_timeout_from: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Unresolved {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Deserialize)]
pub struct Skipped {
    pub path: String,
    /// Why the plan leaves it out, in Django's terms.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct MigrationSql {
    pub app: String,
    pub name: String,
    /// The migration module's file (real path).
    pub path: Option<String>,
    /// A name for reports when the migration is not a target: `app/migrations/0001_x.py`
    /// spelled from its module.
    pub display: String,
    pub target: bool,
    /// What `sqlmigrate APP NAME` prints, or `None` when it failed (see `error`).
    pub sql: Option<String>,
    pub error: Option<String>,
    /// 1-based line and column of the `class Migration` statement in the `.py` file.
    #[serde(default)]
    pub line: Option<usize>,
    #[serde(default)]
    pub column: Option<usize>,
    pub operations: Vec<OperationLine>,
}

#[derive(Debug, Deserialize)]
pub struct OperationLine {
    pub describe: String,
    /// 1-based line of the operation in the `.py` file, when the `operations` list is literal.
    pub line: Option<usize>,
    /// 1-based character column of the operation on that line.
    #[serde(default)]
    pub column: Option<usize>,
}

/// Runs the helper with `python` in `dir`, killed after `timeout`.
#[cfg(unix)]
pub fn run(
    python: &Path,
    dir: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<Answer, String> {
    let mut cmd = std::process::Command::new(python);
    cmd.arg("-c")
        .arg(HELPER)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1");
    let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    let ran = super::process::run(cmd, body, timeout).map_err(|e| {
        format!(
            "cannot run {}: {e} (pass the project's Python with --python)",
            python.display()
        )
    })?;
    let helper = format!(
        "the Django helper run by {} in {}",
        python.display(),
        dir.display()
    );
    let tail = last_lines(&ran.output, 20);
    let Some(status) = ran.status else {
        return Err(format!(
            "{helper} did not finish within {} s and was killed (--helper-timeout); its last \
             output:\n{tail}",
            timeout.as_secs()
        ));
    };
    match ran.answer.as_deref() {
        None | Some([]) => Err(format!("{helper} gave no answer ({status}):\n{tail}")),
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| format!("{helper} gave a malformed answer ({e}; {status}):\n{tail}")),
    }
}

/// Elsewhere there is no fd 3 to hand the helper (see `process`).
#[cfg(not(unix))]
pub fn run(_: &Path, _: &Path, _: &Request, _: Duration) -> Result<Answer, String> {
    Err("pglint django needs a Unix system (its helper answers on a pipe passed as fd 3)".into())
}

/// The last `n` lines of `bytes`, as text.
#[cfg(unix)]
fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.lines().rev().take(n).collect();
    lines.reverse();
    lines.join("\n")
}
