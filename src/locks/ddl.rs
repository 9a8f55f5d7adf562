//! CREATE TABLE [PARTITION OF | AS], CREATE VIEW, CREATE / REFRESH MATERIALIZED VIEW,
//! DROP TABLE / VIEW / SEQUENCE / TRIGGER (DROP INDEX is in [`super::index`]), RENAME,
//! ALTER SEQUENCE, COMMENT ON, TRUNCATE, VACUUM, CLUSTER, LOCK TABLE.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterSeqStmt, ClusterStmt, CommentStmt, ConstrType as Ct, CreateStmt, CreateTableAsStmt,
    DropBehavior, DropStmt, LockStmt, ObjectType as Ot, RefreshMatViewStmt, RenameStmt,
    TruncateStmt, VacuumStmt, ViewStmt,
};

use super::LockMode::{self, *};
use super::{Cx, Effects, RelKind, exprs, has_option, index, name_of, qualified};
use crate::schema::{BoundKind, ConstraintKind, QualifiedName};

/// Locks a relation of whatever kind the catalog says it is (a table when unknown).
pub(super) fn lock_relation(cx: &Cx, name: &QualifiedName, mode: LockMode, fx: &mut Effects) {
    fx.lock(name, cx.kind_of(name), mode);
}

pub(super) fn create_table(cx: &Cx, s: &CreateStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let table = name_of(rv);
    fx.table(&table, AccessExclusive);
    fx.create(&table);
    for parent in s
        .inh_relations
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::RangeVar(rv) => Some(name_of(rv)),
            _ => None,
        })
    {
        if let Some(bound) = &s.partbound {
            // A new partition: ACCESS EXCLUSIVE on the parent; a default partition is
            // scanned for rows that belong to the new one.
            fx.table(&parent, AccessExclusive);
            if !bound.is_default
                && let Some(d) = cx.catalog.partitions_of(&parent).find(|p| {
                    p.partition_of
                        .as_ref()
                        .is_some_and(|po| po.bound.kind == BoundKind::Default)
                })
            {
                let d = d.name.clone();
                fx.table(&d, AccessExclusive);
                for leaf in cx.leaves(&d) {
                    fx.scan(&leaf);
                }
            }
        } else {
            fx.table(&parent, ShareUpdateExclusive);
        }
    }
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(col)) => {
                for c in col
                    .constraints
                    .iter()
                    .filter_map(|n| match n.node.as_ref()? {
                        NodeEnum::Constraint(c) => Some(c),
                        _ => None,
                    })
                {
                    references(&table, c, fx);
                }
            }
            Some(NodeEnum::Constraint(c)) => references(&table, c, fx),
            Some(NodeEnum::TableLikeClause(like)) => {
                if let Some(rv) = &like.relation {
                    lock_relation(cx, &name_of(rv), AccessShare, fx);
                }
            }
            _ => {}
        }
    }
}

/// A foreign key declared in CREATE TABLE: SHARE ROW EXCLUSIVE on the referenced table
/// (nothing to validate in a new table).
fn references(table: &QualifiedName, c: &pg_query::protobuf::Constraint, fx: &mut Effects) {
    if c.contype != Ct::ConstrForeign as i32 {
        return;
    }
    if let Some(r) = c.pktable.as_ref().map(name_of)
        && &r != table
    {
        fx.table(&r, ShareRowExclusive);
    }
}

/// CREATE TABLE AS / CREATE MATERIALIZED VIEW: the query's relations are read (ACCESS
/// SHARE), unless WITH NO DATA.
pub(super) fn create_table_as(cx: &Cx, s: &CreateTableAsStmt, fx: &mut Effects) {
    let Some(rv) = s.into.as_ref().and_then(|i| i.rel.as_ref()) else {
        return;
    };
    let kind = if s.objtype == Ot::ObjectMatview as i32 {
        RelKind::MaterializedView
    } else {
        RelKind::Table
    };
    fx.lock(&name_of(rv), kind, AccessExclusive);
    fx.create(&name_of(rv));
    let skip_data = s.into.as_ref().is_some_and(|i| i.skip_data);
    if let Some(q) = s.query.as_ref().and_then(|q| q.node.as_ref()) {
        for r in exprs::relations_read(q) {
            lock_relation(cx, &r, AccessShare, fx);
            if !skip_data && cx.kind_of(&r) == RelKind::Table {
                fx.scan(&r);
            }
        }
    }
}

pub(super) fn create_view(cx: &Cx, s: &ViewStmt, fx: &mut Effects) {
    let Some(rv) = &s.view else { return };
    fx.lock(&name_of(rv), RelKind::View, AccessExclusive);
    if !s.replace || cx.catalog.view(&name_of(rv)).is_none() {
        fx.create(&name_of(rv));
    }
    if let Some(q) = s.query.as_ref().and_then(|q| q.node.as_ref()) {
        for r in exprs::relations_read(q) {
            lock_relation(cx, &r, AccessShare, fx);
        }
    }
}

/// REFRESH MATERIALIZED VIEW: ACCESS EXCLUSIVE and new data files; CONCURRENTLY: EXCLUSIVE
/// (reads go on), needs a unique index, diffs against the old contents. Either way the
/// view's query runs again: the tables it reads are scanned under ACCESS SHARE.
pub(super) fn refresh(cx: &Cx, s: &RefreshMatViewStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let mv = name_of(rv);
    if !s.skip_data
        && let Some(view) = cx.catalog.view(&mv)
    {
        for base in view.reads.iter().filter(|b| cx.catalog.table(b).is_some()) {
            fx.lock(base, RelKind::Table, AccessShare);
            fx.scan(base);
        }
    }
    if s.concurrent {
        fx.lock(&mv, RelKind::MaterializedView, Exclusive);
        let known = cx.catalog.view(&mv).is_some();
        let unique = cx
            .catalog
            .indexes_of(&mv)
            .any(|ix| ix.unique && !ix.partial && ix.expr_columns.is_empty());
        if s.skip_data {
            fx.refuse("REFRESH options CONCURRENTLY and WITH NO DATA cannot be used together");
        } else if known && !unique {
            fx.refuse(format!(
                "cannot refresh materialized view \"{}.{}\" concurrently",
                mv.schema, mv.name
            ));
        }
        fx.scan(&mv);
    } else {
        fx.lock(&mv, RelKind::MaterializedView, AccessExclusive);
        fx.rewrites.push(mv);
    }
}

pub(super) fn drop(cx: &Cx, s: &DropStmt, fx: &mut Effects) {
    let Ok(t) = Ot::try_from(s.remove_type) else {
        return;
    };
    if t == Ot::ObjectIndex {
        index::drop_index(cx, s, fx);
        return;
    }
    let names: Vec<QualifiedName> = s
        .objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::List(l) => qualified(&l.items),
            _ => None,
        })
        .collect();
    let cascade = s.behavior == DropBehavior::DropCascade as i32;
    match t {
        Ot::ObjectTable => {
            for name in &names {
                drop_table(cx, name, cascade, &names, fx);
            }
        }
        Ot::ObjectView => names
            .iter()
            .for_each(|n| fx.lock(n, RelKind::View, AccessExclusive)),
        Ot::ObjectMatview => names
            .iter()
            .for_each(|n| fx.lock(n, RelKind::MaterializedView, AccessExclusive)),
        Ot::ObjectSequence => names
            .iter()
            .for_each(|n| fx.lock(n, RelKind::Sequence, AccessExclusive)),
        Ot::ObjectTrigger | Ot::ObjectRule | Ot::ObjectPolicy => {
            // `DROP TRIGGER t ON table`: objects are [table..., trigger].
            for o in &s.objects {
                if let Some(NodeEnum::List(l)) = o.node.as_ref()
                    && l.items.len() >= 2
                    && let Some(table) = qualified(&l.items[..l.items.len() - 1])
                {
                    lock_relation(cx, &table, AccessExclusive, fx);
                }
            }
        }
        _ => {}
    }
}

/// DROP TABLE: ACCESS EXCLUSIVE on the table and its partitions, on the tables it references
/// (their foreign-key triggers are dropped), on a partition's parent, and with CASCADE on the
/// tables whose foreign keys reference it.
fn drop_table(
    cx: &Cx,
    name: &QualifiedName,
    cascade: bool,
    dropped: &[QualifiedName],
    fx: &mut Effects,
) {
    for t in cx.with_partitions(name) {
        fx.table(&t, AccessExclusive);
        for fk in cx.catalog.foreign_keys_of(&t) {
            if let ConstraintKind::ForeignKey { references, .. } = &fk.kind {
                fx.table(references, AccessExclusive);
            }
        }
    }
    if let Some(parent) = cx
        .catalog
        .table(name)
        .and_then(|t| t.partition_of.as_ref())
        .map(|p| p.parent.clone())
    {
        fx.table(&parent, AccessExclusive);
    }
    let referencing: Vec<QualifiedName> = cx
        .catalog
        .foreign_keys_referencing(name)
        .map(|(t, _)| t.name.clone())
        .filter(|t| t != name && !dropped.contains(t))
        .collect();
    if !referencing.is_empty() {
        if cascade {
            for t in &referencing {
                fx.table(t, AccessExclusive);
            }
        } else {
            fx.refuse(format!(
                "cannot drop table {} because other objects depend on it",
                name.name
            ));
        }
    }
}

pub(super) fn rename(cx: &Cx, s: &RenameStmt, fx: &mut Effects) {
    let Ok(t) = Ot::try_from(s.rename_type) else {
        return;
    };
    let Some(rv) = &s.relation else { return };
    let name = name_of(rv);
    match t {
        Ot::ObjectIndex => {
            // 12+: SHARE UPDATE EXCLUSIVE on the index only.
            let mode = if cx.pg >= 12 {
                ShareUpdateExclusive
            } else {
                AccessExclusive
            };
            let table = cx.catalog.index(&name).map(|i| i.table.clone());
            fx.index(&name, table.as_ref(), mode);
        }
        Ot::ObjectSequence => fx.lock(&name, RelKind::Sequence, AccessExclusive),
        Ot::ObjectView => fx.lock(&name, RelKind::View, AccessExclusive),
        Ot::ObjectMatview => fx.lock(&name, RelKind::MaterializedView, AccessExclusive),
        Ot::ObjectTable
        | Ot::ObjectColumn
        | Ot::ObjectTabconstraint
        | Ot::ObjectTrigger
        | Ot::ObjectRule
        | Ot::ObjectPolicy => {
            lock_relation(cx, &name, AccessExclusive, fx);
            if t == Ot::ObjectTabconstraint
                && let Some(ix) = cx.catalog.index_of_constraint(&name, &s.subname)
            {
                fx.index(&ix.name, Some(&name), AccessExclusive);
            }
        }
        _ => {}
    }
}

/// ALTER SEQUENCE: SHARE ROW EXCLUSIVE on the sequence; the table is not locked.
pub(super) fn alter_sequence(_cx: &Cx, s: &AlterSeqStmt, fx: &mut Effects) {
    if let Some(rv) = &s.sequence {
        fx.lock(&name_of(rv), RelKind::Sequence, ShareRowExclusive);
    }
}

/// COMMENT ON: SHARE UPDATE EXCLUSIVE on the relation commented on (the table for a column
/// or a constraint).
pub(super) fn comment(cx: &Cx, s: &CommentStmt, fx: &mut Effects) {
    let Ok(t) = Ot::try_from(s.objtype) else {
        return;
    };
    let Some(NodeEnum::List(l)) = s.object.as_ref().and_then(|o| o.node.as_ref()) else {
        return;
    };
    let kind = match t {
        Ot::ObjectTable => RelKind::Table,
        Ot::ObjectView => RelKind::View,
        Ot::ObjectMatview => RelKind::MaterializedView,
        Ot::ObjectIndex => RelKind::Index,
        Ot::ObjectSequence => RelKind::Sequence,
        Ot::ObjectColumn | Ot::ObjectTabconstraint | Ot::ObjectTrigger => {
            if l.items.len() >= 2
                && let Some(table) = qualified(&l.items[..l.items.len() - 1])
            {
                lock_relation(cx, &table, ShareUpdateExclusive, fx);
            }
            return;
        }
        _ => return,
    };
    if let Some(name) = qualified(&l.items) {
        let table = cx.catalog.index(&name).map(|i| i.table.clone());
        fx.lock_of(&name, kind, ShareUpdateExclusive, table.as_ref());
    }
}

/// TRUNCATE: ACCESS EXCLUSIVE, new (empty) data files, nothing read. A table referenced by a
/// foreign key needs its referencing tables truncated too (CASCADE does it).
pub(super) fn truncate(cx: &Cx, s: &TruncateStmt, fx: &mut Effects) {
    let mut tables: Vec<QualifiedName> = Vec::new();
    for rv in s.relations.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    }) {
        let name = name_of(rv);
        let family = if rv.inh {
            cx.with_partitions(&name)
        } else {
            vec![name]
        };
        for t in family {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
    }
    let cascade = s.behavior == DropBehavior::DropCascade as i32;
    let mut i = 0;
    while i < tables.len() {
        let t = tables[i].clone();
        let referencing: Vec<QualifiedName> = cx
            .catalog
            .foreign_keys_referencing(&t)
            .map(|(r, _)| r.name.clone())
            .filter(|r| !tables.contains(r))
            .collect();
        if !referencing.is_empty() {
            if cascade {
                tables.extend(referencing);
            } else {
                fx.refuse(format!(
                    "cannot truncate a table referenced in a foreign key constraint ({})",
                    t.name
                ));
            }
        }
        i += 1;
    }
    for t in &tables {
        fx.table(t, AccessExclusive);
        if !cx.is_partitioned(t) && !fx.rewrites.contains(t) {
            fx.rewrites.push(t.clone());
        }
    }
}

/// VACUUM (never in a transaction block): SHARE UPDATE EXCLUSIVE; FULL: ACCESS
/// EXCLUSIVE and a rewrite. ANALYZE alone: SHARE UPDATE EXCLUSIVE, reads a sample.
pub(super) fn vacuum(cx: &Cx, s: &VacuumStmt, fx: &mut Effects) {
    let full = has_option(&s.options, "full");
    if s.is_vacuumcmd {
        fx.needs_no_transaction = true;
    }
    for rv in s.rels.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::VacuumRelation(v) => v.relation.as_ref(),
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    }) {
        let name = name_of(rv);
        for t in cx.leaves(&name) {
            if !s.is_vacuumcmd {
                fx.table(&t, ShareUpdateExclusive);
            } else if full {
                fx.table(&t, AccessExclusive);
                fx.rewrite(&t);
            } else {
                // Reads the pages the visibility map does not mark all-visible: not counted
                // as a scan.
                fx.table(&t, ShareUpdateExclusive);
            }
        }
    }
}

/// CLUSTER t [USING idx]: ACCESS EXCLUSIVE and a rewrite in index order. Without a table it
/// reclusters every table, each in its own transaction.
pub(super) fn cluster(cx: &Cx, s: &ClusterStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else {
        fx.needs_no_transaction = true;
        return;
    };
    let name = name_of(rv);
    if cx.is_partitioned(&name) {
        fx.needs_no_transaction = true;
    }
    for t in cx.leaves(&name) {
        fx.table(&t, AccessExclusive);
        fx.rewrite(&t);
    }
}

/// LOCK TABLE t IN mode MODE (ACCESS EXCLUSIVE by default), partitions included unless ONLY.
pub(super) fn lock_table(cx: &Cx, s: &LockStmt, fx: &mut Effects) {
    let mode = match s.mode {
        1 => AccessShare,
        2 => RowShare,
        3 => RowExclusive,
        4 => ShareUpdateExclusive,
        5 => Share,
        6 => ShareRowExclusive,
        7 => Exclusive,
        _ => AccessExclusive,
    };
    for rv in s.relations.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    }) {
        let name = name_of(rv);
        let family = if rv.inh {
            cx.with_partitions(&name)
        } else {
            vec![name]
        };
        for t in family {
            lock_relation(cx, &t, mode, fx);
        }
    }
}
