//! Indexes: CREATE INDEX, ALTER INDEX … ATTACH PARTITION, and the bookkeeping that keeps
//! `indexes` and `table_indexes` in step.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node};

use crate::schema::expr::{column_refs, expr_text, opclass, strings};
use crate::schema::names::{choose_name, column_addition};
use crate::schema::{Catalog, Index, IndexKey, Origin, QualifiedName};

pub(super) fn insert_index(cat: &mut Catalog, idx: Index) {
    cat.table_indexes
        .entry(idx.table.clone())
        .or_default()
        .push(idx.name.clone());
    cat.indexes.insert(idx.name.clone(), idx);
}

pub(super) fn remove_index(cat: &mut Catalog, name: &QualifiedName) -> Option<Index> {
    let idx = cat.indexes.remove(name)?;
    if let Some(list) = cat.table_indexes.get_mut(&idx.table) {
        list.retain(|n| n != name);
        if list.is_empty() {
            cat.table_indexes.remove(&idx.table);
        }
    }
    Some(idx)
}

/// One index element: the key, its expression text, the columns it mentions.
pub(super) fn index_elem(e: &pb::IndexElem) -> (IndexKey, Option<String>, Vec<String>) {
    if e.name.is_empty() {
        let text = e.expr.as_deref().map(expr_text);
        let cols = e.expr.as_deref().map(column_refs).unwrap_or_default();
        (IndexKey::Expression, text, cols)
    } else {
        (IndexKey::Column(e.name.clone()), None, Vec::new())
    }
}

/// The name Postgres uses for an index element when naming the index
/// (`FigureIndexColname`): the column, a function's name, or `expr`.
pub(super) fn elem_name_for_naming(e: &pb::IndexElem) -> String {
    if !e.name.is_empty() {
        return e.name.clone();
    }
    if !e.indexcolname.is_empty() {
        return e.indexcolname.clone();
    }
    fn figure(n: &Node) -> Option<String> {
        match n.node.as_ref()? {
            NodeEnum::FuncCall(f) => strings(&f.funcname).pop(),
            NodeEnum::ColumnRef(c) => strings(&c.fields).pop(),
            NodeEnum::TypeCast(tc) => tc
                .arg
                .as_deref()
                .and_then(figure)
                .or_else(|| tc.type_name.as_ref().and_then(|t| strings(&t.names).pop())),
            _ => None,
        }
    }
    e.expr
        .as_deref()
        .and_then(figure)
        .unwrap_or_else(|| "expr".to_string())
}

pub(super) fn index_elem_names(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(e.name.clone()),
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn create_index(cat: &mut Catalog, s: &pb::IndexStmt, origin: Origin) {
    let Some(rv) = &s.relation else { return };
    let table = QualifiedName::from_range_var(rv);
    let mut keys = Vec::new();
    let mut key_exprs = Vec::new();
    let mut opclasses = Vec::new();
    let mut descending = Vec::new();
    let mut expr_columns: Vec<String> = Vec::new();
    let mut naming = Vec::new();
    for p in &s.index_params {
        let Some(NodeEnum::IndexElem(e)) = p.node.as_ref() else {
            continue;
        };
        let (key, text, cols) = index_elem(e);
        for c in cols {
            if !expr_columns.contains(&c) {
                expr_columns.push(c);
            }
        }
        naming.push(elem_name_for_naming(e));
        keys.push(key);
        key_exprs.push(text);
        opclasses.push(opclass(e));
        descending.push(e.ordering == pb::SortByDir::SortbyDesc as i32);
    }
    let predicate = s.where_clause.as_deref().map(expr_text);
    if let Some(w) = s.where_clause.as_deref() {
        for c in column_refs(w) {
            if !expr_columns.contains(&c) {
                expr_columns.push(c);
            }
        }
    }
    let name = if s.idxname.is_empty() {
        let label = if s.primary {
            "pkey"
        } else if !s.exclude_op_names.is_empty() {
            "excl"
        } else if s.isconstraint {
            "key"
        } else {
            "idx"
        };
        let add = column_addition(&naming);
        let n = choose_name(&table.name, Some(&add), label, |n| {
            cat.relation_exists(&table.sibling(n))
        });
        table.sibling(n)
    } else {
        table.sibling(s.idxname.clone())
    };
    if cat.relation_exists(&name) {
        return;
    }
    let idx = Index {
        name,
        table,
        keys,
        opclasses,
        key_exprs,
        descending,
        method: if s.access_method.is_empty() {
            "btree".to_string()
        } else {
            s.access_method.clone()
        },
        unique: s.unique,
        partial: predicate.is_some(),
        predicate,
        include: index_elem_names(&s.index_including_params),
        nulls_not_distinct: s.nulls_not_distinct,
        concurrently: s.concurrent,
        only: !rv.inh,
        constraint: None,
        attached_to: None,
        expr_columns,
        origin,
    };
    insert_index(cat, idx);
}

/// `ALTER INDEX parent ATTACH PARTITION child`.
pub(super) fn attach_index(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if !cat.indexes.contains_key(parent) {
        return;
    }
    if let Some(idx) = cat.indexes.get_mut(&child) {
        idx.attached_to = Some(parent.clone());
    }
}
