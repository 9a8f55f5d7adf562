//! `ALTER COLUMN ... SET NOT NULL` on an existing table: a full scan under ACCESS EXCLUSIVE,
//! unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+).

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, NullTestType};

use super::{Hit, StmtCtx, ast, constraints};
use crate::schema::QualifiedName;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for cmd in ast::alter_cmds(at).filter(|c| ast::is_cmd(c, AlterTableType::AtSetNotNull)) {
        if proven_not_null(ctx, &table, &cmd.name) {
            continue;
        }
        let column_span = ctx.find_name(&cmd.name, ctx.stmt.span.start);
        hits.push(
            Hit::at(ctx.find_name("set", column_span.end))
                .label("set")
                .var("table", table.to_string())
                .var("column", cmd.name.clone())
                .var("check", format!("{}_{}_not_null", table.name, cmd.name)),
        );
    }
}

/// A validated CHECK whose conditions (ANDed) include `col IS NOT NULL`: PostgreSQL 12+ then
/// skips the scan. Read from the catalog, or from this migration for tables it never saw.
fn proven_not_null(ctx: &StmtCtx<'_>, table: &QualifiedName, column: &str) -> bool {
    constraints::checks_of(ctx, table).iter().any(|c| {
        c.valid
            && constraints::conjuncts(&c.expr)
                .iter()
                .any(|e| is_not_null(e, column))
    })
}

/// `col IS NOT NULL`.
fn is_not_null(expr: &pg_query::protobuf::Node, column: &str) -> bool {
    matches!(expr.node.as_ref(), Some(NodeEnum::NullTest(t))
        if t.nulltesttype == NullTestType::IsNotNull as i32
            && t.arg.as_deref().and_then(constraints::column_name) == Some(column))
}
