//! The `design` checks on whole tables: no primary key, too many columns. Judged on the catalog
//! at the end of the file, where Django's later statements (a key added by `ALTER TABLE`, a
//! column dropped) have been replayed.

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::{Hit, StmtCtx, ast};
use crate::schema::QualifiedName;

pub fn missing_primary_key(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::CreateStmt(create) = ctx.node else {
        return;
    };
    let Some(rv) = create.relation.as_ref() else {
        return;
    };
    // Temporary tables live for a session; partitions get their keys from the parent.
    if rv.relpersistence == "t" || create.partbound.is_some() {
        return;
    }
    // `LIKE other INCLUDING …` may copy a key the catalog does not model.
    if create
        .table_elts
        .iter()
        .any(|e| matches!(e.node, Some(NodeEnum::TableLikeClause(_))))
    {
        return;
    }
    let table = QualifiedName::from_range_var(rv);
    let t = table.clone();
    hits.push(
        Hit::at(ctx.range_var_span(rv))
            .label("table")
            .var("table", table.to_string())
            .confirm(move |cat| {
                cat.table(&t)
                    .is_some_and(|t| t.primary_key().is_none() && t.partition_of.is_none())
            }),
    );
}

pub fn wide_table(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (rv, creates) = match ctx.node {
        // A partition has its parent's columns: the parent is judged, not each partition.
        NodeEnum::CreateStmt(create) if create.partbound.is_some() => return,
        NodeEnum::CreateStmt(create) => (create.relation.as_ref(), true),
        NodeEnum::AlterTableStmt(at)
            if ast::alter_cmds(at).any(|c| ast::added_column(c).is_some()) =>
        {
            (at.relation.as_ref(), false)
        }
        _ => return,
    };
    let Some(rv) = rv else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    let max = usize::try_from(ctx.options.int("max_columns").unwrap_or(60)).unwrap_or(0);
    // Runs after the statement: the columns it did not add were there before, with those it
    // dropped.
    let Some(t) = ctx.catalog.table(&table) else {
        return;
    };
    let count = t.columns.len();
    let before = match (creates, ctx.node) {
        (false, NodeEnum::AlterTableStmt(at)) => {
            let dropped = ast::alter_cmds(at)
                .filter(|c| ast::is_cmd(c, AlterTableType::AtDropColumn))
                .count();
            t.columns.iter().filter(|c| !ctx.added_here(c)).count() + dropped
        }
        _ => 0,
    };
    // Where the table first passes the limit: at its creation or at the column that tips it.
    if count <= max || before > max {
        return;
    }
    let t = table.clone();
    hits.push(
        Hit::at(ctx.range_var_span(rv))
            .label("table")
            .var("table", table.to_string())
            .var("count", count.to_string())
            .var("max", max.to_string())
            .confirm(move |cat| cat.table(&t).is_some_and(|t| t.columns.len() > max)),
    );
}
