//! DROP TABLE / INDEX / VIEW / MATERIALIZED VIEW, with CASCADE reaching dependent foreign
//! keys and partitions.

use pg_query::protobuf::{self as pb, ObjectType as Ot};

use super::cascade;
use super::constraint::{drop_constraint, drop_fks_referencing, forget_reference};
use super::index::remove_index;
use super::partition::with_partitions;
use crate::schema::expr::qualified_from_list;
use crate::schema::{Catalog, ConstraintKind, QualifiedName};

pub(super) fn drop(cat: &mut Catalog, s: &pb::DropStmt) {
    let Ok(kind) = Ot::try_from(s.remove_type) else {
        return;
    };
    let cascade = cascade(s.behavior);
    for obj in &s.objects {
        let Some(name) = qualified_from_list(obj) else {
            continue;
        };
        match kind {
            Ot::ObjectTable => drop_table(cat, &name, cascade),
            Ot::ObjectIndex => drop_index(cat, &name, cascade),
            Ot::ObjectView | Ot::ObjectMatview if cat.views.remove(&name).is_some() => {
                cat.indexes.remove_table(&name);
            }
            _ => {}
        }
    }
}

fn drop_index(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    let Some(idx) = cat.indexes.get(name) else {
        return;
    };
    match idx.constraint.clone() {
        // Postgres refuses to drop a constraint's index unless CASCADE drops the constraint.
        Some(c) if cascade => {
            let table = idx.table.clone();
            drop_constraint(cat, &table, &c, true);
            remove_index(cat, name);
        }
        Some(_) => {}
        None => {
            remove_index(cat, name);
        }
    }
}

pub(super) fn drop_table(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    if !cat.tables.contains_key(name) {
        return;
    }
    // Partitions go with their parent, deepest first.
    let mut all = with_partitions(cat, name);
    all.reverse();
    for t in &all {
        drop_one_table(cat, t, cascade);
    }
}

fn drop_one_table(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    let Some(t) = cat.tables.remove(name) else {
        return;
    };
    if let Some(p) = &t.partition_of
        && let Some(list) = cat.partitions.get_mut(&p.parent)
    {
        list.retain(|c| c != name);
    }
    cat.partitions.remove(name);
    cat.indexes.remove_table(name);
    for c in t.foreign_keys() {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
            forget_reference(cat, name, references);
        }
    }
    if cascade {
        drop_fks_referencing(cat, name, |_| true);
        cat.referenced_by.remove(name);
    }
}
