//! `CREATE [UNIQUE] INDEX` without CONCURRENTLY on a table that already exists.

use pg_query::NodeEnum;

use super::{Hit, StmtCtx};
use crate::schema::QualifiedName;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::IndexStmt(ix) = ctx.node else {
        return;
    };
    let Some(rv) = ix.relation.as_ref() else {
        return;
    };
    // `ON ONLY parent` builds nothing (and Postgres forbids CONCURRENTLY there).
    if ix.concurrent || !rv.inh {
        return;
    }
    let table = QualifiedName::from_range_var(rv);
    // A partitioned parent cannot be indexed CONCURRENTLY: `partitioned-index-locks` gives
    // the advice that works there.
    if ctx.is_new_table(&table)
        || ctx
            .catalog
            .table(&table)
            .is_some_and(crate::schema::Table::is_partitioned)
    {
        return;
    }
    let index = if ix.idxname.is_empty() {
        "the index".to_string()
    } else {
        ix.idxname.clone()
    };
    let span = if ix.idxname.is_empty() {
        ctx.range_var_span(rv)
    } else {
        ctx.find_name(&ix.idxname, ctx.stmt.span.start)
    };
    let keyword = if ix.unique {
        "CREATE UNIQUE INDEX"
    } else {
        "CREATE INDEX"
    };
    hits.push(
        Hit::at(span)
            .label("index")
            .var("index", index)
            .var("table", table.to_string())
            .var("create", keyword)
            .related("table", ctx.file, ctx.range_var_span(rv)),
    );
}
