//! The embedded Python helper ([`HELPER`], `helper.py`) and its JSON protocol: one request on
//! its stdin, one answer on its stdout.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

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
}

#[derive(Debug, Deserialize)]
pub struct Answer {
    /// Why nothing (or nothing more) could be done: settings, database, Django missing.
    pub error: Option<String>,
    #[allow(dead_code)]
    pub django: Option<String>,
    #[serde(default)]
    pub unresolved: Vec<Unresolved>,
    /// Every migration of the targets' plans, in order; the targets are marked.
    #[serde(default)]
    pub migrations: Vec<MigrationSql>,
}

#[derive(Debug, Deserialize)]
pub struct Unresolved {
    pub path: String,
    pub error: String,
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
    #[serde(default)]
    pub operations: Vec<OperationLine>,
}

#[derive(Debug, Deserialize)]
pub struct OperationLine {
    pub describe: String,
    /// 1-based line of the operation in the `.py` file, when the `operations` list is literal.
    pub line: Option<usize>,
}

/// Runs the helper with `python` in `dir`.
pub fn run(python: &Path, dir: &Path, request: &Request) -> Result<Answer, String> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(HELPER)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run {}: {e} (pass the project's Python with --python)",
                python.display()
            )
        })?;
    let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        // The helper reads the whole request before printing anything.
        let _ = stdin.write_all(&body);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(serde_json::from_str::<Answer>)
    {
        Some(Ok(answer)) => Ok(answer),
        _ => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Err(format!(
                "the Django helper run by {} in {} gave no answer ({}):\n{}",
                python.display(),
                dir.display(),
                out.status,
                tail.join("\n")
            ))
        }
    }
}
