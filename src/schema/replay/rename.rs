//! ALTER … RENAME (tables, views, indexes, columns, constraints) and SET SCHEMA, carrying
//! every reference to the renamed object along.

use pg_query::protobuf::{self as pb, ObjectType as Ot};

use super::index::{insert_index, remove_index};
use super::partition::with_partitions;
use crate::schema::{Catalog, ConstraintKind, Index, IndexKey, Origin, QualifiedName};

pub(super) fn rename(cat: &mut Catalog, s: &pb::RenameStmt, origin: Origin) {
    let Ok(kind) = Ot::try_from(s.rename_type) else {
        return;
    };
    let Some(rv) = &s.relation else { return };
    let target = QualifiedName::from_range_var(rv);
    match kind {
        Ot::ObjectTable
        | Ot::ObjectView
        | Ot::ObjectMatview
        | Ot::ObjectIndex
        | Ot::ObjectForeignTable => {
            let new = target.sibling(s.newname.clone());
            if cat.tables.contains_key(&target) {
                move_table(cat, &target, new);
            } else if cat.indexes.contains(&target) {
                rename_index(cat, &target, new);
            } else if !cat.relation_exists(&new)
                && let Some(mut v) = cat.views.remove(&target)
            {
                v.name = new.clone();
                cat.views.insert(new.clone(), v);
                for idx in cat.indexes.remove_table(&target) {
                    cat.indexes.insert(Index {
                        table: new.clone(),
                        ..idx
                    });
                }
            }
        }
        Ot::ObjectColumn => {
            let tables = if rv.inh {
                with_partitions(cat, &target)
            } else {
                vec![target.clone()]
            };
            for t in tables {
                rename_column(cat, &t, &s.subname, &s.newname, origin);
            }
        }
        Ot::ObjectTabconstraint => rename_constraint(cat, &target, &s.subname, &s.newname),
        _ => {}
    }
}

pub(super) fn set_schema(cat: &mut Catalog, s: &pb::AlterObjectSchemaStmt) {
    let Some(rv) = &s.relation else { return };
    let old = QualifiedName::from_range_var(rv);
    let new = QualifiedName::new(s.newschema.clone(), old.name.clone());
    if cat.tables.contains_key(&old) {
        move_table(cat, &old, new);
    } else if !cat.relation_exists(&new)
        && let Some(mut v) = cat.views.remove(&old)
    {
        v.name = new.clone();
        cat.views.insert(new, v);
    }
}

fn rename_index(cat: &mut Catalog, old: &QualifiedName, new: QualifiedName) {
    if cat.relation_exists(&new) {
        return;
    }
    let Some(mut idx) = remove_index(cat, old) else {
        return;
    };
    idx.name = new.clone();
    // Renaming a constraint's index renames the constraint.
    if let Some(cname) = idx.constraint.clone()
        && let Some(t) = cat.tables.get_mut(&idx.table)
        && let Some(c) = t.constraints.iter_mut().find(|c| c.name == cname)
    {
        c.name = new.name.clone();
        c.index = Some(new.clone());
        idx.constraint = Some(new.name.clone());
    }
    // Partition indexes attached to it live on the partitions of its table.
    let parts = cat.partitions.get(&idx.table).cloned().unwrap_or_default();
    for part in parts {
        for n in cat.indexes.names_of(&part) {
            if cat
                .index(&n)
                .is_some_and(|o| o.attached_to.as_ref() == Some(old))
            {
                cat.indexes
                    .update(&n, |o| o.attached_to = Some(new.clone()));
            }
        }
    }
    insert_index(cat, idx);
}

fn rename_constraint(cat: &mut Catalog, table: &QualifiedName, old: &str, new: &str) {
    let Some(t) = cat.tables.get(table) else {
        return;
    };
    if t.constraint(new).is_some() {
        return;
    }
    let Some(c) = t.constraint(old) else { return };
    // Renaming an index-backed constraint renames its index.
    if let Some(iq) = c.index.clone() {
        let new_iq = iq.sibling(new);
        if cat.relation_exists(&new_iq) {
            return;
        }
        if let Some(mut idx) = remove_index(cat, &iq) {
            idx.name = new_iq.clone();
            idx.constraint = Some(new.to_string());
            insert_index(cat, idx);
        }
        if let Some(c) = cat
            .tables
            .get_mut(table)
            .and_then(|t| t.constraints.iter_mut().find(|c| c.name == old))
        {
            c.index = Some(new_iq);
        }
    }
    if let Some(c) = cat
        .tables
        .get_mut(table)
        .and_then(|t| t.constraints.iter_mut().find(|c| c.name == old))
    {
        c.name = new.to_string();
    }
}

fn rename_in(list: &mut [String], old: &str, new: &str) {
    for x in list.iter_mut() {
        if x == old {
            *x = new.to_string();
        }
    }
}

fn rename_column(cat: &mut Catalog, table: &QualifiedName, old: &str, new: &str, origin: Origin) {
    let Some(t) = cat.tables.get_mut(table) else {
        return;
    };
    if old == new || t.column(new).is_some() {
        return;
    }
    let Some(col) = t.column_mut(old) else { return };
    col.name = new.to_string();
    col.named = origin;
    for c in &mut t.constraints {
        rename_in(&mut c.expr_columns, old, new);
        match &mut c.kind {
            ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns }
            | ConstraintKind::ForeignKey { columns, .. } => rename_in(columns, old, new),
            _ => {}
        }
    }
    if let Some(pk) = &mut t.partitioned_by {
        for k in &mut pk.keys {
            if matches!(k, IndexKey::Column(c) if c == old) {
                *k = IndexKey::Column(new.to_string());
            }
        }
    }
    // Foreign keys pointing at the column (this table's own included).
    let referencing = cat.referenced_by.get(table).cloned().unwrap_or_default();
    for r in referencing {
        if let Some(rt) = cat.tables.get_mut(&r) {
            for c in &mut rt.constraints {
                if let ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    ..
                } = &mut c.kind
                    && references == table
                {
                    rename_in(ref_columns, old, new);
                }
            }
        }
    }
    for n in cat.indexes.names_of(table) {
        if !cat.index(&n).is_some_and(|i| i.mentions(old)) {
            continue;
        }
        cat.indexes.update(&n, |idx| {
            for k in &mut idx.keys {
                if matches!(k, IndexKey::Column(c) if c == old) {
                    *k = IndexKey::Column(new.to_string());
                }
            }
            rename_in(&mut idx.include, old, new);
            rename_in(&mut idx.expr_columns, old, new);
        });
    }
}

/// Renames a table or moves it to another schema, carrying its indexes (which follow their
/// table's schema), foreign keys in both directions and partition links.
fn move_table(cat: &mut Catalog, old: &QualifiedName, new: QualifiedName) {
    if old == &new || cat.relation_exists(&new) {
        return;
    }
    let Some(mut t) = cat.tables.remove(old) else {
        return;
    };
    t.name = new.clone();
    // Foreign keys pointing at the table (its own self-references included).
    if let Some(referencing) = cat.referenced_by.remove(old) {
        let mut renamed = std::collections::BTreeSet::new();
        for r in referencing {
            let target = if &r == old {
                renamed.insert(new.clone());
                Some(&mut t)
            } else {
                let target = cat.tables.get_mut(&r);
                renamed.insert(r);
                target
            };
            if let Some(rt) = target {
                for c in &mut rt.constraints {
                    if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind
                        && references == old
                    {
                        *references = new.clone();
                    }
                }
            }
        }
        cat.referenced_by.insert(new.clone(), renamed);
    }
    // This table as a referencing table.
    for c in &t.constraints {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind
            && references != &new
            && let Some(list) = cat.referenced_by.get_mut(references)
            && list.remove(old)
        {
            list.insert(new.clone());
        }
    }
    // Indexes: same names, in the new schema if the table moved.
    for mut idx in cat.indexes.remove_table(old) {
        idx.table = new.clone();
        idx.name = new.sibling(idx.name.name.clone());
        if let Some(cname) = &idx.constraint
            && let Some(c) = t.constraints.iter_mut().find(|c| &c.name == cname)
        {
            c.index = Some(idx.name.clone());
        }
        cat.indexes.insert(idx);
    }
    // Partition links.
    if let Some(children) = cat.partitions.remove(old) {
        for ch in &children {
            if let Some(ct) = cat.tables.get_mut(ch)
                && let Some(p) = &mut ct.partition_of
            {
                p.parent = new.clone();
            }
        }
        cat.partitions.insert(new.clone(), children);
    }
    if let Some(p) = &t.partition_of
        && let Some(list) = cat.partitions.get_mut(&p.parent)
    {
        for x in list.iter_mut() {
            if x == old {
                *x = new.clone();
            }
        }
    }
    cat.tables.insert(new, t);
}
