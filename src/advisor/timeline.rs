//! The advisor's timeline of one migration: a row per statement with the locks it takes (from
//! [`crate::locks::effects`], the one knowledge base) and the line each lock is held until, and
//! the per-migration summary. Renderers only format what is computed here.
//!
//! Holding: inside `BEGIN; … COMMIT;` (an atomic Django migration) every lock is kept until the
//! transaction ends, so it is held to the COMMIT (or ROLLBACK) line, or to the end of the file
//! when the transaction is never closed; outside a transaction a lock is released when its
//! statement ends.

use std::collections::{BTreeSet, HashMap, HashSet};

use pg_query::protobuf::TransactionStmtKind;

use crate::locks::{self, Effects, LockMode, RelKind};
use crate::parse::{Migration, NodeEnum, Statement};
use crate::schema::{Catalog, FileId, Origin, QualifiedName};

/// The advisor view of one migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocks {
    pub path: String,
    /// For SQL generated from a migration `.py` (`pglint django`): the SQL's own name
    /// (`sqlmigrate shop 0003_x`), whose lines the rows' lines are.
    pub sql_name: Option<String>,
    /// One row per statement, transaction control (BEGIN, COMMIT) left out.
    pub rows: Vec<Row>,
    /// Lines of the statements that end a transaction (COMMIT, ROLLBACK), in order.
    pub commit_lines: Vec<usize>,
    /// The last line of the file with text on it.
    pub last_line: usize,
    pub summary: Summary,
}

/// Why and where a statement's locks are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// The COMMIT of the transaction the statement runs in.
    Commit,
    /// A ROLLBACK ends the transaction (the statement's work is undone).
    Rollback,
    /// A transaction is opened and never closed: held until the end of the file.
    EndOfFile,
    /// Outside a transaction block: released when the statement ends.
    StatementEnd,
}

impl Release {
    pub fn as_str(self) -> &'static str {
        match self {
            Release::Commit => "commit",
            Release::Rollback => "rollback",
            Release::EndOfFile => "end_of_file",
            Release::StatementEnd => "statement_end",
        }
    }
}

/// One statement of the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// First and last line of the statement (1-based).
    pub line: usize,
    pub end_line: usize,
    /// The Django operation header the statement falls under.
    pub operation: Option<String>,
    /// Django's deferred SQL (FK constraints and indexes printed after the last operation).
    pub deferred: bool,
    /// The statement on one line (white space runs collapsed), not shortened.
    pub sql: String,
    pub in_transaction: bool,
    pub locks: Vec<LockRow>,
    pub rewrites: Vec<QualifiedName>,
    pub scans: Vec<QualifiedName>,
    /// Tables every row of which the statement writes and row-locks (UPDATE or DELETE
    /// without WHERE).
    pub writes_every_row: Vec<QualifiedName>,
    pub rebuilt_indexes: Vec<QualifiedName>,
    pub needs_no_transaction: bool,
    /// PostgreSQL refuses the statement, with this reason.
    pub refused: Option<String>,
    /// PostgreSQL cannot parse the statement; it has no known effects.
    pub syntax_error: Option<String>,
    /// Relations the statement touches that were created in this file (or by it).
    pub new_relations: Vec<QualifiedName>,
    pub held_until_line: usize,
    pub released_by: Release,
    /// Rows up to this index (inclusive) run while this row's locks are held.
    pub held_through_row: usize,
}

/// One relation a statement locks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRow {
    pub relation: QualifiedName,
    pub kind: RelKind,
    pub mode: LockMode,
    /// Created earlier in the same file (or by this statement): nobody else can see it yet,
    /// so locking it blocks nobody.
    pub new: bool,
    pub rewrite: bool,
    pub scan: bool,
}

impl LockRow {
    /// A relation whose lock blocks others: one that existed before this migration.
    pub fn blocks_anyone(&self) -> bool {
        !self.new
    }
}

impl Row {
    /// The statement shortened to `max` characters, with an ellipsis when cut.
    pub fn short_sql(&self, max: usize) -> String {
        shorten(&self.sql, max)
    }

    /// A statement PostgreSQL will refuse to run inside this migration.
    pub fn refused_here(&self) -> bool {
        self.refused.is_some() || (self.needs_no_transaction && self.in_transaction)
    }
}

/// The per-migration summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The file opens a transaction block (any statement runs inside one).
    pub atomic: bool,
    /// The strongest lock per table (view, materialized view) that existed before the
    /// migration, in the order they are first locked.
    pub tables: Vec<TableHold>,
    /// Relations created in this file that statements lock (locking them blocks nobody).
    pub new_relations: Vec<QualifiedName>,
    /// Tables that existed before and are rewritten, with the lines of the statements.
    pub rewrites: Vec<(QualifiedName, Vec<usize>)>,
    /// Tables that existed before and are scanned, with the lines of the statements.
    pub scans: Vec<(QualifiedName, Vec<usize>)>,
    /// Tables that existed before every row of which is written and row-locked (an UPDATE or
    /// DELETE without WHERE, in a RunSQL or a data migration), with the lines of the
    /// statements: each row stays locked as long as the table's lock, so writes of any row
    /// wait although ROW EXCLUSIVE blocks no one.
    pub every_row_written: Vec<(QualifiedName, Vec<usize>)>,
    /// Statements PostgreSQL refuses: (line, reason).
    pub refused: Vec<(usize, String)>,
    /// Statements that must run outside a transaction block but run inside one (lines).
    pub needs_no_transaction_in_transaction: Vec<usize>,
    /// Statements PostgreSQL cannot parse: (line, message).
    pub syntax_errors: Vec<(usize, String)>,
}

/// The strongest lock one pre-existing table gets in a migration, and when it is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableHold {
    pub relation: QualifiedName,
    pub kind: RelKind,
    pub mode: LockMode,
    /// Disjoint stretches during which the lock is held, in order.
    pub spans: Vec<HeldSpan>,
}

/// From the statement that takes a lock to the line that releases it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldSpan {
    pub from_line: usize,
    pub until_line: usize,
    /// Statements that run while the lock is held (the one taking it included).
    pub statements: usize,
}

impl TableHold {
    pub fn from_line(&self) -> usize {
        self.spans.first().map_or(0, |s| s.from_line)
    }

    pub fn until_line(&self) -> usize {
        self.spans.iter().map(|s| s.until_line).max().unwrap_or(0)
    }

    pub fn statements(&self) -> usize {
        self.spans.iter().map(|s| s.statements).sum()
    }
}

/// One step of a migration as the timeline sees it.
#[derive(Debug, Clone)]
pub struct Step {
    pub line: usize,
    pub end_line: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    /// BEGIN / START TRANSACTION.
    Begin,
    /// COMMIT (`rollback: false`) or ROLLBACK.
    End { rollback: bool },
    /// Any other statement.
    Stmt(Box<StmtFacts>),
}

/// What is known about one statement before holding is worked out.
#[derive(Debug, Clone, Default)]
pub struct StmtFacts {
    pub operation: Option<String>,
    pub deferred: bool,
    pub sql: String,
    pub in_transaction: bool,
    pub effects: Effects,
    /// Relations (among those the effects name) created in this file.
    pub new: BTreeSet<QualifiedName>,
    pub syntax_error: Option<String>,
}

/// Replays one reported migration into `catalog`, statement by statement, and builds its
/// timeline from the effects of each statement on the catalog before it.
pub fn analyze(m: &Migration, file: FileId, catalog: &mut Catalog, pg_version: u32) -> FileLocks {
    let text = &m.file.text;
    let lines = &m.file.lines;
    let mut steps = Vec::with_capacity(m.statements.len());
    for stmt in &m.statements {
        let line = lines.line_col(text, stmt.span.start).line;
        let last_byte = stmt.span.end.saturating_sub(1).max(stmt.span.start);
        let end_line = lines.line_col(text, last_byte).line.max(line);
        let kind = match &stmt.node {
            Err(e) => StepKind::Stmt(Box::new(StmtFacts {
                syntax_error: Some(e.message.clone()),
                ..facts(m, stmt)
            })),
            Ok(node) => match transaction_step(node) {
                Some(kind) => kind,
                None => {
                    let mut effects = locks::effects(node, catalog, pg_version);
                    effects.forget_absent_indexes(node, catalog, file);
                    let mut new = BTreeSet::new();
                    mark_new(&effects, catalog, file, &mut new);
                    catalog.apply(
                        node,
                        Origin {
                            file,
                            span: stmt.span,
                        },
                    );
                    mark_new(&effects, catalog, file, &mut new);
                    StepKind::Stmt(Box::new(StmtFacts {
                        effects,
                        new,
                        ..facts(m, stmt)
                    }))
                }
            },
        };
        steps.push(Step {
            line,
            end_line,
            kind,
        });
    }
    let mut locks = timeline(m.file.name.clone(), steps, last_line(text));
    locks.sql_name = m.file.generated.as_ref().map(|g| g.sql_name.clone());
    locks
}

/// Replays a context migration into the catalog without reporting it.
pub fn replay(m: &Migration, file: FileId, catalog: &mut Catalog) {
    for stmt in &m.statements {
        if let Ok(node) = &stmt.node {
            catalog.apply(
                node,
                Origin {
                    file,
                    span: stmt.span,
                },
            );
        }
    }
}

fn facts(m: &Migration, stmt: &Statement) -> StmtFacts {
    StmtFacts {
        operation: operation_text(m, stmt),
        deferred: stmt.deferred,
        sql: one_line(m.text(stmt.span)),
        in_transaction: stmt.in_transaction,
        ..StmtFacts::default()
    }
}

/// The operation a statement comes from. For SQL generated from a migration `.py` (`pglint
/// django --locks`) with the operation's place there, `Add field x to y
/// (shop/migrations/0003_x.py:16)`, and Django's deferred SQL under the operation it is
/// deferred from: the SQL's lines are not the `.py`'s.
fn operation_text(m: &Migration, stmt: &Statement) -> Option<String> {
    let Some(_) = &m.file.generated else {
        return m.operation_of(stmt).map(|o| o.describe.to_string());
    };
    let (prefix, op) = match m.operation_of(stmt) {
        Some(op) => ("", op),
        None => ("deferred from ", m.operations.get(stmt.deferred_from?)?),
    };
    Some(match op.source_at {
        Some(at) => format!("{prefix}{} ({}:{})", op.describe, m.file.name, at.line),
        None => format!("{prefix}{}", op.describe),
    })
}

fn transaction_step(node: &NodeEnum) -> Option<StepKind> {
    let NodeEnum::TransactionStmt(t) = node else {
        return None;
    };
    match TransactionStmtKind::try_from(t.kind).ok()? {
        TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart => {
            Some(StepKind::Begin)
        }
        TransactionStmtKind::TransStmtCommit | TransactionStmtKind::TransStmtPrepare => {
            Some(StepKind::End { rollback: false })
        }
        TransactionStmtKind::TransStmtRollback => Some(StepKind::End { rollback: true }),
        _ => None,
    }
}

/// Adds the relations of `effects` that the catalog says were created in `file`.
fn mark_new(effects: &Effects, catalog: &Catalog, file: FileId, new: &mut BTreeSet<QualifiedName>) {
    let names = effects
        .locks
        .iter()
        .map(|l| (&l.relation, Some(l.kind)))
        .chain(effects.rewrites.iter().map(|r| (r, None)))
        .chain(effects.scans.iter().map(|r| (r, None)))
        .chain(
            effects
                .rebuilt_indexes
                .iter()
                .map(|r| (r, Some(RelKind::Index))),
        );
    for (name, kind) in names {
        if created_in(catalog, name, kind, file) {
            new.insert(name.clone());
        }
    }
}

fn created_in(
    catalog: &Catalog,
    name: &QualifiedName,
    kind: Option<RelKind>,
    file: FileId,
) -> bool {
    match kind {
        Some(RelKind::Index) => catalog.index_provenance(name, file).is_new(),
        Some(RelKind::Sequence | RelKind::TableOfIndex) => false,
        Some(RelKind::Table | RelKind::View | RelKind::MaterializedView) | None => {
            catalog.table_provenance(name, file).is_new()
        }
    }
}

/// Works out holding and the summary from the steps of one migration (pure).
pub fn timeline(path: String, steps: Vec<Step>, last_line: usize) -> FileLocks {
    // For every step, the transaction end that follows it: (step index, line, rollback).
    let mut next_end: Vec<Option<(usize, usize, bool)>> = vec![None; steps.len()];
    let mut end = None;
    for (i, step) in steps.iter().enumerate().rev() {
        if let StepKind::End { rollback } = step.kind {
            end = Some((i, step.line, rollback));
        }
        next_end[i] = end;
    }
    let has_begin = steps.iter().any(|s| matches!(s.kind, StepKind::Begin));
    let commit_lines = steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::End { .. }))
        .map(|s| s.line)
        .collect();
    // Row index of each statement step; rows before a step index.
    let mut row_of_step = vec![0usize; steps.len() + 1];
    let mut n = 0;
    for (i, step) in steps.iter().enumerate() {
        row_of_step[i] = n;
        if matches!(step.kind, StepKind::Stmt(_)) {
            n += 1;
        }
    }
    row_of_step[steps.len()] = n;

    let mut rows = Vec::with_capacity(n);
    for (i, step) in steps.into_iter().enumerate() {
        let StepKind::Stmt(facts) = step.kind else {
            continue;
        };
        let row = rows.len();
        let (held_until_line, released_by, held_through_row) = if facts.in_transaction {
            match next_end[i] {
                Some((end_step, line, rollback)) => (
                    line,
                    if rollback {
                        Release::Rollback
                    } else {
                        Release::Commit
                    },
                    row_of_step[end_step] - 1,
                ),
                None => (last_line.max(step.end_line), Release::EndOfFile, n - 1),
            }
        } else {
            (step.end_line, Release::StatementEnd, row)
        };
        rows.push(row_from(
            *facts,
            step.line,
            step.end_line,
            held_until_line,
            released_by,
            held_through_row,
        ));
    }
    let mut summary = summarize(&rows);
    summary.atomic |= has_begin;
    FileLocks {
        path,
        sql_name: None,
        rows,
        commit_lines,
        last_line,
        summary,
    }
}

fn row_from(
    facts: StmtFacts,
    line: usize,
    end_line: usize,
    held_until_line: usize,
    released_by: Release,
    held_through_row: usize,
) -> Row {
    let fx = facts.effects;
    let locks = fx
        .locks
        .iter()
        .map(|l| LockRow {
            relation: l.relation.clone(),
            kind: l.kind,
            mode: l.mode,
            new: facts.new.contains(&l.relation),
            rewrite: fx.rewrites.contains(&l.relation),
            scan: fx.scans.contains(&l.relation),
        })
        .collect();
    Row {
        line,
        end_line,
        operation: facts.operation,
        deferred: facts.deferred,
        sql: facts.sql,
        in_transaction: facts.in_transaction,
        locks,
        rewrites: fx.rewrites,
        scans: fx.scans,
        writes_every_row: fx.writes_every_row,
        rebuilt_indexes: fx.rebuilt_indexes,
        needs_no_transaction: fx.needs_no_transaction,
        refused: fx.refused,
        syntax_error: facts.syntax_error,
        new_relations: facts.new.into_iter().collect(),
        held_until_line,
        released_by,
        held_through_row,
    }
}

/// Tables, views and materialized views: what the summary and the diagram have lanes for.
pub fn is_table_like(kind: RelKind) -> bool {
    !matches!(kind, RelKind::Index | RelKind::Sequence)
}

fn summarize(rows: &[Row]) -> Summary {
    let mut s = Summary {
        atomic: rows.iter().any(|r| r.in_transaction),
        ..Summary::default()
    };
    // Where each relation already is in the summary's lists: one pass over the rows, however
    // many tables a migration touches.
    let mut table_at: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut new_seen: HashSet<&QualifiedName> = HashSet::new();
    let mut rewrite_at: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut scan_at: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut every_row_at: HashMap<&QualifiedName, usize> = HashMap::new();
    let is_new = |rel: &QualifiedName, row: &Row| row.new_relations.contains(rel);
    for row in rows {
        for l in &row.locks {
            if l.new {
                if new_seen.insert(&l.relation) {
                    s.new_relations.push(l.relation.clone());
                }
                continue;
            }
            if !is_table_like(l.kind) {
                continue;
            }
            match table_at.get(&l.relation) {
                Some(&i) => s.tables[i].mode = s.tables[i].mode.max(l.mode),
                None => {
                    table_at.insert(&l.relation, s.tables.len());
                    s.tables.push(TableHold {
                        relation: l.relation.clone(),
                        kind: l.kind,
                        mode: l.mode,
                        spans: Vec::new(),
                    });
                }
            }
        }
        for r in row.rewrites.iter().filter(|r| !is_new(r, row)) {
            add_line(&mut s.rewrites, &mut rewrite_at, r, row.line);
        }
        for r in row.scans.iter().filter(|r| !is_new(r, row)) {
            add_line(&mut s.scans, &mut scan_at, r, row.line);
        }
        for r in row.writes_every_row.iter().filter(|r| !is_new(r, row)) {
            add_line(&mut s.every_row_written, &mut every_row_at, r, row.line);
        }
        if let Some(reason) = &row.refused {
            s.refused.push((row.line, reason.clone()));
        }
        if row.needs_no_transaction && row.in_transaction {
            s.needs_no_transaction_in_transaction.push(row.line);
        }
        if let Some(msg) = &row.syntax_error {
            s.syntax_errors.push((row.line, msg.clone()));
        }
    }
    let spans = held_spans(rows, &s.tables, &table_at);
    for (t, spans) in s.tables.iter_mut().zip(spans) {
        t.spans = spans;
    }
    s
}

/// Adds `line` to the lines of `relation` (rows come in file order, so a line already there
/// is the last one).
fn add_line<'a>(
    list: &mut Vec<(QualifiedName, Vec<usize>)>,
    at: &mut HashMap<&'a QualifiedName, usize>,
    relation: &'a QualifiedName,
    line: usize,
) {
    match at.get(relation) {
        Some(&i) => {
            let lines = &mut list[i].1;
            if lines.last() != Some(&line) {
                lines.push(line);
            }
        }
        None => {
            at.insert(relation, list.len());
            list.push((relation.clone(), vec![line]));
        }
    }
}

/// For each table of the summary, the stretches during which it is locked in its summary mode
/// (or stronger): each statement taking it holds it through `held_through_row`; overlapping
/// stretches merge. One pass over the rows for all tables.
fn held_spans(
    rows: &[Row],
    tables: &[TableHold],
    table_at: &HashMap<&QualifiedName, usize>,
) -> Vec<Vec<HeldSpan>> {
    // Per table: (first row, last row held through, latest line a taking row holds it until).
    let mut spans: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); tables.len()];
    // The last row counted for each table, so a row locking it twice counts once.
    let mut last_row: Vec<Option<usize>> = vec![None; tables.len()];
    for (i, row) in rows.iter().enumerate() {
        for l in &row.locks {
            let Some(&t) = table_at.get(&l.relation) else {
                continue;
            };
            if l.mode < tables[t].mode || last_row[t] == Some(i) {
                continue;
            }
            last_row[t] = Some(i);
            let end = row.held_through_row.max(i);
            match spans[t].last_mut() {
                Some((_, last_end, until)) if i <= *last_end => {
                    *last_end = (*last_end).max(end);
                    *until = (*until).max(row.held_until_line);
                }
                _ => spans[t].push((i, end, row.held_until_line)),
            }
        }
    }
    spans
        .into_iter()
        .map(|table| {
            table
                .into_iter()
                .map(|(from, to, until)| HeldSpan {
                    from_line: rows[from].line,
                    until_line: until,
                    statements: to - from + 1,
                })
                .collect()
        })
        .collect()
}

/// Collapses white space runs (newlines included) into single spaces.
pub fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// The last line with text on it (1 for an empty file).
fn last_line(text: &str) -> usize {
    let trimmed = text.trim_end();
    trimmed.matches('\n').count() + 1
}
