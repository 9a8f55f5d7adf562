//! A foreign key whose referencing columns lead no plain btree index.
//!
//! Judged on the catalog at the end of the file, because Django creates the FK index after the
//! constraint (deferred SQL). Reported again at a later `DROP INDEX` / `DROP CONSTRAINT` that
//! takes the last covering index away. Either is dropped when a later file of the run creates
//! a covering index: that is the advised way (`db_index=False`, then `AddIndexConcurrently` in
//! an `atomic = False` migration), and the run's migrations are applied together.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, Constraint};

use super::{Hit, StmtCtx, ast};
use crate::schema::{Catalog, ConstraintKind, Index, IndexKey, QualifiedName};
use crate::span::Span;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    match ctx.node {
        NodeEnum::CreateStmt(create) => {
            let Some(rv) = create.relation.as_ref() else {
                return;
            };
            let table = QualifiedName::from_range_var(rv);
            for elt in &create.table_elts {
                match elt.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => {
                        for c in ast::column_constraints(col) {
                            added_fk(ctx, hits, &table, c, Some(&col.colname));
                        }
                    }
                    Some(NodeEnum::Constraint(c)) => added_fk(ctx, hits, &table, c, None),
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(at) => {
            let Some(rv) = at.relation.as_ref() else {
                return;
            };
            let table = QualifiedName::from_range_var(rv);
            for cmd in ast::alter_cmds(at) {
                if let Some(c) = ast::added_constraint(cmd) {
                    added_fk(ctx, hits, &table, c, None);
                }
                if let Some(col) = ast::added_column(cmd) {
                    for c in ast::column_constraints(col) {
                        added_fk(ctx, hits, &table, c, Some(&col.colname));
                    }
                }
                if ast::is_cmd(cmd, AlterTableType::AtDropConstraint)
                    && let Some(ix) = ctx
                        .catalog
                        .indexes_of(&table)
                        .find(|ix| ix.constraint.as_deref() == Some(cmd.name.as_str()))
                {
                    removed_index(ctx, hits, ix, ctx.find_name(&cmd.name, ctx.stmt.span.start));
                }
            }
        }
        NodeEnum::DropStmt(drop)
            if drop.remove_type == pg_query::protobuf::ObjectType::ObjectIndex as i32 =>
        {
            for object in &drop.objects {
                let Some(NodeEnum::List(list)) = object.node.as_ref() else {
                    continue;
                };
                let Some(name) = ast::qualified(&list.items) else {
                    continue;
                };
                if let Some(ix) = ctx.catalog.index(&name) {
                    removed_index(
                        ctx,
                        hits,
                        ix,
                        ctx.find_name(&name.name, ctx.stmt.span.start),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A foreign key added by this statement; confirmed at the end of the file.
fn added_fk(
    ctx: &StmtCtx<'_>,
    hits: &mut Vec<Hit>,
    table: &QualifiedName,
    c: &Constraint,
    column: Option<&String>,
) {
    if !ast::is_constraint(c, ConstrType::ConstrForeign) {
        return;
    }
    let columns = match column {
        Some(col) => vec![col.clone()],
        None => ast::strings(&c.fk_attrs),
    };
    if columns.is_empty() {
        return;
    }
    let references = c.pktable.as_ref().map(QualifiedName::from_range_var);
    let at = ctx.location(c.location);
    let span = if c.conname.is_empty() {
        ctx.find_name(&columns[0], at)
    } else {
        ctx.find_name(&c.conname, at)
    };
    let (table_c, columns_c, name_c) = (table.clone(), columns.clone(), c.conname.clone());
    let hit = describe(
        Hit::at(span),
        table,
        &columns,
        &c.conname,
        references.as_ref(),
    )
    .confirm(move |catalog| {
        // A referencing table pglint never saw created is not judged: its indexes are unknown.
        fk_exists(catalog, &table_c, &columns_c, &name_c)
            && !is_covered(catalog, &table_c, &columns_c, None)
    })
    .unless_at_end_of_run(covered_at_end(table, &columns));
    hits.push(hit);
}

/// An index (or the index behind a constraint) being dropped: report each foreign key that
/// it alone covered, if nothing covers it again by the end of the file.
fn removed_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>, ix: &Index, span: Span) {
    let Some(table) = ctx.catalog.table(&ix.table) else {
        return;
    };
    for constraint in &table.constraints {
        let ConstraintKind::ForeignKey {
            columns,
            references,
            ..
        } = &constraint.kind
        else {
            continue;
        };
        // A foreign key added in this same file is judged where it is added.
        if constraint.origin.file == ctx.file {
            continue;
        }
        if !covers(ix, columns) || is_covered(ctx.catalog, &table.name, columns, Some(&ix.name)) {
            continue;
        }
        let (table_c, columns_c, name_c) =
            (table.name.clone(), columns.clone(), constraint.name.clone());
        let hit = describe(
            Hit::at(span),
            &table.name,
            columns,
            &constraint.name,
            Some(references),
        )
        .var("dropped", ix.name.name.clone())
        .related("fk", constraint.origin.file, constraint.origin.span)
        .confirm(move |catalog| {
            fk_exists(catalog, &table_c, &columns_c, &name_c)
                && !is_covered(catalog, &table_c, &columns_c, None)
        })
        .unless_at_end_of_run(covered_at_end(&table.name, columns));
        hits.push(hit);
    }
}

/// Whether an index covers the columns once every file of the run is replayed. A table gone
/// (or renamed) by then keeps the finding: nothing shows that an index ever covered it.
fn covered_at_end(
    table: &QualifiedName,
    columns: &[String],
) -> impl Fn(&Catalog) -> bool + Send + Sync + 'static {
    let (table, columns) = (table.clone(), columns.to_vec());
    move |catalog| is_covered(catalog, &table, &columns, None)
}

fn describe(
    hit: Hit,
    table: &QualifiedName,
    columns: &[String],
    name: &str,
    references: Option<&QualifiedName>,
) -> Hit {
    let quoted = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let index = truncate_identifier(&format!("{}_{}_idx", table.name, columns.join("_")));
    hit.label("fk")
        .var("table", table.to_string())
        .var("columns", columns.join(", "))
        .var("columns_sql", quoted)
        .var(
            "constraint",
            if name.is_empty() {
                "the foreign key".to_string()
            } else {
                name.to_string()
            },
        )
        .var(
            "references",
            references.map_or_else(|| "the referenced table".to_string(), |r| r.to_string()),
        )
        .var("index", index)
}

/// Postgres truncates identifiers to 63 bytes.
fn truncate_identifier(name: &str) -> String {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

fn fk_exists(catalog: &Catalog, table: &QualifiedName, columns: &[String], name: &str) -> bool {
    catalog.table(table).is_some_and(|t| {
        t.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::ForeignKey { columns: cols, .. } => {
                (name.is_empty() || c.name == name) && cols == columns
            }
            _ => false,
        })
    })
}

fn is_covered(
    catalog: &Catalog,
    table: &QualifiedName,
    columns: &[String],
    except: Option<&QualifiedName>,
) -> bool {
    catalog
        .indexes_of(table)
        .any(|ix| Some(&ix.name) != except && covers(ix, columns))
}

/// A plain btree index whose leading keys are exactly the FK columns, in any order.
pub fn covers(ix: &Index, columns: &[String]) -> bool {
    if ix.method != "btree" || ix.partial || ix.keys.len() < columns.len() {
        return false;
    }
    let leading = &ix.keys[..columns.len()];
    columns
        .iter()
        .all(|c| leading.contains(&IndexKey::Column(c.clone())))
        && leading
            .iter()
            .all(|k| matches!(k, IndexKey::Column(name) if columns.contains(name)))
}
