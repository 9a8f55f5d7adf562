//! CREATE INDEX [CONCURRENTLY], DROP INDEX [CONCURRENTLY], REINDEX [CONCURRENTLY],
//! ALTER INDEX ... ATTACH PARTITION.

use pg_query::NodeEnum;
use pg_query::protobuf::{DropStmt, IndexStmt, PartitionCmd, ReindexObjectType, ReindexStmt};

use super::LockMode::*;
use super::{Cx, Effects, RelKind, has_option, name_of, qualified};
use crate::schema::{IndexKey, QualifiedName};

/// The error PostgreSQL gives for a UNIQUE / PRIMARY KEY on a partitioned table without
/// every partition key column.
pub(super) const UNIQUE_WITHOUT_PARTITION_KEY: &str =
    "unique constraint on partitioned table must include all partitioning columns";

pub(super) fn create_index(cx: &Cx, s: &IndexStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let table = name_of(rv);
    let kind = cx.kind_of(&table);
    let index = (!s.idxname.is_empty()).then(|| table.sibling(&s.idxname));
    let partitioned = cx.is_partitioned(&table);
    if s.nulls_not_distinct {
        super::refuse_nulls_not_distinct(cx, fx);
    }
    let columns: Vec<String> = s
        .index_params
        .iter()
        .filter_map(|p| match p.node.as_ref()? {
            NodeEnum::IndexElem(e) if !e.name.is_empty() => Some(e.name.clone()),
            _ => None,
        })
        .collect();
    if (s.unique || s.primary) && partitioned && !covers_partition_key(cx, &table, &columns) {
        fx.refuse(UNIQUE_WITHOUT_PARTITION_KEY);
    }
    if s.concurrent {
        fx.needs_no_transaction = true;
        fx.lock(&table, kind, ShareUpdateExclusive);
        if partitioned {
            fx.refuse(format!(
                "cannot create index on partitioned table \"{}\" concurrently",
                table.name
            ));
            return;
        }
        if let Some(ix) = &index {
            fx.index(ix, Some(&table), RowExclusive);
            fx.create(ix);
        }
        fx.scan(&table);
        return;
    }
    fx.lock(&table, kind, Share);
    if let Some(ix) = &index {
        fx.index(ix, Some(&table), AccessExclusive);
        fx.create(ix);
    }
    if !partitioned {
        fx.scan(&table);
    } else if rv.inh {
        // Built on every partition, under SHARE on each; `ON ONLY` builds nothing.
        for p in cx.with_partitions(&table).iter().skip(1) {
            fx.table(p, Share);
        }
        for leaf in cx.leaves(&table) {
            fx.scan(&leaf);
        }
    }
}

/// Every partition key column of `table` is among `columns` (expression keys never are).
pub(super) fn covers_partition_key(cx: &Cx, table: &QualifiedName, columns: &[String]) -> bool {
    let Some(key) = cx
        .catalog
        .table(table)
        .and_then(|t| t.partitioned_by.as_ref())
    else {
        return true;
    };
    key.keys.iter().all(|k| match k {
        IndexKey::Column(c) => columns.contains(c),
        IndexKey::Expression => false,
    })
}

pub(super) fn drop_index(cx: &Cx, s: &DropStmt, fx: &mut Effects) {
    let names: Vec<QualifiedName> = s
        .objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::List(l) => qualified(&l.items),
            _ => None,
        })
        .collect();
    if s.concurrent {
        fx.needs_no_transaction = true;
        if names.len() > 1 {
            fx.refuse("DROP INDEX CONCURRENTLY does not support dropping multiple objects");
        }
    }
    let table_mode = if s.concurrent {
        ShareUpdateExclusive
    } else {
        AccessExclusive
    };
    for name in &names {
        let Some(ix) = cx.catalog.index(name) else {
            // An index pglint did not see created: its table is locked all the same.
            fx.lock(name, RelKind::TableOfIndex, table_mode);
            fx.index(name, None, AccessExclusive);
            continue;
        };
        let table = ix.table.clone();
        if let Some(c) = &ix.constraint {
            fx.refuse(format!(
                "cannot drop index {} because constraint {c} on table {} requires it",
                name.name, table.name
            ));
        }
        if s.concurrent && cx.is_partitioned(&table) {
            fx.refuse(format!(
                "cannot drop partitioned index \"{}\" concurrently",
                name.name
            ));
        }
        fx.lock(&table, cx.kind_of(&table), table_mode);
        fx.index(name, Some(&table), AccessExclusive);
        if !s.concurrent && cx.is_partitioned(&table) && !ix.only {
            // The partitions' copies of the index are dropped with it.
            for p in cx.with_partitions(&table).iter().skip(1) {
                fx.table(p, AccessExclusive);
            }
        }
    }
}

pub(super) fn reindex(cx: &Cx, s: &ReindexStmt, fx: &mut Effects) {
    let concurrently = has_option(&s.params, "concurrently");
    if concurrently {
        fx.needs_no_transaction = true;
        if cx.pg < 12 {
            fx.refuse("REINDEX CONCURRENTLY needs PostgreSQL 12 or later");
        }
    }
    let (table_mode, index_mode) = if concurrently {
        (ShareUpdateExclusive, ShareUpdateExclusive)
    } else {
        (Share, AccessExclusive)
    };
    let kind = ReindexObjectType::try_from(s.kind).unwrap_or(ReindexObjectType::Undefined);
    match (kind, s.relation.as_ref()) {
        (ReindexObjectType::ReindexObjectIndex, Some(rv)) => {
            let index = name_of(rv);
            let Some(ix) = cx.catalog.index(&index) else {
                fx.lock(&index, RelKind::TableOfIndex, table_mode);
                fx.index(&index, None, index_mode);
                fx.rebuilt_indexes.push(index);
                return;
            };
            let table = ix.table.clone();
            if cx.is_partitioned(&table) {
                if cx.pg < 14 {
                    fx.refuse("REINDEX is not yet implemented for partitioned indexes (before 14)");
                }
                partitioned_reindex(cx, &table, fx);
                return;
            }
            fx.lock(&table, cx.kind_of(&table), table_mode);
            fx.index(&index, Some(&table), index_mode);
            fx.rebuilt_indexes.push(index);
            fx.scan(&table);
        }
        (ReindexObjectType::ReindexObjectTable, Some(rv)) => {
            let table = name_of(rv);
            if cx.is_partitioned(&table) {
                partitioned_reindex(cx, &table, fx);
                return;
            }
            reindex_table(cx, &table, table_mode, index_mode, fx);
        }
        (ReindexObjectType::ReindexObjectSchema, _)
        | (ReindexObjectType::ReindexObjectDatabase, _)
        | (ReindexObjectType::ReindexObjectSystem, _) => {
            // Each table in a transaction of its own.
            fx.needs_no_transaction = true;
            if kind == ReindexObjectType::ReindexObjectSystem {
                return;
            }
            let tables: Vec<QualifiedName> = cx
                .catalog
                .tables()
                .filter(|t| {
                    kind != ReindexObjectType::ReindexObjectSchema || t.name.schema == s.name
                })
                .filter(|t| !t.is_partitioned())
                .map(|t| t.name.clone())
                .collect();
            for t in tables {
                reindex_table(cx, &t, table_mode, index_mode, fx);
            }
        }
        _ => {}
    }
}

fn reindex_table(
    cx: &Cx,
    table: &QualifiedName,
    table_mode: super::LockMode,
    index_mode: super::LockMode,
    fx: &mut Effects,
) {
    fx.lock(table, cx.kind_of(table), table_mode);
    for ix in cx.catalog.indexes_of(table) {
        fx.index(&ix.name, Some(table), index_mode);
        fx.rebuilt_indexes.push(ix.name.clone());
    }
    fx.scan(table);
}

/// REINDEX of a partitioned table or index: PostgreSQL 14+ reindexes each partition in a
/// transaction of its own (so not inside a transaction block); 12 and 13 lock the table SHARE
/// and skip it with a warning (a partitioned index they refuse: see [`reindex`]).
fn partitioned_reindex(cx: &Cx, table: &QualifiedName, fx: &mut Effects) {
    if cx.pg < 14 {
        fx.table(table, Share);
        return;
    }
    fx.needs_no_transaction = true;
    for leaf in cx.leaves(table) {
        fx.table(&leaf, Share);
        fx.scan(&leaf);
    }
}

/// `ALTER INDEX parent_idx ATTACH PARTITION child_idx`: catalog-only, ACCESS SHARE on both
/// tables, SHARE UPDATE EXCLUSIVE on the parent index and ACCESS EXCLUSIVE on the child index
/// (which is what makes queries on the partition wait).
pub(super) fn attach_index(cx: &Cx, parent: &QualifiedName, cmd: &PartitionCmd, fx: &mut Effects) {
    let Some(rv) = &cmd.name else { return };
    let child = name_of(rv);
    let parent_table = cx.catalog.index(parent).map(|i| i.table.clone());
    let child_table = cx.catalog.index(&child).map(|i| i.table.clone());
    if let Some(t) = &parent_table {
        fx.table(t, AccessShare);
        // Planning a query on the parent locks the partitions' indexes.
        super::push_unique(&mut fx.reads_blocked, t);
    }
    if let Some(t) = &child_table {
        fx.table(t, AccessShare);
    }
    fx.index(parent, parent_table.as_ref(), ShareUpdateExclusive);
    fx.index(&child, child_table.as_ref(), AccessExclusive);
}
