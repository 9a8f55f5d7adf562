//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "pglint",
    version,
    about = "Lint PostgreSQL schema migrations (Django sqlmigrate output) for locks, rewrites and schema smells",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint SQL files, directories (every *.sql, in natural order) or "-" for stdin
    Check(CheckArgs),
    /// List every rule: id, family, default severity, summary
    Rules,
    /// Print one rule's documentation
    Explain {
        /// Rule id (or alias)
        rule: String,
    },
    /// Write a starter .pglint.yaml in the current directory
    Init,
    /// Advisor view: per statement, the locks taken, what they block, rewrites, scans and
    /// until which line each lock is held; a summary per migration
    Locks(LocksArgs),
    /// Lint Django migration files (*.py): one Python process in the project gives each
    /// one's `sqlmigrate` SQL, with the earlier migrations of its plan as context
    Django(DjangoArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct DjangoArgs {
    /// Migration files (`app/migrations/0042_x.py`); with --changed-since, only those of them
    /// that changed (none given: every changed migration file of the repository); with
    /// neither, every migration of the project's own apps (not those under site-packages)
    pub files: Vec<PathBuf>,
    /// The project's manage.py: Python runs in its directory, and it supplies the settings
    /// module when neither --settings nor DJANGO_SETTINGS_MODULE does (default: the nearest
    /// manage.py upward from the current directory, then from the first migration file)
    #[arg(long, value_name = "PATH")]
    pub manage_py: Option<PathBuf>,
    /// Django settings module (default: DJANGO_SETTINGS_MODULE, else what manage.py sets)
    #[arg(long, value_name = "MODULE")]
    pub settings: Option<String>,
    /// The project's Python (default: $VIRTUAL_ENV/bin/python, else python3)
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Database alias whose connection sqlmigrate uses
    #[arg(long, value_name = "ALIAS", default_value = "default")]
    pub database: String,
    /// Lint the migration files changed since git REF (committed, staged, unstaged or
    /// untracked)
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// With no files and no --changed-since: only the migrations of these apps (labels,
    /// comma-separated or repeated) among the project's own
    #[arg(long = "app", value_name = "LABEL", value_delimiter = ',')]
    pub apps: Vec<String>,
    /// Needs no migrated database: make an empty throwaway database on the configured server
    /// (Django's test database name plus `_pglint`), render each migration of the plan and then
    /// apply it there (data migrations included), and drop it at the end; a migration that
    /// looks names up in the database renders against exactly the schema it will run on
    #[arg(long)]
    pub fresh_database: bool,
    /// Print what each migration locks and for how long, as `pglint locks` does for SQL files
    /// (`--format` human, markdown or json), instead of the findings
    #[arg(long)]
    pub locks: bool,
    /// Seconds the Django helper may take (importing the project, then sqlmigrate of every
    /// migration of the files' plans) before it is killed, with exit code 2
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub helper_timeout: u64,
    /// Configuration file: .pglint.yaml, or pyproject.toml's [tool.pglint] (default: the nearest
    /// .pglint.yaml, or pyproject.toml with a [tool.pglint] table, upward)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Only these rules (ids or family names, comma-separated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (ids or family names, comma-separated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Target PostgreSQL major version (12 to 18; default: the config's `pg_version`, else the
    /// database server's)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
}

#[derive(Debug, Args, Default, Clone)]
pub struct LocksArgs {
    /// Files, directories or "-" (stdin)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Name to report for stdin input
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Files or directories replayed into the schema first, not reported (repeat or comma-separate)
    #[arg(long, value_name = "PATHS", value_delimiter = ',')]
    pub context: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = LocksFormat::Human)]
    pub format: LocksFormat,
    /// Target PostgreSQL major version (12 to 18; default: the config's `pg_version`, else 15)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
    /// Configuration file, read for `pg_version` only (default: as for `check`)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Output formats of `pglint locks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LocksFormat {
    /// An aligned text table per file and a summary
    #[default]
    Human,
    /// Headings, tables, summary and a Mermaid diagram per file (PR comments, step summaries)
    Markdown,
    /// `{"version": 1, "statements": [...], "migrations": [...]}`
    Json,
}

#[derive(Debug, Args, Default, Clone)]
pub struct CheckArgs {
    /// Files, directories or "-" (stdin)
    pub paths: Vec<PathBuf>,
    /// Name to report for stdin input
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Files or directories replayed into the schema first, not reported (repeat or comma-separate)
    #[arg(long, value_name = "PATHS", value_delimiter = ',')]
    pub context: Vec<PathBuf>,
    /// `pg_dump --schema-only` output that seeds the schema before anything else (repeatable)
    #[arg(long, value_name = "DUMP.sql")]
    pub schema: Vec<PathBuf>,
    /// Report only the given files changed since git REF (committed, staged, unstaged or
    /// untracked); the other given files are replayed as context
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Configuration file: .pglint.yaml, or pyproject.toml's [tool.pglint] (default: the nearest
    /// .pglint.yaml, or pyproject.toml with a [tool.pglint] table, upward)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Only these rules (ids or family names, comma-separated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (ids or family names, comma-separated)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Target PostgreSQL major version (12 to 18)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Grouped by file, with the SQL under each finding
    #[default]
    Human,
    /// `path:line:col: severity[rule-id] message`, one per line
    Compact,
    /// `{"version": 1, "findings": [...], "summary": {...}}`
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request diff
    Github,
    /// Counts, a table per file and the locks summary (PR comments, step summaries)
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}
