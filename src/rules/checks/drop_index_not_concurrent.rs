//! `DROP INDEX` without CONCURRENTLY on an index of a table that already exists.

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::{Hit, StmtCtx, ast};
use crate::schema::Provenance;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::DropStmt(drop) = ctx.node else {
        return;
    };
    if drop.remove_type != ObjectType::ObjectIndex as i32 || drop.concurrent {
        return;
    }
    for object in &drop.objects {
        let Some(NodeEnum::List(list)) = object.node.as_ref() else {
            continue;
        };
        let Some(name) = ast::qualified(&list.items) else {
            continue;
        };
        // `IF EXISTS` of an index missing from a schema pglint knows drops nothing and locks
        // nothing. An index missing because pglint was given no schema (or dropped without
        // `IF EXISTS`, which PostgreSQL would refuse if it were missing) is assumed to belong
        // to an existing table. An index of a table made in this file blocks no one.
        if drop.missing_ok && ctx.catalog.index_provenance(&name, ctx.file) == Provenance::Absent {
            continue;
        }
        let table = ctx.catalog.index(&name).map(|ix| ix.table.clone());
        if table.as_ref().is_some_and(|t| ctx.is_new_table(t)) {
            continue;
        }
        // Django's generated name: an index made for a field option.
        let generated = table
            .as_ref()
            .is_some_and(|t| crate::parse::is_django_auto_name(&t.name, &name.name));
        // Named after the index when unknown, so that drops of unknown indexes are not
        // reported together as if they were on one table.
        let table = table.map_or_else(|| format!("the table of {name}"), |t| t.to_string());
        hits.push(
            Hit::at(ctx.find_name(&name.name, ctx.stmt.span.start))
                .label("index")
                .var("index", name.to_string())
                .var("django_fix", django_fix(generated))
                .var("table", table),
        );
    }
}

/// RemoveIndexConcurrently removes an index of `Meta.indexes`; the indexes Django makes for a
/// field option (`db_index=True`, `unique=True` and its `_like` twin, a ForeignKey) have
/// Django's generated names and are not in `Meta.indexes`, so that operation cannot name them.
fn django_fix(generated: bool) -> &'static str {
    if generated {
        "This index comes from a field option (db_index=True, unique=True, a ForeignKey), which RemoveIndexConcurrently cannot remove: change the field in the state only and drop the index yourself, SeparateDatabaseAndState(state_operations=[the AlterField], database_operations=[RunSQL('DROP INDEX CONCURRENTLY IF EXISTS ...') for each of its indexes, and for unique=True RunSQL('ALTER TABLE ... DROP CONSTRAINT ...')]) in a migration with atomic = False"
    } else {
        "Use RemoveIndexConcurrently (django.contrib.postgres.operations) in a migration with atomic = False"
    }
}
