//! The `check` pipeline and the other subcommands, wired together; `main` maps the result to
//! an exit code.

use std::io::Write;
use std::sync::Arc;

use crate::advisor::FileLocks;
use crate::cli::{CheckArgs, Cli, Command, FailOn, Format};
use crate::config::{self, Config};
use crate::finding::{Finding, Severity, Summary};
use crate::parse::{self, Migration};
use crate::report::inert;
use crate::rules::decl::GroupScope;
use crate::rules::{Engine, docs, group, incident, registry};
use crate::schema::{Catalog, FileId};
use crate::source::{self, Input, InputError, SourceFile};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        None => check(&cli.check),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Rules) => write_stdout(&docs::rules_listing()),
        Some(Command::Explain { rule }) => match registry::find(&rule) {
            Some(r) => write_stdout(&docs::rule_markdown(r)),
            None => {
                inert::eprint_message(&format!(
                    "pglint: unknown rule `{rule}` (see `pglint rules`)"
                ));
                EXIT_ERROR
            }
        },
        Some(Command::Init) => init(),
        Some(Command::Locks(args)) => crate::advisor::run(&args),
        Some(Command::Django(args)) => crate::django::run(&args),
    }
}

/// Prints to stdout; a reader that went away (`pglint rules | head -1`) is not an error, and
/// never a panic as `print!` would make it.
fn write_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_CLEAN,
        Err(e) => {
            eprintln!("pglint: cannot write to stdout: {e}");
            EXIT_ERROR
        }
    }
}

fn init() -> u8 {
    let path = std::path::Path::new(".pglint.yaml");
    if path.exists() {
        eprintln!("pglint: .pglint.yaml already exists; not overwriting it");
        return EXIT_ERROR;
    }
    // A .pglint.yaml beside it would silently take the place of pyproject.toml's settings.
    if config::has_tool_table(std::path::Path::new(config::PYPROJECT)) {
        eprintln!(
            "pglint: pyproject.toml already configures pglint ([tool.pglint]); not writing a \
             .pglint.yaml, which would take its place"
        );
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
    crate::report::human::eprint_diagnostics(
        config.warnings.iter().map(|w| w as &dyn miette::Diagnostic),
    );
    let settings = match config.settings(&args.select, &args.ignore, args.pg_version) {
        Ok(s) => s,
        Err(e) => return report_error(e),
    };
    let engine = Engine::new(settings);
    // Buffered: stdout is line-buffered, and a large report has millions of lines.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut stream = match crate::report::Stream::begin(args.format, &mut out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pglint: cannot write the report: {e}");
            return EXIT_ERROR;
        }
    };
    let mut write_error = None;
    let streaming = stream.is_some();
    let mut write_file = |found: Vec<Finding>| {
        if let Some(s) = stream.as_mut()
            && let Err(e) = s.findings(&found)
        {
            write_error.get_or_insert(e);
        }
    };
    let streamed: Option<&mut (dyn FnMut(Vec<Finding>) + Send)> = if streaming {
        Some(&mut write_file)
    } else {
        None
    };
    let outcome = match lint_paths(&engine, &config, args, streamed) {
        Ok(o) => o,
        Err(e) => {
            // git's words, and the reference as given.
            inert::eprint_message(&format!("pglint: {e}"));
            return EXIT_ERROR;
        }
    };
    let written = match stream {
        // Streamed, the outcome holds only what is reported once per run, written last.
        Some(mut s) => match write_error {
            Some(e) => Err(e),
            None => s
                .findings(&outcome.findings)
                .and_then(|()| s.finish(outcome.files)),
        },
        None => {
            let summary = Summary::count(outcome.files, &outcome.findings);
            crate::report::render_report(
                args.format,
                &outcome.findings,
                &summary,
                &outcome.locks,
                &mut out,
            )
            .map(|()| summary)
        }
    };
    let summary = match written {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("pglint: cannot write the report: {e}");
            return EXIT_ERROR;
        }
    };
    if let Err(e) = out.flush() {
        eprintln!("pglint: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    drop(out);
    crate::report::human::eprint_diagnostics(
        outcome.errors.iter().map(|e| e as &dyn miette::Diagnostic),
    );
    if outcome.files == 0 && outcome.errors.is_empty() {
        // Every given file was left out: say so, or a clean exit reads as a clean migration.
        let why = match &args.changed_since {
            Some(reference) => format!(
                "none of the given files changed since {reference} (git sees no change in them, \
                 or ignores them); the others were replayed as context"
            ),
            None => "every given file was replayed as context".to_string(),
        };
        inert::eprint_message(&format!("pglint: nothing was linted: {why}"));
    }
    exit_code(
        !outcome.errors.is_empty(),
        &summary,
        args.fail_on.or(config.fail_on).unwrap_or(FailOn::Warning),
    )
}

fn report_error(e: impl miette::Diagnostic + Send + Sync + 'static) -> u8 {
    crate::report::human::eprint_diagnostics([&e as &dyn miette::Diagnostic]);
    EXIT_ERROR
}

/// The exit code for a run with input errors or not and these counts of findings.
pub fn exit_code(input_errors: bool, summary: &Summary, fail_on: FailOn) -> u8 {
    if input_errors {
        return EXIT_ERROR;
    }
    let threshold = match fail_on {
        FailOn::Never => return EXIT_CLEAN,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    if summary.any_at_least(threshold) {
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

/// Loads, parses (in parallel) and lints the inputs: schema dumps are replayed first, then
/// context files and the paths in order (see [`crate::context_order`]: a path is never also
/// context, and context after a path of its folder is replayed after it; the paths
/// `--changed-since` does not select are replayed as context where they stand). Fails only
/// when `--changed-since` cannot ask git.
///
/// With `streamed`, each reported file's findings go there as soon as the file is linted,
/// and the outcome holds none.
pub fn lint_paths<'s>(
    engine: &Engine,
    config: &Config,
    args: &CheckArgs,
    streamed: Option<&'s mut (dyn FnMut(Vec<Finding>) + Send + 's)>,
) -> Result<Outcome, String> {
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("<stdin>");
    let to_inputs = |paths: &[std::path::PathBuf]| source::inputs(paths, stdin_name);
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
    let context = source::expand(&to_inputs(&args.context));
    let targets = source::expand(&to_inputs(&args.paths));
    for (input, target) in crate::context_order::interleave(context, targets) {
        let role = match (target, &changed, &input) {
            (false, _, _) => Role::Context,
            (true, Some(changed), Ok(Input::Path(p))) if !changed.contains(p) => Role::Context,
            (true, _, _) => Role::Reported,
        };
        ordered.push((input, role));
    }
    let (inputs, roles): (Vec<_>, Vec<Role>) = ordered.into_iter().unzip();
    let squashes = crate::squash::Schedule::of(&inputs);
    let want_locks = args.format == Format::Markdown;
    let pg_version = engine.settings().pg_version;
    let mut replay = Replay::new(engine, config, want_locks.then_some(pg_version));
    replay.streaming = streamed.is_some();
    let mut errors = Vec::new();
    let mut write = streamed;
    // What follows a file's replay (writing its findings, freeing its trees) runs on a thread
    // of its own when there are two or more: the replay is the one step that cannot be
    // shared, so it should do nothing else.
    let mut finish_file = |found: Option<Vec<Finding>>, m: Migration| {
        if let (Some(found), Some(write)) = (found, write.as_mut()) {
            write(found);
        }
        drop(m);
    };
    std::thread::scope(|scope| {
        let finish_file = &mut finish_file;
        let mut handoff = if parse_threads() > 1 {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
            std::thread::Builder::new()
                .name("pglint-write".into())
                .spawn_scoped(scope, move || {
                    for (found, m) in rx.into_iter().flatten() {
                        finish_file(found, m);
                    }
                })
                .expect("cannot start pglint's writing thread");
            Handoff::Writer {
                tx,
                batch: Vec::with_capacity(BATCH),
            }
        } else {
            Handoff::Inline(finish_file)
        };
        // Parsed in parallel, replayed in order, each tree dropped once linted.
        for_each_parsed(inputs, |position, result| {
            for squash in squashes.snapshots_before(position) {
                replay.set_aside(squash);
            }
            match result {
                Ok(m) => {
                    if roles[position] == Role::Schema {
                        for warning in schema_warnings(&m) {
                            inert::eprint_message(&format!("pglint: warning: {warning}"));
                        }
                    }
                    let report = roles[position] == Role::Reported;
                    let found = match squashes.snapshot_for(position) {
                        Some(_) => {
                            replay.only_syntax_errors = squashes.is_covered(position);
                            let found = replay.push_aside(position, &m, report);
                            replay.only_syntax_errors = false;
                            found
                        }
                        None => replay.push(&m, report),
                    };
                    handoff.file(found, m);
                }
                Err(e) => {
                    replay.set_aside.remove(&position);
                    errors.push(e);
                }
            }
        });
        handoff.flush();
    });
    if squashes.covered_count() > 0 {
        inert::eprint_message(&format!(
            "pglint: note: {} squashed migration(s) lie beside every migration they replace: \
             only their syntax errors are reported (their operations are reported in the \
             migrations they replace)",
            squashes.covered_count()
        ));
    }
    let (findings, files, locks) = replay.finish();
    Ok(Outcome {
        findings,
        errors,
        files,
        locks,
    })
}

/// Files go to the writer in batches: one wake-up per file cost more than the writing (a
/// batch of Django-sized files is about a millisecond of linting, so streamed findings are
/// barely delayed).
const BATCH: usize = 16;
type Batch = Vec<(Option<Vec<Finding>>, Migration)>;

/// Where a replayed file goes next: to the writing thread, or, on a run with one thread, to
/// the finisher on this one.
enum Handoff<'f, F> {
    Writer {
        tx: std::sync::mpsc::SyncSender<Batch>,
        batch: Batch,
    },
    Inline(&'f mut F),
}

impl<F: FnMut(Option<Vec<Finding>>, Migration)> Handoff<'_, F> {
    fn file(&mut self, found: Option<Vec<Finding>>, m: Migration) {
        match self {
            Handoff::Writer { tx, batch } => {
                batch.push((found, m));
                if batch.len() == BATCH {
                    // The writer only stops early by panicking, which the scope re-raises.
                    drop(tx.send(std::mem::replace(batch, Vec::with_capacity(BATCH))));
                }
            }
            Handoff::Inline(finish_file) => finish_file(found, m),
        }
    }

    /// Sends the last, partly filled batch; dropping the sender then ends the writer.
    fn flush(self) {
        if let Handoff::Writer { tx, batch } = self
            && !batch.is_empty()
        {
            drop(tx.send(batch));
        }
    }
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
    let mut replay = Replay::new(engine, config, locks_for);
    for (migration, report) in migrations {
        replay.push(&migration, report);
    }
    replay.finish()
}

/// The in-order replay of migrations into the catalog, fed one file at a time.
struct Replay<'a> {
    engine: &'a Engine,
    config: &'a Config,
    locks_for: Option<u32>,
    catalog: Catalog,
    locks_catalog: Catalog,
    locks: Vec<FileLocks>,
    files: Vec<Arc<SourceFile>>,
    findings: Vec<Finding>,
    /// Each reported file's findings are returned by `push` instead of kept in `findings`.
    streaming: bool,
    linted: usize,
    /// The schemas (and the advisor's) set aside for squashes, by the squash's position.
    set_aside: std::collections::HashMap<usize, (Catalog, Catalog)>,
    /// Findings of rules reported once per run (see [`crate::rules::group`]), kept until the
    /// end, and where in `findings` the findings of the file they start in lie.
    run_wide: Vec<Finding>,
    run_wide_at: Option<(usize, usize)>,
    /// Set while a squash whose originals are all linted too is pushed: only its syntax
    /// errors are news (see [`crate::squash::Schedule::is_covered`]).
    only_syntax_errors: bool,
    /// Findings that a later file of the run may still settle (an index created after its
    /// foreign key's migration), with their test on the schema at the end. Not streamed:
    /// where they are in `findings` (streaming keeps them here, written at the end).
    at_end: Vec<(AtEnd, crate::rules::checks::EndOfRun)>,
}

/// Where a finding awaiting the end of the run is kept.
enum AtEnd {
    /// At this position of `Replay::findings`.
    Kept(usize),
    /// Held back from a streamed file.
    Held(Box<Finding>),
}

impl<'a> Replay<'a> {
    fn new(engine: &'a Engine, config: &'a Config, locks_for: Option<u32>) -> Self {
        Replay {
            engine,
            config,
            locks_for,
            catalog: Catalog::default(),
            locks_catalog: Catalog::default(),
            locks: Vec::new(),
            files: Vec::new(),
            findings: Vec::new(),
            streaming: false,
            linted: 0,
            set_aside: std::collections::HashMap::new(),
            run_wide: Vec::new(),
            run_wide_at: None,
            only_syntax_errors: false,
            at_end: Vec::new(),
        }
    }

    /// Keeps a copy of the schema as it is now for the squash at position `squash` (see
    /// [`crate::squash`]); copied only when a squash lies beside its originals.
    fn set_aside(&mut self, squash: usize) {
        let locks = if self.locks_for.is_some() {
            self.locks_catalog.clone()
        } else {
            Catalog::default()
        };
        self.set_aside.insert(squash, (self.catalog.clone(), locks));
    }

    /// Lints the squash at position `squash` against the schema set aside for it, which is
    /// then dropped: the schema that carries on is the one of the files it replaces.
    fn push_aside(
        &mut self,
        squash: usize,
        migration: &Migration,
        report: bool,
    ) -> Option<Vec<Finding>> {
        let Some((catalog, locks)) = self.set_aside.remove(&squash) else {
            return self.push(migration, report);
        };
        let carried = std::mem::replace(&mut self.catalog, catalog);
        let carried_locks = std::mem::replace(&mut self.locks_catalog, locks);
        let found = self.push(migration, report);
        self.catalog = carried;
        self.locks_catalog = carried_locks;
        found
    }

    /// Replays one file and lints it when it is reported; its findings come back when
    /// streaming.
    fn push(&mut self, migration: &Migration, report: bool) -> Option<Vec<Finding>> {
        let file = FileId(self.files.len());
        self.files.push(migration.file.clone());
        if let Some(pg_version) = self.locks_for {
            if report {
                self.locks.push(crate::advisor::timeline::analyze(
                    migration,
                    file,
                    &mut self.locks_catalog,
                    pg_version,
                ));
            } else {
                crate::advisor::timeline::replay(migration, file, &mut self.locks_catalog);
            }
        }
        let (found, mut at_end) =
            self.engine
                .lint_run(migration, file, &mut self.catalog, &self.files, report);
        if !report {
            return None;
        }
        self.linted += 1;
        // Inline suppressions first, so one whose finding the config hides is not "unused".
        let found = crate::suppress::apply(self.engine, migration, found);
        let config = self.config;
        let only_syntax_errors = self.only_syntax_errors;
        let kept: Vec<Finding> = found
            .into_iter()
            .filter(|f| !config.ignores(&f.file.name, f.rule))
            .filter(|f| !only_syntax_errors || f.rule == crate::rules::SYNTAX_ERROR)
            .collect();
        let kept = group::merge(incident::fold(kept, migration), GroupScope::Migration);
        let engine = self.engine;
        let (run_wide, kept): (Vec<Finding>, Vec<Finding>) = kept
            .into_iter()
            .partition(|f| group::in_scope(f, GroupScope::Run) && engine.groups_over_run(f.rule));
        let first_run_wide = self.run_wide.is_empty() && !run_wide.is_empty();
        self.run_wide.extend(run_wide);
        // A finding's test at the end of the run, if it has one (taken: a finding has one).
        let mut test_of = |f: &Finding| {
            at_end
                .iter()
                .position(|t| t.is_of(f))
                .map(|i| at_end.swap_remove(i).settled)
        };
        if self.streaming {
            let mut now = Vec::with_capacity(kept.len());
            for f in kept {
                match test_of(&f) {
                    Some(settled) => self.at_end.push((AtEnd::Held(Box::new(f)), settled)),
                    None => now.push(f),
                }
            }
            return Some(now);
        }
        let start = self.findings.len();
        for (i, f) in kept.iter().enumerate() {
            if let Some(settled) = test_of(f) {
                self.at_end.push((AtEnd::Kept(start + i), settled));
            }
        }
        crate::growth::extend_gently(&mut self.findings, kept.into_iter(), 64);
        if first_run_wide {
            self.run_wide_at = Some((start, self.findings.len()));
        }
        None
    }

    /// The findings (with the run-wide groups among the findings of the file where they start;
    /// at the end when streaming, since the rest is written already), the number of files
    /// linted and the advisor's view.
    fn finish(mut self) -> (Vec<Finding>, usize, Vec<FileLocks>) {
        self.settle_at_end();
        let run_wide = group::merge(std::mem::take(&mut self.run_wide), GroupScope::Run);
        // Among the findings of the file where they start, in line order.
        let at = match (self.run_wide_at, run_wide.first()) {
            (Some((start, end)), Some(head)) => self.findings[start..end]
                .iter()
                .position(|f| f.span.start > head.span.start)
                .map_or(end, |i| start + i),
            _ => self.findings.len(),
        };
        self.findings.splice(at..at, run_wide);
        (self.findings, self.linted, self.locks)
    }

    /// Drops the findings that the schema at the end of the run settles; the held-back
    /// findings of a streamed run that stand are appended.
    fn settle_at_end(&mut self) {
        let mut dropped = vec![false; self.findings.len()];
        for (at, settled) in std::mem::take(&mut self.at_end) {
            let settled = settled(&self.catalog);
            match at {
                AtEnd::Kept(i) => dropped[i] = settled,
                AtEnd::Held(f) if !settled => self.findings.push(*f),
                AtEnd::Held(_) => {}
            }
        }
        if let Some((start, end)) = self.run_wide_at {
            let before = |i: usize| dropped[..i].iter().filter(|&&d| d).count();
            self.run_wide_at = Some((start - before(start), end - before(end)));
        }
        let mut i = 0;
        self.findings.retain(|_| {
            i += 1;
            !dropped.get(i - 1).copied().unwrap_or(false)
        });
    }
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
/// its position in the input list. Keeps every tree: prefer [`for_each_parsed`].
pub(crate) fn load_and_parse(inputs: impl Iterator<Item = Result<Input, InputError>>) -> Loaded {
    let mut migrations = Vec::new();
    let mut errors = Vec::new();
    for_each_parsed(inputs.collect(), |pos, result| match result {
        Ok(m) => migrations.push((pos, m)),
        Err(e) => errors.push(e),
    });
    (migrations, errors)
}

/// How many threads a run uses: `PGLINT_THREADS` when it holds a positive number, else one
/// per core. One of them replays and checks the files in order; the others parse ahead
/// (with two or more, one more thread writes the report and frees the parsed files).
pub fn parse_threads() -> usize {
    std::env::var("PGLINT_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Stack for the parsing threads: libpg_query sizes its own depth check to what is left of
/// the stack it runs on, so more room only means deeper (still checked) recursion.
pub(crate) const PARSE_STACK: usize = 16 << 20;

/// Reads and parses the inputs on [`parse_threads`] minus one workers and hands each result to
/// `each`, in input order, on the calling thread (with one thread in all, reads, parses and
/// hands on in turn). Workers take the next file as they finish one but
/// stay at most a few files ahead of `each`, so parsed trees never pile up in memory whatever
/// the number of files. A panic while parsing one file becomes that file's error.
pub(crate) fn for_each_parsed(
    inputs: Vec<Result<Input, InputError>>,
    mut each: impl FnMut(usize, Result<Migration, InputError>) + Send,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};

    let total = inputs.len();
    let mut expand_errors = Vec::with_capacity(total);
    let mut jobs = Vec::with_capacity(total);
    for input in inputs {
        match input {
            Ok(i) => {
                jobs.push(Some(i));
                expand_errors.push(None);
            }
            Err(e) => {
                jobs.push(None);
                expand_errors.push(Some(e));
            }
        }
    }
    // The calling thread replays and checks; the other threads parse ahead of it.
    let threads = parse_threads().saturating_sub(1).min(total);
    if threads == 0 {
        // One thread: everything in order, on a thread with the parsers' stack.
        std::thread::scope(|scope| {
            let run = || {
                for (i, job) in jobs.iter().enumerate() {
                    let result = match job {
                        Some(input) => load_guarded(input),
                        None => Err(expand_errors[i].take().expect("an input error")),
                    };
                    each(i, result);
                }
            };
            std::thread::Builder::new()
                .name("pglint".into())
                .stack_size(PARSE_STACK)
                .spawn_scoped(scope, run)
                .expect("cannot start pglint's thread")
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        });
        return;
    }
    // Thread wake-ups are system calls (and on a VM inter-processor interrupts) that cost
    // about as much as replaying a small file, so: a wide window, workers woken only when
    // one waits and then every half window or when the replay itself would wait.
    let window = threads * 32;
    let wake_every = window / 2;
    let next = AtomicUsize::new(0);
    // How many results `each` has taken (`usize::MAX / 2` once the consumer is gone), and
    // how many workers wait for it to grow.
    let consumed = (Mutex::new(Progress::default()), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, Option<Result<Migration, InputError>>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (tx, jobs, next, consumed) = (tx.clone(), &jobs, &next, &consumed);
            let worker = move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    {
                        let mut progress = consumed.0.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= progress.done + window {
                            progress.waiting += 1;
                            progress = consumed.1.wait(progress).unwrap_or_else(|e| e.into_inner());
                            progress.waiting -= 1;
                        }
                    }
                    let result = jobs[i].as_ref().map(load_guarded);
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                }
            };
            std::thread::Builder::new()
                .name("pglint-parse".into())
                .stack_size(PARSE_STACK)
                .spawn_scoped(scope, worker)
                .expect("cannot start a parsing thread");
        }
        drop(tx);
        // Wakes the workers for good if `each` panics, so the scope can end.
        struct Release<'c>(&'c (Mutex<Progress>, Condvar));
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.0.lock().unwrap_or_else(|e| e.into_inner()).done = usize::MAX / 2;
                self.0.1.notify_all();
            }
        }
        let _release = Release(&consumed);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        let wake = || {
            if consumed.0.lock().unwrap_or_else(|e| e.into_inner()).waiting > 0 {
                consumed.1.notify_all();
            }
        };
        loop {
            let (i, result) = match rx.try_recv() {
                Ok(next) => next,
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {
                    // About to wait: a worker held back by the window may hold the next file.
                    wake();
                    match rx.recv() {
                        Ok(next) => next,
                        Err(_) => break,
                    }
                }
            };
            pending.insert(i, result);
            while let Some(result) = pending.remove(&want) {
                let result = match result {
                    Some(r) => r,
                    None => Err(expand_errors[want].take().expect("an input error")),
                };
                each(want, result);
                want += 1;
                let waiting = {
                    let mut progress = consumed.0.lock().unwrap_or_else(|e| e.into_inner());
                    progress.done = want;
                    progress.waiting
                };
                if waiting > 0 && want % wake_every == 0 {
                    consumed.1.notify_all();
                }
            }
        }
    });
}

/// The replay's progress as the parsing workers see it.
#[derive(Default)]
struct Progress {
    done: usize,
    waiting: usize,
}

/// Loads and parses one input; a panic becomes an error naming the file.
// Same large error as `source::load`, created at most once per input (see source.rs).
#[allow(clippy::result_large_err)]
fn load_guarded(input: &Input) -> Result<Migration, InputError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        source::load(input).map(parse::parse_file)
    }))
    .unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        Err(InputError::Unreadable {
            path: match input {
                Input::Path(p) => p.display().to_string(),
                Input::Stdin { name } => name.clone(),
            },
            reason: format!("internal error while parsing (please report it): {reason}"),
        })
    })
}
