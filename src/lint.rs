//! The `check` pipeline and the other subcommands, wired together; `main` maps the result to
//! an exit code.

use std::io::Write;
use std::sync::Arc;

use crate::advisor::FileLocks;
use crate::cli::{CheckArgs, Cli, Command, FailOn, Format};
use crate::config::{self, Config};
use crate::finding::{Finding, Severity, Summary};
use crate::parse::{self, Migration};
use crate::rules::{Engine, docs, registry};
use crate::schema::{Catalog, FileId};
use crate::source::{self, Input, InputError, SourceFile};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        None => check(&cli.check),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Rules) => {
            print!("{}", docs::rules_listing());
            EXIT_CLEAN
        }
        Some(Command::Explain { rule }) => match registry::find(&rule) {
            Some(r) => {
                print!("{}", docs::rule_markdown(r));
                EXIT_CLEAN
            }
            None => {
                eprintln!("pglint: unknown rule `{rule}` (see `pglint rules`)");
                EXIT_ERROR
            }
        },
        Some(Command::Init) => init(),
        Some(Command::Locks(args)) => crate::advisor::run(&args),
        Some(Command::Django(args)) => crate::django::run(&args),
    }
}

fn init() -> u8 {
    let path = std::path::Path::new(".pglint.yaml");
    if path.exists() {
        eprintln!("pglint: .pglint.yaml already exists; not overwriting it");
        return EXIT_ERROR;
    }
    match std::fs::write(path, config::STARTER) {
        Ok(()) => {
            println!("wrote .pglint.yaml");
            EXIT_CLEAN
        }
        Err(e) => {
            eprintln!("pglint: cannot write .pglint.yaml: {e}");
            EXIT_ERROR
        }
    }
}

/// The outcome of linting, before rendering.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub files: usize,
    /// The advisor's view of each reported file, computed only for formats that show it.
    pub locks: Vec<FileLocks>,
}

fn check(args: &CheckArgs) -> u8 {
    if args.paths.is_empty() {
        eprintln!("pglint: no input; pass files, directories or - for stdin (see --help)");
        return EXIT_ERROR;
    }
    let config = match config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return report_error(e),
    };
    for w in &config.warnings {
        eprintln!("{:?}", miette::Report::new(w.clone()));
    }
    let settings = match config.settings(&args.select, &args.ignore, args.pg_version) {
        Ok(s) => s,
        Err(e) => return report_error(e),
    };
    let engine = Engine::new(settings);
    let outcome = match lint_paths(&engine, &config, args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pglint: {e}");
            return EXIT_ERROR;
        }
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
        eprintln!("pglint: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    let _ = out.flush();
    crate::report::human::eprint_diagnostics(
        outcome.errors.iter().map(|e| e as &dyn miette::Diagnostic),
    );
    exit_code(
        &outcome,
        args.fail_on.or(config.fail_on).unwrap_or(FailOn::Warning),
    )
}

fn report_error(e: impl miette::Diagnostic + Send + Sync + 'static) -> u8 {
    crate::report::human::eprint_diagnostics([&e as &dyn miette::Diagnostic]);
    EXIT_ERROR
}

pub fn exit_code(outcome: &Outcome, fail_on: FailOn) -> u8 {
    if !outcome.errors.is_empty() {
        return EXIT_ERROR;
    }
    let threshold = match fail_on {
        FailOn::Never => return EXIT_CLEAN,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    if outcome.findings.iter().any(|f| f.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Where an input sits in the replay order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `--schema`: replayed first; statements it cannot parse are warned about on stderr.
    Schema,
    /// `--context`, or a file `--changed-since` left out: replayed, not reported.
    Context,
    Reported,
}

/// Loads, parses (in parallel) and lints the inputs: schema dumps and context files are
/// replayed first, then the paths in order (those `--changed-since` does not select are
/// replayed as context where they stand). Fails only when `--changed-since` cannot ask git.
pub fn lint_paths(engine: &Engine, config: &Config, args: &CheckArgs) -> Result<Outcome, String> {
    let stdin_name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| "<stdin>".to_string());
    let to_inputs = |paths: &[std::path::PathBuf]| -> Vec<Input> {
        paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin {
                        name: stdin_name.clone(),
                    }
                } else {
                    Input::Path(p.clone())
                }
            })
            .collect()
    };
    let changed = match &args.changed_since {
        Some(reference) => Some(source::changed_since(reference, std::path::Path::new("."))?),
        None => None,
    };
    let mut ordered: Vec<(Result<Input, InputError>, Role)> = Vec::new();
    ordered.extend(
        source::expand(&to_inputs(&args.schema))
            .into_iter()
            .map(|i| (i, Role::Schema)),
    );
    ordered.extend(
        source::expand(&to_inputs(&args.context))
            .into_iter()
            .map(|i| (i, Role::Context)),
    );
    for input in source::expand(&to_inputs(&args.paths)) {
        let role = match (&changed, &input) {
            (Some(changed), Ok(Input::Path(p))) if !changed.contains(p) => Role::Context,
            _ => Role::Reported,
        };
        ordered.push((input, role));
    }
    let (inputs, roles): (Vec<_>, Vec<Role>) = ordered.into_iter().unzip();
    let (migrations, errors) = load_and_parse(inputs.into_iter());
    for (position, m) in &migrations {
        if roles[*position] == Role::Schema {
            for warning in schema_warnings(m) {
                eprintln!("pglint: warning: {warning}");
            }
        }
    }
    let migrations = migrations
        .into_iter()
        .map(|(position, m)| (m, roles[position] == Role::Reported));
    let want_locks = args.format == Format::Markdown;
    let pg_version = engine.settings().pg_version;
    let (findings, files, locks) =
        lint_migrations_with_locks(engine, config, migrations, want_locks.then_some(pg_version));
    Ok(Outcome {
        findings,
        errors,
        files,
        locks,
    })
}

/// The statements of a schema dump that could not be read (psql meta-commands such as
/// `\restrict KEY` are skipped silently: the server never sees them either).
fn schema_warnings(m: &Migration) -> Vec<String> {
    m.statements
        .iter()
        .filter_map(|s| {
            let err = s.node.as_ref().err()?;
            if m.text(s.span).trim_start().starts_with('\\') {
                return None;
            }
            let at = m.file.lines.line_col(&m.file.text, err.at.start);
            Some(format!(
                "{}:{}:{}: skipped while loading the schema: {}",
                m.file.name, at.line, at.column, err.message
            ))
        })
        .collect()
}

/// Replays parsed migrations into one catalog, in order, and lints those marked for
/// reporting (the others are context). Returns the findings and the number of files linted.
pub fn lint_migrations(
    engine: &Engine,
    config: &Config,
    migrations: impl IntoIterator<Item = (Migration, bool)>,
) -> (Vec<Finding>, usize) {
    let (findings, files, _) = lint_migrations_with_locks(engine, config, migrations, None);
    (findings, files)
}

/// [`lint_migrations`], plus the advisor's view of each reported file when a PostgreSQL
/// version is given (replayed into a catalog of its own, as `pglint locks` does).
pub fn lint_migrations_with_locks(
    engine: &Engine,
    config: &Config,
    migrations: impl IntoIterator<Item = (Migration, bool)>,
    locks_for: Option<u32>,
) -> (Vec<Finding>, usize, Vec<FileLocks>) {
    let mut catalog = Catalog::default();
    let mut locks_catalog = Catalog::default();
    let mut locks = Vec::new();
    let mut files: Vec<Arc<SourceFile>> = Vec::new();
    let mut findings = Vec::new();
    let mut linted = 0;
    for (migration, report) in migrations {
        let file = FileId(files.len());
        files.push(migration.file.clone());
        if let Some(pg_version) = locks_for {
            if report {
                locks.push(crate::advisor::timeline::analyze(
                    &migration,
                    file,
                    &mut locks_catalog,
                    pg_version,
                ));
            } else {
                crate::advisor::timeline::replay(&migration, file, &mut locks_catalog);
            }
        }
        let found = engine.lint(&migration, file, &mut catalog, &files, report);
        if report {
            linted += 1;
            // Inline suppressions first, so one whose finding the config hides is not "unused".
            let found = crate::suppress::apply(engine, &migration, found);
            findings.extend(
                found
                    .into_iter()
                    .filter(|f| !config.ignores(&f.file.name, &f.rule)),
            );
        }
    }
    (findings, linted, locks)
}

/// Lints SQL texts as consecutive migration files with default settings unless given (for
/// tests and embedding).
pub fn lint_texts(engine: &Engine, texts: &[(&str, &str)]) -> Vec<Finding> {
    let migrations = texts
        .iter()
        .map(|(name, text)| (parse::parse_file(SourceFile::new(*name, *text)), true));
    lint_migrations(engine, &Config::default(), migrations).0
}

pub(crate) type Loaded = (Vec<(usize, Migration)>, Vec<InputError>);

/// Reads and parses every input, on all cores; results keep input order. Each result carries
/// its position in the input list.
pub(crate) fn load_and_parse(inputs: impl Iterator<Item = Result<Input, InputError>>) -> Loaded {
    let inputs: Vec<_> = inputs.collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(inputs.len().max(1));
    let chunk = inputs.len().div_ceil(threads).max(1);
    let results: Vec<(usize, Result<Migration, InputError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .filter_map(|(i, input)| {
                            let pos = c * chunk + i;
                            match input {
                                Ok(input) => {
                                    Some((pos, source::load(input).map(parse::parse_file)))
                                }
                                Err(_) => None,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut errors: Vec<InputError> = Vec::new();
    let mut migrations = Vec::new();
    let mut expand_errors = inputs
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| r.err().map(|e| (i, e)))
        .peekable();
    for (pos, result) in results {
        while let Some((i, _)) = expand_errors.peek() {
            if *i > pos {
                break;
            }
            errors.push(expand_errors.next().unwrap().1);
        }
        match result {
            Ok(m) => migrations.push((pos, m)),
            Err(e) => errors.push(e),
        }
    }
    errors.extend(expand_errors.map(|(_, e)| e));
    (migrations, errors)
}
