//! The columns a statement declares a type for: `CREATE TABLE` columns, `ADD COLUMN` and
//! `ALTER COLUMN ... TYPE`. Shared by the `types` checks.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ColumnDef, TypeName};

use super::{StmtCtx, ast};
use crate::schema::QualifiedName;
use crate::schema::types::normalize;
use crate::span::Span;

/// Where a column's type comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    CreateTable,
    AddColumn,
    AlterType,
}

/// A column whose type this statement sets.
pub struct TypedColumn<'a> {
    pub table: QualifiedName,
    pub name: &'a str,
    pub type_name: &'a TypeName,
    /// The full definition for CREATE TABLE / ADD COLUMN (ALTER TYPE has only the type).
    pub def: Option<&'a ColumnDef>,
    pub origin: Origin,
    /// [`TypedColumn::type_text`], normalised once for every check that asks.
    normalized: String,
}

impl TypedColumn<'_> {
    /// The normalised type: `integer`, `varchar(36)`, `timestamptz`, `text[]`.
    pub fn type_text(&self) -> &str {
        &self.normalized
    }

    /// The normalised type without modifiers or array brackets: `varchar`, `timestamp`.
    pub fn base(&self) -> &str {
        self.normalized.split(['(', '[']).next().unwrap_or_default()
    }

    /// The single length modifier, as in `varchar(36)`.
    pub fn length(&self) -> Option<i64> {
        let inner = self
            .normalized
            .strip_prefix(self.base())?
            .strip_prefix('(')?
            .strip_suffix(')')?;
        inner.parse().ok()
    }

    pub fn is_array(&self) -> bool {
        !self.type_name.array_bounds.is_empty()
    }
}

/// The columns `node` declares a type for; checks read them through [`StmtCtx::columns`],
/// which builds them once per statement.
pub fn typed_columns<'a>(node: &'a NodeEnum) -> Vec<TypedColumn<'a>> {
    let mut out = Vec::new();
    match node {
        NodeEnum::CreateStmt(create) => {
            let Some(rv) = create.relation.as_ref() else {
                return out;
            };
            let table = QualifiedName::from_range_var(rv);
            for elt in &create.table_elts {
                if let Some(NodeEnum::ColumnDef(col)) = elt.node.as_ref()
                    && let Some(tn) = col.type_name.as_ref()
                {
                    out.push(TypedColumn {
                        table: table.clone(),
                        name: &col.colname,
                        type_name: tn,
                        def: Some(col),
                        origin: Origin::CreateTable,
                        normalized: normalize(tn),
                    });
                }
            }
        }
        NodeEnum::AlterTableStmt(at) => {
            let Some(rv) = at.relation.as_ref() else {
                return out;
            };
            let table = QualifiedName::from_range_var(rv);
            for cmd in ast::alter_cmds(at) {
                if let Some(col) = ast::added_column(cmd)
                    && let Some(tn) = col.type_name.as_ref()
                {
                    out.push(TypedColumn {
                        table: table.clone(),
                        name: &col.colname,
                        type_name: tn,
                        def: Some(col),
                        origin: Origin::AddColumn,
                        normalized: normalize(tn),
                    });
                }
                if ast::is_cmd(cmd, AlterTableType::AtAlterColumnType)
                    && let Some(NodeEnum::ColumnDef(col)) =
                        cmd.def.as_ref().and_then(|d| d.node.as_ref())
                    && let Some(tn) = col.type_name.as_ref()
                {
                    out.push(TypedColumn {
                        table: table.clone(),
                        name: &cmd.name,
                        type_name: tn,
                        def: None,
                        origin: Origin::AlterType,
                        normalized: normalize(tn),
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// Words that end a type name inside a column definition.
const AFTER_TYPE: &[&str] = &[
    "not",
    "null",
    "default",
    "primary",
    "references",
    "constraint",
    "unique",
    "check",
    "generated",
    "collate",
    "using",
    "compression",
    "storage",
    "deferrable",
    "initially",
];

impl StmtCtx<'_> {
    /// The span of a type name as written (`timestamp without time zone`, `varchar(36)`,
    /// `"char"`, `int[]`), from the TypeName's location.
    pub fn type_span(&self, tn: &TypeName) -> Span {
        let text = &self.migration.file.text;
        let start = self.location(tn.location);
        let end_limit = self.stmt.span.end;
        let bytes = text.as_bytes();
        let mut pos = start;
        let mut end = start;
        let mut depth = 0usize;
        while pos < end_limit {
            let c = bytes[pos];
            match c {
                b'(' | b'[' => depth += 1,
                b')' | b']' if depth == 0 => break,
                b')' | b']' => depth -= 1,
                b',' | b';' if depth == 0 => break,
                b'"' => {
                    let close = text[pos + 1..end_limit]
                        .find('"')
                        .map_or(end_limit, |i| pos + 2 + i);
                    pos = close;
                    end = close;
                    continue;
                }
                _ if c.is_ascii_whitespace() => {
                    pos += 1;
                    continue;
                }
                _ if depth == 0 && (c.is_ascii_alphabetic() || c == b'_') => {
                    let word_end = text[pos..end_limit]
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                        .map_or(end_limit, |i| pos + i);
                    let word = text[pos..word_end].to_ascii_lowercase();
                    if pos > start && AFTER_TYPE.contains(&word.as_str()) {
                        break;
                    }
                    pos = word_end;
                    end = word_end;
                    continue;
                }
                _ => {}
            }
            pos += 1;
            end = pos;
        }
        if end <= start {
            self.stmt.span
        } else {
            Span::new(start, end)
        }
    }
}

/// The snake_case words of a column name: `unit_price_eur` → `unit`, `price`, `eur`.
pub fn name_words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| c == '_' || c.is_ascii_digit())
        .filter(|w| !w.is_empty())
}
