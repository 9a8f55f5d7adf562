//! The catalog: a model of the schema that every statement is replayed into, in file order,
//! across all files of a run. Rules read it; it never reports.
//!
//! Identifiers are stored as Postgres folds them (pg_query already unquotes and lower-cases
//! unquoted names). An unqualified name means schema `public`.

use std::collections::BTreeMap;

use pg_query::NodeEnum;
use pg_query::protobuf::RangeVar;

use crate::span::Span;

/// Which input file (in run order) something came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// Where an object was created or last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    pub fn from_range_var(rv: &RangeVar) -> Self {
        let schema = if rv.schemaname.is_empty() {
            "public"
        } else {
            rv.schemaname.as_str()
        };
        QualifiedName::new(schema, rv.relname.clone())
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
    tables: BTreeMap<QualifiedName, Table>,
    indexes: BTreeMap<QualifiedName, Index>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub created: Origin,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    pub not_null: bool,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub not_valid: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct Index {
    pub name: QualifiedName,
    pub table: QualifiedName,
    pub keys: Vec<IndexKey>,
    pub method: String,
    pub unique: bool,
    pub partial: bool,
    pub concurrently: bool,
    /// The PRIMARY KEY / UNIQUE constraint this index backs, if any.
    pub constraint: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    Column(String),
    Expression,
}

impl Catalog {
    pub fn apply(&mut self, _node: &NodeEnum, _origin: Origin) {}

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn index(&self, name: &QualifiedName) -> Option<&Index> {
        self.indexes.get(name)
    }

    pub fn indexes_of<'a>(
        &'a self,
        table: &'a QualifiedName,
    ) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.values().filter(move |i| &i.table == table)
    }
}
