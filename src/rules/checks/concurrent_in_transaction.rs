//! CONCURRENTLY inside an explicit transaction block: Postgres refuses the statement.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, TransactionStmtKind};

use super::{Hit, StmtCtx, ast};

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    if !ctx.stmt.in_transaction {
        return;
    }
    let what = match ctx.node {
        NodeEnum::IndexStmt(ix) if ix.concurrent => "CREATE INDEX CONCURRENTLY",
        NodeEnum::DropStmt(d) if d.concurrent => "DROP INDEX CONCURRENTLY",
        NodeEnum::ReindexStmt(r) if r.params.iter().any(|p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")) => {
            "REINDEX CONCURRENTLY"
        }
        NodeEnum::AlterTableStmt(at)
            if ast::alter_cmds(at).any(|c| {
                ast::is_cmd(c, AlterTableType::AtDetachPartition)
                    && matches!(c.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
            }) =>
        {
            "DETACH PARTITION CONCURRENTLY"
        }
        _ => return,
    };
    let span = ctx.find_name("concurrently", ctx.stmt.span.start);
    let mut hit = Hit::at(span).label("keyword").var("statement", what);
    if let Some(begin) = opening_begin(ctx) {
        hit = hit.related("begin", ctx.file, begin);
    }
    hits.push(hit);
}

/// The `BEGIN` that opened the transaction this statement runs in.
fn opening_begin(ctx: &StmtCtx<'_>) -> Option<crate::span::Span> {
    ctx.migration
        .statements
        .iter()
        .take_while(|s| s.span.start < ctx.stmt.span.start)
        .filter(|s| {
            matches!(s.node(), Some(NodeEnum::TransactionStmt(t))
                if t.kind == TransactionStmtKind::TransStmtBegin as i32 || t.kind == TransactionStmtKind::TransStmtStart as i32)
        })
        .last()
        .map(|s| s.span)
}
