//! The `json` format of `pglint locks` (issue 3's schema, with more fields):
//!
//! ```json
//! {"version": 1,
//!  "statements": [{"path": "...", "line": 12, "end_line": 12, "operation": "Add field x to y",
//!                  "deferred": false, "sql": "ALTER TABLE ...", "in_transaction": true,
//!                  "locks": [{"relation": "shop_order", "kind": "table",
//!                             "mode": "ACCESS EXCLUSIVE", "blocks_reads": true,
//!                             "blocks_writes": true, "new": false}],
//!                  "rewrites": ["shop_order"], "scans": [], "writes_every_row": [],
//!                  "rebuilt_indexes": [],
//!                  "new_relations": [], "needs_no_transaction": false, "refused": null,
//!                  "syntax_error": null, "held_until_line": 20, "released_by": "commit"}],
//!  "migrations": [{"path": "...", "sql_name": null, "atomic": true, "commit_lines": [20],
//!                  "tables": [{"relation": "shop_order", "mode": "ACCESS EXCLUSIVE",
//!                              "blocks_reads": true, "blocks_writes": true,
//!                              "from_line": 12, "until_line": 20, "statements": 3,
//!                              "spans": [{"from_line": 12, "until_line": 20,
//!                                         "statements": 3}]}],
//!                  "new_relations": [], "rewrites": [{"relation": "shop_order", "lines": [12]}],
//!                  "scans": [], "every_row_written": [], "refused": [],
//!                  "needs_no_transaction_in_transaction": [],
//!                  "syntax_errors": []}]}
//! ```
//!
//! `sql` is the whole statement on one line (white space runs collapsed). In `pglint django
//! --locks` the path is the migration `.py`, the lines are those of the SQL that `sql_name`
//! (`sqlmigrate APP NAME`) prints, and each operation is followed by its place in the `.py`. Lock modes are
//! spelled as in SQL; relations are unqualified in schema `public`, qualified otherwise.
//! `released_by`: `commit`, `rollback`, `end_of_file` (a transaction never closed) or
//! `statement_end` (outside a transaction block).

use std::io::{self, Write};

use serde::Serialize;

use super::timeline::{FileLocks, Row};
use crate::locks::RelKind;
use crate::report::inert;
use crate::schema::QualifiedName;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    statements: Vec<Statement<'a>>,
    migrations: Vec<Migration<'a>>,
}

#[derive(Serialize)]
struct Statement<'a> {
    path: &'a str,
    line: usize,
    end_line: usize,
    operation: Option<&'a str>,
    deferred: bool,
    sql: &'a str,
    in_transaction: bool,
    locks: Vec<Lock>,
    rewrites: Vec<String>,
    scans: Vec<String>,
    writes_every_row: Vec<String>,
    rebuilt_indexes: Vec<String>,
    new_relations: Vec<String>,
    needs_no_transaction: bool,
    refused: Option<&'a str>,
    syntax_error: Option<&'a str>,
    held_until_line: usize,
    released_by: &'static str,
}

#[derive(Serialize)]
struct Lock {
    relation: String,
    kind: &'static str,
    mode: &'static str,
    blocks_reads: bool,
    blocks_writes: bool,
    new: bool,
}

#[derive(Serialize)]
struct Migration<'a> {
    path: &'a str,
    /// `pglint django`: the name of the SQL whose lines the `line` fields count
    /// (`sqlmigrate shop 0003_x`); `null` for a SQL file.
    sql_name: Option<&'a str>,
    atomic: bool,
    commit_lines: &'a [usize],
    tables: Vec<TableHold>,
    new_relations: Vec<String>,
    rewrites: Vec<AtLines>,
    scans: Vec<AtLines>,
    every_row_written: Vec<AtLines>,
    refused: Vec<Reason<'a>>,
    needs_no_transaction_in_transaction: &'a [usize],
    syntax_errors: Vec<Reason<'a>>,
}

#[derive(Serialize)]
struct TableHold {
    relation: String,
    mode: &'static str,
    blocks_reads: bool,
    blocks_writes: bool,
    from_line: usize,
    until_line: usize,
    statements: usize,
    spans: Vec<Span>,
}

#[derive(Serialize)]
struct Span {
    from_line: usize,
    until_line: usize,
    statements: usize,
}

#[derive(Serialize)]
struct AtLines {
    relation: String,
    lines: Vec<usize>,
}

#[derive(Serialize)]
struct Reason<'a> {
    line: usize,
    message: &'a str,
}

fn names(v: &[QualifiedName]) -> Vec<String> {
    v.iter().map(|n| n.to_string()).collect()
}

fn kind(k: RelKind) -> &'static str {
    match k {
        RelKind::Table => "table",
        RelKind::Index => "index",
        RelKind::Sequence => "sequence",
        RelKind::View => "view",
        RelKind::MaterializedView => "materialized_view",
        RelKind::TableOfIndex => "table_of_index",
    }
}

fn statement<'a>(path: &'a str, row: &'a Row) -> Statement<'a> {
    Statement {
        path,
        line: row.line,
        end_line: row.end_line,
        operation: row.operation.as_deref(),
        deferred: row.deferred,
        sql: &row.sql,
        in_transaction: row.in_transaction,
        locks: row
            .locks
            .iter()
            .map(|l| Lock {
                relation: l.relation.to_string(),
                kind: kind(l.kind),
                mode: l.mode.as_sql(),
                blocks_reads: l.mode.blocks_reads(),
                blocks_writes: l.mode.blocks_writes(),
                new: l.new,
            })
            .collect(),
        rewrites: names(&row.rewrites),
        scans: names(&row.scans),
        writes_every_row: names(&row.writes_every_row),
        rebuilt_indexes: names(&row.rebuilt_indexes),
        new_relations: names(&row.new_relations),
        needs_no_transaction: row.needs_no_transaction,
        refused: row.refused.as_deref(),
        syntax_error: row.syntax_error.as_deref(),
        held_until_line: row.held_until_line,
        released_by: row.released_by.as_str(),
    }
}

fn migration(f: &FileLocks) -> Migration<'_> {
    let s = &f.summary;
    let at_lines = |v: &[(QualifiedName, Vec<usize>)]| {
        v.iter()
            .map(|(r, lines)| AtLines {
                relation: r.to_string(),
                lines: lines.clone(),
            })
            .collect()
    };
    Migration {
        path: &f.path,
        sql_name: f.sql_name.as_deref(),
        atomic: s.atomic,
        commit_lines: &f.commit_lines,
        tables: s
            .tables
            .iter()
            .map(|t| TableHold {
                relation: t.relation.to_string(),
                mode: t.mode.as_sql(),
                blocks_reads: t.mode.blocks_reads(),
                blocks_writes: t.mode.blocks_writes(),
                from_line: t.from_line(),
                until_line: t.until_line(),
                statements: t.statements(),
                spans: t
                    .spans
                    .iter()
                    .map(|sp| Span {
                        from_line: sp.from_line,
                        until_line: sp.until_line,
                        statements: sp.statements,
                    })
                    .collect(),
            })
            .collect(),
        new_relations: names(&s.new_relations),
        rewrites: at_lines(&s.rewrites),
        scans: at_lines(&s.scans),
        every_row_written: at_lines(&s.every_row_written),
        refused: s
            .refused
            .iter()
            .map(|(line, m)| Reason {
                line: *line,
                message: m,
            })
            .collect(),
        needs_no_transaction_in_transaction: &s.needs_no_transaction_in_transaction,
        syntax_errors: s
            .syntax_errors
            .iter()
            .map(|(line, m)| Reason {
                line: *line,
                message: m,
            })
            .collect(),
    }
}

fn document(files: &[FileLocks]) -> Document<'_> {
    Document {
        version: VERSION,
        statements: files
            .iter()
            .flat_map(|f| f.rows.iter().map(move |r| statement(&f.path, r)))
            .collect(),
        migrations: files.iter().map(migration).collect(),
    }
}

/// The document as a JSON value (for tests and embedding).
pub fn to_value(files: &[FileLocks]) -> serde_json::Value {
    serde_json::to_value(document(files)).expect("plain data serializes")
}

/// Writes the document, fields in the documented order, with what the SQL may hold made
/// inert ([`inert::json`]: the data is unchanged).
pub fn render(files: &[FileLocks], out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(&document(files))?;
    out.write_all(inert::json(&text).as_bytes())?;
    writeln!(out)
}
