//! INSERT, UPDATE, DELETE, SELECT: ROW EXCLUSIVE on the table written, ACCESS SHARE on the
//! tables read; an UPDATE or DELETE without WHERE reads the whole table and writes and
//! row-locks every row of it (with a FROM or USING too: every row joins each of its rows);
//! foreign keys make the referenced (or referencing) tables take part.

use pg_query::NodeEnum;
use pg_query::protobuf::{DeleteStmt, InsertStmt, UpdateStmt};

use super::LockMode::*;
use super::{Cx, Effects, exprs, name_of};
use crate::schema::{ConstraintKind, QualifiedName};

/// With no WHERE, the tables of FROM / USING are joined to every row: read in full too.
fn scan_relations(nodes: &[pg_query::protobuf::Node], target: &QualifiedName, fx: &mut Effects) {
    for node in nodes.iter().filter_map(|n| n.node.as_ref()) {
        for r in exprs::relations_read(node) {
            if &r != target {
                fx.scan(&r);
            }
        }
    }
}

fn read_relations(cx: &Cx, node: Option<&NodeEnum>, target: &QualifiedName, fx: &mut Effects) {
    let Some(node) = node else { return };
    for r in exprs::relations_read(node) {
        if &r != target {
            fx.lock(&r, cx.kind_of(&r), AccessShare);
        }
    }
}

/// Foreign keys of `table` whose columns are among `written` take ROW SHARE on the
/// referenced table (the RI check reads the referenced row `FOR KEY SHARE`).
fn check_references(cx: &Cx, table: &QualifiedName, written: &[String], fx: &mut Effects) {
    for fk in cx.catalog.foreign_keys_of(table) {
        if let ConstraintKind::ForeignKey {
            columns,
            references,
            ..
        } = &fk.kind
            && columns.iter().any(|c| written.contains(c))
        {
            fx.table(references, RowShare);
        }
    }
}

pub(super) fn insert(cx: &Cx, s: &InsertStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let table = name_of(rv);
    fx.table(&table, RowExclusive);
    let cols: Vec<String> = s
        .cols
        .iter()
        .filter_map(|c| match c.node.as_ref()? {
            NodeEnum::ResTarget(r) => Some(r.name.clone()),
            _ => None,
        })
        .collect();
    let select = s.select_stmt.as_ref().and_then(|n| n.node.as_ref());
    if let Some(sel) = select {
        for r in exprs::relations_read(sel) {
            fx.lock(&r, cx.kind_of(&r), AccessShare);
            fx.scan(&r);
        }
    }
    let written: Vec<String> = if cols.is_empty() {
        cx.catalog
            .table(&table)
            .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    } else {
        cols
    };
    check_references(cx, &table, &written, fx);
}

pub(super) fn update(cx: &Cx, s: &UpdateStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let table = name_of(rv);
    fx.table(&table, RowExclusive);
    for f in &s.from_clause {
        read_relations(cx, f.node.as_ref(), &table, fx);
    }
    if let Some(w) = s.where_clause.as_ref() {
        read_relations(cx, w.node.as_ref(), &table, fx);
    } else {
        fx.write_every_row(&table);
        scan_relations(&s.from_clause, &table, fx);
    }
    let written: Vec<String> = s
        .target_list
        .iter()
        .filter_map(|t| match t.node.as_ref()? {
            NodeEnum::ResTarget(r) => Some(r.name.clone()),
            _ => None,
        })
        .collect();
    check_references(cx, &table, &written, fx);
}

/// DELETE: each foreign key referencing the table checks (ROW SHARE) or acts on (ROW
/// EXCLUSIVE, for CASCADE / SET NULL / SET DEFAULT) the referencing table, which is read in
/// full when no index leads with the foreign-key columns.
pub(super) fn delete(cx: &Cx, s: &DeleteStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let table = name_of(rv);
    fx.table(&table, RowExclusive);
    for u in &s.using_clause {
        read_relations(cx, u.node.as_ref(), &table, fx);
    }
    if let Some(w) = s.where_clause.as_ref() {
        read_relations(cx, w.node.as_ref(), &table, fx);
    } else {
        fx.write_every_row(&table);
        scan_relations(&s.using_clause, &table, fx);
    }
    let referencing: Vec<(QualifiedName, Vec<String>, char)> = cx
        .catalog
        .foreign_keys_referencing(&table)
        .map(|(t, fk)| (t.name.clone(), fk.columns().to_vec(), fk.on_delete))
        .collect();
    for (t, columns, action) in referencing {
        let mode = if matches!(action, 'c' | 'n' | 'd') {
            RowExclusive
        } else {
            RowShare
        };
        fx.table(&t, mode);
        let indexed = cx.catalog.indexes_of(&t).any(|ix| {
            let keys: Vec<&str> = ix.key_columns().collect();
            keys.len() >= columns.len() && columns.iter().zip(&keys).all(|(c, k)| c == k)
        });
        if !indexed {
            fx.scan(&t);
        }
    }
}

pub(super) fn select(cx: &Cx, node: &NodeEnum, fx: &mut Effects) {
    for r in exprs::relations_read(node) {
        fx.lock(&r, cx.kind_of(&r), AccessShare);
    }
}
