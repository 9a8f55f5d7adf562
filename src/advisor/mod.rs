//! `pglint locks`: the advisor view of a migration. For each statement, in order, the locks it
//! takes (read from [`crate::locks::effects`], the one knowledge base), what they block,
//! rewrites and scans, and until which line each lock is held; then a summary per migration.
//!
//! `timeline` computes; `human`, `markdown` (with `mermaid`) and `json` only render.

pub mod human;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod timeline;

use std::io::Write;

use crate::cli::{LocksArgs, LocksFormat};
use crate::lint::{EXIT_CLEAN, EXIT_ERROR};
use crate::parse::{self, Migration};
use crate::schema::{Catalog, FileId};
use crate::source::{self, SourceFile};

pub use self::timeline::FileLocks;

/// Width of the shortened statement in the human and markdown tables.
pub const SQL_WIDTH: usize = 80;

pub fn run(args: &LocksArgs) -> u8 {
    let pg_version = match pg_version(args) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("<stdin>");
    let to_inputs = |paths: &[std::path::PathBuf]| source::inputs(paths, stdin_name);
    let context = source::expand(&to_inputs(&args.context));
    let targets = source::expand(&to_inputs(&args.paths));
    // A target is never also context, and context after it in its folder comes after it.
    let (inputs, reported): (Vec<_>, Vec<bool>) =
        crate::context_order::interleave(context, targets)
            .into_iter()
            .unzip();
    let (migrations, errors) = crate::lint::load_and_parse(inputs.into_iter());
    let files = analyze(
        migrations
            .into_iter()
            .map(|(position, m)| (m, reported[position])),
        pg_version,
    );
    if let Err(e) = write_stdout(args.format, &files) {
        eprintln!("pglint: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    crate::report::human::eprint_diagnostics(errors.iter().map(|e| e as &dyn miette::Diagnostic));
    if errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}

/// Writes the report of `files` in `format` to stdout (`pglint locks`, `pglint django --locks`).
pub fn write_stdout(format: LocksFormat, files: &[FileLocks]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        LocksFormat::Human => {
            human::render(files, crate::report::human::Styling::for_stdout(), &mut out)
        }
        LocksFormat::Markdown => markdown::render(files, &mut out),
        LocksFormat::Json => json::render(files, &mut out),
    }?;
    out.flush()
}

/// `--pg-version`, else the configuration's `pg_version`, else the default.
fn pg_version(args: &LocksArgs) -> Result<u32, u8> {
    if let Some(v) = args.pg_version {
        return Ok(v);
    }
    match crate::config::load(args.config.as_deref()) {
        Ok(config) => Ok(config
            .pg_version
            .unwrap_or(crate::rules::DEFAULT_PG_VERSION)),
        Err(e) => {
            crate::report::human::eprint_diagnostics([&e as &dyn miette::Diagnostic]);
            Err(EXIT_ERROR)
        }
    }
}

/// Replays parsed migrations into one catalog, in order, and builds the timeline of those
/// marked for reporting (the others are context).
pub fn analyze(
    migrations: impl IntoIterator<Item = (Migration, bool)>,
    pg_version: u32,
) -> Vec<FileLocks> {
    let mut catalog = Catalog::default();
    let mut out = Vec::new();
    for (index, (migration, report)) in migrations.into_iter().enumerate() {
        let file = FileId(index);
        if report {
            out.push(timeline::analyze(
                &migration,
                file,
                &mut catalog,
                pg_version,
            ));
        } else {
            timeline::replay(&migration, file, &mut catalog);
        }
    }
    out
}

/// Analyzes SQL texts as consecutive migration files, all reported (for tests and embedding).
pub fn analyze_texts(texts: &[(&str, &str)], pg_version: u32) -> Vec<FileLocks> {
    analyze(
        texts
            .iter()
            .map(|(name, text)| (parse::parse_file(SourceFile::new(*name, *text)), true)),
        pg_version,
    )
}

/// What ordinary traffic a lock mode blocks, in words.
pub fn blocks_phrase(mode: crate::locks::LockMode) -> &'static str {
    match (mode.blocks_reads(), mode.blocks_writes()) {
        (true, _) => "blocks reads and writes",
        (false, true) => "blocks writes",
        (false, false) => "blocks neither reads nor writes",
    }
}

/// `lines 5-8`, or `line 5` when a stretch starts and ends on one line; `sep` joins the two.
pub fn line_range(from: usize, until: usize, sep: &str) -> String {
    if from == until {
        format!("line {from}")
    } else {
        format!("lines {from}{sep}{until}")
    }
}

/// `1 statement`, `3 statements`.
pub fn statements_phrase(n: usize) -> String {
    if n == 1 {
        "1 statement".to_string()
    } else {
        format!("{n} statements")
    }
}

/// `line 6`, `lines 6, 7`.
pub fn lines_phrase(lines: &[usize]) -> String {
    let list = lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() == 1 {
        format!("line {list}")
    } else {
        format!("lines {list}")
    }
}

#[cfg(test)]
mod tests;
