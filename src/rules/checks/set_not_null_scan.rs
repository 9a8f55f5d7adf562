//! `ALTER COLUMN ... SET NOT NULL` on an existing table: a full scan under ACCESS EXCLUSIVE,
//! unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+).

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, BoolExprType, ConstrType, NullTestType};

use super::{Hit, StmtCtx, ast};
use crate::schema::{Catalog, ConstraintKind, QualifiedName};

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::AlterTableStmt(at) = ctx.node else {
        return;
    };
    let Some(rv) = at.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    if ctx.is_new_table(&table) {
        return;
    }
    for cmd in ast::alter_cmds(at).filter(|c| ast::is_cmd(c, AlterTableType::AtSetNotNull)) {
        if proven_not_null(ctx.catalog, &table, &cmd.name)
            || proven_earlier_in_migration(ctx, &table, &cmd.name)
        {
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

/// A validated CHECK on this column alone that contains `col IS NOT NULL` and no `OR`.
fn proven_not_null(catalog: &Catalog, table: &QualifiedName, column: &str) -> bool {
    catalog.table(table).is_some_and(|t| {
        t.constraints.iter().any(|c| {
            matches!(c.kind, ConstraintKind::Check)
                && !c.not_valid
                && c.expr_columns == [column]
                && c.expr.as_deref().is_some_and(|e| {
                    let e = e.to_ascii_uppercase();
                    e.contains("IS NOT NULL") && !e.contains(" OR ")
                })
        })
    })
}

/// For a table pglint did not see created: a `CHECK (col IS NOT NULL)` added earlier in this
/// migration and validated (added without NOT VALID, or by a later VALIDATE CONSTRAINT).
fn proven_earlier_in_migration(ctx: &StmtCtx<'_>, table: &QualifiedName, column: &str) -> bool {
    let mut candidates: Vec<(String, bool)> = Vec::new();
    for stmt in ctx
        .migration
        .statements
        .iter()
        .take_while(|s| s.span.start < ctx.stmt.span.start)
    {
        let Some(NodeEnum::AlterTableStmt(at)) = stmt.node() else {
            continue;
        };
        if at
            .relation
            .as_ref()
            .map(QualifiedName::from_range_var)
            .as_ref()
            != Some(table)
        {
            continue;
        }
        for cmd in ast::alter_cmds(at) {
            if let Some(c) = ast::added_constraint(cmd)
                && ast::is_constraint(c, ConstrType::ConstrCheck)
                && c.raw_expr
                    .as_deref()
                    .is_some_and(|e| implies_not_null(e, column))
            {
                candidates.push((c.conname.clone(), !c.skip_validation));
            }
            if ast::is_cmd(cmd, AlterTableType::AtValidateConstraint) {
                candidates
                    .iter_mut()
                    .filter(|(n, _)| n == &cmd.name)
                    .for_each(|(_, valid)| *valid = true);
            }
            if ast::is_cmd(cmd, AlterTableType::AtDropConstraint) {
                candidates.retain(|(n, _)| n != &cmd.name);
            }
        }
    }
    candidates.iter().any(|(_, valid)| *valid)
}

/// `col IS NOT NULL`, possibly ANDed with other conditions.
fn implies_not_null(expr: &pg_query::protobuf::Node, column: &str) -> bool {
    match expr.node.as_ref() {
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype == NullTestType::IsNotNull as i32
                && matches!(t.arg.as_deref().and_then(|a| a.node.as_ref()), Some(NodeEnum::ColumnRef(c))
                    if ast::strings(&c.fields).last().is_some_and(|n| n == column))
        }
        Some(NodeEnum::BoolExpr(b)) if b.boolop == BoolExprType::AndExpr as i32 => {
            b.args.iter().any(|a| implies_not_null(a, column))
        }
        _ => false,
    }
}
