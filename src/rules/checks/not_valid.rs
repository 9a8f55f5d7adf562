//! Constraints validated while a strong lock is held: FOREIGN KEY and CHECK added without
//! `NOT VALID`, and `VALIDATE CONSTRAINT` in the same transaction as the `NOT VALID` add.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType};

use super::{Hit, StmtCtx, ast};
use crate::schema::QualifiedName;

/// `ADD FOREIGN KEY` (table constraint or a column's `REFERENCES`) on an existing table
/// without `NOT VALID`.
pub fn fk_without_not_valid(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    validated_on_existing(ctx, hits, ConstrType::ConstrForeign);
}

/// `ADD CHECK` on an existing table without `NOT VALID`.
pub fn check_without_not_valid(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    validated_on_existing(ctx, hits, ConstrType::ConstrCheck);
}

fn validated_on_existing(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>, kind: ConstrType) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for cmd in ast::alter_cmds(at) {
        // Only ADD CONSTRAINT: a constraint written on a column that this statement adds
        // validates a column that is NULL everywhere, which needs no scan (Django's AddField
        // of a ForeignKey is that case).
        let Some(c) = ast::added_constraint(cmd) else {
            continue;
        };
        if !ast::is_constraint(c, kind) || c.skip_validation {
            continue;
        }
        let references = c.pktable.as_ref().map(QualifiedName::from_range_var);
        let name = if c.conname.is_empty() {
            "the constraint".to_string()
        } else {
            c.conname.clone()
        };
        let at_loc = ctx.location(c.location);
        let span = if c.conname.is_empty() {
            ctx.find_name(keyword(kind), at_loc)
        } else {
            ctx.find_name(&c.conname, at_loc)
        };
        hits.push(
            Hit::at(span)
                .label("constraint")
                .var("table", table.to_string())
                .var("constraint", name)
                .var(
                    "references",
                    references.map_or_else(String::new, |r| r.to_string()),
                ),
        );
    }
}

fn keyword(kind: ConstrType) -> &'static str {
    if kind == ConstrType::ConstrForeign {
        "foreign"
    } else {
        "check"
    }
}

/// `VALIDATE CONSTRAINT c` in the same transaction block as the `ADD CONSTRAINT c ... NOT VALID`.
pub fn validate_in_same_transaction(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::AlterTableStmt(at) = ctx.node else {
        return;
    };
    if !ctx.stmt.in_transaction {
        return;
    }
    let Some(rv) = at.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    for cmd in ast::alter_cmds(at).filter(|c| ast::is_cmd(c, AlterTableType::AtValidateConstraint))
    {
        let Some(added) = not_valid_add_in_same_transaction(ctx, &table, &cmd.name) else {
            continue;
        };
        hits.push(
            Hit::at(ctx.find_name(&cmd.name, ctx.stmt.span.start))
                .label("validate")
                .var("table", table.to_string())
                .var("constraint", cmd.name.clone())
                .related("added", ctx.file, added),
        );
    }
}

/// The earlier statement of the same transaction block that added `name` NOT VALID.
fn not_valid_add_in_same_transaction(
    ctx: &StmtCtx<'_>,
    table: &QualifiedName,
    name: &str,
) -> Option<crate::span::Span> {
    // The transaction block this statement is in starts after the last statement outside one.
    let block_start = ctx
        .migration
        .statements
        .iter()
        .take_while(|s| s.span.start < ctx.stmt.span.start)
        .filter(|s| !s.in_transaction)
        .map(|s| s.span.start)
        .last()
        .unwrap_or(0);
    ctx.earlier_alters(table)
        .filter(|(stmt, _)| stmt.span.start > block_start)
        .filter(|(_, at)| {
            ast::alter_cmds(at)
                .filter_map(ast::added_constraint)
                .any(|c| c.conname == name && c.skip_validation)
        })
        .map(|(stmt, _)| stmt.span)
        .last()
}
