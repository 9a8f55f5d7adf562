//! One module per check. A check sees one statement, the catalog as it was just before that
//! statement, and the whole migration; it returns spans and named values, never English.

mod ast;
mod atomic_transaction_control;
mod column_type_change;
mod columns;
mod compat;
mod concurrent_in_transaction;
mod constraint_builds_index;
mod constraints;
mod drop_index_not_concurrent;
mod explicit_locks;
mod fk_missing_index;
mod held_locks;
mod index_not_concurrent;
mod indexes;
mod int_primary_key;
mod matview;
mod narrowing;
mod normalization;
mod not_valid;
mod partitioning;
mod reindex_not_concurrent;
mod set_not_null_scan;
mod tables;
mod type_choice;
mod update_unique_constant;
mod volatile_default;

use pg_query::NodeEnum;
use pg_query::protobuf::RangeVar;

use crate::parse::{Migration, Statement};
use crate::rules::options::RuleOptions;
use crate::schema::{Catalog, Changes, FileId, Origin, QualifiedName};
use crate::span::Span;

/// When a check runs: most judge a statement against the schema it meets; some judge what
/// the statement leaves behind (a new index among the table's others, a table's width).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sees the catalog just before the statement.
    Before,
    /// Sees the catalog just after it, and [`StmtCtx::changes`].
    After,
}

/// What a check sees.
pub struct StmtCtx<'a> {
    pub migration: &'a Migration,
    pub stmt: &'a Statement,
    pub node: &'a NodeEnum,
    /// The catalog just before this statement, or just after it for [`Phase::After`] checks.
    pub catalog: &'a Catalog,
    pub phase: Phase,
    /// What the statement changed in the catalog ([`Phase::After`] only; empty before).
    pub changes: &'a Changes,
    pub file: FileId,
    pub options: &'a RuleOptions,
    pub pg_version: u32,
    /// What the statement does to the relations it touches (the lock knowledge base).
    pub effects: &'a crate::locks::Effects,
    /// What the earlier statements of this file did (locks still held, lock_timeout set).
    pub history: &'a crate::rules::history::History,
    /// Facts several checks need, worked out once per statement and phase.
    pub cache: &'a StmtCache<'a>,
}

/// See [`StmtCtx::cache`].
#[derive(Default)]
pub struct StmtCache<'a> {
    columns: std::cell::OnceCell<Vec<columns::TypedColumn<'a>>>,
    existing_alter: std::cell::OnceCell<Option<QualifiedName>>,
    created_indexes: std::cell::OnceCell<Vec<&'a crate::schema::Index>>,
}

/// A check's verdict to be confirmed on the catalog at the end of the file (for facts that
/// Django settles later in the same migration, like the index created after its FK). `None`
/// drops the hit; `Some` keeps it, with what is known only then.
pub type Confirm = Box<dyn Fn(&Catalog) -> Option<Confirmed>>;

/// What a hit learns at the end of its file.
#[derive(Debug, Default)]
pub struct Confirmed {
    /// Extra placeholder values.
    pub vars: Vec<(&'static str, String)>,
    /// Extra secondary labels: key into `labels:`, the statement that made the object, and
    /// the names to point at in it, tried in turn (the whole statement when none is found).
    pub related: Vec<(&'static str, Origin, Vec<String>)>,
}

/// What a check reports: spans and values; the rule's YAML supplies the words.
pub struct Hit {
    pub span: Span,
    /// Key into the rule's `labels:` for the text on `span`.
    pub label: Option<&'static str>,
    /// Values for the `{placeholders}` of message, help, django and labels.
    pub vars: Vec<(&'static str, String)>,
    /// Secondary labels: key into `labels:`, file, span.
    pub related: Vec<(&'static str, FileId, Span)>,
    pub confirm: Option<Confirm>,
    /// Judged again on the catalog at the end of the run: see [`Hit::unless_at_end_of_run`].
    pub unless_at_end: Option<EndOfRun>,
}

/// A test on the schema at the end of the whole run (every file replayed, context included);
/// true drops the finding. See [`Hit::unless_at_end_of_run`].
pub type EndOfRun = Box<dyn Fn(&Catalog) -> bool + Send + Sync>;

impl Hit {
    pub fn at(span: Span) -> Self {
        Hit {
            span,
            label: None,
            vars: Vec::new(),
            related: Vec::new(),
            confirm: None,
            unless_at_end: None,
        }
    }

    pub fn label(mut self, key: &'static str) -> Self {
        self.label = Some(key);
        self
    }

    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    pub fn related(mut self, key: &'static str, file: FileId, span: Span) -> Self {
        self.related.push((key, file, span));
        self
    }

    pub fn confirm(mut self, f: impl Fn(&Catalog) -> bool + 'static) -> Self {
        self.confirm = Some(Box::new(move |c: &Catalog| f(c).then(Confirmed::default)));
        self
    }

    /// Drops the finding when `settled` holds on the schema at the end of the run: for a
    /// hazard that a later migration of the same run removes before anything is deployed
    /// alone (the index that an `atomic = False` migration after the foreign key's creates
    /// concurrently). The finding is still reported where the hazard arises.
    pub fn unless_at_end_of_run(
        mut self,
        settled: impl Fn(&Catalog) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.unless_at_end = Some(Box::new(settled));
        self
    }

    /// Like [`Hit::confirm`], with placeholder values and secondary labels computed on the
    /// final catalog.
    pub fn confirm_with(mut self, f: impl Fn(&Catalog) -> Option<Confirmed> + 'static) -> Self {
        self.confirm = Some(Box::new(f));
        self
    }
}

pub type CheckFn = fn(&StmtCtx<'_>, &mut Vec<Hit>);

/// The check a rule names. One arm per check.
pub fn lookup(name: &str) -> Option<CheckFn> {
    Some(match name {
        "index-not-concurrent" => index_not_concurrent::check,
        "drop-index-not-concurrent" => drop_index_not_concurrent::check,
        "reindex-not-concurrent" => reindex_not_concurrent::check,
        "concurrent-in-transaction" => concurrent_in_transaction::check,
        "constraint-builds-index" => constraint_builds_index::check,
        "fk-missing-index" => fk_missing_index::check,
        "timestamp-without-tz" => type_choice::timestamp_without_tz,
        "char-type" => type_choice::char_type,
        "money-type" => type_choice::money_type,
        "json-type" => type_choice::json_type,
        "serial-column" => type_choice::serial_column,
        "int-primary-key" => int_primary_key::check,
        "float-for-money" => type_choice::float_for_money,
        "uuid-as-text" => type_choice::uuid_as_text,
        "date-as-text" => type_choice::date_as_text,
        "varchar-length" => type_choice::varchar_length,
        "drop-column" => compat::drop_column,
        "drop-table" => compat::drop_table,
        "rename-column" => compat::rename_column,
        "rename-table" => compat::rename_table,
        "not-null-column-without-default" => compat::not_null_column_without_default,
        "not-null-default-dropped" => compat::not_null_default_dropped,
        "add-unique-may-fail" => compat::add_unique_may_fail,
        "update-unique-to-constant" => update_unique_constant::check,
        "atomic-transaction-control" => atomic_transaction_control::check,
        "lock-table" => explicit_locks::lock_table,
        "table-rewrite-command" => explicit_locks::table_rewrite_command,
        "fk-without-not-valid" => not_valid::fk_without_not_valid,
        "check-without-not-valid" => not_valid::check_without_not_valid,
        "validate-in-same-transaction" => not_valid::validate_in_same_transaction,
        "set-not-null-scan" => set_not_null_scan::check,
        "refresh-matview-blocking" => matview::refresh_matview_blocking,
        "refresh-concurrently-no-unique-index" => matview::refresh_concurrently_no_unique_index,
        "matview-refresh-trigger" => matview::matview_refresh_trigger,
        "partitioned-index-concurrently" => partitioning::partitioned_index_concurrently,
        "partitioned-index-locks" => partitioning::partitioned_index_locks,
        "attach-partition-scan" => partitioning::attach_partition_scan,
        "detach-partition-blocking" => partitioning::detach_partition_blocking,
        "partition-key-not-in-unique" => partitioning::partition_key_not_in_unique,
        "partition-range-gap" => partitioning::partition_range_gap,
        "partition-candidate" => partitioning::partition_candidate,
        "volatile-default" => volatile_default::check,
        "column-type-change" => column_type_change::check,
        "access-exclusive-then-slow" => held_locks::access_exclusive_then_slow,
        "runpython-holds-locks" => held_locks::runpython_holds_locks,
        "missing-lock-timeout" => held_locks::missing_lock_timeout,
        "missing-primary-key" => tables::missing_primary_key,
        "wide-table" => tables::wide_table,
        "repeating-column-group" => normalization::repeating_column_group,
        "delimited-list-column" => normalization::delimited_list_column,
        "fk-array-column" => normalization::fk_array_column,
        "denormalized-column" => normalization::denormalized_column,
        "duplicate-index" => indexes::duplicate_index,
        "redundant-index" => indexes::redundant_index,
        "btree-on-container" => indexes::btree_on_container,
        "low-selectivity-index" => indexes::low_selectivity_index,
        "wide-index" => indexes::wide_index,
        "too-many-indexes" => indexes::too_many_indexes,
        // Built-ins are raised by the engine and the suppression pass, not by a check.
        "syntax-error" | "unused-suppression" => builtin,
        _ => return None,
    })
}

fn builtin(_: &StmtCtx<'_>, _: &mut Vec<Hit>) {}

/// The phase a check runs in (see [`Phase`]).
pub fn phase(name: &str) -> Phase {
    match name {
        "duplicate-index"
        | "redundant-index"
        | "btree-on-container"
        | "low-selectivity-index"
        | "wide-index"
        | "too-many-indexes"
        | "wide-table"
        | "repeating-column-group"
        | "denormalized-column" => Phase::After,
        _ => Phase::Before,
    }
}

impl<'a> StmtCtx<'a> {
    /// The columns this statement declares a type for (see [`columns::typed_columns`]).
    pub fn columns(&self) -> &'a [columns::TypedColumn<'a>] {
        self.cache
            .columns
            .get_or_init(|| columns::typed_columns(self.node))
    }

    /// A table (or materialized view) created earlier in this same file: nobody else can be
    /// using it yet.
    pub fn is_new_table(&self, table: &QualifiedName) -> bool {
        self.catalog.table_provenance(table, self.file).is_new()
    }

    /// Whether column `column` of `table` is new in this file under that name (added or
    /// renamed to it here, or of a table made here): the code running before the migration
    /// does not know it.
    pub fn is_new_column(&self, table: &QualifiedName, column: &str) -> bool {
        self.catalog
            .column_provenance(table, column, self.file)
            .is_new()
    }

    /// The indexes this statement created, by name, as the catalog holds them after it
    /// ([`Phase::After`]; empty before). Partition-attach plumbing (`ON ONLY`, attached
    /// children) is left out: that is the partitioning family's business.
    pub fn created_indexes(&self) -> &'a [&'a crate::schema::Index] {
        self.cache.created_indexes.get_or_init(|| {
            let relevant = matches!(
                self.node,
                NodeEnum::IndexStmt(_) | NodeEnum::CreateStmt(_) | NodeEnum::AlterTableStmt(_)
            );
            let mut new: Vec<&crate::schema::Index> = self
                .changes
                .created_indexes
                .iter()
                .filter(|_| relevant)
                .filter_map(|name| self.catalog.index(name))
                .filter(|ix| !ix.only && ix.attached_to.is_none())
                .collect();
            new.sort_by(|a, b| a.name.cmp(&b.name));
            new
        })
    }

    /// Whether a column was added by this statement (it keeps the statement as its origin).
    pub fn added_here(&self, column: &crate::schema::Column) -> bool {
        column.origin.file == self.file && column.origin.span == self.stmt.span
    }

    /// The ALTER TABLE of this statement and its table, when that table existed before this
    /// file (the lock rules judge only those).
    pub fn existing_alter(
        &self,
    ) -> Option<(QualifiedName, &'a pg_query::protobuf::AlterTableStmt)> {
        let NodeEnum::AlterTableStmt(at) = self.node else {
            return None;
        };
        let table = self.cache.existing_alter.get_or_init(|| {
            let table = QualifiedName::from_range_var(at.relation.as_ref()?);
            (!self.is_new_table(&table)).then_some(table)
        });
        Some((table.clone()?, at))
    }

    /// The earlier statements of this migration that ALTER `table`, in order. Rules read them
    /// for tables the catalog does not know (created outside the files pglint was given).
    pub fn earlier_alters(
        &self,
        table: &QualifiedName,
    ) -> impl Iterator<Item = (&'a Statement, &'a pg_query::protobuf::AlterTableStmt)> {
        let table = table.clone();
        let current = self.stmt.span.start;
        self.migration
            .statements
            .iter()
            .take_while(move |s| s.span.start < current)
            .filter_map(move |s| match s.node() {
                Some(NodeEnum::AlterTableStmt(at))
                    if at
                        .relation
                        .as_ref()
                        .map(QualifiedName::from_range_var)
                        .as_ref()
                        == Some(&table) =>
                {
                    Some((s, at))
                }
                _ => None,
            })
    }

    /// Finds `name` (an identifier as written, quoted or not) inside the statement text,
    /// starting at byte `from` of the file; falls back to the statement span.
    pub fn find_name(&self, name: &str, from: usize) -> Span {
        find_identifier(&self.migration.file.text, self.stmt.span, name, from)
    }

    /// Where an earlier object was created: `name` inside its statement when that is in this
    /// file, else the whole statement (another file's text is not at hand).
    pub fn origin_span(&self, origin: Origin, name: &str) -> Span {
        origin_span(self.migration, self.file, origin, name)
    }

    /// The file offset of a parse-tree `location` (-1, unknown, gives the statement start).
    pub fn location(&self, location: i32) -> usize {
        usize::try_from(location).map_or(self.stmt.span.start, |l| self.stmt.base + l)
    }

    /// The span of a relation name (RangeVar locations are byte offsets into the statement).
    pub fn range_var_span(&self, rv: &RangeVar) -> Span {
        let start = self.location(rv.location);
        find_identifier(
            &self.migration.file.text,
            self.stmt.span,
            &rv.relname,
            start,
        )
    }
}

/// Where `name` is in the statement `origin` when that statement is in `m` (file `file`);
/// the statement itself otherwise (another file's text is not searched).
pub fn origin_span(m: &Migration, file: FileId, origin: Origin, name: &str) -> Span {
    if origin.file == file {
        find_identifier(&m.file.text, origin.span, name, origin.span.start)
    } else {
        origin.span
    }
}

/// The first occurrence of identifier `name` at or after `from` inside `within`: either
/// `"name"` quoted or bare (case-insensitive, on identifier boundaries).
pub fn find_identifier(text: &str, within: Span, name: &str, from: usize) -> Span {
    let from = from.clamp(within.start, within.end);
    let hay = &text[from..within.end];
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    if let Some(i) = hay.find(&quoted) {
        return Span::new(from + i, from + i + quoted.len());
    }
    let lower = hay.to_ascii_lowercase();
    let needle = name.to_ascii_lowercase();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    let mut search = 0;
    while let Some(i) = lower[search..].find(&needle) {
        let s = search + i;
        let e = s + needle.len();
        let before_ok = s == 0 || !is_ident(lower.as_bytes()[s - 1]);
        let after_ok = e == lower.len() || !is_ident(lower.as_bytes()[e]);
        if before_ok && after_ok {
            return Span::new(from + s, from + e);
        }
        search = s + 1;
    }
    within
}
