//! CREATE TABLE (with LIKE, INHERITS and PARTITION OF), CREATE TABLE AS / MATERIALIZED
//! VIEW and CREATE VIEW.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ConstrType as Ct, Node, ObjectType as Ot};

use super::constraint::add_constraints;
use super::drop::drop_table;
use super::partition::{partition_bound, partition_key, push_unique};
use crate::schema::expr::{expr_text, strings};
use crate::schema::names::make_object_name;
use crate::schema::types::{normalize, serial_kind};
use crate::schema::{
    Catalog, Column, Generated, Identity, Origin, PartitionOf, QualifiedName, Table, View,
};

pub(super) fn create_table(cat: &mut Catalog, s: &pb::CreateStmt, origin: Origin) {
    let Some(rv) = &s.relation else { return };
    let name = QualifiedName::from_range_var(rv);
    // PostgreSQL refuses a plain CREATE TABLE of a name in use: a model that still holds a
    // table of that name is stale (a squash replayed after the migrations it replaces, or
    // another app's copy of the table), and this file's table replaces it with its indexes
    // and constraints. With IF NOT EXISTS the table that was there stays.
    if !s.if_not_exists && cat.tables.contains_key(&name) {
        drop_table(cat, &name, false);
        cat.free_name_from.clear();
    }
    if cat.relation_exists(&name) {
        return;
    }
    cat.made_schema(origin.file);
    let mut table = Table {
        name: name.clone(),
        columns: Vec::new(),
        constraints: Vec::new(),
        created: origin,
        partitioned_by: None,
        partition_of: None,
        columns_unknown: false,
    };
    // Columns inherited from a partition parent or INHERITS parents come first.
    let parents: Vec<QualifiedName> = s
        .inh_relations
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::RangeVar(rv)) => Some(QualifiedName::from_range_var(rv)),
            _ => None,
        })
        .collect();
    for parent in &parents {
        if let Some(p) = cat.tables.get(parent) {
            for c in &p.columns {
                if table.column(&c.name).is_none() {
                    table.columns.push(Column {
                        serial: None,
                        identity: None,
                        origin,
                        named: origin,
                        ..c.clone()
                    });
                }
            }
        }
    }
    let mut pending: Vec<pb::Constraint> = Vec::new();
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(cd)) => {
                let existing = table.column(&cd.colname).cloned();
                let col = column_def(&name, cd, existing, origin, &mut pending);
                match table.column_mut(&col.name) {
                    Some(slot) => *slot = col,
                    None => table.columns.push(col),
                }
            }
            Some(NodeEnum::Constraint(c)) => pending.push((**c).clone()),
            Some(NodeEnum::TableLikeClause(like)) => like_columns(cat, &mut table, like, origin),
            _ => {}
        }
    }
    if let Some(spec) = &s.partspec {
        table.partitioned_by = Some(partition_key(spec));
    }
    if let (Some(bound), Some(parent)) = (&s.partbound, parents.first())
        && cat.tables.contains_key(parent)
    {
        table.partition_of = Some(PartitionOf {
            parent: parent.clone(),
            bound: partition_bound(bound),
        });
        push_unique(cat.partitions.entry(parent.clone()).or_default(), &name);
    }
    cat.tables.insert(name.clone(), table);
    add_constraints(cat, &name, pending, origin);
    // The catalog keeps every table of the run: no room to spare.
    if let Some(t) = cat.tables.get_mut(&name) {
        t.columns.shrink_to_fit();
        t.constraints.shrink_to_fit();
    }
}

/// Builds a column from its definition; `base` is the inherited column being refined.
pub(super) fn column_def(
    table: &QualifiedName,
    cd: &pb::ColumnDef,
    base: Option<Column>,
    origin: Origin,
    pending: &mut Vec<pb::Constraint>,
) -> Column {
    let serial = cd.type_name.as_ref().and_then(serial_kind);
    let mut col = base.unwrap_or_else(|| untyped_column(cd.colname.clone(), origin));
    if let Some(tn) = &cd.type_name {
        col.type_name = normalize(tn);
    }
    col.not_null |= cd.is_not_null;
    if let Some(d) = &cd.raw_default {
        col.default = Some(expr_text(d));
    }
    if let Some(kind) = serial {
        col.serial = Some(kind);
        col.not_null = true;
        let seq = make_object_name(&table.name, Some(&cd.colname), "seq");
        let seq = QualifiedName::new(table.schema.clone(), seq);
        col.default = Some(format!("nextval('{seq}'::regclass)"));
    }
    // Constraint attributes (DEFERRABLE, INITIALLY DEFERRED) apply to the constraint before.
    let first_own = pending.len();
    for c in &cd.constraints {
        let Some(NodeEnum::Constraint(c)) = c.node.as_ref() else {
            continue;
        };
        let last = if pending.len() > first_own {
            pending.last_mut()
        } else {
            None
        };
        match Ct::try_from(c.contype) {
            Ok(Ct::ConstrNull) => col.not_null = false,
            Ok(Ct::ConstrNotnull) => col.not_null = true,
            Ok(Ct::ConstrDefault) => col.default = c.raw_expr.as_deref().map(expr_text),
            Ok(Ct::ConstrIdentity) => {
                col.identity = Some(identity_kind(&c.generated_when));
                col.not_null = true;
            }
            Ok(Ct::ConstrGenerated) => {
                col.generated = Some(Generated {
                    expr: c
                        .raw_expr
                        .as_deref()
                        .map(expr_text)
                        .unwrap_or_else(|| crate::schema::UNPRINTABLE.to_string()),
                    stored: c.generated_kind != "v",
                });
            }
            Ok(Ct::ConstrPrimary | Ct::ConstrUnique | Ct::ConstrExclusion) => {
                let mut c = (**c).clone();
                if c.keys.is_empty() {
                    c.keys = vec![string_node(&cd.colname)];
                }
                pending.push(c);
            }
            Ok(Ct::ConstrForeign) => {
                let mut c = (**c).clone();
                if c.fk_attrs.is_empty() {
                    c.fk_attrs = vec![string_node(&cd.colname)];
                }
                pending.push(c);
            }
            Ok(Ct::ConstrCheck) => pending.push((**c).clone()),
            Ok(ct @ (Ct::ConstrAttrDeferrable | Ct::ConstrAttrNotDeferrable)) => {
                if let Some(l) = last {
                    l.deferrable = ct == Ct::ConstrAttrDeferrable;
                }
            }
            Ok(ct @ (Ct::ConstrAttrDeferred | Ct::ConstrAttrImmediate)) => {
                if let Some(l) = last {
                    l.initdeferred = ct == Ct::ConstrAttrDeferred;
                }
            }
            _ => {}
        }
    }
    col.added_null = col
        .default
        .as_deref()
        .is_none_or(|d| d.eq_ignore_ascii_case("null"))
        && col.serial.is_none()
        && col.identity.is_none()
        && col.generated.is_none();
    col
}

/// A column known by name only; its type is `?` until a definition says more.
fn untyped_column(name: String, origin: Origin) -> Column {
    Column {
        name,
        type_name: "?".to_string(),
        not_null: false,
        default: None,
        serial: None,
        identity: None,
        generated: None,
        origin,
        named: origin,
        added_null: true,
    }
}

pub(super) fn identity_kind(when: &str) -> Identity {
    if when == "a" {
        Identity::Always
    } else {
        Identity::ByDefault
    }
}

fn string_node(s: &str) -> Node {
    Node {
        node: Some(NodeEnum::String(pb::String {
            sval: s.to_string(),
        })),
    }
}

/// `LIKE other [INCLUDING …]`: the columns, with defaults, identity and generation when
/// asked for.
fn like_columns(cat: &Catalog, table: &mut Table, like: &pb::TableLikeClause, origin: Origin) {
    const DEFAULTS: u32 = 1 << 3;
    const GENERATED: u32 = 1 << 4;
    const IDENTITY: u32 = 1 << 5;
    let Some(rv) = &like.relation else { return };
    let Some(src) = cat.tables.get(&QualifiedName::from_range_var(rv)) else {
        return;
    };
    for c in &src.columns {
        if table.column(&c.name).is_some() {
            continue;
        }
        let mut col = c.clone();
        col.origin = origin;
        col.named = origin;
        col.serial = None;
        if like.options & DEFAULTS == 0 {
            col.default = None;
        }
        if like.options & GENERATED == 0 {
            col.generated = None;
        }
        if like.options & IDENTITY == 0 {
            col.identity = None;
        }
        table.columns.push(col);
    }
}

pub(super) fn create_table_as(cat: &mut Catalog, s: &pb::CreateTableAsStmt, origin: Origin) {
    let Some(rv) = s.into.as_ref().and_then(|i| i.rel.as_ref()) else {
        return;
    };
    let name = QualifiedName::from_range_var(rv);
    if cat.relation_exists(&name) {
        return;
    }
    cat.made_schema(origin.file);
    match Ot::try_from(s.objtype) {
        Ok(Ot::ObjectMatview) => {
            cat.views.insert(
                name.clone(),
                View {
                    name,
                    materialized: true,
                    created: origin,
                    reads: s.query.as_deref().map(relations_read).unwrap_or_default(),
                },
            );
        }
        Ok(Ot::ObjectTable) => {
            let columns = s
                .into
                .as_ref()
                .map(|i| strings(&i.col_names))
                .unwrap_or_default()
                .into_iter()
                .map(|n| untyped_column(n, origin))
                .collect();
            cat.tables.insert(
                name.clone(),
                Table {
                    name,
                    columns,
                    constraints: Vec::new(),
                    created: origin,
                    partitioned_by: None,
                    partition_of: None,
                    columns_unknown: true,
                },
            );
        }
        _ => {}
    }
}

pub(super) fn create_view(cat: &mut Catalog, s: &pb::ViewStmt, origin: Origin) {
    let Some(rv) = &s.view else { return };
    let name = QualifiedName::from_range_var(rv);
    if cat.views.contains_key(&name) || cat.relation_exists(&name) {
        // CREATE OR REPLACE keeps the view (and where it came from).
        return;
    }
    cat.made_schema(origin.file);
    cat.views.insert(
        name.clone(),
        View {
            name,
            materialized: false,
            created: origin,
            reads: s.query.as_deref().map(relations_read).unwrap_or_default(),
        },
    );
}

/// Every relation a query names (CTE names included: they are not in the catalog, and
/// callers only look up relations it knows).
fn relations_read(query: &pb::Node) -> Vec<QualifiedName> {
    let Some(node) = query.node.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<QualifiedName> = Vec::new();
    for (n, _, _, _) in node.nodes() {
        if let pg_query::NodeRef::RangeVar(rv) = n {
            let name = QualifiedName::from_range_var(rv);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}
