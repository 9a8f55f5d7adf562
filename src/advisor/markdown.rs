//! The `markdown` format of `pglint locks`, for pull-request comments and step summaries: per
//! file a heading, a table (one row per relation a statement locks), the summary, and the
//! Mermaid chart of the locks on tables that existed before.
//!
//! Text from SQL or from the migration is escaped so it cannot break the table: code spans for
//! SQL and names (`|` escaped, fenced with more backticks than the text holds), and plain text
//! with markdown punctuation and `< > &` escaped.

use std::io::{self, Write};

use super::timeline::{FileLocks, LockRow, Release, Row};
use super::{SQL_WIDTH, blocks_phrase, human, line_range, mermaid, statements_phrase};
use crate::locks::RelKind;
use crate::report::inert;

pub fn render(files: &[FileLocks], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Locks taken by these migrations")?;
    writeln!(out)?;
    if files.is_empty() {
        writeln!(out, "No migration to show.")?;
    }
    for f in files {
        render_file(f, out)?;
    }
    Ok(())
}

fn render_file(f: &FileLocks, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {}", code(&f.path))?;
    writeln!(out)?;
    write_lines_sentence(f, out)?;
    writeln!(out, "{}", transaction_sentence(f))?;
    writeln!(out)?;
    if f.rows.is_empty() {
        writeln!(out, "No statements.")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "| Line | Operation | Statement | Relation | Lock | Blocks reads | Blocks writes | Rewrite | Scan | Held until |"
    )?;
    writeln!(out, "|---:|---|---|---|---|---|---|---|---|---|")?;
    for row in &f.rows {
        let operation = match (&row.operation, row.deferred) {
            (Some(op), _) => text(op),
            (None, true) => "*deferred SQL*".to_string(),
            (None, false) => String::new(),
        };
        let sql = code(&row.short_sql(SQL_WIDTH));
        let mut notes = human::notes(row);
        notes
            .iter_mut()
            .for_each(|n| *n = text(n.trim_start_matches("! ")));
        let sql = if notes.is_empty() {
            sql
        } else {
            format!("{sql}<br>⚠️ {}", notes.join("<br>⚠️ "))
        };
        if row.locks.is_empty() {
            let what = if row.syntax_error.is_some() {
                "syntax error"
            } else {
                "—"
            };
            writeln!(
                out,
                "| {} | {operation} | {sql} | {what} | — | — | — | {} | {} | {} |",
                row.line,
                yes_no(!row.rewrites.is_empty()),
                yes_no(!row.scans.is_empty()),
                held_until(row)
            )?;
        }
        for (i, lock) in row.locks.iter().enumerate() {
            let first = i == 0;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                if first {
                    row.line.to_string()
                } else {
                    String::new()
                },
                if first { operation.as_str() } else { "" },
                if first { sql.as_str() } else { "" },
                relation(lock),
                mode(lock),
                blocked(lock, lock.mode.blocks_reads()),
                blocked(lock, lock.mode.blocks_writes()),
                if lock.rewrite { "**yes**" } else { "no" },
                if lock.scan { "**yes**" } else { "no" },
                held_until(row)
            )?;
        }
    }
    writeln!(out)?;
    render_summary(f, out)?;
    if let Some(chart) = mermaid::diagram(f) {
        writeln!(out, "```mermaid")?;
        out.write_all(chart.as_bytes())?;
        writeln!(out, "```")?;
        writeln!(out)?;
        writeln!(
            out,
            "<sub>One lane per table that existed before, x axis = line in the file. Red bars block reads and writes, \
             blue bars block writes, grey bars block neither; ◆ marks a scan (red: a rewrite).</sub>"
        )?;
        writeln!(out)?;
    }
    Ok(())
}

/// The part of a file's section a findings report reuses: how long locks are held, then the
/// summary list (no statement table, no chart).
pub fn render_file_summary(f: &FileLocks, out: &mut dyn Write) -> io::Result<()> {
    write_lines_sentence(f, out)?;
    writeln!(out, "{}", transaction_sentence(f))?;
    writeln!(out)?;
    render_summary(f, out)
}

/// `pglint django`: the lines below count the generated SQL's lines, not the `.py`'s.
fn write_lines_sentence(f: &FileLocks, out: &mut dyn Write) -> io::Result<()> {
    match &f.sql_name {
        Some(sql) => writeln!(
            out,
            "Lines are those of the SQL that {} prints.\n",
            code(sql)
        ),
        None => Ok(()),
    }
}

fn transaction_sentence(f: &FileLocks) -> String {
    if !f.summary.atomic {
        return "Not atomic: no transaction block, so each lock is released when its statement ends."
            .to_string();
    }
    match f.commit_lines.as_slice() {
        [] => format!(
            "Atomic, but the transaction is never committed: locks are held to the end of the file (line {}).",
            f.last_line
        ),
        [line] => format!("Atomic: every lock is held until `COMMIT` at line {line}."),
        lines => format!(
            "{} transaction blocks: locks are held until the `COMMIT` of their block (lines {}).",
            lines.len(),
            lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn render_summary(f: &FileLocks, out: &mut dyn Write) -> io::Result<()> {
    let s = &f.summary;
    writeln!(out, "**Summary**")?;
    writeln!(out)?;
    if s.tables.is_empty() {
        writeln!(out, "- No table that existed before is locked.")?;
    }
    for t in &s.tables {
        let spans = t
            .spans
            .iter()
            .map(|sp| {
                format!(
                    "{}, {}",
                    line_range(sp.from_line, sp.until_line, "–"),
                    statements_phrase(sp.statements)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mode = if t.mode.blocks_writes() {
            format!("**{}**", t.mode.as_sql())
        } else {
            t.mode.as_sql().to_string()
        };
        writeln!(
            out,
            "- {}: {mode} ({}), held {spans}",
            code(&t.relation.to_string()),
            blocks_phrase(t.mode)
        )?;
    }
    let names = |v: &[(crate::schema::QualifiedName, Vec<usize>)]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|(r, lines)| {
                    format!("{} ({})", code(&r.to_string()), super::lines_phrase(lines))
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    writeln!(
        out,
        "- Rewrites of tables that existed before: {}",
        names(&s.rewrites)
    )?;
    writeln!(
        out,
        "- Scans of tables that existed before: {}",
        names(&s.scans)
    )?;
    if !s.every_row_written.is_empty() {
        writeln!(
            out,
            "- Every row written and row-locked until the table's lock is released (writes of \
             those rows wait): {}",
            names(&s.every_row_written)
        )?;
    }
    if !s.new_relations.is_empty() {
        writeln!(
            out,
            "- New in this file (locking them blocks nobody): {}",
            s.new_relations
                .iter()
                .map(|r| code(&r.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    for (line, msg) in &s.syntax_errors {
        writeln!(
            out,
            "- ⚠️ Line {line}: PostgreSQL cannot parse the statement: {}",
            text(msg)
        )?;
    }
    for (line, reason) in &s.refused {
        writeln!(
            out,
            "- ⚠️ Line {line}: PostgreSQL refuses the statement: {}",
            text(reason)
        )?;
    }
    for line in &s.needs_no_transaction_in_transaction {
        writeln!(
            out,
            "- ⚠️ Line {line}: must run outside a transaction block but runs inside one; PostgreSQL refuses it (Django: `atomic = False`)"
        )?;
    }
    writeln!(out)
}

fn relation(lock: &LockRow) -> String {
    let mut s = code(&lock.relation.to_string());
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

fn mode(lock: &LockRow) -> String {
    if lock.mode.blocks_writes() && !lock.new {
        format!("**{}**", lock.mode.as_sql())
    } else {
        lock.mode.as_sql().to_string()
    }
}

fn blocked(lock: &LockRow, blocks: bool) -> &'static str {
    match (blocks, lock.new) {
        (false, _) => "no",
        (true, true) => "nobody (new)",
        (true, false) => "**yes**",
    }
}

fn yes_no(on: bool) -> &'static str {
    if on { "**yes**" } else { "no" }
}

fn held_until(row: &Row) -> String {
    let why = match row.released_by {
        Release::Commit => "`COMMIT`",
        Release::Rollback => "`ROLLBACK`",
        Release::EndOfFile => "end of file",
        Release::StatementEnd => "statement end",
    };
    format!("{} ({why})", row.held_until_line)
}

/// `s` on one line of a table cell: line breaks as spaces, the rest made inert.
fn one_line(s: &str) -> String {
    let s = inert::encodable(s);
    if memchr::memchr2(b'\n', b'\r', s.as_bytes()).is_some() {
        s.replace(['\n', '\r'], " ")
    } else {
        s.into_owned()
    }
}

/// A code span that survives inside a table cell: line breaks as spaces, the rest made inert
/// ([`inert::encodable`]), `|` escaped, fenced with one backtick more than the longest backtick
/// run in `s`, padded when `s` starts or ends with a backtick.
pub fn code(s: &str) -> String {
    let s = one_line(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Plain text that survives inside a table cell: line breaks as spaces, the rest made inert
/// ([`inert::encodable`]), markdown punctuation backslash-escaped, `< > &` as entities.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in inert::encodable(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
