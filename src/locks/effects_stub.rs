//! TEMPORARY stand-in for the knowledge base's `effects()`, so `pglint locks` builds and its
//! tests run on this branch. It knows a handful of statement shapes only and is replaced by
//! the real implementation when the branches merge; nothing outside `src/locks/` may depend on
//! anything here but the signature of [`effects`].

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, Node};

use super::{Effects, LockMode, RelKind, RelLock};
use crate::schema::{Catalog, QualifiedName};

/// What running `node` does, given the catalog before it. Stub: CREATE TABLE, CREATE INDEX
/// [CONCURRENTLY], ALTER TABLE (ADD COLUMN, ADD CONSTRAINT … FOREIGN KEY, ALTER COLUMN TYPE,
/// anything else as ACCESS EXCLUSIVE).
pub fn effects(node: &NodeEnum, _catalog: &Catalog, _pg_version: u32) -> Effects {
    let mut fx = Effects::default();
    match node {
        NodeEnum::CreateStmt(c) => {
            if let Some(rv) = &c.relation {
                lock(
                    &mut fx,
                    QualifiedName::from_range_var(rv),
                    LockMode::AccessExclusive,
                );
            }
        }
        NodeEnum::IndexStmt(ix) => {
            let Some(rv) = &ix.relation else { return fx };
            let table = QualifiedName::from_range_var(rv);
            if ix.concurrent {
                lock(&mut fx, table.clone(), LockMode::ShareUpdateExclusive);
                fx.needs_no_transaction = true;
            } else {
                lock(&mut fx, table.clone(), LockMode::Share);
            }
            fx.scans.push(table);
        }
        NodeEnum::AlterTableStmt(at) => {
            let Some(rv) = &at.relation else { return fx };
            let table = QualifiedName::from_range_var(rv);
            let mut mode = None::<LockMode>;
            let mut referenced = Vec::new();
            for cmd in at.cmds.iter().filter_map(|n| match n.node.as_ref()? {
                NodeEnum::AlterTableCmd(c) => Some(c),
                _ => None,
            }) {
                let subtype = AlterTableType::try_from(cmd.subtype).ok();
                let this = match subtype {
                    Some(AlterTableType::AtAddConstraint) => match constraint(cmd.def.as_deref()) {
                        Some(k) if k.contype == ConstrType::ConstrForeign as i32 => {
                            if let Some(pk) = &k.pktable {
                                referenced.push(QualifiedName::from_range_var(pk));
                            }
                            if !k.skip_validation {
                                fx.scans.push(table.clone());
                            }
                            LockMode::ShareRowExclusive
                        }
                        _ => LockMode::AccessExclusive,
                    },
                    Some(AlterTableType::AtAddColumn) => {
                        if let Some(NodeEnum::ColumnDef(col)) =
                            cmd.def.as_ref().and_then(|d| d.node.as_ref())
                        {
                            for k in col.constraints.iter().filter_map(|n| constraint(Some(n))) {
                                if k.contype == ConstrType::ConstrForeign as i32
                                    && let Some(pk) = &k.pktable
                                {
                                    referenced.push(QualifiedName::from_range_var(pk));
                                }
                            }
                        }
                        LockMode::AccessExclusive
                    }
                    Some(AlterTableType::AtAlterColumnType) => {
                        if !fx.rewrites.contains(&table) {
                            fx.rewrites.push(table.clone());
                        }
                        LockMode::AccessExclusive
                    }
                    _ => LockMode::AccessExclusive,
                };
                mode = Some(mode.map_or(this, |m| m.max(this)));
            }
            if let Some(mode) = mode {
                lock(&mut fx, table.clone(), mode);
            }
            for r in referenced {
                if r != table {
                    lock(&mut fx, r, LockMode::ShareRowExclusive);
                }
            }
        }
        _ => {}
    }
    fx
}

fn constraint(node: Option<&Node>) -> Option<&pg_query::protobuf::Constraint> {
    match node?.node.as_ref()? {
        NodeEnum::Constraint(k) => Some(k),
        _ => None,
    }
}

fn lock(fx: &mut Effects, relation: QualifiedName, mode: LockMode) {
    if let Some(l) = fx.locks.iter_mut().find(|l| l.relation == relation) {
        l.mode = l.mode.max(mode);
        return;
    }
    fx.locks.push(RelLock {
        relation,
        kind: RelKind::Table,
        mode,
    });
}
