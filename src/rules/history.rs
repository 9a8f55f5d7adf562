//! What the statements before the current one did in this file, as the lock rules need it:
//! the locks still held in the open transaction, whether `lock_timeout` was set, whether a
//! strong lock on an existing table was taken already. Kept by the engine, in one pass, so
//! no rule rescans the statements before it.

use crate::locks::{Effects, LockMode};
use crate::parse::NodeEnum;
use crate::schema::{Catalog, FileId, QualifiedName};
use crate::span::Span;

/// A lock taken on a table that existed before this file, still held.
#[derive(Debug, Clone)]
pub struct HeldLock {
    pub table: QualifiedName,
    pub mode: LockMode,
    /// The statement that took it (index in the file, its span).
    pub statement: usize,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct History {
    /// Locks on existing tables held in the open transaction (strongest per table, first taker).
    pub held: Vec<HeldLock>,
    /// A `SET [LOCAL] lock_timeout` was run earlier in the file.
    pub lock_timeout_set: bool,
    /// An earlier statement took ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE on an existing table.
    pub strong_lock_taken: bool,
    /// The end of the previous statement (where the current statement's leading text starts).
    pub previous_end: usize,
}

impl History {
    /// The strongest lock held on an existing table, if any is at least `mode`.
    pub fn held_at_least(&self, mode: LockMode) -> Option<&HeldLock> {
        self.held
            .iter()
            .filter(|h| h.mode >= mode)
            .max_by_key(|h| (h.mode, std::cmp::Reverse(h.statement)))
    }

    /// Folds in a statement, after the checks have seen the history before it.
    pub fn record(
        &mut self,
        index: usize,
        span: Span,
        node: &NodeEnum,
        fx: &Effects,
        in_transaction: bool,
        existing: impl Fn(&QualifiedName) -> bool,
    ) {
        if let NodeEnum::VariableSetStmt(set) = node
            && set.name.eq_ignore_ascii_case("lock_timeout")
        {
            self.lock_timeout_set = true;
        }
        if let NodeEnum::TransactionStmt(_) = node {
            // BEGIN starts and COMMIT/ROLLBACK ends a block: nothing is held across either.
            self.held.clear();
        }
        for lock in fx.locks.iter().filter(|l| l.kind.is_table_level()) {
            if fx.creates.contains(&lock.relation) || !existing(&lock.relation) {
                continue;
            }
            if matches!(
                lock.mode,
                LockMode::AccessExclusive | LockMode::ShareRowExclusive
            ) {
                self.strong_lock_taken = true;
            }
            if !in_transaction {
                continue;
            }
            match self.held.iter_mut().find(|h| h.table == lock.relation) {
                Some(h) if h.mode >= lock.mode => {}
                Some(h) => {
                    h.mode = lock.mode;
                    h.statement = index;
                    h.span = span;
                }
                None => self.held.push(HeldLock {
                    table: lock.relation.clone(),
                    mode: lock.mode,
                    statement: index,
                    span,
                }),
            }
        }
        self.previous_end = span.end;
    }
}

/// Whether `table` existed before `file`: not created in it (unknown tables count as existing).
pub fn existed_before(catalog: &Catalog, file: FileId, table: &QualifiedName) -> bool {
    !catalog.table_provenance(table, file).is_new()
}

/// Work that takes time in proportion to a table that existed before the file: an index
/// build, a validation or NOT NULL scan, a rewrite; or any data change (`INSERT`, `UPDATE`,
/// `DELETE`, which may read other tables).
pub fn is_slow(node: &NodeEnum, fx: &Effects, existing: impl Fn(&QualifiedName) -> bool) -> bool {
    // An ALTER TABLE of a table created in this file works on its rows, which are few or none;
    // the other tables it reads are the ones its foreign keys reference, looked up once per
    // row of it.
    if let NodeEnum::AlterTableStmt(at) = node
        && at
            .relation
            .as_ref()
            .is_some_and(|rv| !existing(&QualifiedName::from_range_var(rv)))
    {
        return false;
    }
    fx.scans
        .iter()
        .chain(&fx.rewrites)
        .any(|t| !fx.creates.contains(t) && existing(t))
        || matches!(
            node,
            NodeEnum::InsertStmt(_) | NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_)
        )
}
