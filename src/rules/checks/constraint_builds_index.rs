//! `ADD CONSTRAINT … UNIQUE / PRIMARY KEY` (or `ADD COLUMN … UNIQUE`) on an existing table
//! builds the index under ACCESS EXCLUSIVE.

use pg_query::protobuf::{ConstrType, Constraint};

use super::{Hit, StmtCtx, ast};
use crate::schema::QualifiedName;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for cmd in ast::alter_cmds(at) {
        if let Some(c) = ast::added_constraint(cmd) {
            let columns = ast::strings(&c.keys);
            report(ctx, hits, &table, c, &columns);
        }
        if let Some(col) = ast::added_column(cmd) {
            for c in ast::column_constraints(col) {
                report(ctx, hits, &table, c, std::slice::from_ref(&col.colname));
            }
        }
    }
}

fn report(
    ctx: &StmtCtx<'_>,
    hits: &mut Vec<Hit>,
    table: &QualifiedName,
    c: &Constraint,
    columns: &[String],
) {
    let kind = if ast::is_constraint(c, ConstrType::ConstrUnique) {
        "UNIQUE"
    } else if ast::is_constraint(c, ConstrType::ConstrPrimary) {
        "PRIMARY KEY"
    } else {
        return;
    };
    // `USING INDEX` attaches an index built beforehand (ideally CONCURRENTLY): nothing is built.
    if !c.indexname.is_empty() {
        return;
    }
    let constraint = if c.conname.is_empty() {
        default_name(table, columns, kind)
    } else {
        c.conname.clone()
    };
    let at = ctx.location(c.location);
    let span = ctx.find_name(kind.split(' ').next().unwrap_or(kind), at);
    let quoted_cols = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    hits.push(
        Hit::at(span)
            .label("constraint")
            .var("kind", kind)
            .var("constraint", constraint.clone())
            .var("table", table.to_string())
            .var("columns", quoted_cols)
            .var("index", constraint.clone()),
    );
}

/// The name Postgres gives an unnamed constraint.
fn default_name(table: &QualifiedName, columns: &[String], kind: &str) -> String {
    if kind == "PRIMARY KEY" {
        format!("{}_pkey", table.name)
    } else {
        format!("{}_{}_key", table.name, columns.join("_"))
    }
}
