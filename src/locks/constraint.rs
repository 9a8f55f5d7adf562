//! ADD CONSTRAINT (CHECK, FOREIGN KEY, UNIQUE, PRIMARY KEY, EXCLUDE, USING INDEX, NOT NULL),
//! VALIDATE CONSTRAINT, DROP CONSTRAINT.

use pg_query::protobuf::{ConstrType as Ct, Constraint, DropBehavior};

use super::LockMode::*;
use super::{Cx, Effects, index, name_of, strings};
use crate::schema::{ConstraintKind, QualifiedName};

pub(super) fn add(
    cx: &Cx,
    table: &QualifiedName,
    family: &[QualifiedName],
    leaves: &[QualifiedName],
    c: &Constraint,
    fx: &mut Effects,
) {
    let ct = Ct::try_from(c.contype).unwrap_or(Ct::Undefined);
    let partitioned = cx.is_partitioned(table);
    match ct {
        Ct::ConstrCheck if !c.skip_validation => {
            for leaf in leaves {
                fx.scan(leaf);
            }
        }
        Ct::ConstrNotnull => {
            if cx.pg < 18 {
                fx.refuse("ADD CONSTRAINT ... NOT NULL needs PostgreSQL 18 or later");
            }
            let column = strings(&c.keys).into_iter().next().unwrap_or_default();
            let already = cx
                .catalog
                .column(table, &column)
                .is_some_and(|c| c.not_null);
            if !c.skip_validation && !already {
                for leaf in leaves {
                    fx.scan(leaf);
                }
            }
        }
        Ct::ConstrForeign => {
            let Some(referenced) = c.pktable.as_ref().map(name_of) else {
                return;
            };
            if partitioned && c.skip_validation && cx.pg < 18 {
                fx.refuse(format!(
                    "cannot add NOT VALID foreign key on partitioned table \"{}\"",
                    table.name
                ));
            }
            fx.table(&referenced, ShareRowExclusive);
            if !c.skip_validation {
                // The validation query reads the referencing table and, with a join, the
                // referenced one.
                for leaf in leaves {
                    fx.scan(leaf);
                }
                fx.scan(&referenced);
            }
        }
        Ct::ConstrPrimary | Ct::ConstrUnique | Ct::ConstrExclusion => {
            let is_pk = ct == Ct::ConstrPrimary;
            if c.nulls_not_distinct {
                super::refuse_nulls_not_distinct(cx, fx);
            }
            if !c.indexname.is_empty() {
                // USING INDEX: no build; a primary key still verifies NOT NULL.
                // The index is renamed to the constraint's name (SHARE UPDATE EXCLUSIVE),
                // else only looked at.
                let index = table.sibling(&c.indexname);
                let renamed = !c.conname.is_empty() && c.conname != c.indexname;
                let mode = if renamed {
                    ShareUpdateExclusive
                } else {
                    AccessShare
                };
                fx.index(&index, Some(table), mode);
                if is_pk {
                    let columns: Vec<String> = cx
                        .catalog
                        .index(&index)
                        .map(|ix| ix.key_columns().map(str::to_string).collect())
                        .unwrap_or_default();
                    if columns.iter().any(|col| nullable(cx, table, col)) {
                        fx.scan(table);
                    }
                }
                return;
            }
            let columns = strings(&c.keys);
            if ct != Ct::ConstrExclusion
                && partitioned
                && !index::covers_partition_key(cx, table, &columns)
            {
                fx.refuse(index::UNIQUE_WITHOUT_PARTITION_KEY);
            }
            if !c.conname.is_empty() {
                let index = table.sibling(&c.conname);
                fx.index(&index, Some(table), AccessExclusive);
                fx.create(&index);
            }
            if partitioned {
                // Each partition builds its own index under SHARE; from 18 each partition is
                // also altered (its constraint attached) under ACCESS EXCLUSIVE (measured on
                // 18.4; SHARE only on 12.22 to 17.10).
                let mode = if cx.pg >= 18 { AccessExclusive } else { Share };
                for p in family.iter().skip(1) {
                    fx.table(p, mode);
                }
            }
            for leaf in leaves {
                fx.scan(leaf);
            }
        }
        _ => {}
    }
}

fn nullable(cx: &Cx, table: &QualifiedName, column: &str) -> bool {
    cx.catalog.column(table, column).is_none_or(|c| !c.not_null)
}

/// VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE; a foreign key also takes ROW SHARE on the
/// referenced table. A constraint already valid is a no-op.
pub(super) fn validate(
    cx: &Cx,
    table: &QualifiedName,
    leaves: &[QualifiedName],
    name: &str,
    fx: &mut Effects,
) {
    let known = cx.catalog.table(table).and_then(|t| t.constraint(name));
    if known.is_some_and(|c| !c.not_valid) {
        return;
    }
    if let Some(ConstraintKind::ForeignKey { references, .. }) = known.map(|c| &c.kind) {
        fx.table(references, RowShare);
        for leaf in leaves {
            fx.scan(leaf);
        }
        fx.scan(references);
        return;
    }
    for leaf in leaves {
        fx.scan(leaf);
    }
}

/// DROP CONSTRAINT: ACCESS EXCLUSIVE; a foreign key's referenced table too (its triggers are
/// dropped); the index of a PRIMARY KEY / UNIQUE constraint is dropped, and with CASCADE the
/// foreign keys that depend on it, locking their tables.
pub(super) fn drop(cx: &Cx, table: &QualifiedName, name: &str, behavior: i32, fx: &mut Effects) {
    let Some(c) = cx.catalog.table(table).and_then(|t| t.constraint(name)) else {
        return;
    };
    match &c.kind {
        ConstraintKind::ForeignKey { references, .. } => {
            fx.table(references, AccessExclusive);
        }
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => {
            if let Some(ix) = &c.index {
                fx.index(ix, Some(table), AccessExclusive);
            }
            let dependents: Vec<QualifiedName> = cx
                .catalog
                .foreign_keys_referencing(table)
                .filter(|(_, fk)| match &fk.kind {
                    ConstraintKind::ForeignKey { ref_columns, .. } => {
                        let mut a = ref_columns.clone();
                        let mut b = columns.clone();
                        a.sort();
                        b.sort();
                        a == b
                    }
                    _ => false,
                })
                .map(|(t, _)| t.name.clone())
                .collect();
            if !dependents.is_empty() {
                if behavior == DropBehavior::DropCascade as i32 {
                    for t in &dependents {
                        fx.table(t, AccessExclusive);
                    }
                } else {
                    fx.refuse(format!(
                        "cannot drop constraint {name} on table {} because other objects depend on it",
                        table.name
                    ));
                }
            }
        }
        _ => {}
    }
}
