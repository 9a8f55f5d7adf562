//! `compat` checks: changes that break the application code still running during a deploy,
//! or that fail on existing data.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType};

use super::{Hit, StmtCtx, ast};
use crate::schema::QualifiedName;

/// `ALTER TABLE ... DROP COLUMN` on an existing table.
pub fn drop_column(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for cmd in ast::alter_cmds(at).filter(|c| ast::is_cmd(c, AlterTableType::AtDropColumn)) {
        // A column added or renamed to its name in this file: the code deployed before the
        // migration never saw it under this name.
        if ctx.is_new_column(&table, &cmd.name) {
            continue;
        }
        hits.push(
            Hit::at(ctx.find_name(&cmd.name, ctx.stmt.span.start))
                .label("column")
                .var("table", table.to_string())
                .var("column", cmd.name.clone()),
        );
    }
}

/// `DROP TABLE` of a table that existed before this migration.
pub fn drop_table(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::DropStmt(drop) = ctx.node else {
        return;
    };
    if drop.remove_type != ObjectType::ObjectTable as i32 {
        return;
    }
    for object in &drop.objects {
        let Some(NodeEnum::List(list)) = object.node.as_ref() else {
            continue;
        };
        let Some(table) = ast::qualified(&list.items) else {
            continue;
        };
        if ctx.is_new_table(&table) {
            continue;
        }
        hits.push(
            Hit::at(ctx.find_name(&table.name, ctx.stmt.span.start))
                .label("table")
                .var("table", table.to_string()),
        );
    }
}

/// `ALTER TABLE ... RENAME COLUMN` on an existing table.
pub fn rename_column(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::RenameStmt(rename) = ctx.node else {
        return;
    };
    if rename.rename_type != ObjectType::ObjectColumn as i32 {
        return;
    }
    let Some(rv) = rename.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    if ctx.is_new_table(&table) || ctx.is_new_column(&table, &rename.subname) {
        return;
    }
    hits.push(
        Hit::at(ctx.find_name(&rename.subname, ctx.stmt.span.start))
            .label("column")
            .var("table", table.to_string())
            .var("column", rename.subname.clone())
            .var("new_name", rename.newname.clone()),
    );
}

/// `ALTER TABLE ... RENAME TO` on an existing table.
pub fn rename_table(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::RenameStmt(rename) = ctx.node else {
        return;
    };
    if rename.rename_type != ObjectType::ObjectTable as i32 {
        return;
    }
    let Some(rv) = rename.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    if ctx.is_new_table(&table) {
        return;
    }
    hits.push(
        Hit::at(ctx.range_var_span(rv))
            .label("table")
            .var("table", table.to_string())
            .var("new_name", rename.newname.clone()),
    );
}

/// `ADD COLUMN ... NOT NULL` without a default on an existing table: fails when it has rows.
pub fn not_null_column_without_default(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for col in ast::alter_cmds(at).filter_map(ast::added_column) {
        let constraints: Vec<_> = ast::column_constraints(col).collect();
        let has = |t: ConstrType| constraints.iter().any(|c| ast::is_constraint(c, t));
        let not_null =
            col.is_not_null || has(ConstrType::ConstrNotnull) || has(ConstrType::ConstrPrimary);
        // A default, an identity or a generated expression fills the existing rows; serial
        // types come with a nextval() default.
        let filled = has(ConstrType::ConstrDefault)
            || has(ConstrType::ConstrIdentity)
            || has(ConstrType::ConstrGenerated)
            || col.raw_default.is_some()
            || col
                .type_name
                .as_ref()
                .is_some_and(|t| crate::schema::types::serial_kind(t).is_some());
        if !not_null || filled {
            continue;
        }
        let span = constraints
            .iter()
            .find(|c| {
                ast::is_constraint(c, ConstrType::ConstrNotnull)
                    || ast::is_constraint(c, ConstrType::ConstrPrimary)
            })
            .map(|c| {
                ctx.find_name(
                    if ast::is_constraint(c, ConstrType::ConstrPrimary) {
                        "primary"
                    } else {
                        "not"
                    },
                    ctx.location(c.location),
                )
            })
            .unwrap_or_else(|| ctx.find_name(&col.colname, ctx.stmt.span.start));
        hits.push(
            Hit::at(span)
                .label("not_null")
                .var("table", table.to_string())
                .var("column", col.colname.clone()),
        );
    }
}

/// `ALTER COLUMN ... DROP DEFAULT` on a NOT NULL column of an existing table: old code that
/// inserts without the column now fails. Django's `AddField(default=...)` emits exactly this
/// right after the `ADD COLUMN ... DEFAULT ... NOT NULL`.
pub fn not_null_default_dropped(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    for cmd in ast::alter_cmds(at) {
        // DROP DEFAULT is AT_ColumnDefault without a new expression.
        if !ast::is_cmd(cmd, AlterTableType::AtColumnDefault) || cmd.def.is_some() {
            continue;
        }
        let Some(added) = not_null_with_default(ctx, &table, &cmd.name) else {
            continue;
        };
        // An existing column whose default this migration set itself (Django's AlterField to
        // NOT NULL: SET DEFAULT, UPDATE, SET NOT NULL, DROP DEFAULT): the old code never relied
        // on that default, and it lists the column in its INSERTs anyway.
        if added.is_none() && default_set_earlier_here(ctx, &table, &cmd.name) {
            continue;
        }
        let drop = ctx.find_name("drop", ctx.find_name(&cmd.name, ctx.stmt.span.start).end);
        let mut hit = Hit::at(drop)
            .label("drop")
            .var("key", format!("{table}.{}", cmd.name))
            .var("table", table.to_string())
            .var("column", cmd.name.clone());
        if let Some(span) = added {
            hit = hit.related("added", ctx.file, span);
        }
        hits.push(hit);
    }
}

/// Whether an earlier statement of this migration gave `column` of `table` a default.
fn default_set_earlier_here(ctx: &StmtCtx<'_>, table: &QualifiedName, column: &str) -> bool {
    ctx.earlier_alters(table).any(|(_, at)| {
        ast::alter_cmds(at).any(|cmd| {
            ast::is_cmd(cmd, AlterTableType::AtColumnDefault)
                && cmd.def.is_some()
                && cmd.name == column
        })
    })
}

/// Whether `column` is NOT NULL with a default just before this statement; `Some(span)` of
/// the ADD COLUMN when it was added in this migration. Tables pglint never saw created are
/// read from this migration's own earlier ADD COLUMN.
fn not_null_with_default(
    ctx: &StmtCtx<'_>,
    table: &QualifiedName,
    column: &str,
) -> Option<Option<crate::span::Span>> {
    if let Some(t) = ctx.catalog.table(table) {
        let col = t.column(column)?;
        if !col.not_null || col.default.is_none() || col.identity.is_some() {
            return None;
        }
        return Some((col.origin.file == ctx.file).then_some(col.origin.span));
    }
    ctx.earlier_alters(table)
        .map(|(stmt, at)| (stmt.span, at))
        .flat_map(|(span, at)| {
            ast::alter_cmds(at)
                .filter_map(ast::added_column)
                .map(move |col| (span, col))
        })
        .filter(|(_, col)| col.colname == column)
        .map(|(span, col)| {
            let constraints: Vec<_> = ast::column_constraints(col).collect();
            let not_null = col.is_not_null
                || constraints
                    .iter()
                    .any(|c| ast::is_constraint(c, ConstrType::ConstrNotnull));
            let default = col.raw_default.is_some()
                || constraints
                    .iter()
                    .any(|c| ast::is_constraint(c, ConstrType::ConstrDefault));
            (not_null && default).then_some(Some(span))
        })
        .last()
        .flatten()
}

/// A unique constraint or index added to an existing table: it fails if duplicates exist.
pub fn add_unique_may_fail(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    match ctx.node {
        NodeEnum::IndexStmt(ix) if ix.unique => {
            let Some(rv) = ix.relation.as_ref() else {
                return;
            };
            let table = QualifiedName::from_range_var(rv);
            let keys: Vec<String> = ix
                .index_params
                .iter()
                .map(|p| match p.node.as_ref() {
                    Some(NodeEnum::IndexElem(e)) => e.name.clone(),
                    _ => String::new(),
                })
                .collect();
            if ctx.is_new_table(&table) || all_null_in_existing_rows(ctx, &table, &keys, &[]) {
                return;
            }
            let name = if ix.idxname.is_empty() {
                "the index".to_string()
            } else {
                ix.idxname.clone()
            };
            let span = if ix.idxname.is_empty() {
                ctx.range_var_span(rv)
            } else {
                ctx.find_name(&ix.idxname, ctx.stmt.span.start)
            };
            hits.push(
                Hit::at(span)
                    .label("unique")
                    .var("table", table.to_string())
                    .var("name", name),
            );
        }
        NodeEnum::AlterTableStmt(_) => {
            let Some((table, at)) = ctx.existing_alter() else {
                return;
            };
            let added_here: Vec<String> = ast::alter_cmds(at)
                .filter_map(ast::added_column)
                .filter(|col| {
                    !ast::column_constraints(col)
                        .any(|c| ast::is_constraint(c, ConstrType::ConstrDefault))
                })
                .map(|col| col.colname.clone())
                .collect();
            for cmd in ast::alter_cmds(at) {
                if let Some(c) = ast::added_constraint(cmd)
                    && (ast::is_constraint(c, ConstrType::ConstrUnique)
                        || ast::is_constraint(c, ConstrType::ConstrPrimary))
                    && c.indexname.is_empty()
                    && !all_null_in_existing_rows(ctx, &table, &ast::strings(&c.keys), &added_here)
                {
                    let name = if c.conname.is_empty() {
                        "the constraint".to_string()
                    } else {
                        c.conname.clone()
                    };
                    let at = ctx.location(c.location);
                    let span = if c.conname.is_empty() {
                        ctx.find_name("unique", at)
                    } else {
                        ctx.find_name(&c.conname, at)
                    };
                    hits.push(
                        Hit::at(span)
                            .label("unique")
                            .var("table", table.to_string())
                            .var("name", name),
                    );
                }
                // A new column is NULL in every row, and NULLs never collide; only a non-null
                // default gives every existing row the same value.
                if let Some(col) = ast::added_column(cmd) {
                    let constraints: Vec<_> = ast::column_constraints(col).collect();
                    let unique = constraints
                        .iter()
                        .find(|c| ast::is_constraint(c, ConstrType::ConstrUnique));
                    let same_value = constraints.iter().any(|c| {
                        ast::is_constraint(c, ConstrType::ConstrDefault)
                            && !matches!(c.raw_expr.as_deref().and_then(|e| e.node.as_ref()), Some(NodeEnum::AConst(k)) if k.isnull)
                    });
                    if let (Some(u), true) = (unique, same_value) {
                        hits.push(
                            Hit::at(ctx.find_name("unique", ctx.location(u.location)))
                                .label("unique")
                                .var("table", table.to_string())
                                .var("name", format!("the new column {}", col.colname)),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whether every key column is NULL in every row that existed before this migration, and no
/// statement since may have given them values: added by this very statement without a
/// default (`added_here`), or earlier in this file (see [`added_null_earlier`]). NULLs never
/// collide.
fn all_null_in_existing_rows(
    ctx: &StmtCtx<'_>,
    table: &QualifiedName,
    keys: &[String],
    added_here: &[String],
) -> bool {
    !keys.is_empty()
        && keys
            .iter()
            .all(|k| added_here.contains(k) || added_null_earlier(ctx, table, k))
}

/// Whether `column` of `table` was added earlier in this file with NULL in the rows already
/// there (the catalog says so; for a table it does not know, the file's own ADD COLUMN), and
/// nothing since may have written rows of the table: no INSERT, UPDATE, MERGE or COPY into it,
/// no DO block or procedure call, no Django operation that is not SQL (RunPython).
fn added_null_earlier(ctx: &StmtCtx<'_>, table: &QualifiedName, column: &str) -> bool {
    let added = match ctx.catalog.table(table) {
        Some(_) => ctx
            .catalog
            .added_null_in(table, column, ctx.file)
            .map(|o| o.span.end),
        None => ctx
            .earlier_alters(table)
            .filter(|(_, at)| {
                ast::alter_cmds(at)
                    .filter_map(ast::added_column)
                    .any(|col| col.colname == column)
            })
            .last()
            .filter(|(_, at)| {
                ast::alter_cmds(at)
                    .filter_map(ast::added_column)
                    .filter(|col| col.colname == column)
                    .all(|col| {
                        !ast::column_constraints(col)
                            .any(|c| ast::is_constraint(c, ConstrType::ConstrDefault))
                            && col.raw_default.is_none()
                    })
            })
            .map(|(stmt, _)| stmt.span.end),
    };
    added.is_some_and(|from| !rows_written_between(ctx, table, from))
}

/// Whether a statement of this migration between byte `from` and this statement may write
/// rows of `table`.
fn rows_written_between(ctx: &StmtCtx<'_>, table: &QualifiedName, from: usize) -> bool {
    let between = from..ctx.stmt.span.start;
    let names = |rv: Option<&pg_query::protobuf::RangeVar>| {
        rv.is_some_and(|rv| &QualifiedName::from_range_var(rv) == table)
    };
    ctx.migration
        .operations
        .iter()
        .any(|o| o.not_sql && between.contains(&o.span.start))
        || ctx
            .migration
            .statements
            .iter()
            .filter(|s| between.contains(&s.span.start))
            .any(|s| match s.node() {
                Some(NodeEnum::InsertStmt(i)) => names(i.relation.as_ref()),
                Some(NodeEnum::UpdateStmt(u)) => names(u.relation.as_ref()),
                Some(NodeEnum::MergeStmt(m)) => names(m.relation.as_ref()),
                Some(NodeEnum::CopyStmt(c)) => c.is_from && names(c.relation.as_ref()),
                Some(NodeEnum::DoStmt(_) | NodeEnum::CallStmt(_)) => true,
                _ => false,
            })
}
