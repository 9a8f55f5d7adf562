//! Splitting a migration into statements and parsing each one on its own with the real
//! Postgres parser, so one bad statement becomes one finding and the rest is still linted.

mod django;
mod ffi;
#[cfg(all(target_pointer_width = "64", not(windows)))]
mod raw;
mod scanner_cost;
mod split;

use std::sync::Arc;

pub use pg_query::NodeEnum;

pub use self::django::{Operation, is_django_auto_name};
use crate::source::SourceFile;
use crate::span::Span;

/// One parsed migration file.
#[derive(Debug)]
pub struct Migration {
    pub file: Arc<SourceFile>,
    pub statements: Vec<Statement>,
    /// The Django operation headers (`--\n-- Add field x to y\n--`), in file order.
    pub operations: Vec<Operation>,
    /// Every comment outside statements, in file order (suppressions live here).
    pub comments: Vec<Comment>,
    /// For `pglint django`: the `# pglint: …` comments of the migration's `.py` file, which
    /// suppress the findings of the operation after them (see [`crate::suppress`]).
    pub py_comments: Vec<PyComment>,
}

/// A `# pglint: …` comment in a migration `.py` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyComment {
    /// The text after `#`, trimmed.
    pub text: String,
    /// Its 1-based line in the `.py` file.
    pub line: usize,
    /// The `.py` line of the operation right after it (only blank and comment lines between),
    /// the one whose findings it covers.
    pub operation_line: Option<usize>,
}

/// One statement of a migration.
#[derive(Debug)]
pub struct Statement {
    /// The statement text in the file: leading comments and white space trimmed, no `;`.
    pub span: Span,
    /// The file offset that the parse tree's `location` fields count from.
    pub base: usize,
    /// The parse tree, or the syntax error that replaced it.
    pub node: Result<NodeEnum, SyntaxError>,
    /// Inside an explicit `BEGIN; … COMMIT;` block.
    pub in_transaction: bool,
    /// Index into [`Migration::operations`] of the operation this statement belongs to.
    /// `None` before the first header and for Django's deferred SQL at the end of a migration.
    pub operation: Option<usize>,
    /// Django's deferred SQL (FK constraints and indexes printed after the last operation).
    pub deferred: bool,
    /// For deferred SQL: the operation that produced it, when its name tells (the index or
    /// foreign key of `Add field handled_by to order`, of a `Create model`, of an `Alter
    /// unique_together`).
    pub deferred_from: Option<usize>,
}

/// A statement Postgres refuses to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// Where Postgres points (the token), or the statement's start.
    pub at: Span,
}

/// A comment found between statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    /// The text without the comment markers, trimmed.
    pub text: String,
}

impl Migration {
    pub fn text(&self, span: Span) -> &str {
        &self.file.text[span.start..span.end]
    }

    /// The Django operation header a statement falls under.
    pub fn operation_of(&self, stmt: &Statement) -> Option<&Operation> {
        stmt.operation.map(|i| &self.operations[i])
    }
}

/// Splits and parses one file.
pub fn parse_file(file: Arc<SourceFile>) -> Migration {
    let pieces = split::split_and_parse(&file.text);
    let mut statements = Vec::with_capacity(pieces.statements.len());
    for piece in pieces.statements {
        match piece {
            split::Piece::Sql(span) => parse_piece(&file.text, span, &mut statements),
            split::Piece::Parsed(span, node) => statements.push(Statement {
                base: 0,
                ..Statement::new(span, Ok(*node))
            }),
            split::Piece::Error { span, error } => {
                statements.push(Statement::new(span, Err(error)))
            }
        }
    }
    let comments = pieces.comments;
    let operations = django::attach_context(&file.text, &comments, &mut statements);
    Migration {
        file,
        statements,
        operations,
        comments,
        py_comments: Vec::new(),
    }
}

fn parse_piece(text: &str, span: Span, out: &mut Vec<Statement>) {
    let sql = &text[span.start..span.end];
    match ffi::parse(sql) {
        Ok(tree) => {
            for raw in tree.stmts {
                let Some(node) = raw.stmt.and_then(|n| n.node) else {
                    continue;
                };
                // One piece normally holds one statement; keep exact spans if it holds more.
                let start = span.start + usize::try_from(raw.stmt_location).unwrap_or(0);
                let end = match usize::try_from(raw.stmt_len) {
                    Ok(0) | Err(_) => span.end,
                    Ok(len) => (start + len).min(span.end),
                };
                let stmt_span = split::trim_statement(text, Span::new(start, end));
                out.push(Statement {
                    base: span.start,
                    ..Statement::new(stmt_span, Ok(node))
                });
            }
        }
        Err(failure) => {
            let at = failure
                .cursor_char
                .map(|c| split::char_pos_to_span(sql, c).offset_by(span.start))
                .unwrap_or(span);
            out.push(Statement::new(
                span,
                Err(SyntaxError {
                    message: failure.message,
                    at,
                }),
            ));
        }
    }
}

/// Parses `sql` both ways, libpg_query's C tree read directly and through protobuf, and
/// says whether they agree (`None`: the direct way left this input to protobuf). For the
/// differential fuzz target (`fuzz/fuzz_targets/raw_tree.rs`); pglint itself parses once.
#[doc(hidden)]
#[cfg(all(target_pointer_width = "64", not(windows)))]
pub fn raw_tree_agrees(sql: &str) -> Option<bool> {
    let input = std::ffi::CString::new(sql).ok()?;
    let direct = raw::parse(&input)?;
    Some(direct == ffi::parse_protobuf(&input))
}

impl Statement {
    fn new(span: Span, node: Result<NodeEnum, SyntaxError>) -> Self {
        Statement {
            span,
            base: span.start,
            node,
            in_transaction: false,
            operation: None,
            deferred: false,
            deferred_from: None,
        }
    }

    pub fn node(&self) -> Option<&NodeEnum> {
        self.node.as_ref().ok()
    }
}

#[cfg(test)]
mod tests;
