//! The knowledge base of statement effects: for a statement and the catalog before it, which
//! lock each relation gets, whether tables are rewritten or scanned, and whether the statement
//! must run outside a transaction block. Rules and `pglint locks` read their facts from here;
//! `tests/lock_facts.rs` proves them against a real PostgreSQL server.

mod effects_stub;
mod mode;

// TEMPORARY: replaced by the real knowledge base when the branches merge.
pub use self::effects_stub::effects;
pub use self::mode::{Blocked, LockMode};

use crate::schema::QualifiedName;

/// What kind of relation a lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelKind {
    Table,
    Index,
    Sequence,
    View,
    MaterializedView,
}

/// One relation-level lock a statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelLock {
    pub relation: QualifiedName,
    pub kind: RelKind,
    pub mode: LockMode,
}

/// What running a statement does to the relations it touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// The strongest lock per relation, tables first.
    pub locks: Vec<RelLock>,
    /// Tables whose data files are written anew (with all their indexes).
    pub rewrites: Vec<QualifiedName>,
    /// Indexes rebuilt on their own (REINDEX), the table itself untouched.
    pub rebuilt_indexes: Vec<QualifiedName>,
    /// Tables read in full while the lock is held (index builds, validation, NOT NULL checks).
    pub scans: Vec<QualifiedName>,
    /// PostgreSQL refuses to run the statement inside a transaction block.
    pub needs_no_transaction: bool,
    /// PostgreSQL refuses the statement outright, with this reason.
    pub refused: Option<String>,
}
