//! Indexes: CREATE INDEX, ALTER INDEX … ATTACH PARTITION, and the bookkeeping that keeps
//! `indexes` and `table_indexes` in step.

use std::borrow::Cow;

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node};

use crate::schema::expr::{column_refs, expr_text, opclass, strings};
use crate::schema::names::{choose_name_from, column_addition, make_object_name};
use crate::schema::{Catalog, Index, IndexKey, Origin, QualifiedName};

pub(super) fn insert_index(cat: &mut Catalog, idx: Index) {
    cat.journal.created_indexes.push(idx.name.clone());
    cat.indexes.insert(idx);
}

pub(super) fn remove_index(cat: &mut Catalog, name: &QualifiedName) -> Option<Index> {
    let idx = cat.indexes.remove(name)?;
    cat.free_name_from.clear();
    cat.journal.removed_indexes.push(name.clone());
    Some(idx)
}

/// The key part of an index as its elements (and WHERE clause) describe it; CREATE INDEX and
/// EXCLUDE constraints build it the same way.
pub(super) struct IndexElems {
    pub keys: Vec<IndexKey>,
    pub key_exprs: Vec<Option<String>>,
    pub opclasses: Vec<Option<String>>,
    pub descending: Vec<bool>,
    /// The columns the elements and the predicate mention, each once, first mention first.
    pub mentioned: Vec<String>,
    /// Each element's name as Postgres uses it to name the index.
    pub naming: Vec<String>,
    pub predicate: Option<String>,
}

/// Whether a plain column key counts as mentioned: an EXCLUDE constraint records every column
/// it involves, an index only those inside expressions (its keys already name the rest).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyColumns {
    Mentioned,
    NotMentioned,
}

pub(super) fn index_elems<'e>(
    elems: impl IntoIterator<Item = &'e pb::IndexElem>,
    where_clause: Option<&Node>,
    key_columns: KeyColumns,
) -> IndexElems {
    let mut out = IndexElems {
        keys: Vec::new(),
        key_exprs: Vec::new(),
        opclasses: Vec::new(),
        descending: Vec::new(),
        mentioned: Vec::new(),
        naming: Vec::new(),
        predicate: where_clause.map(expr_text),
    };
    let mut mention = |cols: Vec<String>| {
        for c in cols {
            if !out.mentioned.contains(&c) {
                out.mentioned.push(c);
            }
        }
    };
    for e in elems {
        if e.name.is_empty() {
            mention(e.expr.as_deref().map(column_refs).unwrap_or_default());
            out.keys.push(IndexKey::Expression);
            out.key_exprs.push(e.expr.as_deref().map(expr_text));
        } else {
            if key_columns == KeyColumns::Mentioned {
                mention(vec![e.name.clone()]);
            }
            out.keys.push(IndexKey::Column(e.name.clone()));
            out.key_exprs.push(None);
        }
        out.naming.push(elem_name_for_naming(e));
        out.opclasses.push(opclass(e));
        out.descending
            .push(e.ordering == pb::SortByDir::SortbyDesc as i32);
    }
    if let Some(w) = where_clause {
        mention(column_refs(w));
    }
    out
}

/// The name Postgres uses for an index element when naming the index
/// (`FigureIndexColname`): the column, a function's name, or `expr`.
fn elem_name_for_naming(e: &pb::IndexElem) -> String {
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

/// The access method written (`USING gin`), or the statement's default; the built-in ones
/// are not copied (the catalog holds one per index).
pub(super) fn access_method(written: &str, default: &'static str) -> Cow<'static, str> {
    const BUILT_IN: [&str; 6] = ["btree", "hash", "gist", "gin", "spgist", "brin"];
    if written.is_empty() {
        return Cow::Borrowed(default);
    }
    match BUILT_IN.iter().find(|m| **m == written) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(written.to_string()),
    }
}

/// A per-key list kept only when some key differs from the default (most indexes have no
/// operator class, expression or `DESC`): see [`Index::opclass`] and friends.
pub(super) fn sparse<T: Default + PartialEq>(mut per_key: Vec<T>) -> Vec<T> {
    if per_key.iter().all(|v| *v == T::default()) {
        return Vec::new();
    }
    per_key.shrink_to_fit();
    per_key
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
    let elems = index_elems(
        s.index_params.iter().filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(&**e),
            _ => None,
        }),
        s.where_clause.as_deref(),
        KeyColumns::NotMentioned,
    );
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
        let add = column_addition(&elems.naming);
        let first = table.sibling(make_object_name(&table.name, Some(&add), label));
        let from = cat.free_name_from.get(&first).copied().unwrap_or(0);
        let (n, pass) = choose_name_from(&table.name, Some(&add), label, from, |n| {
            cat.relation_exists(&table.sibling(n))
        });
        // Every name before this pass is taken (this one may stay free if the index is not
        // created after all).
        cat.free_name_from.insert(first, pass);
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
        keys: elems.keys,
        opclasses: sparse(elems.opclasses),
        key_exprs: sparse(elems.key_exprs),
        descending: sparse(elems.descending),
        method: access_method(&s.access_method, "btree"),
        unique: s.unique,
        partial: elems.predicate.is_some(),
        predicate: elems.predicate,
        include: index_elem_names(&s.index_including_params),
        nulls_not_distinct: s.nulls_not_distinct,
        concurrently: s.concurrent,
        only: !rv.inh,
        constraint: None,
        attached_to: None,
        expr_columns: elems.mentioned,
        origin,
    };
    insert_index(cat, idx);
}

/// `ALTER INDEX parent ATTACH PARTITION child`.
pub(super) fn attach_index(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if !cat.indexes.contains(parent) {
        return;
    }
    cat.indexes
        .update(&child, |idx| idx.attached_to = Some(parent.clone()));
}
