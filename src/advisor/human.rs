//! The `human` format of `pglint locks`: per file, an aligned table (one line per relation a
//! statement locks, the statement last so long text does not break the columns), notes on
//! refused statements, then the summary. ANSI styling only where the report's
//! [`Styling`] decides it (a terminal without `NO_COLOR`).

use std::borrow::Cow;
use std::io::{self, Write};

use super::timeline::{FileLocks, LockRow, Release, Row};
use super::{SQL_WIDTH, blocks_phrase, line_range, statements_phrase};
use crate::locks::{LockMode, RelKind};
use crate::report::human::Styling;
use crate::report::inert::{self, Lines};

const RED: &str = "\x1b[31m";
const BOLD_RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

const HEADERS: [&str; 9] = [
    "LINE",
    "RELATION",
    "LOCK",
    "READS",
    "WRITES",
    "REWRITE",
    "SCAN",
    "HELD UNTIL",
    "STATEMENT",
];

/// One cell: its text and the ANSI style it gets when styled.
struct Cell {
    text: String,
    style: Option<&'static str>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: inert_text(text.into()),
        style: None,
    }
}

fn styled(text: impl Into<String>, style: &'static str) -> Cell {
    Cell {
        text: inert_text(text.into()),
        style: Some(style),
    }
}

/// A text that may hold names, SQL or messages from the file, made inert (before its width
/// is measured, so the columns stay aligned).
fn inert_text(text: String) -> String {
    match inert::text(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

/// A table line: cells, or a note printed across the columns after the LINE column.
enum Line {
    Cells(Vec<Cell>),
    Note(Cell),
}

pub fn render(files: &[FileLocks], styling: Styling, out: &mut dyn Write) -> io::Result<()> {
    let color = matches!(styling, Styling::Fancy { .. });
    // A relation's name can start a line (a table's second lock, the summary).
    let mut out = Lines::new(out);
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_file(f, color, &mut out)?;
    }
    if files.is_empty() {
        writeln!(out, "no migration to show")?;
    }
    out.finish().map(drop)
}

fn paint(out: &mut dyn Write, c: &Cell, color: bool) -> io::Result<()> {
    match (color, c.style) {
        (true, Some(style)) => write!(out, "{style}{}{RESET}", c.text),
        _ => write!(out, "{}", c.text),
    }
}

fn render_file(f: &FileLocks, color: bool, out: &mut dyn Write) -> io::Result<()> {
    paint(out, &styled(f.path.clone(), BOLD), color)?;
    writeln!(out)?;
    if let Some(sql) = &f.sql_name {
        writeln!(
            out,
            "lines are those of the SQL that `{}` prints",
            inert::text(sql)
        )?;
    }
    writeln!(out, "{}", transaction_line(f))?;
    writeln!(out)?;
    if f.rows.is_empty() {
        writeln!(out, "  no statements")?;
        return Ok(());
    }
    let lines = table_lines(f);
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for line in &lines {
        if let Line::Cells(cells) = line {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.text.chars().count());
            }
        }
    }
    let headers: Vec<Cell> = HEADERS.iter().map(|h| styled(*h, BOLD)).collect();
    write_cells(out, &headers, &widths, color)?;
    for line in &lines {
        match line {
            Line::Cells(cells) => write_cells(out, cells, &widths, color)?,
            Line::Note(note) => {
                write!(out, "{:w$}  ", "", w = widths[0])?;
                paint(out, note, color)?;
                writeln!(out)?;
            }
        }
    }
    writeln!(out)?;
    render_summary(f, color, out)
}

fn write_cells(
    out: &mut dyn Write,
    cells: &[Cell],
    widths: &[usize],
    color: bool,
) -> io::Result<()> {
    let last = cells.len() - 1;
    let mut line = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.extend_from_slice(b"  ");
        }
        let pad = widths[i].saturating_sub(c.text.chars().count());
        // The line number is right-aligned; the last column is not padded.
        if i == 0 {
            line.extend(std::iter::repeat_n(b' ', pad));
        }
        paint(&mut line, c, color)?;
        if i > 0 && i < last {
            line.extend(std::iter::repeat_n(b' ', pad));
        }
    }
    let text = String::from_utf8_lossy(&line);
    writeln!(out, "{}", text.trim_end())
}

fn transaction_line(f: &FileLocks) -> String {
    if !f.summary.atomic {
        return "not atomic: no transaction block, each lock is released when its statement ends"
            .to_string();
    }
    match f.commit_lines.as_slice() {
        [] => format!(
            "atomic, but the transaction is never committed: locks are held to the end of the file (line {})",
            f.last_line
        ),
        [line] => format!("atomic: every lock is held until COMMIT at line {line}"),
        lines => format!(
            "{} transaction blocks: locks are held until the COMMIT of their block (lines {})",
            lines.len(),
            lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn table_lines(f: &FileLocks) -> Vec<Line> {
    let mut out = Vec::new();
    let mut operation: Option<&str> = None;
    for row in &f.rows {
        let op = row.operation.as_deref();
        if op != operation || (row.deferred && operation.is_some()) {
            let text = match op {
                Some(op) => format!("-- {op}"),
                None if row.deferred => "-- deferred SQL (no operation of its own)".to_string(),
                None => "-- (no operation)".to_string(),
            };
            out.push(Line::Note(styled(text, DIM)));
            operation = op;
        }
        let sql = row.short_sql(SQL_WIDTH);
        if row.locks.is_empty() {
            let what = if row.syntax_error.is_some() {
                styled("syntax error", BOLD_RED)
            } else {
                cell("-")
            };
            out.push(Line::Cells(vec![
                cell(row.line.to_string()),
                what,
                cell("-"),
                cell("-"),
                cell("-"),
                cell(yes_dash(!row.rewrites.is_empty())),
                cell(yes_dash(!row.scans.is_empty())),
                cell(held_until(row)),
                cell(sql.clone()),
            ]));
        }
        for (i, lock) in row.locks.iter().enumerate() {
            let first = i == 0;
            out.push(Line::Cells(vec![
                cell(if first {
                    row.line.to_string()
                } else {
                    String::new()
                }),
                cell(relation(lock)),
                mode_cell(lock),
                blocked(lock, lock.mode.blocks_reads()),
                blocked(lock, lock.mode.blocks_writes()),
                flag(lock.rewrite, RED),
                flag(lock.scan, YELLOW),
                cell(held_until(row)),
                cell(if first { sql.clone() } else { String::new() }),
            ]));
        }
        for note in notes(row) {
            out.push(Line::Note(styled(note, BOLD_RED)));
        }
    }
    out
}

fn relation(lock: &LockRow) -> String {
    let mut s = lock.relation.to_string();
    match lock.kind {
        RelKind::Index => s.push_str(" (index)"),
        RelKind::Sequence => s.push_str(" (sequence)"),
        RelKind::View => s.push_str(" (view)"),
        RelKind::MaterializedView => s.push_str(" (matview)"),
        // The lock is on the table of this index, which pglint has not seen created.
        RelKind::TableOfIndex => s.push_str(" (its table)"),
        RelKind::Table => {}
    }
    if lock.new {
        s.push_str(" (new)");
    }
    s
}

fn mode_cell(lock: &LockRow) -> Cell {
    let text = lock.mode.as_sql();
    if lock.new {
        cell(text)
    } else if lock.mode == LockMode::AccessExclusive {
        styled(text, BOLD_RED)
    } else if lock.mode.blocks_writes() {
        styled(text, RED)
    } else {
        cell(text)
    }
}

/// `blocked`, `-`, or `(new)` when the mode blocks but the relation is new (nobody waits).
fn blocked(lock: &LockRow, blocks: bool) -> Cell {
    match (blocks, lock.new) {
        (false, _) => cell("-"),
        (true, true) => styled("(new)", DIM),
        (true, false) => styled("blocked", RED),
    }
}

fn flag(on: bool, style: &'static str) -> Cell {
    if on { styled("yes", style) } else { cell("-") }
}

fn yes_dash(on: bool) -> &'static str {
    if on { "yes" } else { "-" }
}

fn held_until(row: &Row) -> String {
    let why = match row.released_by {
        Release::Commit => "COMMIT",
        Release::Rollback => "ROLLBACK",
        Release::EndOfFile => "end of file",
        Release::StatementEnd => "stmt end",
    };
    format!("{} ({why})", row.held_until_line)
}

/// Warnings printed under a statement's row.
pub(super) fn notes(row: &Row) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(msg) = &row.syntax_error {
        out.push(format!("! cannot analyse this statement: {msg}"));
    }
    if let Some(reason) = &row.refused {
        out.push(format!("! PostgreSQL refuses this statement: {reason}"));
    }
    if row.needs_no_transaction && row.in_transaction {
        out.push(
            "! must run outside a transaction block, but runs inside one: PostgreSQL refuses it \
             and the migration fails (Django: atomic = False)"
                .to_string(),
        );
    }
    out
}

/// A relation's name as printed, made inert.
fn name(relation: &crate::schema::QualifiedName) -> String {
    inert_text(relation.to_string())
}

fn render_summary(f: &FileLocks, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let s = &f.summary;
    paint(out, &styled("Summary", BOLD), color)?;
    writeln!(out)?;
    if s.tables.is_empty() {
        writeln!(out, "  No table that existed before is locked.")?;
    } else {
        let name_w = s
            .tables
            .iter()
            .map(|t| name(&t.relation).chars().count())
            .max()
            .unwrap_or(0);
        let mode_w = s
            .tables
            .iter()
            .map(|t| t.mode.as_sql().len())
            .max()
            .unwrap_or(0);
        let phrase_w = s
            .tables
            .iter()
            .map(|t| blocks_phrase(t.mode).len())
            .max()
            .unwrap_or(0);
        for t in &s.tables {
            let spans = t
                .spans
                .iter()
                .map(|sp| {
                    format!(
                        "{}, {}",
                        line_range(sp.from_line, sp.until_line, "-"),
                        statements_phrase(sp.statements)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            write!(out, "  {:name_w$}  ", name(&t.relation))?;
            let mode = Cell {
                text: format!("{:mode_w$}", t.mode.as_sql()),
                style: (t.mode.blocks_writes()).then_some(RED),
            };
            paint(out, &mode, color)?;
            writeln!(out, "  {:phrase_w$}  held {spans}", blocks_phrase(t.mode))?;
        }
    }
    let names = |v: &[(crate::schema::QualifiedName, Vec<usize>)]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|(r, lines)| format!("{} ({})", name(r), super::lines_phrase(lines)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    writeln!(
        out,
        "  Rewrites of tables that existed before: {}",
        names(&s.rewrites)
    )?;
    writeln!(
        out,
        "  Scans of tables that existed before: {}",
        names(&s.scans)
    )?;
    if !s.every_row_written.is_empty() {
        writeln!(
            out,
            "  Every row written and row-locked until the table's lock is released (writes of \
             those rows wait): {}",
            names(&s.every_row_written)
        )?;
    }
    if !s.new_relations.is_empty() {
        writeln!(
            out,
            "  New in this file (locking them blocks nobody): {}",
            s.new_relations
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    for (line, msg) in &s.syntax_errors {
        paint(
            out,
            &styled(
                format!("  ! line {line}: PostgreSQL cannot parse the statement: {msg}"),
                BOLD_RED,
            ),
            color,
        )?;
        writeln!(out)?;
    }
    for (line, reason) in &s.refused {
        paint(
            out,
            &styled(
                format!("  ! line {line}: PostgreSQL refuses the statement: {reason}"),
                BOLD_RED,
            ),
            color,
        )?;
        writeln!(out)?;
    }
    for line in &s.needs_no_transaction_in_transaction {
        paint(
            out,
            &styled(
                format!(
                    "  ! line {line}: must run outside a transaction block but runs inside one; PostgreSQL refuses it"
                ),
                BOLD_RED,
            ),
            color,
        )?;
        writeln!(out)?;
    }
    Ok(())
}
