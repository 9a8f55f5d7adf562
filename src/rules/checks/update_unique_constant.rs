//! `UPDATE t SET unique_column = <constant>` over more than one row of a table that existed
//! before the migration: the second row it touches duplicates the first, and the migration
//! fails. A data migration (RunSQL) that fills a new unique field this way passes on a
//! developer's database with one row and fails in production.

use pg_query::NodeEnum;
use pg_query::protobuf::{AExprKind, Node};

use super::{Hit, StmtCtx};
use crate::schema::{IndexKey, QualifiedName};

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::UpdateStmt(update) = ctx.node else {
        return;
    };
    let Some(rv) = update.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    if ctx.is_new_table(&table) {
        return;
    }
    let unique = |column: &str| {
        ctx.catalog.indexes_of(&table).any(|ix| {
            ix.unique
                && !ix.partial
                && matches!(ix.keys.as_slice(), [IndexKey::Column(c)] if c == column)
        })
    };
    // `WHERE key = constant` on a unique column touches one row at most.
    if update
        .where_clause
        .as_deref()
        .and_then(equality_column)
        .is_some_and(|c| unique(&c))
    {
        return;
    }
    for target in &update.target_list {
        let Some(NodeEnum::ResTarget(t)) = target.node.as_ref() else {
            continue;
        };
        if !unique(&t.name) || !t.val.as_deref().is_some_and(is_constant) {
            continue;
        }
        let at = ctx.location(t.location);
        hits.push(
            Hit::at(ctx.find_name(&t.name, at))
                .label("set")
                .var("table", table.to_string())
                .var("column", t.name.clone()),
        );
    }
}

/// A literal that is not NULL (NULLs never clash in a unique index), possibly cast.
fn is_constant(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => !c.isnull,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_constant),
        _ => false,
    }
}

/// The column of `column = constant` (either side), when that is the whole condition.
fn equality_column(node: &Node) -> Option<String> {
    let Some(NodeEnum::AExpr(e)) = node.node.as_ref() else {
        return None;
    };
    let is_eq = e.kind == AExprKind::AexprOp as i32
        && e.name
            .iter()
            .any(|n| crate::schema::string_value(n) == Some("="));
    if !is_eq {
        return None;
    }
    let column = |n: &Node| match n.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) => c
            .fields
            .last()
            .and_then(|f| crate::schema::string_value(f))
            .map(str::to_string),
        _ => None,
    };
    let (l, r) = (e.lexpr.as_deref()?, e.rexpr.as_deref()?);
    column(l)
        .filter(|_| is_constant(r))
        .or_else(|| column(r).filter(|_| is_constant(l)))
}
