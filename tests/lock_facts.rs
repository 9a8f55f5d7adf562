//! Lock facts proven against a real PostgreSQL server. For each statement shape: set up
//! tables with rows (tests/pg/fixture.sql), run the statement inside BEGIN, read this
//! backend's relation locks from `pg_locks`, compare `pg_class.relfilenode` before and after
//! for rewrites, count scans from `pg_stat_user_tables.seq_scan`, probe from a second session
//! whether reads and writes wait, and assert all of it equals what `pglint::locks::effects`
//! derives from pglint's own parse of the same SQL. Statements that cannot run in a
//! transaction block are checked to fail inside one, then run in autocommit while a held lock
//! makes them wait, so the mode they wait for can be read from a second session. Statements
//! PostgreSQL refuses must fail.
//!
//! One private server (initdb into a temp dir, unix socket only) serves the whole binary:
//! one database per shape, copied from a template holding the fixture. Skipped with a loud
//! message when no server binary exists, unless `CI` is set. `cargo test --test lock_facts
//! -- NAME` runs the shapes whose name contains NAME.

mod pg;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pglint::locks::{self, Blocked, Effects, LockMode};
use pglint::parse::parse_file;
use pglint::schema::{Catalog, FileId, Origin, QualifiedName};
use pglint::source::SourceFile;
use pglint::span::Span;
use postgres::Client;
use postgres::error::SqlState;

use pg::rules::FIXTURE;

#[path = "pg/shapes.rs"]
mod shapes;

pub struct Shape {
    pub name: String,
    /// Run and committed after the fixture.
    pub setup: String,
    /// Run inside the transaction before the statement.
    pub pre: String,
    pub sql: String,
    /// The rule example this shape comes from: its declared facts are checked too.
    pub example: Option<pg::rules::Example>,
    /// Relations the statement touches that the catalog cannot know of (the base tables of
    /// a materialized view): left out of the comparison.
    pub uncataloged: Vec<String>,
}

pub fn shape(name: &str, sql: &str) -> Shape {
    Shape {
        name: name.to_string(),
        setup: String::new(),
        pre: String::new(),
        sql: sql.to_string(),
        example: None,
        uncataloged: Vec::new(),
    }
}

impl Shape {
    pub fn setup(mut self, sql: &str) -> Self {
        self.setup = sql.to_string();
        self
    }

    pub fn uncataloged(mut self, relations: &[&str]) -> Self {
        self.uncataloged = relations.iter().map(|r| r.to_string()).collect();
        self
    }

    pub fn pre(mut self, sql: &str) -> Self {
        self.pre = sql.to_string();
        self
    }
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let ci = std::env::var_os("CI").is_some();
    let installed = pg::installed_majors();
    let missing: Vec<u32> = pg::MAJORS
        .filter(|m| !installed.iter().any(|(v, _)| v == m))
        .collect();
    let servers: Vec<(u32, std::path::PathBuf)> = if !missing.is_empty() && ci {
        eprintln!(
            "lock_facts: no server of PostgreSQL {missing:?} (scripts/install-pg-servers.sh \
             installs them), and CI is set: every major pglint claims must be proven"
        );
        std::process::exit(1);
    } else if !installed.is_empty() {
        if !missing.is_empty() {
            loud(&[
                &format!("lock_facts: PostgreSQL {missing:?} NOT PROVEN: no server installed."),
                "Run scripts/install-pg-servers.sh (CI does, and fails without them).",
            ]);
        }
        installed
    } else {
        match pg::find_bin() {
            Some(bin) => {
                loud(&[
                    "lock_facts: only the system's PostgreSQL is proven: the servers of 12 to",
                    "18 are not installed. Run scripts/install-pg-servers.sh (CI does).",
                ]);
                vec![(0, bin)]
            }
            None if ci => {
                eprintln!("lock_facts: no PostgreSQL server binary found, and CI is set");
                std::process::exit(1);
            }
            None => {
                loud(&[
                    "lock_facts SKIPPED: no PostgreSQL server binary (initdb, pg_ctl) found.",
                    "Run scripts/install-pg-servers.sh to prove the lock facts on 12 to 18.",
                ]);
                return;
            }
        }
    };
    let started = Instant::now();
    // Every server at once, each with its own workers: most of a shape's time is spent
    // waiting (lock timeouts, CREATE DATABASE), not computing.
    let workers = (12 / servers.len()).clamp(2, 6);
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let runs: Vec<_> = servers
            .iter()
            .map(|(_, bin)| {
                let filter = filter.as_deref();
                scope.spawn(move || {
                    let server = pg::Server::start(bin);
                    run_all(&server, filter, workers)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    eprintln!(
        "lock_facts: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let total: usize = results.iter().map(|(n, _)| n).sum();
    let failures: Vec<&String> = results.iter().flat_map(|(_, f)| f).collect();
    for f in &failures {
        eprintln!("FAILED {f}\n");
    }
    // The plain closing line CI runners read (this binary has no libtest harness): one test
    // per shape and server.
    println!(
        "lock_facts: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    if !failures.is_empty() {
        std::process::exit(1);
    }
}

/// A message that a skim of the test output does not miss.
fn loud(lines: &[&str]) {
    let bar = "!".repeat(84);
    eprintln!("\n{bar}");
    for l in lines {
        eprintln!("!! {l:<78} !!");
    }
    eprintln!("{bar}");
}

/// Runs every selected shape; returns how many ran and the failures.
fn run_all(server: &pg::Server, filter: Option<&str>, workers: usize) -> (usize, Vec<String>) {
    let mut admin = server.connect("postgres");
    let version: u32 = admin
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .unwrap()
        .get::<_, i32>(0) as u32
        / 10000;
    admin.batch_execute("CREATE DATABASE fixture").unwrap();
    {
        let mut c = server.connect("fixture");
        if version < 13 {
            // gen_random_uuid() is core from 13; before, pgcrypto has it (as Django's
            // projects on 12 install it).
            c.batch_execute("CREATE EXTENSION pgcrypto").unwrap();
        }
        c.batch_execute(FIXTURE).unwrap();
        c.batch_execute("ANALYZE").unwrap();
    }
    let mut all = shapes::shapes();
    for ex in pg::rules::examples() {
        // The example may create an index the fixture has: drop it first.
        let drops: String = statements(&format!("{};\n{}", ex.before, ex.sql))
            .iter()
            .filter_map(|st| match st.node() {
                Some(pglint::parse::NodeEnum::IndexStmt(ix)) if !ix.idxname.is_empty() => {
                    Some(format!("DROP INDEX IF EXISTS \"{}\";\n", ix.idxname))
                }
                _ => None,
            })
            .collect();
        let mut s = shape(&format!("rule {}", ex.rule.id), &ex.sql)
            .pre(&ex.before)
            .setup(&drops);
        s.example = Some(ex);
        all.push(s);
    }
    let names: BTreeSet<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), all.len(), "shape names must be unique");
    let selected: Vec<&Shape> = all
        .iter()
        .filter(|s| filter.is_none_or(|f| s.name.contains(f)))
        .collect();
    eprintln!(
        "lock_facts: PostgreSQL {version}, {} of {} shapes",
        selected.len(),
        all.len()
    );
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(shape) = selected.get(i) else { break };
                    let t = Instant::now();
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_shape(server, version, i, shape)
                    }));
                    let verdict = match outcome {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e),
                        Err(p) => Some(
                            p.downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_else(|| "panic".into()),
                        ),
                    };
                    eprintln!(
                        "PG{version} shape {:<55} {} ({} ms)",
                        shape.name,
                        if verdict.is_none() { "ok" } else { "FAILED" },
                        t.elapsed().as_millis()
                    );
                    if let Some(e) = verdict {
                        failures.lock().unwrap().push(format!(
                            "PostgreSQL {version}, {}: {}\n  sql: {}",
                            shape.name, e, shape.sql
                        ));
                    }
                }
            });
        }
    });
    (selected.len(), failures.into_inner().unwrap())
}

// ---------------------------------------------------------------------------------------
// pglint's side

fn statements(sql: &str) -> Vec<pglint::parse::Statement> {
    parse_file(SourceFile::new("shape.sql", sql.to_string())).statements
}

/// The catalog after the fixture and the setup (an earlier file) and `pre` (this file).
fn catalog(shape: &Shape) -> Catalog {
    let mut cat = Catalog::default();
    for (file, sql) in [
        (0, FIXTURE),
        (0, shape.setup.as_str()),
        (1, shape.pre.as_str()),
    ] {
        for st in statements(sql) {
            if let Some(node) = st.node() {
                cat.apply(
                    node,
                    Origin {
                        file: FileId(file),
                        span: Span::new(0, 0),
                    },
                );
            }
        }
    }
    cat
}

fn expected(shape: &Shape, version: u32) -> Effects {
    let stmts = statements(&shape.sql);
    assert_eq!(stmts.len(), 1, "one statement per shape");
    let node = stmts[0].node().expect("the statement parses");
    locks::effects(node, &catalog(shape), version)
}

// ---------------------------------------------------------------------------------------
// The server's side

#[derive(Debug, Clone)]
struct Rel {
    oid: i64,
    name: String,
    kind: char,
    filenode: i64,
}

/// The relations of schema `public` by name.
fn relations(c: &mut Client) -> BTreeMap<String, Rel> {
    c.query(
        "SELECT oid::int8, relname::text, relkind::text, relfilenode::int8 FROM pg_class
         WHERE relnamespace = 'public'::regnamespace",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|r| {
        let name: String = r.get(1);
        let kind: String = r.get(2);
        (
            name.clone(),
            Rel {
                oid: r.get(0),
                name,
                kind: kind.chars().next().unwrap_or('?'),
                filenode: r.get(3),
            },
        )
    })
    .collect()
}

fn is_table_kind(k: char) -> bool {
    matches!(k, 'r' | 'p' | 'v' | 'm')
}

/// This backend's granted relation locks, strongest per relation, by name before the
/// statement (renamed and dropped relations keep their old names).
fn held_locks(
    c: &mut Client,
    before: &BTreeMap<String, Rel>,
    pid: i32,
    granted: bool,
) -> BTreeMap<String, (char, LockMode)> {
    let now = relations(c);
    let by_oid: BTreeMap<i64, &Rel> = now
        .values()
        .chain(before.values())
        .map(|r| (r.oid, r))
        .collect();
    let rows = c
        .query(
            "SELECT relation::int8, mode FROM pg_locks
             WHERE pid = $1 AND locktype = 'relation' AND granted = $2
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&pid, &granted],
        )
        .unwrap();
    let mut out: BTreeMap<String, (char, LockMode)> = BTreeMap::new();
    for r in rows {
        let oid: i64 = r.get(0);
        let mode: String = r.get(1);
        let Some(rel) = by_oid.get(&oid) else {
            continue;
        };
        let Some(mode) = LockMode::from_pg_locks(&mode) else {
            continue;
        };
        let e = out.entry(rel.name.clone()).or_insert((rel.kind, mode));
        e.1 = e.1.max(mode);
    }
    out
}

fn flush_stats(c: &mut Client, version: u32) {
    if version >= 15 {
        c.batch_execute("SELECT pg_stat_force_next_flush()")
            .unwrap();
    } else {
        // Before 15 a backend sends its counts to the statistics collector when it goes idle,
        // and only when 500 ms (PGSTAT_STAT_INTERVAL) have passed since it last sent them:
        // wait that long, then end one more command, so the counts are sent before the next
        // one reads them (the collector answers a reader after the messages queued before).
        std::thread::sleep(Duration::from_millis(600));
        c.batch_execute("SELECT 1").unwrap();
    }
}

/// `seq_scan` per table oid.
fn seq_scans(c: &mut Client) -> BTreeMap<i64, i64> {
    scans_in(c, "pg_stat_user_tables")
}

/// `seq_scan` per table oid of this transaction alone: exact on every version, and blind to
/// the probes of the other sessions.
fn seq_scans_in_transaction(c: &mut Client) -> BTreeMap<i64, i64> {
    scans_in(c, "pg_stat_xact_user_tables")
}

fn scans_in(c: &mut Client, view: &str) -> BTreeMap<i64, i64> {
    c.query(
        &format!("SELECT relid::int8, coalesce(seq_scan, 0)::int8 FROM {view}"),
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Whether a plain SELECT and a DELETE on `table` wait for a lock (60 ms lock_timeout).
fn probe(c: &mut Client, table: &str, kind: char) -> Vec<Blocked> {
    let waits = |c: &mut Client, sql: &str| match c.batch_execute(sql) {
        Ok(()) => false,
        Err(e) => e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE),
    };
    let mut out = Vec::new();
    if waits(c, &format!("SELECT 1 FROM \"{table}\" LIMIT 1")) {
        out.push(Blocked::Reads);
    }
    if matches!(kind, 'r' | 'p') && waits(c, &format!("DELETE FROM \"{table}\" WHERE false")) {
        out.push(Blocked::Writes);
    }
    out
}

/// For each table with rows that existed before and that this backend holds a lock on that
/// lets ROW SHARE in: whether every row of it is locked by this backend's transaction. A second
/// session's `SELECT ... FOR UPDATE SKIP LOCKED` skips every row locked in any mode, and waits
/// for no row.
fn every_row_locked(
    c: &mut Client,
    before: &BTreeMap<String, Rel>,
    observed: &BTreeMap<String, (char, LockMode)>,
) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for (name, (kind, mode)) in observed {
        if !matches!(kind, 'r' | 'p') || *mode >= LockMode::Exclusive || !before.contains_key(name)
        {
            continue;
        }
        let sql = format!(
            "SELECT (SELECT count(*) FROM \"{name}\"),
                    (SELECT count(*) FROM (SELECT 1 FROM \"{name}\" FOR UPDATE SKIP LOCKED) s)"
        );
        if let Ok(row) = c.query_one(&sql, &[]) {
            let (rows, free): (i64, i64) = (row.get(0), row.get(1));
            if rows > 0 {
                out.insert(name.clone(), free == 0);
            }
        }
    }
    out
}

fn names(list: &[QualifiedName]) -> BTreeSet<String> {
    list.iter().map(|q| q.name.clone()).collect()
}

fn run_shape(server: &pg::Server, version: u32, i: usize, shape: &Shape) -> Result<(), String> {
    let fx = expected(shape, version);
    let db = format!("shape_{i}");
    server
        .connect("postgres")
        .batch_execute(&format!("CREATE DATABASE {db} TEMPLATE fixture"))
        .map_err(|e| format!("create database: {e}"))?;
    let mut c1 = server.connect(&db);
    let mut c2 = server.connect(&db);
    c1.batch_execute("SET TimeZone = 'UTC'").unwrap();
    c2.batch_execute("SET lock_timeout = '60ms'").unwrap();
    if !shape.setup.is_empty() {
        c1.batch_execute(&shape.setup)
            .map_err(|e| format!("setup: {e}"))?;
    }
    let pid: i32 = c1.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let before = relations(&mut c1);
    // In a transaction block the scans are counted inside it (below); a statement run in
    // autocommit is counted across the whole server, from here.
    let mut scans_before = BTreeMap::new();
    if fx.needs_no_transaction {
        flush_stats(&mut c1, version);
        scans_before = seq_scans(&mut c1);
    }
    let mut scans_after = None;

    if let Some(reason) = &fx.refused {
        // Outside a transaction block when the statement needs that, so the error is the
        // refusal itself.
        let in_tx = !fx.needs_no_transaction;
        if in_tx {
            c1.batch_execute("BEGIN").unwrap();
        }
        if !shape.pre.is_empty() {
            c1.batch_execute(&shape.pre).unwrap();
        }
        let res = c1.batch_execute(&shape.sql);
        if in_tx {
            let _ = c1.batch_execute("ROLLBACK");
        }
        return match res {
            Ok(()) => Err(format!("pglint says refused ({reason}), the server ran it")),
            Err(e) => {
                let msg = e
                    .as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_default();
                eprintln!("  {}: refused: {msg}", shape.name);
                if msg.contains("transaction block") {
                    return Err(format!("refused for another reason: {msg}"));
                }
                Ok(())
            }
        };
    }

    let mut problems = Vec::new();
    let mut observed: BTreeMap<String, (char, LockMode)>;
    let mut held_after_pre = BTreeMap::new();
    let probes: BTreeMap<String, Vec<Blocked>>;
    let mut all_rows_locked = BTreeMap::new();
    let after: BTreeMap<String, Rel>;
    if fx.needs_no_transaction {
        // Refused inside a transaction block...
        c1.batch_execute("BEGIN").unwrap();
        let res = c1.batch_execute(&shape.sql);
        let _ = c1.batch_execute("ROLLBACK");
        match res {
            Ok(()) => problems.push("ran inside a transaction block".to_string()),
            Err(e) if !format!("{e:?}").contains("cannot") => {
                problems.push(format!("inside BEGIN failed otherwise: {e:?}"))
            }
            Err(_) => {}
        }
        // ...and in autocommit waits, behind a held lock, for the mode
        // pglint says it takes on the first table it locks.
        let target = fx
            .locks
            .iter()
            .find(|l| l.kind.is_table_level())
            .map(|l| l.relation.name.clone());
        let mut blocker = server.connect(&db);
        if let Some(t) = &target {
            blocker
                // SHARE UPDATE EXCLUSIVE catches every mode from itself up, and lets the
                // brief ACCESS SHARE of a relation lookup (VACUUM) through.
                .batch_execute(&format!(
                    "BEGIN; LOCK TABLE \"{t}\" IN SHARE UPDATE EXCLUSIVE MODE"
                ))
                .unwrap();
        }
        let sql = shape.sql.clone();
        let handle = std::thread::spawn(move || {
            let r = c1.batch_execute(&sql).map_err(|e| format!("{e:?}"));
            (c1, r)
        });
        observed = BTreeMap::new();
        if target.is_some() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while observed.is_empty() && Instant::now() < deadline {
                observed = held_locks(&mut c2, &before, pid, false);
                std::thread::sleep(Duration::from_millis(5));
            }
            blocker.batch_execute("ROLLBACK").unwrap();
        }
        let (c, res) = handle.join().unwrap();
        c1 = c;
        res.map_err(|e| format!("autocommit run failed: {e}"))?;
        after = relations(&mut c1);
        probes = BTreeMap::new();
        if let Some(t) = &target {
            let want = fx.mode_of(&QualifiedName::public(t.clone()));
            match observed.get(t) {
                Some((_, m)) if Some(*m) == want => {}
                got => problems.push(format!(
                    "waited for {got:?} on {t}, pglint says {want:?} (all waits: {observed:?})"
                )),
            }
        }
        // Only the waited-for lock is known; compare no further locks.
        observed.clear();
    } else {
        c1.batch_execute("BEGIN").unwrap();
        if !shape.pre.is_empty() {
            c1.batch_execute(&shape.pre)
                .map_err(|e| format!("pre: {e:?}"))?;
            held_after_pre = held_locks(&mut c1, &before, pid, true);
        }
        scans_before = seq_scans_in_transaction(&mut c1);
        if let Err(e) = c1.batch_execute(&shape.sql) {
            return Err(format!("the server refused it: {e:?}"));
        }
        scans_after = Some(seq_scans_in_transaction(&mut c1));
        observed = held_locks(&mut c1, &before, pid, true);
        all_rows_locked = every_row_locked(&mut c2, &before, &observed);
        after = relations(&mut c1);
        let mut p = BTreeMap::new();
        let mut tables: BTreeSet<String> = observed
            .iter()
            .filter(|(_, (k, _))| is_table_kind(*k))
            .map(|(n, _)| n.clone())
            .collect();
        tables.extend(
            fx.locks
                .iter()
                .filter(|l| l.kind.is_table_level())
                .map(|l| l.relation.name.clone()),
        );
        for t in tables {
            if let Some(rel) = before.get(&t)
                && matches!(rel.kind, 'r' | 'p' | 'm')
            {
                p.insert(t.clone(), probe(&mut c2, &t, rel.kind));
            }
        }
        probes = p;
        c1.batch_execute("COMMIT").unwrap();
    }
    let scans_after = match scans_after {
        Some(s) => s,
        None => {
            flush_stats(&mut c1, version);
            seq_scans(&mut c1)
        }
    };

    // Table-level locks: equal, relation by relation.
    let expected_tables: BTreeMap<String, LockMode> = fx
        .locks
        .iter()
        .filter(|l| l.kind.is_table_level())
        .map(|l| (l.relation.name.clone(), l.mode))
        .collect();
    let observed_tables: BTreeMap<String, LockMode> = observed
        .iter()
        .filter(|(_, (k, _))| is_table_kind(*k))
        .map(|(n, (_, m))| (n.clone(), *m))
        .collect();
    if !fx.needs_no_transaction {
        let all: BTreeSet<&String> = expected_tables
            .keys()
            .chain(observed_tables.keys())
            .collect();
        for name in all {
            if shape.uncataloged.contains(name) {
                continue;
            }
            let (e, o) = (expected_tables.get(name), observed_tables.get(name));
            if let Some((_, held)) = held_after_pre.get(name)
                && o == Some(held)
            {
                // Held since `pre`: the statement may only have asked for less.
                if e.is_some_and(|e| e > held) {
                    problems.push(format!("{name}: pglint {e:?}, held since pre {held:?}"));
                }
                continue;
            }
            if e != o {
                problems.push(format!("lock on {name}: pglint {e:?}, server {o:?}"));
            }
        }
        // Index and sequence locks pglint lists: as observed.
        for l in fx.locks.iter().filter(|l| !l.kind.is_table_level()) {
            let n = &l.relation.name;
            if held_after_pre.contains_key(n) {
                continue;
            }
            let o = observed.get(n).map(|(_, m)| *m);
            if o != Some(l.mode) {
                problems.push(format!(
                    "lock on {:?} {n}: pglint {:?}, server {o:?}",
                    l.kind, l.mode
                ));
            }
        }
        // What traffic waits.
        for (t, got) in &probes {
            if shape.uncataloged.contains(t) {
                continue;
            }
            let mut want = fx.blocks(&QualifiedName::public(t.clone()));
            if before.get(t).is_some_and(|r| r.kind == 'm') {
                // Only reads are probed on a materialized view.
                want.retain(|b| *b != Blocked::Writes);
            }
            if &want != got {
                problems.push(format!("{t} blocks: pglint {want:?}, server {got:?}"));
            }
        }
    }

    // Every row written (UPDATE, DELETE without WHERE): every row locked till COMMIT. A
    // table `pre` wrote to is left out (its rows may be locked since then).
    for (t, all) in &all_rows_locked {
        if shape.uncataloged.contains(t) || held_after_pre.contains_key(t) {
            continue;
        }
        let want = fx
            .writes_every_row
            .contains(&QualifiedName::public(t.clone()));
        if want != *all {
            problems.push(format!(
                "{t}: pglint says every row written: {want}, server: every row locked: {all}"
            ));
        }
    }

    // Rewrites: tables whose data files changed; indexes rebuilt on their own.
    let mut rewritten = BTreeSet::new();
    let mut rebuilt = BTreeSet::new();
    let after_by_oid: BTreeMap<i64, &Rel> = after.values().map(|r| (r.oid, r)).collect();
    for rel in before.values() {
        let changed = |a: &Rel| a.filenode != rel.filenode;
        match rel.kind {
            'r' | 'm' if after_by_oid.get(&rel.oid).is_some_and(|a| changed(a)) => {
                rewritten.insert(rel.name.clone());
            }
            'i' if after
                .get(&rel.name)
                .is_some_and(|a| a.kind == 'i' && changed(a)) =>
            {
                rebuilt.insert(rel.name.clone());
            }
            _ => {}
        }
    }
    // Indexes of rewritten tables are rewritten with them.
    if !rewritten.is_empty() {
        let idx_tables: BTreeMap<String, String> = c1
            .query(
                "SELECT i.relname::text, t.relname::text FROM pg_index x
                 JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid",
                &[],
            )
            .unwrap()
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        rebuilt.retain(|i| idx_tables.get(i).is_none_or(|t| !rewritten.contains(t)));
    }
    let existed = |n: &String| before.get(n).is_some_and(|r| matches!(r.kind, 'r' | 'm'));
    let want_rewrites: BTreeSet<String> = names(&fx.rewrites).into_iter().filter(existed).collect();
    if want_rewrites != rewritten {
        problems.push(format!(
            "rewrites: pglint {want_rewrites:?}, server {rewritten:?}"
        ));
    }
    let want_rebuilt: BTreeSet<String> = names(&fx.rebuilt_indexes)
        .into_iter()
        .filter(|n| before.contains_key(n))
        .collect();
    rebuilt.retain(|i| !shape.uncataloged.contains(i));
    if want_rebuilt != rebuilt {
        problems.push(format!(
            "rebuilt indexes: pglint {want_rebuilt:?}, server {rebuilt:?}"
        ));
    }

    // Scans: seq_scan went up on a table that existed before.
    let scanned: BTreeSet<String> = before
        .values()
        .filter(|r| matches!(r.kind, 'r' | 'm'))
        .filter(|r| {
            let b = scans_before.get(&r.oid).copied().unwrap_or(0);
            scans_after.get(&r.oid).is_some_and(|a| *a > b)
        })
        .map(|r| r.name.clone())
        .collect();
    let want_scans: BTreeSet<String> = names(&fx.scans).into_iter().filter(existed).collect();
    // TRUNCATE (and other new empty files) rebuilds the indexes on the new, empty heap,
    // which counts a scan that reads nothing.
    let scanned: BTreeSet<String> = scanned
        .into_iter()
        .filter(|t| want_scans.contains(t) || !want_rewrites.contains(t))
        .filter(|t| !shape.uncataloged.contains(t))
        .collect();
    if want_scans != scanned {
        problems.push(format!("scans: pglint {want_scans:?}, server {scanned:?}"));
    }

    // A rule's declaration agrees with the knowledge base on its own example.
    if let Some(ex) = &shape.example
        && let Err(e) = ex.check(&fx)
    {
        problems.push(e);
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}
