//! Table constraints: adding them (with the index a PRIMARY KEY, UNIQUE or EXCLUDE builds),
//! dropping them, and keeping the foreign-key reverse links in step.

use std::borrow::Cow;

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ConstrType as Ct};

use super::index::{
    KeyColumns, access_method, index_elem_names, index_elems, insert_index, remove_index, sparse,
};
use crate::schema::expr::{column_refs, expr_text, strings};
use crate::schema::names::{choose_name, column_addition};
use crate::schema::{Catalog, Constraint, ConstraintKind, Index, IndexKey, Origin, QualifiedName};

/// Adds constraints in the order Postgres does: foreign keys last (they may need the
/// primary key declared after them).
pub(super) fn add_constraints(
    cat: &mut Catalog,
    table: &QualifiedName,
    pending: Vec<pb::Constraint>,
    origin: Origin,
) {
    let (fks, others): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|c| c.contype == Ct::ConstrForeign as i32);
    for c in others.iter().chain(fks.iter()) {
        add_constraint(cat, table, c, origin);
    }
}

fn fk_action(code: &str) -> char {
    code.chars().next().filter(|c| *c != ' ').unwrap_or('a')
}

pub(super) fn add_constraint(
    cat: &mut Catalog,
    table_name: &QualifiedName,
    c: &pb::Constraint,
    origin: Origin,
) {
    let Ok(ct) = Ct::try_from(c.contype) else {
        return;
    };
    if !matches!(
        ct,
        Ct::ConstrPrimary
            | Ct::ConstrUnique
            | Ct::ConstrCheck
            | Ct::ConstrForeign
            | Ct::ConstrExclusion
    ) {
        if ct == Ct::ConstrNotnull {
            // ALTER TABLE … ADD CONSTRAINT n NOT NULL col (PostgreSQL 18).
            if let Some(t) = cat.tables.get_mut(table_name) {
                for k in strings(&c.keys) {
                    if let Some(col) = t.column_mut(&k) {
                        col.not_null = true;
                    }
                }
            }
        }
        return;
    }
    let Some(table) = cat.tables.get(table_name) else {
        return;
    };
    let mut constraint = Constraint {
        name: String::new(),
        kind: ConstraintKind::Check,
        not_valid: c.skip_validation,
        origin,
        deferrable: c.deferrable || c.initdeferred,
        initially_deferred: c.initdeferred,
        expr: None,
        expr_columns: Vec::new(),
        index: None,
        on_delete: 'a',
        on_update: 'a',
    };
    let constraint_taken = |n: &str| table.constraint(n).is_some();
    let relation_taken = |n: &str| cat.relation_exists(&table_name.sibling(n));
    // The index to build (or adopt, with USING INDEX) for PK / UNIQUE / EXCLUDE.
    let mut new_index: Option<Index> = None;
    let mut adopt: Option<QualifiedName> = None;
    match ct {
        Ct::ConstrPrimary | Ct::ConstrUnique => {
            let primary = ct == Ct::ConstrPrimary;
            if primary && table.primary_key().is_some() {
                return;
            }
            let mut columns = strings(&c.keys);
            if !c.indexname.is_empty() {
                let iq = table_name.sibling(c.indexname.clone());
                let Some(idx) = cat.indexes.get(&iq) else {
                    return;
                };
                if &idx.table != table_name || idx.constraint.is_some() {
                    return;
                }
                columns = idx.key_columns().map(str::to_string).collect();
                constraint.name = if c.conname.is_empty() {
                    c.indexname.clone()
                } else {
                    c.conname.clone()
                };
                adopt = Some(iq);
            } else if !c.conname.is_empty() {
                constraint.name = c.conname.clone();
            } else if primary {
                constraint.name = choose_name(&table_name.name, None, "pkey", relation_taken);
            } else {
                let add = column_addition(&columns);
                constraint.name = choose_name(&table_name.name, Some(&add), "key", relation_taken);
            }
            if adopt.is_none() {
                let iq = table_name.sibling(constraint.name.clone());
                if cat.relation_exists(&iq) {
                    return;
                }
                let n = columns.len();
                new_index = Some(Index {
                    name: iq,
                    table: table_name.clone(),
                    keys: columns.iter().cloned().map(IndexKey::Column).collect(),
                    opclasses: vec![None; n],
                    key_exprs: vec![None; n],
                    descending: vec![false; n],
                    method: Cow::Borrowed("btree"),
                    unique: true,
                    partial: false,
                    predicate: None,
                    include: index_elem_names(&c.including),
                    nulls_not_distinct: c.nulls_not_distinct,
                    concurrently: false,
                    only: false,
                    constraint: Some(constraint.name.clone()),
                    attached_to: None,
                    expr_columns: Vec::new(),
                    origin,
                });
            }
            constraint.kind = if primary {
                ConstraintKind::PrimaryKey { columns }
            } else {
                ConstraintKind::Unique { columns }
            };
        }
        Ct::ConstrExclusion => {
            // Each exclusion is a (element, operator) pair.
            let elems = index_elems(
                c.exclusions
                    .iter()
                    .filter_map(|pair| match pair.node.as_ref() {
                        Some(NodeEnum::List(l)) => match l.items.first()?.node.as_ref() {
                            Some(NodeEnum::IndexElem(e)) => Some(&**e),
                            _ => None,
                        },
                        _ => None,
                    }),
                c.where_clause.as_deref(),
                KeyColumns::Mentioned,
            );
            constraint.name = if c.conname.is_empty() {
                let add = column_addition(&elems.naming);
                choose_name(&table_name.name, Some(&add), "excl", relation_taken)
            } else {
                c.conname.clone()
            };
            let iq = table_name.sibling(constraint.name.clone());
            if cat.relation_exists(&iq) {
                return;
            }
            constraint.kind = ConstraintKind::Exclusion;
            constraint.expr = elems.predicate.clone();
            constraint.expr_columns = elems.mentioned.clone();
            new_index = Some(Index {
                name: iq,
                table: table_name.clone(),
                keys: elems.keys,
                opclasses: sparse(elems.opclasses),
                key_exprs: sparse(elems.key_exprs),
                descending: sparse(elems.descending),
                method: access_method(&c.access_method, "gist"),
                unique: false,
                partial: elems.predicate.is_some(),
                predicate: elems.predicate,
                include: index_elem_names(&c.including),
                nulls_not_distinct: false,
                concurrently: false,
                only: false,
                constraint: Some(constraint.name.clone()),
                attached_to: None,
                expr_columns: elems.mentioned,
                origin,
            });
        }
        Ct::ConstrCheck => {
            let cols = c.raw_expr.as_deref().map(column_refs).unwrap_or_default();
            constraint.expr = c.raw_expr.as_deref().map(expr_text);
            constraint.name = if c.conname.is_empty() {
                let col = if cols.len() == 1 {
                    Some(cols[0].as_str())
                } else {
                    None
                };
                choose_name(&table_name.name, col, "check", constraint_taken)
            } else {
                c.conname.clone()
            };
            constraint.expr_columns = cols;
            constraint.kind = ConstraintKind::Check;
        }
        Ct::ConstrForeign => {
            let Some(pk) = &c.pktable else { return };
            let references = QualifiedName::from_range_var(pk);
            let columns = strings(&c.fk_attrs);
            let mut ref_columns = strings(&c.pk_attrs);
            if ref_columns.is_empty()
                && let Some(pkcols) = cat
                    .tables
                    .get(&references)
                    .and_then(|t| t.primary_key_columns())
            {
                ref_columns = pkcols.to_vec();
            }
            constraint.name = if c.conname.is_empty() {
                let add = column_addition(&columns);
                choose_name(&table_name.name, Some(&add), "fkey", constraint_taken)
            } else {
                c.conname.clone()
            };
            constraint.on_delete = fk_action(&c.fk_del_action);
            constraint.on_update = fk_action(&c.fk_upd_action);
            constraint.kind = ConstraintKind::ForeignKey {
                columns,
                references,
                ref_columns,
            };
        }
        _ => return,
    }
    if table.constraint(&constraint.name).is_some() {
        return;
    }
    // Postgres rejects keys on columns the table does not have.
    let known =
        |cols: &[String]| table.columns_unknown || cols.iter().all(|c| table.column(c).is_some());
    match &constraint.kind {
        ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns }
        | ConstraintKind::ForeignKey { columns, .. }
            if !known(columns) =>
        {
            return;
        }
        _ => {}
    }
    // Commit: index first, then the constraint.
    if let Some(idx) = new_index {
        constraint.index = Some(idx.name.clone());
        insert_index(cat, idx);
    }
    if let Some(iq) = adopt {
        let new_name = table_name.sibling(constraint.name.clone());
        if iq != new_name && cat.relation_exists(&new_name) {
            return;
        }
        if let Some(mut idx) = remove_index(cat, &iq) {
            idx.name = new_name.clone();
            idx.unique = true;
            idx.constraint = Some(constraint.name.clone());
            insert_index(cat, idx);
        }
        constraint.index = Some(new_name);
    }
    if let ConstraintKind::ForeignKey { references, .. } = &constraint.kind {
        cat.referenced_by
            .entry(references.clone())
            .or_default()
            .insert(table_name.clone());
    }
    let primary_cols = match &constraint.kind {
        ConstraintKind::PrimaryKey { columns } => columns.clone(),
        _ => Vec::new(),
    };
    if let Some(t) = cat.tables.get_mut(table_name) {
        for pc in &primary_cols {
            if let Some(col) = t.column_mut(pc) {
                col.not_null = true;
            }
        }
        crate::growth::push_gently(&mut t.constraints, constraint, 1);
    }
}

/// Removes a constraint, its index, and with `cascade` the foreign keys that depend on a
/// removed PRIMARY KEY / UNIQUE.
pub(super) fn drop_constraint(
    cat: &mut Catalog,
    table_name: &QualifiedName,
    name: &str,
    cascade: bool,
) {
    let Some(t) = cat.tables.get_mut(table_name) else {
        return;
    };
    let Some(pos) = t.constraints.iter().position(|c| c.name == name) else {
        return;
    };
    let c = t.constraints.remove(pos);
    if let Some(iq) = &c.index {
        remove_index(cat, iq);
    }
    match &c.kind {
        ConstraintKind::ForeignKey { references, .. } => {
            forget_reference(cat, table_name, references);
        }
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } if cascade => {
            drop_fks_referencing(cat, table_name, |refcols| same_set(refcols, columns));
        }
        _ => {}
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Drops the foreign keys of other tables (and this one) that reference `table` on columns
/// matching `pred`.
pub(super) fn drop_fks_referencing(
    cat: &mut Catalog,
    table: &QualifiedName,
    pred: impl Fn(&[String]) -> bool,
) {
    let referencing = cat.referenced_by.get(table).cloned().unwrap_or_default();
    for r in referencing {
        let doomed: Vec<String> = cat
            .tables
            .get(&r)
            .map(|t| {
                t.foreign_keys()
                    .filter(|c| match &c.kind {
                        ConstraintKind::ForeignKey {
                            references,
                            ref_columns,
                            ..
                        } => references == table && pred(ref_columns),
                        _ => false,
                    })
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for name in doomed {
            drop_constraint(cat, &r, &name, false);
        }
    }
}

/// After a foreign key of `table` to `references` went away: forget the link if it was the
/// last one.
pub(super) fn forget_reference(
    cat: &mut Catalog,
    table: &QualifiedName,
    references: &QualifiedName,
) {
    let still = cat.tables.get(table).is_some_and(|t| {
        t.foreign_keys().any(|c| {
            matches!(&c.kind, ConstraintKind::ForeignKey { references: r, .. } if r == references)
        })
    });
    if !still && let Some(list) = cat.referenced_by.get_mut(references) {
        list.remove(table);
        if list.is_empty() {
            cat.referenced_by.remove(references);
        }
    }
}
