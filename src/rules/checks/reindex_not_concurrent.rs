//! `REINDEX` without CONCURRENTLY.

use pg_query::NodeEnum;
use pg_query::protobuf::ReindexObjectType;

use super::{Hit, StmtCtx};
use crate::schema::QualifiedName;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::ReindexStmt(re) = ctx.node else {
        return;
    };
    if is_concurrent(re) {
        return;
    }
    let (kind, target, span) = match (ReindexObjectType::try_from(re.kind), re.relation.as_ref()) {
        (Ok(ReindexObjectType::ReindexObjectIndex), Some(rv)) => {
            let name = QualifiedName::from_range_var(rv);
            // Rebuilding an index of a table created in this same file blocks no one.
            if ctx
                .catalog
                .index(&name)
                .is_some_and(|ix| ctx.is_new_table(&ix.table))
            {
                return;
            }
            ("INDEX", name.to_string(), ctx.range_var_span(rv))
        }
        (Ok(ReindexObjectType::ReindexObjectTable), Some(rv)) => {
            let name = QualifiedName::from_range_var(rv);
            if ctx.is_new_table(&name) {
                return;
            }
            ("TABLE", name.to_string(), ctx.range_var_span(rv))
        }
        (Ok(ReindexObjectType::ReindexObjectSchema), _) => (
            "SCHEMA",
            re.name.clone(),
            ctx.find_name(&re.name, ctx.stmt.span.start),
        ),
        (Ok(ReindexObjectType::ReindexObjectDatabase), _) => {
            ("DATABASE", re.name.clone(), ctx.stmt.span)
        }
        (Ok(ReindexObjectType::ReindexObjectSystem), _) => {
            ("SYSTEM", re.name.clone(), ctx.stmt.span)
        }
        _ => return,
    };
    hits.push(
        Hit::at(span)
            .label("target")
            .var("kind", kind)
            .var("target", target),
    );
}

fn is_concurrent(re: &pg_query::protobuf::ReindexStmt) -> bool {
    re.params.iter().any(|p| match p.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => {
            d.defname == "concurrently"
                && !matches!(
                    d.arg.as_deref().and_then(|a| a.node.as_ref()),
                    Some(NodeEnum::Boolean(b)) if !b.boolval
                )
        }
        _ => false,
    })
}
