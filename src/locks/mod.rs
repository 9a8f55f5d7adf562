//! The knowledge base of statement effects: for a statement and the catalog before it, which
//! lock each relation gets, whether tables are rewritten or scanned, and whether the statement
//! must run outside a transaction block. Rules and `pglint locks` read their facts from here;
//! `tests/lock_facts.rs` proves them against a real PostgreSQL server.
//!
//! One module per statement family: [`index`] (CREATE/DROP INDEX, REINDEX, ALTER INDEX),
//! [`alter_table`] (ALTER TABLE subcommands), [`constraint`] (ADD/VALIDATE/DROP CONSTRAINT),
//! [`ddl`] (CREATE/DROP/RENAME of tables, views, materialized views, sequences, triggers,
//! COMMENT, TRUNCATE, VACUUM, CLUSTER, LOCK) and [`dml`] (INSERT, UPDATE, DELETE);
//! [`types`] decides which column type changes rewrite and [`exprs`] which defaults are
//! volatile.
//!
//! Conventions:
//! - `locks` holds the strongest mode per relation, table-level locks (tables, views,
//!   materialized views) first, then indexes and sequences. Locks on relations the statement
//!   creates are listed too (nobody else can see them before COMMIT).
//! - A table in `rewrites` is read in full to be rewritten, so it is in `scans` as well.
//! - A relation unknown to the catalog is still listed; an index whose table the catalog does
//!   not know gets its table-level lock as a [`RelKind::TableOfIndex`] entry.
//! - `ALTER COLUMN TYPE timestamp → timestamptz` is assumed to run with the session time zone
//!   UTC, as Django's connections do.

mod alter_table;
mod constraint;
mod ddl;
mod dml;
mod exprs;
mod index;
mod mode;
pub mod types;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, RangeVar};

pub use self::exprs::is_known_volatile;
pub use self::mode::{Blocked, LockMode};

use crate::schema::{Catalog, FileId, Provenance, QualifiedName};
pub(crate) use crate::schema::{qualified, strings};

/// What kind of relation a lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RelKind {
    Table,
    Index,
    Sequence,
    View,
    MaterializedView,
    /// The table of index `relation`, which the catalog does not know (an index pglint did
    /// not see created): PostgreSQL locks that table in this mode.
    TableOfIndex,
}

impl RelKind {
    /// Table-level relations are listed first.
    fn rank(self) -> u8 {
        match self {
            RelKind::Table | RelKind::View | RelKind::MaterializedView | RelKind::TableOfIndex => 0,
            RelKind::Index => 1,
            RelKind::Sequence => 2,
        }
    }

    /// A lock on this kind of relation is what queries on it wait for.
    pub fn is_table_level(self) -> bool {
        self.rank() == 0
    }
}

/// One relation-level lock a statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelLock {
    pub relation: QualifiedName,
    pub kind: RelKind,
    pub mode: LockMode,
    /// For an index or a sequence: the table it belongs to, when known.
    pub table: Option<QualifiedName>,
}

impl RelLock {
    /// What ordinary traffic on the relation waits for while this lock is held.
    pub fn blocks(&self) -> Vec<Blocked> {
        self.mode.blocks()
    }
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
    /// Tables read in full while the lock is held (index builds, validation, NOT NULL checks,
    /// rewrites).
    pub scans: Vec<QualifiedName>,
    /// Tables every row of which an UPDATE or DELETE without WHERE writes (a new row version,
    /// or a deletion): each row stays locked until the transaction ends, so other writes of any
    /// row wait although the table's own lock (ROW EXCLUSIVE) lets them in. Read in full too.
    pub writes_every_row: Vec<QualifiedName>,
    /// Relations the statement creates: nobody else sees them before COMMIT, so their locks
    /// block no one.
    pub creates: Vec<QualifiedName>,
    /// Tables whose reads wait although their own lock allows them, because a partition
    /// they scan or an index of a partition they plan with is locked ACCESS EXCLUSIVE
    /// (a default partition being re-checked, `ALTER INDEX ... ATTACH PARTITION`).
    pub reads_blocked: Vec<QualifiedName>,
    /// Tables whose writes wait although their own lock allows them: before 14, writing a
    /// partition reads its partition bound, which opens its parent (ACCESS SHARE), so a
    /// DETACH that locks the parent ACCESS EXCLUSIVE stops the partition's writes too.
    pub writes_blocked: Vec<QualifiedName>,
    /// PostgreSQL refuses to run the statement inside a transaction block.
    pub needs_no_transaction: bool,
    /// PostgreSQL refuses the statement outright, with this reason.
    pub refused: Option<String>,
}

impl Effects {
    /// The table-level lock on `relation` (table, view, materialized view), if any.
    pub fn mode_of(&self, relation: &QualifiedName) -> Option<LockMode> {
        self.locks
            .iter()
            .find(|l| l.kind.is_table_level() && &l.relation == relation)
            .map(|l| l.mode)
    }

    /// The lock on any relation of that name (a table, an index, a sequence).
    pub fn lock_on(&self, relation: &QualifiedName) -> Option<&RelLock> {
        self.locks.iter().find(|l| &l.relation == relation)
    }

    /// What ordinary traffic on `table` waits for while the locks are held. Besides the
    /// conflict table: an ACCESS EXCLUSIVE lock on an existing index of the table blocks
    /// reads and writes of the table, because planning a query takes ACCESS SHARE on every
    /// index of the table and writing opens every index (REINDEX, ALTER INDEX ... ATTACH
    /// PARTITION); see also [`Effects::reads_blocked`]. A table the statement creates blocks
    /// no one.
    pub fn blocks(&self, table: &QualifiedName) -> Vec<Blocked> {
        if self.creates.contains(table) {
            return Vec::new();
        }
        let mut out = self
            .mode_of(table)
            .map(LockMode::blocks)
            .unwrap_or_default();
        let index_locked = self.locks.iter().any(|l| {
            l.kind == RelKind::Index
                && l.mode == LockMode::AccessExclusive
                && l.table.as_ref() == Some(table)
                && !self.creates.contains(&l.relation)
        });
        if index_locked || self.reads_blocked.contains(table) {
            if !out.contains(&Blocked::Reads) {
                out.insert(0, Blocked::Reads);
            }
            if index_locked && !out.contains(&Blocked::Writes) {
                out.push(Blocked::Writes);
            }
        }
        if self.writes_blocked.contains(table) && !out.contains(&Blocked::Writes) {
            out.push(Blocked::Writes);
        }
        out
    }

    /// Forgets the locks of a `DROP INDEX IF EXISTS` on indexes that the catalog, seen from
    /// `file`, says are absent ([`Provenance::Absent`]: it knows the schema before `file` and
    /// has no such index): PostgreSQL finds nothing to drop and locks nothing. [`effects`]
    /// alone cannot tell (it does not know which file a statement is in), and assumes an
    /// unknown index belongs to an existing table.
    ///
    /// [`Provenance::Absent`]: crate::schema::Provenance::Absent
    pub fn forget_absent_indexes(&mut self, node: &NodeEnum, catalog: &Catalog, file: FileId) {
        let NodeEnum::DropStmt(drop) = node else {
            return;
        };
        if !drop.missing_ok
            || drop.remove_type != pg_query::protobuf::ObjectType::ObjectIndex as i32
        {
            return;
        }
        self.locks.retain(|l| {
            !matches!(l.kind, RelKind::Index | RelKind::TableOfIndex)
                || catalog.index_provenance(&l.relation, file) != Provenance::Absent
        });
    }

    pub fn rewrites(&self, table: &QualifiedName) -> bool {
        self.rewrites.contains(table)
    }

    pub fn scans(&self, table: &QualifiedName) -> bool {
        self.scans.contains(table)
    }

    /// Takes `mode` on a relation, keeping the strongest mode per relation.
    fn lock(&mut self, relation: &QualifiedName, kind: RelKind, mode: LockMode) {
        self.lock_of(relation, kind, mode, None);
    }

    fn lock_of(
        &mut self,
        relation: &QualifiedName,
        kind: RelKind,
        mode: LockMode,
        table: Option<&QualifiedName>,
    ) {
        if let Some(l) = self
            .locks
            .iter_mut()
            .find(|l| &l.relation == relation && l.kind.rank() == kind.rank())
        {
            l.mode = l.mode.max(mode);
            if l.table.is_none() {
                l.table = table.cloned();
            }
            return;
        }
        self.locks.push(RelLock {
            relation: relation.clone(),
            kind,
            mode,
            table: table.cloned(),
        });
    }

    fn table(&mut self, table: &QualifiedName, mode: LockMode) {
        self.lock(table, RelKind::Table, mode);
    }

    fn index(&mut self, index: &QualifiedName, table: Option<&QualifiedName>, mode: LockMode) {
        self.lock_of(index, RelKind::Index, mode, table);
    }

    fn create(&mut self, relation: &QualifiedName) {
        push_unique(&mut self.creates, relation);
    }

    fn scan(&mut self, table: &QualifiedName) {
        push_unique(&mut self.scans, table);
    }

    fn write_every_row(&mut self, table: &QualifiedName) {
        push_unique(&mut self.writes_every_row, table);
        push_unique(&mut self.scans, table);
    }

    fn rewrite(&mut self, table: &QualifiedName) {
        push_unique(&mut self.rewrites, table);
        push_unique(&mut self.scans, table);
    }

    fn refuse(&mut self, reason: impl Into<String>) {
        if self.refused.is_none() {
            self.refused = Some(reason.into());
        }
    }

    /// Tables first (stable within each group).
    fn finish(mut self) -> Self {
        self.locks.sort_by_key(|l| l.kind.rank());
        self
    }
}

/// `UNIQUE NULLS NOT DISTINCT` (a constraint or an index) is a syntax error before 15.
fn refuse_nulls_not_distinct(cx: &Cx, fx: &mut Effects) {
    if cx.pg < 15 {
        fx.refuse("UNIQUE NULLS NOT DISTINCT needs PostgreSQL 15 or later");
    }
}

fn push_unique(list: &mut Vec<QualifiedName>, name: &QualifiedName) {
    if !list.contains(name) {
        list.push(name.clone());
    }
}

/// What running `node` does, given the catalog just before it and the target server's major
/// version (12–18).
pub fn effects(node: &NodeEnum, catalog: &Catalog, pg_version: u32) -> Effects {
    let cx = Cx {
        catalog,
        pg: pg_version,
    };
    let mut fx = Effects::default();
    match node {
        NodeEnum::IndexStmt(s) => index::create_index(&cx, s, &mut fx),
        NodeEnum::ReindexStmt(s) => index::reindex(&cx, s, &mut fx),
        NodeEnum::AlterTableStmt(s) => alter_table::alter_table(&cx, s, &mut fx),
        NodeEnum::DropStmt(s) => ddl::drop(&cx, s, &mut fx),
        NodeEnum::RenameStmt(s) => ddl::rename(&cx, s, &mut fx),
        NodeEnum::AlterObjectSchemaStmt(s) => {
            if let Some(rv) = &s.relation {
                ddl::lock_relation(&cx, &name_of(rv), LockMode::AccessExclusive, &mut fx);
            }
        }
        NodeEnum::CreateStmt(s) => ddl::create_table(&cx, s, &mut fx),
        NodeEnum::CreateTableAsStmt(s) => ddl::create_table_as(&cx, s, &mut fx),
        NodeEnum::ViewStmt(s) => ddl::create_view(&cx, s, &mut fx),
        NodeEnum::RefreshMatViewStmt(s) => ddl::refresh(&cx, s, &mut fx),
        NodeEnum::CreateSeqStmt(s) => {
            if let Some(rv) = &s.sequence {
                fx.lock(&name_of(rv), RelKind::Sequence, LockMode::AccessExclusive);
                fx.create(&name_of(rv));
            }
        }
        NodeEnum::AlterSeqStmt(s) => ddl::alter_sequence(&cx, s, &mut fx),
        NodeEnum::CreateTrigStmt(s) => {
            if let Some(rv) = &s.relation {
                fx.table(&name_of(rv), LockMode::ShareRowExclusive);
            }
        }
        NodeEnum::CommentStmt(s) => ddl::comment(&cx, s, &mut fx),
        NodeEnum::TruncateStmt(s) => ddl::truncate(&cx, s, &mut fx),
        NodeEnum::VacuumStmt(s) => ddl::vacuum(&cx, s, &mut fx),
        NodeEnum::ClusterStmt(s) => ddl::cluster(&cx, s, &mut fx),
        NodeEnum::LockStmt(s) => ddl::lock_table(&cx, s, &mut fx),
        NodeEnum::InsertStmt(s) => dml::insert(&cx, s, &mut fx),
        NodeEnum::UpdateStmt(s) => dml::update(&cx, s, &mut fx),
        NodeEnum::DeleteStmt(s) => dml::delete(&cx, s, &mut fx),
        NodeEnum::SelectStmt(_) => dml::select(&cx, node, &mut fx),
        _ => {}
    }
    fx.finish()
}

/// What every family reads: the catalog before the statement and the server version.
struct Cx<'a> {
    catalog: &'a Catalog,
    pg: u32,
}

impl Cx<'_> {
    /// The table and its partitions, recursively (the table first).
    fn with_partitions(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        let mut out = vec![table.clone()];
        let mut i = 0;
        while i < out.len() {
            let parts: Vec<QualifiedName> = self
                .catalog
                .partitions_of(&out[i])
                .map(|t| t.name.clone())
                .collect();
            for p in parts {
                push_unique(&mut out, &p);
            }
            i += 1;
        }
        out
    }

    /// The partitions (recursively) that hold rows: not partitioned themselves.
    fn leaves(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        self.with_partitions(table)
            .into_iter()
            .filter(|t| !self.is_partitioned(t))
            .collect()
    }

    fn is_partitioned(&self, table: &QualifiedName) -> bool {
        self.catalog
            .table(table)
            .is_some_and(|t| t.is_partitioned())
    }

    /// The kind of a relation by name: a view or materialized view the catalog knows, else a
    /// table.
    fn kind_of(&self, name: &QualifiedName) -> RelKind {
        match self.catalog.view(name) {
            Some(v) if v.materialized => RelKind::MaterializedView,
            Some(_) => RelKind::View,
            None => RelKind::Table,
        }
    }
}

fn name_of(rv: &RangeVar) -> QualifiedName {
    QualifiedName::from_range_var(rv)
}

/// `CONCURRENTLY` among `REINDEX` / `CLUSTER` / `VACUUM` options (`(CONCURRENTLY)`,
/// `(FULL true)`).
fn has_option(params: &[Node], name: &str) -> bool {
    params.iter().any(|p| match p.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => {
            d.defname == name
                && !matches!(
                    d.arg.as_deref().and_then(|a| a.node.as_ref()),
                    Some(NodeEnum::Boolean(b)) if !b.boolval
                )
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests;
