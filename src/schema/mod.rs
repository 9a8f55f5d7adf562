//! The catalog: a model of the schema that every statement is replayed into, in file order,
//! across all files of a run. Rules read it; it never reports.
//!
//! Identifiers are stored as Postgres folds them (pg_query already unquotes and lower-cases
//! unquoted names). An unqualified name means schema `public`; an index lives in its table's
//! schema.
//!
//! Replay never fails: statements that are not modelled, or that Postgres would reject
//! (adding a column that exists, altering a table nobody created), leave the catalog as it
//! was. One exception: a `CREATE TABLE` (without `IF NOT EXISTS`) of a table the catalog
//! holds replaces it, since the catalog is then the stale side (a squash replayed after the
//! migrations it replaces, another app's copy of the table).
//!
//! Every table, column and index knows where it came from ([`Origin`]); rules ask
//! [`Provenance`] (new in the file being linted, from before it, absent, unknown) rather than
//! compare origins themselves.
//!
//! Modelled: tables (columns with normalised types, NOT NULL, defaults, serial, identity,
//! generated), PRIMARY KEY / UNIQUE / CHECK / FOREIGN KEY / EXCLUDE constraints with
//! Postgres's default names, indexes (constraint-backing ones included), partitioning
//! (`PARTITION BY`, `PARTITION OF`, `ATTACH` / `DETACH`), views and materialized views.
//! Column changes (ADD/DROP/TYPE/NOT NULL/DEFAULT/RENAME COLUMN) reach partitions unless
//! `ONLY` is given.
//!
//! Not modelled: indexes and constraints Postgres clones onto partitions (an index created on
//! a partitioned parent, or cloned when a partition is attached, is not listed on the
//! partition), dependencies of views, sequences, triggers, domains and enums, `search_path`
//! (unqualified names are always `public`), expression texts after a column rename (the key
//! and column lists are renamed, the printed expression is not).

mod expr;
mod fast_hash;
mod index_store;
mod names;
mod replay;
pub mod types;

use std::borrow::Cow;
use std::collections::BTreeSet;

use pg_query::NodeEnum;
use pg_query::protobuf::RangeVar;

use crate::span::Span;

pub use self::expr::UNPRINTABLE;
/// Reading `String` nodes, shared by the catalog, the checks and the lock model.
pub use self::expr::{qualified, string_value, strings};
pub use self::names::make_object_name;
pub use self::types::Serial;

/// Which input file (in run order) something came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// Where an object was created or last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

/// Where an object a statement names comes from, as seen from the file being linted: what
/// rules ask (through [`Catalog::table_provenance`], [`Catalog::column_provenance`],
/// [`Catalog::index_provenance`]) before judging a hazard to other connections or to the
/// code already running, instead of comparing origins themselves.
///
/// A `--schema` dump, a `--context` file and an earlier linted file are all [`Earlier`]: no
/// rule judges them differently. Nor do the transactions of one file differ: a file is one
/// migration, so the code deployed before it has seen nothing it makes, committed or not.
///
/// [`Earlier`]: Provenance::Earlier
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Made before this file (by a schema dump, a context file or an earlier file): other
    /// connections and the running code may use it.
    Earlier,
    /// Made earlier in this file (a column: added, or renamed to its name, in this file; an
    /// index: of a table made in this file, or built in it): nobody else knows it yet.
    ThisFile,
    /// Not in the model, although the model holds tables made before this file: as far as the
    /// files pglint was given tell, it does not exist.
    Absent,
    /// Not in the model, which holds nothing from before this file: pglint was not given the
    /// schema, so the object may well exist.
    Unknown,
}

impl Provenance {
    /// Made in this file: nobody else can be using it.
    pub fn is_new(self) -> bool {
        self == Provenance::ThisFile
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    /// Borrowed for `public`: nearly every name of a Django schema is in it, and the catalog
    /// holds several names per table and index.
    pub schema: Cow<'static, str>,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl AsRef<str>, name: impl Into<String>) -> Self {
        let schema = match schema.as_ref() {
            "public" => Cow::Borrowed("public"),
            other => Cow::Owned(other.to_string()),
        };
        QualifiedName {
            schema,
            name: name.into(),
        }
    }

    /// `name` in schema `public`.
    pub fn public(name: impl Into<String>) -> Self {
        QualifiedName::new("public", name)
    }

    pub fn from_range_var(rv: &RangeVar) -> Self {
        let schema = if rv.schemaname.is_empty() {
            "public"
        } else {
            rv.schemaname.as_str()
        };
        QualifiedName::new(schema, rv.relname.clone())
    }

    /// The same schema, another name (an index next to its table).
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: self.schema.clone(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for QualifiedName {
    /// `public` is left out, as users write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.schema == "public" {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Hashed, not ordered: looking tables up is most of what rules do; the rare listing sorts.
    tables: fast_hash::FastMap<QualifiedName, Table>,
    indexes: index_store::IndexStore,
    views: fast_hash::FastMap<QualifiedName, View>,
    /// Referenced table → tables that declared a foreign key to it (may hold a table whose
    /// FK was dropped since; queries check the constraints themselves).
    referenced_by: fast_hash::FastMap<QualifiedName, BTreeSet<QualifiedName>>,
    /// Partitioned table → its partitions, in creation/attach order.
    partitions: fast_hash::FastMap<QualifiedName, Vec<QualifiedName>>,
    /// First candidate name of an unnamed index (`t_c_idx`) → the pass (`t_c_idx{n}`) before
    /// which every candidate is taken; cleared whenever a relation goes or changes name.
    free_name_from: fast_hash::FastMap<QualifiedName, u32>,
    /// What the statement being replayed changed, returned by [`Catalog::apply`].
    journal: Changes,
    /// The first file that made a table or view (never reset): from the next file on, the
    /// model knows a schema, and an object missing from it is absent rather than unknown.
    first_schema_file: Option<FileId>,
}

/// What one statement did to the catalog, for checks that judge the result rather than the
/// statement (a new index compared with the table's others) without copying the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The indexes the statement created (constraint-backing ones included), in creation
    /// order. An index dropped and re-created under the same name by the statement (a
    /// constraint adopting it, say) is not new.
    pub created_indexes: Vec<QualifiedName>,
    removed_indexes: Vec<QualifiedName>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub created: Origin,
    /// `PARTITION BY …`: this table is partitioned.
    pub partitioned_by: Option<PartitionKey>,
    /// `PARTITION OF parent FOR VALUES …` or attached with `ATTACH PARTITION`.
    pub partition_of: Option<PartitionOf>,
    /// `CREATE TABLE … AS` / `SELECT INTO`: the columns are not known.
    pub columns_unknown: bool,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Normalised: `integer`, `bigint`, `varchar(200)`, `timestamptz`, `numeric(10, 2)`,
    /// `text[]`; a serial column has its integer type here and the pseudo-type in `serial`.
    pub type_name: String,
    pub not_null: bool,
    /// The default expression as SQL text (`now()`, `nextval('t_id_seq'::regclass)`).
    pub default: Option<String>,
    /// Declared `serial` / `bigserial` / `smallserial`.
    pub serial: Option<Serial>,
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED | VIRTUAL`.
    pub generated: Option<Generated>,
    /// The statement that added the column (kept through renames).
    pub origin: Origin,
    /// The statement that gave the column its name: the one that added it, or the last
    /// `RENAME COLUMN` to it. Old code knows the column by this name only if it is older.
    pub named: Origin,
    /// When the column was added, the rows already there got NULL in it (no default other
    /// than NULL, no identity, serial or generated expression). What happened to the rows
    /// since (an `UPDATE`, a RunPython) is not followed.
    pub added_null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub not_valid: bool,
    pub origin: Origin,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// CHECK expression, EXCLUDE predicate, as SQL text.
    pub expr: Option<String>,
    /// Columns a CHECK expression or an EXCLUDE constraint mentions.
    pub expr_columns: Vec<String>,
    /// The index a PRIMARY KEY / UNIQUE / EXCLUDE constraint uses (named like it).
    pub index: Option<QualifiedName>,
    /// Foreign keys: `ON DELETE` / `ON UPDATE` actions as pg_query codes (`a` no action,
    /// `r` restrict, `c` cascade, `n` set null, `d` set default).
    pub on_delete: char,
    pub on_update: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    Check,
    ForeignKey {
        columns: Vec<String>,
        references: QualifiedName,
        ref_columns: Vec<String>,
    },
    Exclusion,
}

impl Constraint {
    /// Every column of this table the constraint involves.
    pub fn columns(&self) -> &[String] {
        match &self.kind {
            ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns }
            | ConstraintKind::ForeignKey { columns, .. } => columns,
            ConstraintKind::Check | ConstraintKind::Exclusion => &self.expr_columns,
        }
    }

    pub fn is_foreign_key(&self) -> bool {
        matches!(self.kind, ConstraintKind::ForeignKey { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: QualifiedName,
    pub table: QualifiedName,
    pub keys: Vec<IndexKey>,
    /// Per key: the operator class, if one was given (`varchar_pattern_ops`); empty when no
    /// key has one. Read it with [`Index::opclass`].
    pub opclasses: Vec<Option<String>>,
    /// Per key: the expression text for [`IndexKey::Expression`] keys; empty when no key is an
    /// expression. Read it with [`Index::key_expr`].
    pub key_exprs: Vec<Option<String>>,
    /// Per key: `DESC`; empty when no key is. Read it with [`Index::is_descending`].
    pub descending: Vec<bool>,
    /// The access method (`btree`, `gin`, …).
    pub method: Cow<'static, str>,
    pub unique: bool,
    pub partial: bool,
    /// The `WHERE` predicate of a partial index, as SQL text.
    pub predicate: Option<String>,
    /// `INCLUDE (…)` columns.
    pub include: Vec<String>,
    pub nulls_not_distinct: bool,
    pub concurrently: bool,
    /// `CREATE INDEX … ON ONLY parent` (an invalid index on a partitioned table until every
    /// partition's index is attached).
    pub only: bool,
    /// The PRIMARY KEY / UNIQUE constraint this index backs, if any.
    pub constraint: Option<String>,
    /// `ALTER INDEX parent ATTACH PARTITION this`.
    pub attached_to: Option<QualifiedName>,
    /// Columns mentioned by expression keys and the predicate.
    pub expr_columns: Vec<String>,
    pub origin: Origin,
}

impl Index {
    /// The plain column keys, in order (expressions left out).
    pub fn key_columns(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|k| match k {
            IndexKey::Column(c) => Some(c.as_str()),
            IndexKey::Expression => None,
        })
    }

    /// The operator class given for key `i`.
    pub fn opclass(&self, i: usize) -> Option<&str> {
        self.opclasses.get(i)?.as_deref()
    }

    /// How key `i` compares: a column name or an expression's text.
    pub fn key_text(&self, i: usize) -> Option<&str> {
        match self.keys.get(i)? {
            IndexKey::Column(c) => Some(c.as_str()),
            IndexKey::Expression => self.key_expr(i),
        }
    }

    /// The expression text of key `i`, when it is an expression.
    pub fn key_expr(&self, i: usize) -> Option<&str> {
        self.key_exprs.get(i)?.as_deref()
    }

    /// Whether key `i` is sorted `DESC`.
    pub fn is_descending(&self, i: usize) -> bool {
        self.descending.get(i).copied().unwrap_or(false)
    }

    /// Whether the index mentions `column` anywhere (keys, expressions, predicate, INCLUDE).
    pub fn mentions(&self, column: &str) -> bool {
        self.key_columns().any(|c| c == column)
            || self.include.iter().any(|c| c == column)
            || self.expr_columns.iter().any(|c| c == column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    Column(String),
    Expression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
}

/// `PARTITION BY strategy (keys)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionKey {
    pub strategy: PartitionStrategy,
    pub keys: Vec<IndexKey>,
    /// Per key: the expression text for expression keys.
    pub key_exprs: Vec<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    pub bound: PartitionBound,
}

/// `FOR VALUES …` / `DEFAULT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionBound {
    /// As SQL: `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `DEFAULT`.
    pub text: String,
    pub kind: BoundKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundKind {
    Default,
    /// Values as SQL literals (`'2024-01-01'`, `10`, `MINVALUE`).
    Range {
        from: Vec<String>,
        to: Vec<String>,
    },
    List {
        values: Vec<String>,
    },
    Hash {
        modulus: i32,
        remainder: i32,
    },
}

#[derive(Debug, Clone)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    pub created: Origin,
    /// The relations its query reads (every relation named in it), so that a refresh knows
    /// what it scans.
    pub reads: Vec<QualifiedName>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
    }

    /// The primary key's columns, if the table has one.
    pub fn primary_key_columns(&self) -> Option<&[String]> {
        self.primary_key().map(|c| c.columns())
    }

    pub fn foreign_keys(&self) -> impl Iterator<Item = &Constraint> {
        self.constraints.iter().filter(|c| c.is_foreign_key())
    }

    pub fn is_partitioned(&self) -> bool {
        self.partitioned_by.is_some()
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
}

impl Catalog {
    /// Replays one statement and says what it changed. Statements that are not modelled are
    /// ignored; never panics.
    pub fn apply(&mut self, node: &NodeEnum, origin: Origin) -> Changes {
        self.journal = Changes::default();
        replay::apply(self, node, origin);
        let mut changes = std::mem::take(&mut self.journal);
        let removed = std::mem::take(&mut changes.removed_indexes);
        changes.created_indexes.retain(|n| !removed.contains(n));
        changes
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    /// A column of a table.
    pub fn column(&self, table: &QualifiedName, column: &str) -> Option<&Column> {
        self.tables.get(table)?.column(column)
    }

    /// Every table, by name.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        let mut all: Vec<&Table> = self.tables.values().collect();
        all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        all.into_iter()
    }

    pub fn index(&self, name: &QualifiedName) -> Option<&Index> {
        self.indexes.get(name)
    }

    /// Every index, by name.
    pub fn indexes(&self) -> impl Iterator<Item = &Index> {
        self.indexes.iter()
    }

    /// The indexes of a table (constraint-backing ones included), in creation order.
    pub fn indexes_of<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl DoubleEndedIterator<Item = &'a Index> + 'a {
        self.indexes.of_table(table)
    }

    /// Indexes created before `ix` on its table whose first `prefix` keys may be those of
    /// `ix`, among those with `total` keys in all, in creation order: the candidates for
    /// duplicate and redundant indexes, found without walking the table's other indexes.
    pub fn earlier_with_leading_keys<'a>(
        &'a self,
        ix: &Index,
        prefix: usize,
        total: usize,
    ) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.earlier_with_leading_keys(ix, prefix, total)
    }

    /// Sorts a table's indexes in creation order (as [`Catalog::indexes_of`] lists them).
    pub fn index_order(&self, name: &QualifiedName) -> u32 {
        self.indexes.order(name)
    }

    /// The most keys any index has had.
    pub fn max_index_keys(&self) -> usize {
        self.indexes.max_keys()
    }

    /// How many indexes `table` has (constraint-backing ones included).
    pub fn index_count(&self, table: &QualifiedName) -> usize {
        self.indexes.count_of(table)
    }

    /// The index backing constraint `constraint` of `table` (PRIMARY KEY, UNIQUE, EXCLUDE).
    pub fn index_of_constraint(&self, table: &QualifiedName, constraint: &str) -> Option<&Index> {
        let c = self.tables.get(table)?.constraint(constraint)?;
        self.indexes.get(c.index.as_ref()?)
    }

    /// The foreign keys declared on `table`.
    pub fn foreign_keys_of<'a>(
        &'a self,
        table: &QualifiedName,
    ) -> impl Iterator<Item = &'a Constraint> + 'a {
        self.tables
            .get(table)
            .into_iter()
            .flat_map(|t| t.foreign_keys())
    }

    /// The foreign keys of every table that reference `table`, with the table declaring each
    /// (tables by name, each table's keys in declaration order).
    pub fn foreign_keys_referencing<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = (&'a Table, &'a Constraint)> + 'a {
        self.referenced_by
            .get(table)
            .into_iter()
            .flatten()
            .filter_map(|t| self.tables.get(t))
            .flat_map(move |t| {
                t.foreign_keys().filter_map(move |c| match &c.kind {
                    ConstraintKind::ForeignKey { references, .. } if references == table => {
                        Some((t, c))
                    }
                    _ => None,
                })
            })
    }

    /// The partitions of a partitioned table, in creation/attach order.
    pub fn partitions_of<'a>(
        &'a self,
        parent: &QualifiedName,
    ) -> impl Iterator<Item = &'a Table> + 'a {
        self.partitions
            .get(parent)
            .into_iter()
            .flatten()
            .filter_map(|n| self.tables.get(n))
    }

    pub fn view(&self, name: &QualifiedName) -> Option<&View> {
        self.views.get(name)
    }

    /// Every view, by name.
    pub fn views(&self) -> impl Iterator<Item = &View> {
        let mut all: Vec<&View> = self.views.values().collect();
        all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        all.into_iter()
    }

    /// Whether the model holds a table or view made before `file` (a schema dump, a context
    /// file, an earlier file): then an object missing from it is [`Provenance::Absent`].
    pub fn knows_schema_before(&self, file: FileId) -> bool {
        self.first_schema_file.is_some_and(|f| f < file)
    }

    fn provenance(&self, origin: Option<Origin>, file: FileId) -> Provenance {
        match origin {
            Some(o) if o.file == file => Provenance::ThisFile,
            Some(_) => Provenance::Earlier,
            None if self.knows_schema_before(file) => Provenance::Absent,
            None => Provenance::Unknown,
        }
    }

    /// Where table (or view, materialized view) `name` comes from, seen from `file`. A table
    /// that `file` created again without `IF NOT EXISTS` is [`Provenance::ThisFile`]: it
    /// replaced the one the model had.
    pub fn table_provenance(&self, name: &QualifiedName, file: FileId) -> Provenance {
        let created = (self.tables.get(name).map(|t| t.created))
            .or_else(|| self.views.get(name).map(|v| v.created));
        self.provenance(created, file)
    }

    /// Where column `column` of `table`, under that name, comes from, seen from `file`: a
    /// column added or renamed to its name in `file`, or of a table made in it, is
    /// [`Provenance::ThisFile`].
    pub fn column_provenance(
        &self,
        table: &QualifiedName,
        column: &str,
        file: FileId,
    ) -> Provenance {
        let Some(t) = self.tables.get(table) else {
            return self.table_provenance(table, file);
        };
        match t.column(column) {
            Some(_) if t.created.file == file => Provenance::ThisFile,
            Some(c) => self.provenance(Some(c.named), file),
            None if t.columns_unknown => Provenance::Unknown,
            None => Provenance::Absent,
        }
    }

    /// Where index `name` comes from, seen from `file`: built in `file`, or on a table made
    /// in it, is [`Provenance::ThisFile`].
    pub fn index_provenance(&self, name: &QualifiedName, file: FileId) -> Provenance {
        match self.indexes.get(name) {
            Some(ix) if self.table_provenance(&ix.table, file).is_new() => Provenance::ThisFile,
            ix => self.provenance(ix.map(|ix| ix.origin), file),
        }
    }

    /// The statement of `file` that added column `column` to `table` with NULL in every row
    /// already there (see [`Column::added_null`]), if it was one.
    pub fn added_null_in(
        &self,
        table: &QualifiedName,
        column: &str,
        file: FileId,
    ) -> Option<Origin> {
        let c = self.column(table, column)?;
        (c.origin.file == file && c.added_null).then_some(c.origin)
    }

    /// Notes that `file` made a table or view (see [`Catalog::knows_schema_before`]).
    fn made_schema(&mut self, file: FileId) {
        let first = self.first_schema_file.get_or_insert(file);
        *first = (*first).min(file);
    }

    /// A table, view or index of that name exists (they share one namespace per schema).
    pub fn relation_exists(&self, name: &QualifiedName) -> bool {
        self.tables.contains_key(name)
            || self.indexes.contains(name)
            || self.views.contains_key(name)
    }
}

#[cfg(test)]
mod tests;
