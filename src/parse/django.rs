//! The Django context of each statement: the operation header it falls under, whether it runs
//! inside `BEGIN; … COMMIT;`, and whether it is Django's deferred SQL.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, TransactionStmtKind};

use super::{Comment, Statement};
use crate::span::Span;

/// One operation header printed by `sqlmigrate`:
/// `--` / `-- <operation.describe()>` / `--`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `Add field price to order`, `Raw SQL operation`, …; shared with the findings of its
    /// statements.
    pub describe: std::sync::Arc<str>,
    /// The describe line in the file.
    pub span: Span,
    /// Followed by `-- THIS OPERATION CANNOT BE WRITTEN AS SQL` (RunPython and friends).
    pub not_sql: bool,
    /// The operation's place in the file this SQL was generated from (`pglint django`: the
    /// migration `.py`), when known.
    pub source_at: Option<crate::span::LineCol>,
}

const NOT_SQL: &str = "THIS OPERATION CANNOT BE WRITTEN AS SQL";
const NO_OP: &str = "(no-op)";

/// Fills in the Django context of `statements` and returns the operation headers.
pub fn attach_context(
    text: &str,
    comments: &[Comment],
    statements: &mut [Statement],
) -> Vec<Operation> {
    let operations = find_headers(text, comments);
    let mut in_tx = false;
    let mut op = 0usize; // headers that start before the current statement
    for stmt in statements.iter_mut() {
        while op < operations.len() && operations[op].span.start < stmt.span.start {
            op += 1;
        }
        stmt.operation = op.checked_sub(1);
        match transaction_kind(stmt) {
            Some(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart) => {
                in_tx = true;
                continue;
            }
            Some(
                TransactionStmtKind::TransStmtCommit
                | TransactionStmtKind::TransStmtRollback
                | TransactionStmtKind::TransStmtPrepare,
            ) => {
                stmt.in_transaction = in_tx;
                in_tx = false;
                stmt.operation = None;
                continue;
            }
            _ => stmt.in_transaction = in_tx,
        }
    }
    mark_deferred(statements, &operations);
    operations
}

fn transaction_kind(stmt: &Statement) -> Option<TransactionStmtKind> {
    match stmt.node() {
        Some(NodeEnum::TransactionStmt(t)) => TransactionStmtKind::try_from(t.kind).ok(),
        _ => None,
    }
}

/// Finds the three-comment header blocks. The comments must sit on consecutive lines.
fn find_headers(text: &str, comments: &[Comment]) -> Vec<Operation> {
    let is_line = |c: &Comment| text[c.span.start..].starts_with("--");
    let adjacent = |a: &Comment, b: &Comment| {
        text[a.span.end..b.span.start].trim().is_empty()
            && text[a.span.end..b.span.start].matches('\n').count() == 1
    };
    let mut ops = Vec::new();
    let mut i = 0;
    while i + 2 < comments.len() {
        let (open, body, close) = (&comments[i], &comments[i + 1], &comments[i + 2]);
        let is_header = [open, body, close].iter().all(|c| is_line(c))
            && open.text.is_empty()
            && close.text.is_empty()
            && !body.text.is_empty()
            && body.text != NOT_SQL
            && body.text != NO_OP
            && adjacent(open, body)
            && adjacent(body, close);
        if !is_header {
            i += 1;
            continue;
        }
        let not_sql = comments
            .get(i + 3)
            .is_some_and(|c| c.text == NOT_SQL && adjacent(close, c));
        ops.push(Operation {
            describe: body.text.as_str().into(),
            span: body.span,
            not_sql,
            source_at: None,
        });
        i += 3;
    }
    ops
}

/// Django prints the deferred SQL of a migration (FK constraints, FK and `_like` indexes,
/// `unique_together`) after the last operation's own SQL, so the last header does not own it.
/// From the first statement after the last header that creates an object under a Django
/// auto-generated name (`{table}_{columns}_{8 hex}{suffix}`), every statement up to COMMIT is
/// deferred and belongs to no operation. An `Alter field f on m` header keeps the index it
/// creates itself on its own column.
fn mark_deferred(statements: &mut [Statement], operations: &[Operation]) {
    let Some(last) = operations.last() else {
        return;
    };
    let altered_column = last
        .describe
        .strip_prefix("Alter field ")
        .and_then(|rest| rest.split(" on ").next())
        .map(str::to_owned);
    let mut deferred = false;
    for stmt in statements
        .iter_mut()
        .filter(|s| s.span.start > last.span.start)
    {
        if transaction_kind(stmt).is_some() {
            deferred = false;
            continue;
        }
        if !deferred {
            deferred = auto_named_object(stmt).is_some_and(|(table, name)| {
                let own_column = altered_column.as_deref().is_some_and(|col| {
                    name.starts_with(&format!("{table}_{col}_"))
                        || name.starts_with(&format!("{table}_{col}_id_"))
                });
                !own_column
            });
        }
        if deferred {
            stmt.deferred = true;
            stmt.operation = None;
            stmt.deferred_from = origin(stmt, operations);
        }
    }
}

/// The operation whose deferred SQL `stmt` is, from the Django name of what it creates:
/// `{table}_{column}_…` of `Add field column to model` / `Alter field column on model`, any
/// object of a table of `Create model Model`, the `_uniq` of `Alter unique_together for model`.
fn origin(stmt: &Statement, operations: &[Operation]) -> Option<usize> {
    let (table, name) = auto_named_object(stmt)?;
    let of_model = |model: &str| {
        let model = model.to_ascii_lowercase();
        table == model || table.ends_with(&format!("_{model}"))
    };
    operations.iter().rposition(|op| {
        let d = &*op.describe;
        if let Some(rest) = d
            .strip_prefix("Add field ")
            .map(|r| r.split_once(" to "))
            .or_else(|| d.strip_prefix("Alter field ").map(|r| r.split_once(" on ")))
            .flatten()
        {
            let (field, model) = rest;
            return of_model(model)
                && (name.starts_with(&format!("{table}_{field}_"))
                    || name.starts_with(&format!("{table}_{field}_id_")));
        }
        if let Some(model) = d.strip_prefix("Create model ") {
            return of_model(model);
        }
        if let Some(rest) = d.strip_prefix("Alter unique_together for ") {
            let model = rest.split(' ').next().unwrap_or(rest);
            return of_model(model) && name.ends_with("_uniq");
        }
        false
    })
}

/// `(table, name)` of an index or constraint created under a Django auto-generated name.
fn auto_named_object(stmt: &Statement) -> Option<(String, String)> {
    let (table, name) = match stmt.node()? {
        NodeEnum::IndexStmt(ix) => (ix.relation.as_ref()?.relname.clone(), ix.idxname.clone()),
        NodeEnum::AlterTableStmt(at) => {
            let table = at.relation.as_ref()?.relname.clone();
            let name = at.cmds.iter().find_map(|cmd| match cmd.node.as_ref()? {
                NodeEnum::AlterTableCmd(c)
                    if c.subtype == AlterTableType::AtAddConstraint as i32 =>
                {
                    match c.def.as_ref()?.node.as_ref()? {
                        NodeEnum::Constraint(k)
                            if k.contype == ConstrType::ConstrForeign as i32
                                || k.contype == ConstrType::ConstrUnique as i32 =>
                        {
                            Some(k.conname.clone())
                        }
                        _ => None,
                    }
                }
                _ => None,
            })?;
            (table, name)
        }
        _ => return None,
    };
    is_django_auto_name(&table, &name).then_some((table, name))
}

/// `{table}_{cols}_{8 hex digits}` optionally followed by `_like`, `_uniq`, `_fk` or
/// `_fk_{to_table}_{to_col}`, as `BaseDatabaseSchemaEditor._create_index_name` builds it.
/// Names longer than 63 characters are shortened by Django, so only the hash part is required
/// when the table prefix was cut.
pub fn is_django_auto_name(table: &str, name: &str) -> bool {
    let hash_at = name.match_indices('_').map(|(i, _)| i + 1).find(|&i| {
        let h = &name.as_bytes()[i..];
        h.len() >= 8
            && h[..8]
                .iter()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && matches!(&name[i + 8..], "" | "_like" | "_uniq" | "_fk" | "_pk")
                | name[i + 8..].starts_with("_fk_")
    });
    let Some(i) = hash_at else { return false };
    let prefix = &name[..i - 1];
    prefix.starts_with(&format!("{table}_")) || (name.len() >= 60 && !prefix.is_empty())
}

#[cfg(test)]
mod tests {
    use super::is_django_auto_name;

    #[test]
    fn recognises_django_generated_names() {
        assert!(is_django_auto_name(
            "shop_book",
            "shop_book_author_id_82b8ab51"
        ));
        assert!(is_django_auto_name(
            "shop_book",
            "shop_book_isbn_d60b4a22_like"
        ));
        assert!(is_django_auto_name(
            "shop_book",
            "shop_book_author_id_title_ee8b7262_uniq"
        ));
        assert!(is_django_auto_name(
            "shop_book",
            "shop_book_author_id_82b8ab51_fk_shop_author_id"
        ));
        assert!(!is_django_auto_name("shop_book", "book_title_pages_idx"));
        assert!(!is_django_auto_name("shop_book", "shop_book_code_key"));
        assert!(!is_django_auto_name("shop_book", "shop_book_status_idx"));
    }
}
