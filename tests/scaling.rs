//! Nothing quadratic, without timing anything: a counting global allocator measures the work
//! `pglint check` does on an input of size N and of size 2N, in-process: linting (every rule on),
//! the lock analysis the markdown format adds, and rendering the findings in every format.
//! Linear work doubles, quadratic work quadruples, so each shape asserts that allocation calls
//! and allocated bytes of every step at 2N stay within 2.6× those at N. The shapes are those of
//! `gen-bench-corpus.py stress` (the benchmark measures their speed) plus consecutive migration
//! files, scaled down so the debug build runs them in seconds. A quadratic loop that never
//! allocates (comparisons only) is invisible here; the benchmark is the place for that.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use pglint::cli::Format;
use pglint::finding::{Level, Summary};
use pglint::rules::{Engine, Settings};

/// Counts every allocation (and reallocation) in the process, with its size.
struct Counting;

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counters are process-wide: one measurement at a time (the test harness runs tests on
/// several threads).
static MEASURING: Mutex<()> = Mutex::new(());

/// Growth allowed from N to 2N: linear is 2×, quadratic 4×.
const LIMIT: f64 = 2.6;

#[derive(Debug, Clone, Copy)]
struct Work {
    calls: u64,
    bytes: u64,
}

/// Runs `f` and counts the allocations it makes.
fn counted<T>(f: impl FnOnce() -> T) -> (Work, T) {
    let (calls, bytes) = (CALLS.load(Relaxed), BYTES.load(Relaxed));
    let out = f();
    let work = Work {
        calls: CALLS.load(Relaxed) - calls,
        bytes: BYTES.load(Relaxed) - bytes,
    };
    (work, out)
}

fn all_rules() -> Engine {
    Engine::new(Settings::every_rule(Level::Warning))
}

const ALL_FORMATS: [Format; 6] = [
    Format::Json,
    Format::Compact,
    Format::Human,
    Format::Sarif,
    Format::Github,
    Format::Markdown,
];

/// The work `pglint check` does on `files`, in three measured steps: linting them (every rule
/// on), the lock analysis the markdown format adds, and rendering the findings in `formats`.
/// Inputs are built before counting starts.
struct Measured {
    steps: [(&'static str, Work); 3],
    findings: usize,
}

fn measure(engine: &Engine, files: &[(String, String)], formats: &[Format]) -> Measured {
    let texts: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (lint, findings) = counted(|| pglint::lint::lint_texts(engine, &texts));
    let (locks, file_locks) =
        counted(|| pglint::advisor::analyze_texts(&texts, engine.settings().pg_version));
    let summary = Summary::count(files.len(), &findings);
    let (render, ()) = counted(|| {
        for &format in formats {
            let mut out = Vec::new();
            pglint::report::render_report(format, &findings, &summary, &file_locks, &mut out)
                .unwrap();
        }
    });
    Measured {
        steps: [
            ("lint", lint),
            ("lock analysis", locks),
            ("rendering", render),
        ],
        findings: findings.len(),
    }
}

/// Measures the shape at `n` and `2n` and asserts that no step's allocation calls or bytes
/// grow more than 2.6×.
fn assert_linear(
    shape: &str,
    n: usize,
    formats: &[Format],
    make: impl Fn(usize) -> Vec<(String, String)>,
) {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let engine = all_rules();
    // Lazily built tables (rule registry, lock knowledge base) are built here, not counted.
    measure(&engine, &make(n / 10), formats);
    let (small_input, large_input) = (make(n), make(2 * n));
    let small = measure(&engine, &small_input, formats);
    let large = measure(&engine, &large_input, formats);
    let ratio = |a: u64, b: u64| b as f64 / a.max(1) as f64;
    let mut report = String::new();
    let mut quadratic = Vec::new();
    for ((step, a), (_, b)) in small.steps.iter().zip(&large.steps) {
        let (calls, bytes) = (ratio(a.calls, b.calls), ratio(a.bytes, b.bytes));
        if calls > LIMIT || bytes > LIMIT {
            quadratic.push(*step);
        }
        report += &format!(
            "\n  {step}: size {n}: {} allocations, {} bytes; size {}: {} allocations, {} bytes \
             ({calls:.2}x the allocations, {bytes:.2}x the bytes)",
            a.calls,
            a.bytes,
            2 * n,
            b.calls,
            b.bytes
        );
    }
    assert!(
        quadratic.is_empty(),
        "{shape}: {} grow(s) more than {LIMIT}x for 2x the input (linear is 2x, quadratic 4x); \
         {} and {} findings{report}",
        quadratic.join(", "),
        small.findings,
        large.findings,
    );
}

fn one(name: &str, text: String) -> Vec<(String, String)> {
    vec![(name.to_string(), text)]
}

const BIG: &str =
    "CREATE TABLE \"big\" (\"id\" bigint PRIMARY KEY, \"c\" int NOT NULL, \"v\" varchar(10));\n";

/// `n` statements on one table, cycling through ADD COLUMN, CREATE INDEX, SET DEFAULT and
/// UPDATE (so n/4 indexes on it by the end).
fn statements_on_one_table(n: usize) -> Vec<(String, String)> {
    let mut sql = BIG.to_string();
    for i in 0..n {
        sql += &match i % 4 {
            0 => format!("ALTER TABLE \"big\" ADD COLUMN \"a{i}\" int NULL;\n"),
            1 => format!("CREATE INDEX CONCURRENTLY \"big_i{i}\" ON \"big\" (\"c\");\n"),
            2 => format!(
                "ALTER TABLE \"big\" ALTER COLUMN \"a{}\" SET DEFAULT 1;\n",
                i - 2
            ),
            _ => format!("UPDATE \"big\" SET \"c\" = {i} WHERE \"id\" = {i};\n"),
        };
    }
    one("statements.sql", sql)
}

/// One CREATE TABLE with `n` columns, then one more column added.
fn wide_table(n: usize) -> Vec<(String, String)> {
    let cols: Vec<String> = (0..n)
        .map(|i| format!("\"c{i}\" varchar(20) NULL"))
        .collect();
    one(
        "columns.sql",
        format!(
            "CREATE TABLE \"wide\" (\"id\" bigint PRIMARY KEY, {});\n\
             ALTER TABLE \"wide\" ADD COLUMN \"last\" int NULL;\n",
            cols.join(", ")
        ),
    )
}

/// `n` indexes on one table, each its own (a partial index on the same two columns).
fn indexes_on_one_table(n: usize) -> Vec<(String, String)> {
    let mut sql = BIG.to_string();
    for i in 0..n {
        sql += &format!(
            "CREATE INDEX CONCURRENTLY \"big_idx_{i}\" ON \"big\" (\"c\", \"v\") WHERE \"id\" > {i};\n"
        );
    }
    one("indexes.sql", sql)
}

/// `n` tables in one file, each with a column that looks copied through its foreign key
/// (`owner_name` beside `owner_id`, the FK added at the end as Django prints it), plus one
/// real copy so that the rule fires: a schema dump linted as a migration looks like this.
fn copied_columns(n: usize) -> Vec<(String, String)> {
    let mut sql = String::from(
        "CREATE TABLE \"owner\" (\"id\" bigint PRIMARY KEY, \"name\" varchar(50) NOT NULL);\n",
    );
    for i in 0..n {
        sql += &format!(
            "CREATE TABLE \"t{i}\" (\"id\" bigint PRIMARY KEY, \"owner_id\" bigint NOT NULL, \"owner_name\" varchar(50) NOT NULL);\n"
        );
    }
    for i in 0..n {
        sql += &format!(
            "ALTER TABLE \"t{i}\" ADD CONSTRAINT \"t{i}_owner_fk\" FOREIGN KEY (\"owner_id\") REFERENCES \"owner\" (\"id\");\n"
        );
    }
    one("copied.sql", sql)
}

/// A RunSQL operation whose string literal is `n` bytes (lines of 1 KiB).
fn long_literal(n: usize) -> Vec<(String, String)> {
    let chunk = format!("{}\n", "x".repeat(1023));
    let literal = chunk.repeat(n / 1024);
    one(
        "runsql.sql",
        format!(
            "--\n-- Raw SQL operation\n--\nINSERT INTO \"notes\" (\"body\") VALUES ('{literal}');\n"
        ),
    )
}

#[test]
fn statements_on_one_table_scale_linearly() {
    assert_linear(
        "(a) N statements on one table",
        1000,
        &ALL_FORMATS,
        statements_on_one_table,
    );
}

/// The human format leaves this shape out: its output itself is quadratic here. Each of the N
/// findings (one per column) draws the statement's one line, N columns long, and the
/// repeating-column-group finding draws one label per column under that line.
#[test]
fn columns_of_one_table_scale_linearly() {
    assert_linear(
        "(b) CREATE TABLE with N columns",
        500,
        &[
            Format::Json,
            Format::Compact,
            Format::Sarif,
            Format::Github,
            Format::Markdown,
        ],
        wide_table,
    );
}

#[test]
fn indexes_on_one_table_scale_linearly() {
    assert_linear(
        "(c) N CREATE INDEX on one table",
        250,
        &ALL_FORMATS,
        indexes_on_one_table,
    );
}

/// Each candidate used to copy the whole catalog and replay the rest of the file (the GitLab
/// dump linted as a migration took 13 s).
#[test]
fn columns_judged_at_the_end_of_the_file_scale_linearly() {
    assert_linear(
        "(f) N tables with a copied column",
        200,
        &[Format::Json],
        copied_columns,
    );
}

#[test]
fn a_long_string_literal_scales_linearly() {
    assert_linear(
        "(d) a RunSQL literal of N bytes",
        1 << 20,
        &ALL_FORMATS,
        long_literal,
    );
}

#[test]
fn migration_files_scale_linearly() {
    assert_linear("(e) N migration files", 80, &ALL_FORMATS, |n| {
        common::django_corpus(n, 7)
    });
}

/// The shapes are what they claim to be (a generator that went wrong would test nothing).
#[test]
fn the_shapes_hold_what_they_say() {
    // Not measured, but allocates: not while another test counts.
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let count = |files: &[(String, String)], needle: &str| {
        files
            .iter()
            .map(|(_, t)| t.matches(needle).count())
            .sum::<usize>()
    };
    assert_eq!(count(&statements_on_one_table(100), "CREATE INDEX"), 25);
    assert_eq!(count(&wide_table(100), "varchar(20)"), 100);
    assert_eq!(count(&indexes_on_one_table(100), "CREATE INDEX"), 100);
    let copied = copied_columns(100);
    assert_eq!(count(&copied, "\"owner_name\""), 100);
    let engine = all_rules();
    let texts: Vec<(&str, &str)> = copied
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let found = pglint::lint::lint_texts(&engine, &texts);
    assert_eq!(
        found
            .iter()
            .filter(|f| f.rule == "denormalized-column")
            .count(),
        100
    );
    let literal = &long_literal(1 << 20)[0].1;
    assert!(literal.len() > 1 << 20 && literal.len() < (1 << 20) + 200);
    let corpus = common::django_corpus(50, 7);
    assert_eq!(corpus.len(), 50);
    assert_eq!(count(&corpus, "CREATE TABLE"), 50);
    assert!(
        corpus
            .iter()
            .all(|(_, t)| t.starts_with("BEGIN;\n") && t.ends_with("COMMIT;\n"))
    );
    let engine = all_rules();
    let texts: Vec<(&str, &str)> = corpus
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let findings = pglint::lint::lint_texts(&engine, &texts);
    assert!(
        !findings.iter().any(|f| f.rule == "syntax-error"),
        "the generated migrations parse"
    );
}
