//! Applying one statement to the catalog. Every function here tolerates any input: missing
//! objects, duplicate names and unmodelled shapes leave the catalog unchanged.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    self as pb, AlterTableType as At, ConstrType as Ct, DropBehavior, Node, ObjectType as Ot,
};

use super::expr::{column_refs, expr_text, opclass, qualified_from_list, strings};
use super::names::{choose_name, column_addition, make_object_name};
use super::types::{normalize, serial_kind};
use super::{
    BoundKind, Catalog, Column, Constraint, ConstraintKind, Generated, Identity, Index, IndexKey,
    Origin, PartitionBound, PartitionKey, PartitionOf, PartitionStrategy, QualifiedName, Table,
    View,
};

pub(super) fn apply(cat: &mut Catalog, node: &NodeEnum, origin: Origin) {
    match node {
        NodeEnum::CreateStmt(s) => create_table(cat, s, origin),
        NodeEnum::CreateTableAsStmt(s) => create_table_as(cat, s, origin),
        NodeEnum::AlterTableStmt(s) => alter_table(cat, s, origin),
        NodeEnum::IndexStmt(s) => create_index(cat, s, origin),
        NodeEnum::DropStmt(s) => drop(cat, s),
        NodeEnum::RenameStmt(s) => rename(cat, s),
        NodeEnum::AlterObjectSchemaStmt(s) => set_schema(cat, s),
        NodeEnum::ViewStmt(s) => create_view(cat, s, origin),
        _ => {}
    }
}

fn cascade(behavior: i32) -> bool {
    behavior == DropBehavior::DropCascade as i32
}

// ---------------------------------------------------------------------------------------
// CREATE TABLE

fn create_table(cat: &mut Catalog, s: &pb::CreateStmt, origin: Origin) {
    let Some(rv) = &s.relation else { return };
    let name = QualifiedName::from_range_var(rv);
    if cat.relation_exists(&name) {
        return;
    }
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
}

/// Builds a column from its definition; `base` is the inherited column being refined.
fn column_def(
    table: &QualifiedName,
    cd: &pb::ColumnDef,
    base: Option<Column>,
    origin: Origin,
    pending: &mut Vec<pb::Constraint>,
) -> Column {
    let serial = cd.type_name.as_ref().and_then(serial_kind);
    let mut col = base.unwrap_or_else(|| Column {
        name: cd.colname.clone(),
        type_name: "?".to_string(),
        not_null: false,
        default: None,
        serial: None,
        identity: None,
        generated: None,
        origin,
    });
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
                        .unwrap_or_else(|| super::UNPRINTABLE.to_string()),
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
            Ok(Ct::ConstrAttrDeferrable) => {
                if let Some(l) = last {
                    l.deferrable = true;
                }
            }
            Ok(Ct::ConstrAttrNotDeferrable) => {
                if let Some(l) = last {
                    l.deferrable = false;
                }
            }
            Ok(Ct::ConstrAttrDeferred) => {
                if let Some(l) = last {
                    l.initdeferred = true;
                }
            }
            Ok(Ct::ConstrAttrImmediate) => {
                if let Some(l) = last {
                    l.initdeferred = false;
                }
            }
            _ => {}
        }
    }
    col
}

fn identity_kind(when: &str) -> Identity {
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

fn create_table_as(cat: &mut Catalog, s: &pb::CreateTableAsStmt, origin: Origin) {
    let Some(rv) = s.into.as_ref().and_then(|i| i.rel.as_ref()) else {
        return;
    };
    let name = QualifiedName::from_range_var(rv);
    if cat.relation_exists(&name) {
        return;
    }
    match Ot::try_from(s.objtype) {
        Ok(Ot::ObjectMatview) => {
            cat.views.insert(
                name.clone(),
                View {
                    name,
                    materialized: true,
                    created: origin,
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
                .map(|n| Column {
                    name: n,
                    type_name: "?".to_string(),
                    not_null: false,
                    default: None,
                    serial: None,
                    identity: None,
                    generated: None,
                    origin,
                })
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

fn create_view(cat: &mut Catalog, s: &pb::ViewStmt, origin: Origin) {
    let Some(rv) = &s.view else { return };
    let name = QualifiedName::from_range_var(rv);
    if cat.views.contains_key(&name) || cat.relation_exists(&name) {
        // CREATE OR REPLACE keeps the view (and where it came from).
        return;
    }
    cat.views.insert(
        name.clone(),
        View {
            name,
            materialized: false,
            created: origin,
        },
    );
}

// ---------------------------------------------------------------------------------------
// Partitions

fn partition_key(spec: &pb::PartitionSpec) -> PartitionKey {
    let strategy = match pb::PartitionStrategy::try_from(spec.strategy) {
        Ok(pb::PartitionStrategy::List) => PartitionStrategy::List,
        Ok(pb::PartitionStrategy::Hash) => PartitionStrategy::Hash,
        _ => PartitionStrategy::Range,
    };
    let mut keys = Vec::new();
    let mut key_exprs = Vec::new();
    for p in &spec.part_params {
        let Some(NodeEnum::PartitionElem(e)) = p.node.as_ref() else {
            continue;
        };
        if e.name.is_empty() {
            keys.push(IndexKey::Expression);
            key_exprs.push(e.expr.as_deref().map(expr_text));
        } else {
            keys.push(IndexKey::Column(e.name.clone()));
            key_exprs.push(None);
        }
    }
    PartitionKey {
        strategy,
        keys,
        key_exprs,
    }
}

fn datum_text(node: &Node) -> String {
    if let Some(NodeEnum::ColumnRef(c)) = node.node.as_ref() {
        let names = strings(&c.fields);
        if let [one] = names.as_slice() {
            match one.as_str() {
                "minvalue" => return "MINVALUE".to_string(),
                "maxvalue" => return "MAXVALUE".to_string(),
                _ => {}
            }
        }
    }
    expr_text(node)
}

fn partition_bound(spec: &pb::PartitionBoundSpec) -> PartitionBound {
    if spec.is_default {
        return PartitionBound {
            text: "DEFAULT".to_string(),
            kind: BoundKind::Default,
        };
    }
    let list = |nodes: &[Node]| nodes.iter().map(datum_text).collect::<Vec<_>>();
    match spec.strategy.as_str() {
        "l" => {
            let values = list(&spec.listdatums);
            PartitionBound {
                text: format!("FOR VALUES IN ({})", values.join(", ")),
                kind: BoundKind::List { values },
            }
        }
        "h" => PartitionBound {
            text: format!(
                "FOR VALUES WITH (MODULUS {}, REMAINDER {})",
                spec.modulus, spec.remainder
            ),
            kind: BoundKind::Hash {
                modulus: spec.modulus,
                remainder: spec.remainder,
            },
        },
        _ => {
            let from = list(&spec.lowerdatums);
            let to = list(&spec.upperdatums);
            PartitionBound {
                text: format!(
                    "FOR VALUES FROM ({}) TO ({})",
                    from.join(", "),
                    to.join(", ")
                ),
                kind: BoundKind::Range { from, to },
            }
        }
    }
}

fn attach_partition(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if &child == parent {
        return;
    }
    let bound = cmd
        .bound
        .as_ref()
        .map(partition_bound)
        .unwrap_or(PartitionBound {
            text: "DEFAULT".to_string(),
            kind: BoundKind::Default,
        });
    let Some(t) = cat.tables.get_mut(&child) else {
        return;
    };
    if t.partition_of.is_some() {
        return;
    }
    t.partition_of = Some(PartitionOf {
        parent: parent.clone(),
        bound,
    });
    push_unique(cat.partitions.entry(parent.clone()).or_default(), &child);
}

fn detach_partition(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if let Some(t) = cat.tables.get_mut(&child)
        && t.partition_of.as_ref().is_some_and(|p| &p.parent == parent)
    {
        t.partition_of = None;
    }
    if let Some(list) = cat.partitions.get_mut(parent) {
        list.retain(|c| c != &child);
    }
}

/// The table and, recursively, all its partitions (ALTER TABLE without ONLY reaches them).
fn with_partitions(cat: &Catalog, table: &QualifiedName) -> Vec<QualifiedName> {
    let mut out = vec![table.clone()];
    let mut seen: std::collections::HashSet<&QualifiedName> = std::collections::HashSet::new();
    seen.insert(table);
    let mut i = 0;
    while i < out.len() {
        if let Some(children) = cat.partitions.get(&out[i]) {
            for c in children {
                if seen.insert(c) {
                    out.push(c.clone());
                }
            }
        }
        i += 1;
    }
    out
}

fn push_unique(list: &mut Vec<QualifiedName>, name: &QualifiedName) {
    if !list.contains(name) {
        list.push(name.clone());
    }
}

// ---------------------------------------------------------------------------------------
// Constraints

/// Adds constraints in the order Postgres does: foreign keys last (they may need the
/// primary key declared after them).
fn add_constraints(
    cat: &mut Catalog,
    table: &QualifiedName,
    pending: Vec<pb::Constraint>,
    origin: Origin,
) {
    let (fks, others): (Vec<_>, Vec<_>) = pending
        .into_iter()
        .partition(|c| c.contype == Ct::ConstrForeign as i32);
    for c in others.iter().chain(fks.iter()) {
        add_constraint(cat, table, c, origin);
    }
}

fn fk_action(code: &str) -> char {
    code.chars().next().filter(|c| *c != ' ').unwrap_or('a')
}

fn add_constraint(
    cat: &mut Catalog,
    table_name: &QualifiedName,
    c: &pb::Constraint,
    origin: Origin,
) {
    let Ok(ct) = Ct::try_from(c.contype) else {
        return;
    };
    if !matches!(
        ct,
        Ct::ConstrPrimary
            | Ct::ConstrUnique
            | Ct::ConstrCheck
            | Ct::ConstrForeign
            | Ct::ConstrExclusion
    ) {
        if ct == Ct::ConstrNotnull {
            // ALTER TABLE … ADD CONSTRAINT n NOT NULL col (PostgreSQL 18).
            if let Some(t) = cat.tables.get_mut(table_name) {
                for k in strings(&c.keys) {
                    if let Some(col) = t.column_mut(&k) {
                        col.not_null = true;
                    }
                }
            }
        }
        return;
    }
    let Some(table) = cat.tables.get(table_name) else {
        return;
    };
    let mut constraint = Constraint {
        name: String::new(),
        kind: ConstraintKind::Check,
        not_valid: c.skip_validation,
        origin,
        deferrable: c.deferrable || c.initdeferred,
        initially_deferred: c.initdeferred,
        expr: None,
        expr_columns: Vec::new(),
        index: None,
        on_delete: 'a',
        on_update: 'a',
    };
    let constraint_taken = |n: &str| table.constraint(n).is_some();
    let relation_taken = |n: &str| cat.relation_exists(&table_name.sibling(n));
    // The index to build (or adopt, with USING INDEX) for PK / UNIQUE / EXCLUDE.
    let mut new_index: Option<Index> = None;
    let mut adopt: Option<QualifiedName> = None;
    match ct {
        Ct::ConstrPrimary | Ct::ConstrUnique => {
            let primary = ct == Ct::ConstrPrimary;
            if primary && table.primary_key().is_some() {
                return;
            }
            let mut columns = strings(&c.keys);
            if !c.indexname.is_empty() {
                let iq = table_name.sibling(c.indexname.clone());
                let Some(idx) = cat.indexes.get(&iq) else {
                    return;
                };
                if &idx.table != table_name || idx.constraint.is_some() {
                    return;
                }
                columns = idx.key_columns().map(str::to_string).collect();
                constraint.name = if c.conname.is_empty() {
                    c.indexname.clone()
                } else {
                    c.conname.clone()
                };
                adopt = Some(iq);
            } else if !c.conname.is_empty() {
                constraint.name = c.conname.clone();
            } else if primary {
                constraint.name = choose_name(&table_name.name, None, "pkey", relation_taken);
            } else {
                let add = column_addition(&columns);
                constraint.name = choose_name(&table_name.name, Some(&add), "key", relation_taken);
            }
            if adopt.is_none() {
                let iq = table_name.sibling(constraint.name.clone());
                if cat.relation_exists(&iq) {
                    return;
                }
                let n = columns.len();
                new_index = Some(Index {
                    name: iq,
                    table: table_name.clone(),
                    keys: columns.iter().cloned().map(IndexKey::Column).collect(),
                    opclasses: vec![None; n],
                    key_exprs: vec![None; n],
                    descending: vec![false; n],
                    method: "btree".to_string(),
                    unique: true,
                    partial: false,
                    predicate: None,
                    include: index_elem_names(&c.including),
                    nulls_not_distinct: c.nulls_not_distinct,
                    concurrently: false,
                    only: false,
                    constraint: Some(constraint.name.clone()),
                    attached_to: None,
                    expr_columns: Vec::new(),
                    origin,
                });
            }
            constraint.kind = if primary {
                ConstraintKind::PrimaryKey { columns }
            } else {
                ConstraintKind::Unique { columns }
            };
        }
        Ct::ConstrExclusion => {
            let mut keys = Vec::new();
            let mut key_exprs = Vec::new();
            let mut opclasses = Vec::new();
            let mut descending = Vec::new();
            let mut cols: Vec<String> = Vec::new();
            let mut names_for_naming = Vec::new();
            for pair in &c.exclusions {
                let Some(NodeEnum::List(l)) = pair.node.as_ref() else {
                    continue;
                };
                let Some(NodeEnum::IndexElem(e)) = l.items.first().and_then(|n| n.node.as_ref())
                else {
                    continue;
                };
                let (key, text, mut mentioned) = index_elem(e);
                if let IndexKey::Column(c) = &key {
                    mentioned.insert(0, c.clone());
                }
                names_for_naming.push(elem_name_for_naming(e));
                for m in mentioned {
                    if !cols.contains(&m) {
                        cols.push(m);
                    }
                }
                keys.push(key);
                key_exprs.push(text);
                opclasses.push(opclass(e));
                descending.push(e.ordering == pb::SortByDir::SortbyDesc as i32);
            }
            let predicate = c.where_clause.as_deref().map(expr_text);
            if let Some(w) = c.where_clause.as_deref() {
                for m in column_refs(w) {
                    if !cols.contains(&m) {
                        cols.push(m);
                    }
                }
            }
            constraint.name = if c.conname.is_empty() {
                let add = column_addition(&names_for_naming);
                choose_name(&table_name.name, Some(&add), "excl", relation_taken)
            } else {
                c.conname.clone()
            };
            let iq = table_name.sibling(constraint.name.clone());
            if cat.relation_exists(&iq) {
                return;
            }
            constraint.kind = ConstraintKind::Exclusion;
            constraint.expr = predicate.clone();
            constraint.expr_columns = cols.clone();
            new_index = Some(Index {
                name: iq,
                table: table_name.clone(),
                keys,
                opclasses,
                key_exprs,
                descending,
                method: if c.access_method.is_empty() {
                    "gist".to_string()
                } else {
                    c.access_method.clone()
                },
                unique: false,
                partial: predicate.is_some(),
                predicate,
                include: index_elem_names(&c.including),
                nulls_not_distinct: false,
                concurrently: false,
                only: false,
                constraint: Some(constraint.name.clone()),
                attached_to: None,
                expr_columns: cols,
                origin,
            });
        }
        Ct::ConstrCheck => {
            let cols = c.raw_expr.as_deref().map(column_refs).unwrap_or_default();
            constraint.expr = c.raw_expr.as_deref().map(expr_text);
            constraint.name = if c.conname.is_empty() {
                let col = if cols.len() == 1 {
                    Some(cols[0].as_str())
                } else {
                    None
                };
                choose_name(&table_name.name, col, "check", constraint_taken)
            } else {
                c.conname.clone()
            };
            constraint.expr_columns = cols;
            constraint.kind = ConstraintKind::Check;
        }
        Ct::ConstrForeign => {
            let Some(pk) = &c.pktable else { return };
            let references = QualifiedName::from_range_var(pk);
            let columns = strings(&c.fk_attrs);
            let mut ref_columns = strings(&c.pk_attrs);
            if ref_columns.is_empty()
                && let Some(pkcols) = cat
                    .tables
                    .get(&references)
                    .and_then(|t| t.primary_key_columns())
            {
                ref_columns = pkcols.to_vec();
            }
            constraint.name = if c.conname.is_empty() {
                let add = column_addition(&columns);
                choose_name(&table_name.name, Some(&add), "fkey", constraint_taken)
            } else {
                c.conname.clone()
            };
            constraint.on_delete = fk_action(&c.fk_del_action);
            constraint.on_update = fk_action(&c.fk_upd_action);
            constraint.kind = ConstraintKind::ForeignKey {
                columns,
                references,
                ref_columns,
            };
        }
        _ => return,
    }
    if table.constraint(&constraint.name).is_some() {
        return;
    }
    // Postgres rejects keys on columns the table does not have.
    let known =
        |cols: &[String]| table.columns_unknown || cols.iter().all(|c| table.column(c).is_some());
    match &constraint.kind {
        ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns }
        | ConstraintKind::ForeignKey { columns, .. }
            if !known(columns) =>
        {
            return;
        }
        _ => {}
    }
    // Commit: index first, then the constraint.
    if let Some(idx) = new_index {
        constraint.index = Some(idx.name.clone());
        insert_index(cat, idx);
    }
    if let Some(iq) = adopt {
        let new_name = table_name.sibling(constraint.name.clone());
        if iq != new_name && cat.relation_exists(&new_name) {
            return;
        }
        if let Some(mut idx) = remove_index(cat, &iq) {
            idx.name = new_name.clone();
            idx.unique = true;
            idx.constraint = Some(constraint.name.clone());
            insert_index(cat, idx);
        }
        constraint.index = Some(new_name);
    }
    if let ConstraintKind::ForeignKey { references, .. } = &constraint.kind {
        cat.referenced_by
            .entry(references.clone())
            .or_default()
            .insert(table_name.clone());
    }
    let primary_cols = match &constraint.kind {
        ConstraintKind::PrimaryKey { columns } => columns.clone(),
        _ => Vec::new(),
    };
    if let Some(t) = cat.tables.get_mut(table_name) {
        for pc in &primary_cols {
            if let Some(col) = t.column_mut(pc) {
                col.not_null = true;
            }
        }
        t.constraints.push(constraint);
    }
}

/// Removes a constraint, its index, and with `cascade` the foreign keys that depend on a
/// removed PRIMARY KEY / UNIQUE.
fn drop_constraint(cat: &mut Catalog, table_name: &QualifiedName, name: &str, cascade: bool) {
    let Some(t) = cat.tables.get_mut(table_name) else {
        return;
    };
    let Some(pos) = t.constraints.iter().position(|c| c.name == name) else {
        return;
    };
    let c = t.constraints.remove(pos);
    if let Some(iq) = &c.index {
        remove_index(cat, iq);
    }
    match &c.kind {
        ConstraintKind::ForeignKey { references, .. } => {
            forget_reference(cat, table_name, references);
        }
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } if cascade => {
            drop_fks_referencing(cat, table_name, |refcols| same_set(refcols, columns));
        }
        _ => {}
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Drops the foreign keys of other tables (and this one) that reference `table` on columns
/// matching `pred`.
fn drop_fks_referencing(
    cat: &mut Catalog,
    table: &QualifiedName,
    pred: impl Fn(&[String]) -> bool,
) {
    let referencing = cat.referenced_by.get(table).cloned().unwrap_or_default();
    for r in referencing {
        let doomed: Vec<String> = cat
            .tables
            .get(&r)
            .map(|t| {
                t.foreign_keys()
                    .filter(|c| match &c.kind {
                        ConstraintKind::ForeignKey {
                            references,
                            ref_columns,
                            ..
                        } => references == table && pred(ref_columns),
                        _ => false,
                    })
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for name in doomed {
            drop_constraint(cat, &r, &name, false);
        }
    }
}

/// After a foreign key of `table` to `references` went away: forget the link if it was the
/// last one.
fn forget_reference(cat: &mut Catalog, table: &QualifiedName, references: &QualifiedName) {
    let still = cat.tables.get(table).is_some_and(|t| {
        t.foreign_keys().any(|c| {
            matches!(&c.kind, ConstraintKind::ForeignKey { references: r, .. } if r == references)
        })
    });
    if !still && let Some(list) = cat.referenced_by.get_mut(references) {
        list.remove(table);
        if list.is_empty() {
            cat.referenced_by.remove(references);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Indexes

fn insert_index(cat: &mut Catalog, idx: Index) {
    cat.table_indexes
        .entry(idx.table.clone())
        .or_default()
        .push(idx.name.clone());
    cat.indexes.insert(idx.name.clone(), idx);
}

fn remove_index(cat: &mut Catalog, name: &QualifiedName) -> Option<Index> {
    let idx = cat.indexes.remove(name)?;
    if let Some(list) = cat.table_indexes.get_mut(&idx.table) {
        list.retain(|n| n != name);
        if list.is_empty() {
            cat.table_indexes.remove(&idx.table);
        }
    }
    Some(idx)
}

/// One index element: the key, its expression text, the columns it mentions.
fn index_elem(e: &pb::IndexElem) -> (IndexKey, Option<String>, Vec<String>) {
    if e.name.is_empty() {
        let text = e.expr.as_deref().map(expr_text);
        let cols = e.expr.as_deref().map(column_refs).unwrap_or_default();
        (IndexKey::Expression, text, cols)
    } else {
        (IndexKey::Column(e.name.clone()), None, Vec::new())
    }
}

/// The name Postgres uses for an index element when naming the index
/// (`FigureIndexColname`): the column, a function's name, or `expr`.
fn elem_name_for_naming(e: &pb::IndexElem) -> String {
    if !e.name.is_empty() {
        return e.name.clone();
    }
    if !e.indexcolname.is_empty() {
        return e.indexcolname.clone();
    }
    fn figure(n: &Node) -> Option<String> {
        match n.node.as_ref()? {
            NodeEnum::FuncCall(f) => strings(&f.funcname).pop(),
            NodeEnum::ColumnRef(c) => strings(&c.fields).pop(),
            NodeEnum::TypeCast(tc) => tc
                .arg
                .as_deref()
                .and_then(figure)
                .or_else(|| tc.type_name.as_ref().and_then(|t| strings(&t.names).pop())),
            _ => None,
        }
    }
    e.expr
        .as_deref()
        .and_then(figure)
        .unwrap_or_else(|| "expr".to_string())
}

fn index_elem_names(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(e.name.clone()),
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn create_index(cat: &mut Catalog, s: &pb::IndexStmt, origin: Origin) {
    let Some(rv) = &s.relation else { return };
    let table = QualifiedName::from_range_var(rv);
    let mut keys = Vec::new();
    let mut key_exprs = Vec::new();
    let mut opclasses = Vec::new();
    let mut descending = Vec::new();
    let mut expr_columns: Vec<String> = Vec::new();
    let mut naming = Vec::new();
    for p in &s.index_params {
        let Some(NodeEnum::IndexElem(e)) = p.node.as_ref() else {
            continue;
        };
        let (key, text, cols) = index_elem(e);
        for c in cols {
            if !expr_columns.contains(&c) {
                expr_columns.push(c);
            }
        }
        naming.push(elem_name_for_naming(e));
        keys.push(key);
        key_exprs.push(text);
        opclasses.push(opclass(e));
        descending.push(e.ordering == pb::SortByDir::SortbyDesc as i32);
    }
    let predicate = s.where_clause.as_deref().map(expr_text);
    if let Some(w) = s.where_clause.as_deref() {
        for c in column_refs(w) {
            if !expr_columns.contains(&c) {
                expr_columns.push(c);
            }
        }
    }
    let name = if s.idxname.is_empty() {
        let label = if s.primary {
            "pkey"
        } else if !s.exclude_op_names.is_empty() {
            "excl"
        } else if s.isconstraint {
            "key"
        } else {
            "idx"
        };
        let add = column_addition(&naming);
        let n = choose_name(&table.name, Some(&add), label, |n| {
            cat.relation_exists(&table.sibling(n))
        });
        table.sibling(n)
    } else {
        table.sibling(s.idxname.clone())
    };
    if cat.relation_exists(&name) {
        return;
    }
    let idx = Index {
        name,
        table,
        keys,
        opclasses,
        key_exprs,
        descending,
        method: if s.access_method.is_empty() {
            "btree".to_string()
        } else {
            s.access_method.clone()
        },
        unique: s.unique,
        partial: predicate.is_some(),
        predicate,
        include: index_elem_names(&s.index_including_params),
        nulls_not_distinct: s.nulls_not_distinct,
        concurrently: s.concurrent,
        only: !rv.inh,
        constraint: None,
        attached_to: None,
        expr_columns,
        origin,
    };
    insert_index(cat, idx);
}

/// `ALTER INDEX parent ATTACH PARTITION child`.
fn attach_index(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if !cat.indexes.contains_key(parent) {
        return;
    }
    if let Some(idx) = cat.indexes.get_mut(&child) {
        idx.attached_to = Some(parent.clone());
    }
}

// ---------------------------------------------------------------------------------------
// ALTER TABLE

fn alter_table(cat: &mut Catalog, s: &pb::AlterTableStmt, origin: Origin) {
    let Some(rv) = &s.relation else { return };
    let name = QualifiedName::from_range_var(rv);
    if s.objtype == Ot::ObjectIndex as i32 {
        for cmd in &s.cmds {
            if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref()
                && cmd.subtype == At::AtAttachPartition as i32
                && let Some(NodeEnum::PartitionCmd(pc)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
            {
                attach_index(cat, &name, pc);
            }
        }
        return;
    }
    if !cat.tables.contains_key(&name) {
        return;
    }
    for cmd in &s.cmds {
        if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() {
            alter_cmd(cat, &name, rv.inh, cmd, origin);
        }
    }
}

fn alter_cmd(
    cat: &mut Catalog,
    table: &QualifiedName,
    recurse: bool,
    cmd: &pb::AlterTableCmd,
    origin: Origin,
) {
    let Ok(subtype) = At::try_from(cmd.subtype) else {
        return;
    };
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    match subtype {
        At::AtAddColumn => {
            let Some(NodeEnum::ColumnDef(cd)) = def else {
                return;
            };
            for t in targets(cat, table, recurse) {
                let Some(tab) = cat.tables.get(&t) else {
                    continue;
                };
                if tab.column(&cd.colname).is_some() {
                    continue;
                }
                let mut pending = Vec::new();
                let col = column_def(&t, cd, None, origin, &mut pending);
                if let Some(tab) = cat.tables.get_mut(&t) {
                    tab.columns.push(col);
                }
                // Constraints given with the column belong to the table named.
                if &t == table {
                    add_constraints(cat, &t, pending, origin);
                }
            }
        }
        At::AtDropColumn => {
            for t in targets(cat, table, recurse) {
                drop_column(cat, &t, &cmd.name, cascade(cmd.behavior));
            }
        }
        At::AtAlterColumnType => {
            let Some(NodeEnum::ColumnDef(cd)) = def else {
                return;
            };
            let Some(tn) = &cd.type_name else { return };
            let ty = normalize(tn);
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.type_name = ty.clone();
                }
            }
        }
        At::AtSetNotNull | At::AtDropNotNull => {
            let value = subtype == At::AtSetNotNull;
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.not_null = value;
                }
            }
        }
        At::AtColumnDefault => {
            let text = cmd.def.as_deref().map(expr_text);
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.default = text.clone();
                }
            }
        }
        At::AtAddIdentity => {
            let Some(NodeEnum::Constraint(c)) = def else {
                return;
            };
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.identity = Some(identity_kind(&c.generated_when));
                    col.not_null = true;
                }
            }
        }
        At::AtSetIdentity => {
            // SET GENERATED { ALWAYS | BY DEFAULT }: a DefElem "generated".
            let Some(NodeEnum::List(l)) = def else { return };
            for item in &l.items {
                if let Some(NodeEnum::DefElem(d)) = item.node.as_ref()
                    && d.defname == "generated"
                    && let Some(NodeEnum::Integer(i)) =
                        d.arg.as_deref().and_then(|a| a.node.as_ref())
                {
                    let kind = if i.ival == i32::from(b'a') {
                        Identity::Always
                    } else {
                        Identity::ByDefault
                    };
                    for t in targets(cat, table, recurse) {
                        if let Some(col) = column_mut(cat, &t, &cmd.name)
                            && col.identity.is_some()
                        {
                            col.identity = Some(kind);
                        }
                    }
                }
            }
        }
        At::AtDropIdentity => {
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.identity = None;
                }
            }
        }
        At::AtDropExpression => {
            for t in targets(cat, table, recurse) {
                if let Some(col) = column_mut(cat, &t, &cmd.name) {
                    col.generated = None;
                }
            }
        }
        At::AtAddConstraint => {
            if let Some(NodeEnum::Constraint(c)) = def {
                add_constraint(cat, table, c, origin);
            }
        }
        At::AtValidateConstraint => {
            if let Some(t) = cat.tables.get_mut(table)
                && let Some(c) = t.constraints.iter_mut().find(|c| c.name == cmd.name)
            {
                c.not_valid = false;
            }
        }
        At::AtDropConstraint => drop_constraint(cat, table, &cmd.name, cascade(cmd.behavior)),
        At::AtAlterConstraint => {
            let Some(NodeEnum::AtalterConstraint(a)) = def else {
                return;
            };
            if !a.alter_deferrability {
                return;
            }
            if let Some(t) = cat.tables.get_mut(table)
                && let Some(c) = t.constraints.iter_mut().find(|c| c.name == a.conname)
            {
                c.deferrable = a.deferrable || a.initdeferred;
                c.initially_deferred = a.initdeferred;
            }
        }
        At::AtAttachPartition => {
            if let Some(NodeEnum::PartitionCmd(pc)) = def {
                attach_partition(cat, table, pc);
            }
        }
        At::AtDetachPartition | At::AtDetachPartitionFinalize => {
            if let Some(NodeEnum::PartitionCmd(pc)) = def {
                detach_partition(cat, table, pc);
            }
        }
        _ => {}
    }
}

/// The table, and its partitions when the command recurses: column changes reach the
/// partitions too (their columns must match the parent's).
fn targets(cat: &Catalog, table: &QualifiedName, recurse: bool) -> Vec<QualifiedName> {
    if recurse {
        with_partitions(cat, table)
    } else {
        vec![table.clone()]
    }
}

fn column_mut<'a>(
    cat: &'a mut Catalog,
    table: &QualifiedName,
    column: &str,
) -> Option<&'a mut Column> {
    cat.tables.get_mut(table)?.column_mut(column)
}

/// DROP COLUMN: the column, every index and constraint of the table involving it, and with
/// CASCADE the foreign keys of other tables referencing it.
fn drop_column(cat: &mut Catalog, table: &QualifiedName, column: &str, cascade: bool) {
    let Some(t) = cat.tables.get_mut(table) else {
        return;
    };
    let Some(pos) = t.columns.iter().position(|c| c.name == column) else {
        return;
    };
    t.columns.remove(pos);
    let doomed: Vec<String> = t
        .constraints
        .iter()
        .filter(|c| c.columns().iter().any(|c| c == column))
        .map(|c| c.name.clone())
        .collect();
    for name in doomed {
        drop_constraint(cat, table, &name, cascade);
    }
    let doomed: Vec<QualifiedName> = cat
        .indexes_of(table)
        .filter(|i| i.mentions(column))
        .map(|i| i.name.clone())
        .collect();
    for name in doomed {
        remove_index(cat, &name);
    }
    if cascade {
        drop_fks_referencing(cat, table, |refcols| refcols.iter().any(|c| c == column));
    }
}

// ---------------------------------------------------------------------------------------
// DROP

fn drop(cat: &mut Catalog, s: &pb::DropStmt) {
    let Ok(kind) = Ot::try_from(s.remove_type) else {
        return;
    };
    let cascade = cascade(s.behavior);
    for obj in &s.objects {
        let Some(name) = qualified_from_list(obj) else {
            continue;
        };
        match kind {
            Ot::ObjectTable => drop_table(cat, &name, cascade),
            Ot::ObjectIndex => drop_index(cat, &name, cascade),
            Ot::ObjectView | Ot::ObjectMatview => {
                if cat.views.remove(&name).is_some()
                    && let Some(list) = cat.table_indexes.remove(&name)
                {
                    for i in list {
                        cat.indexes.remove(&i);
                    }
                }
            }
            _ => {}
        }
    }
}

fn drop_index(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    let Some(idx) = cat.indexes.get(name) else {
        return;
    };
    match idx.constraint.clone() {
        // Postgres refuses to drop a constraint's index unless CASCADE drops the constraint.
        Some(c) if cascade => {
            let table = idx.table.clone();
            drop_constraint(cat, &table, &c, true);
            remove_index(cat, name);
        }
        Some(_) => {}
        None => {
            remove_index(cat, name);
        }
    }
}

fn drop_table(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    if !cat.tables.contains_key(name) {
        return;
    }
    // Partitions go with their parent, deepest first.
    let mut all = with_partitions(cat, name);
    all.reverse();
    for t in &all {
        drop_one_table(cat, t, cascade);
    }
}

fn drop_one_table(cat: &mut Catalog, name: &QualifiedName, cascade: bool) {
    let Some(t) = cat.tables.remove(name) else {
        return;
    };
    if let Some(p) = &t.partition_of
        && let Some(list) = cat.partitions.get_mut(&p.parent)
    {
        list.retain(|c| c != name);
    }
    cat.partitions.remove(name);
    if let Some(list) = cat.table_indexes.remove(name) {
        for i in list {
            cat.indexes.remove(&i);
        }
    }
    for c in t.foreign_keys() {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
            forget_reference(cat, name, references);
        }
    }
    if cascade {
        drop_fks_referencing(cat, name, |_| true);
        cat.referenced_by.remove(name);
    }
}

// ---------------------------------------------------------------------------------------
// RENAME / SET SCHEMA

fn rename(cat: &mut Catalog, s: &pb::RenameStmt) {
    let Ok(kind) = Ot::try_from(s.rename_type) else {
        return;
    };
    let Some(rv) = &s.relation else { return };
    let target = QualifiedName::from_range_var(rv);
    match kind {
        Ot::ObjectTable
        | Ot::ObjectView
        | Ot::ObjectMatview
        | Ot::ObjectIndex
        | Ot::ObjectForeignTable => {
            let new = target.sibling(s.newname.clone());
            if cat.tables.contains_key(&target) {
                move_table(cat, &target, new);
            } else if cat.indexes.contains_key(&target) {
                rename_index(cat, &target, new);
            } else if !cat.relation_exists(&new)
                && let Some(mut v) = cat.views.remove(&target)
            {
                v.name = new.clone();
                cat.views.insert(new.clone(), v);
                if let Some(list) = cat.table_indexes.remove(&target) {
                    for i in &list {
                        if let Some(idx) = cat.indexes.get_mut(i) {
                            idx.table = new.clone();
                        }
                    }
                    cat.table_indexes.insert(new, list);
                }
            }
        }
        Ot::ObjectColumn => {
            let tables = if rv.inh {
                with_partitions(cat, &target)
            } else {
                vec![target.clone()]
            };
            for t in tables {
                rename_column(cat, &t, &s.subname, &s.newname);
            }
        }
        Ot::ObjectTabconstraint => rename_constraint(cat, &target, &s.subname, &s.newname),
        _ => {}
    }
}

fn set_schema(cat: &mut Catalog, s: &pb::AlterObjectSchemaStmt) {
    let Some(rv) = &s.relation else { return };
    let old = QualifiedName::from_range_var(rv);
    let new = QualifiedName::new(s.newschema.clone(), old.name.clone());
    if cat.tables.contains_key(&old) {
        move_table(cat, &old, new);
    } else if !cat.relation_exists(&new)
        && let Some(mut v) = cat.views.remove(&old)
    {
        v.name = new.clone();
        cat.views.insert(new, v);
    }
}

fn rename_index(cat: &mut Catalog, old: &QualifiedName, new: QualifiedName) {
    if cat.relation_exists(&new) {
        return;
    }
    let Some(mut idx) = remove_index(cat, old) else {
        return;
    };
    idx.name = new.clone();
    // Renaming a constraint's index renames the constraint.
    if let Some(cname) = idx.constraint.clone()
        && let Some(t) = cat.tables.get_mut(&idx.table)
        && let Some(c) = t.constraints.iter_mut().find(|c| c.name == cname)
    {
        c.name = new.name.clone();
        c.index = Some(new.clone());
        idx.constraint = Some(new.name.clone());
    }
    // Partition indexes attached to it live on the partitions of its table.
    let parts = cat.partitions.get(&idx.table).cloned().unwrap_or_default();
    for part in parts {
        let names = cat.table_indexes.get(&part).cloned().unwrap_or_default();
        for n in names {
            if let Some(other) = cat.indexes.get_mut(&n)
                && other.attached_to.as_ref() == Some(old)
            {
                other.attached_to = Some(new.clone());
            }
        }
    }
    insert_index(cat, idx);
}

fn rename_constraint(cat: &mut Catalog, table: &QualifiedName, old: &str, new: &str) {
    let Some(t) = cat.tables.get(table) else {
        return;
    };
    if t.constraint(new).is_some() {
        return;
    }
    let Some(c) = t.constraint(old) else { return };
    // Renaming an index-backed constraint renames its index.
    if let Some(iq) = c.index.clone() {
        let new_iq = iq.sibling(new);
        if cat.relation_exists(&new_iq) {
            return;
        }
        if let Some(mut idx) = remove_index(cat, &iq) {
            idx.name = new_iq.clone();
            idx.constraint = Some(new.to_string());
            insert_index(cat, idx);
        }
        if let Some(c) = cat
            .tables
            .get_mut(table)
            .and_then(|t| t.constraints.iter_mut().find(|c| c.name == old))
        {
            c.index = Some(new_iq);
        }
    }
    if let Some(c) = cat
        .tables
        .get_mut(table)
        .and_then(|t| t.constraints.iter_mut().find(|c| c.name == old))
    {
        c.name = new.to_string();
    }
}

fn rename_in(list: &mut [String], old: &str, new: &str) {
    for x in list.iter_mut() {
        if x == old {
            *x = new.to_string();
        }
    }
}

fn rename_column(cat: &mut Catalog, table: &QualifiedName, old: &str, new: &str) {
    let Some(t) = cat.tables.get_mut(table) else {
        return;
    };
    if old == new || t.column(new).is_some() {
        return;
    }
    let Some(col) = t.column_mut(old) else { return };
    col.name = new.to_string();
    for c in &mut t.constraints {
        rename_in(&mut c.expr_columns, old, new);
        match &mut c.kind {
            ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns }
            | ConstraintKind::ForeignKey { columns, .. } => rename_in(columns, old, new),
            _ => {}
        }
    }
    if let Some(pk) = &mut t.partitioned_by {
        for k in &mut pk.keys {
            if matches!(k, IndexKey::Column(c) if c == old) {
                *k = IndexKey::Column(new.to_string());
            }
        }
    }
    // Foreign keys pointing at the column (this table's own included).
    let referencing = cat.referenced_by.get(table).cloned().unwrap_or_default();
    for r in referencing {
        if let Some(rt) = cat.tables.get_mut(&r) {
            for c in &mut rt.constraints {
                if let ConstraintKind::ForeignKey {
                    references,
                    ref_columns,
                    ..
                } = &mut c.kind
                    && references == table
                {
                    rename_in(ref_columns, old, new);
                }
            }
        }
    }
    let names: Vec<QualifiedName> = cat.table_indexes.get(table).cloned().unwrap_or_default();
    for n in names {
        if let Some(idx) = cat.indexes.get_mut(&n) {
            for k in &mut idx.keys {
                if matches!(k, IndexKey::Column(c) if c == old) {
                    *k = IndexKey::Column(new.to_string());
                }
            }
            rename_in(&mut idx.include, old, new);
            rename_in(&mut idx.expr_columns, old, new);
        }
    }
}

/// Renames a table or moves it to another schema, carrying its indexes (which follow their
/// table's schema), foreign keys in both directions and partition links.
fn move_table(cat: &mut Catalog, old: &QualifiedName, new: QualifiedName) {
    if old == &new || cat.relation_exists(&new) {
        return;
    }
    let Some(mut t) = cat.tables.remove(old) else {
        return;
    };
    t.name = new.clone();
    // Foreign keys pointing at the table (its own self-references included).
    if let Some(referencing) = cat.referenced_by.remove(old) {
        let mut renamed = std::collections::BTreeSet::new();
        for r in referencing {
            let target = if &r == old {
                renamed.insert(new.clone());
                Some(&mut t)
            } else {
                let target = cat.tables.get_mut(&r);
                renamed.insert(r);
                target
            };
            if let Some(rt) = target {
                for c in &mut rt.constraints {
                    if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind
                        && references == old
                    {
                        *references = new.clone();
                    }
                }
            }
        }
        cat.referenced_by.insert(new.clone(), renamed);
    }
    // This table as a referencing table.
    for c in &t.constraints {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind
            && references != &new
            && let Some(list) = cat.referenced_by.get_mut(references)
            && list.remove(old)
        {
            list.insert(new.clone());
        }
    }
    // Indexes: same names, in the new schema if the table moved.
    if let Some(list) = cat.table_indexes.remove(old) {
        let mut moved = Vec::with_capacity(list.len());
        for iname in list {
            let Some(mut idx) = cat.indexes.remove(&iname) else {
                continue;
            };
            idx.table = new.clone();
            idx.name = new.sibling(iname.name.clone());
            if let Some(cname) = &idx.constraint
                && let Some(c) = t.constraints.iter_mut().find(|c| &c.name == cname)
            {
                c.index = Some(idx.name.clone());
            }
            moved.push(idx.name.clone());
            cat.indexes.insert(idx.name.clone(), idx);
        }
        cat.table_indexes.insert(new.clone(), moved);
    }
    // Partition links.
    if let Some(children) = cat.partitions.remove(old) {
        for ch in &children {
            if let Some(ct) = cat.tables.get_mut(ch)
                && let Some(p) = &mut ct.partition_of
            {
                p.parent = new.clone();
            }
        }
        cat.partitions.insert(new.clone(), children);
    }
    if let Some(p) = &t.partition_of
        && let Some(list) = cat.partitions.get_mut(&p.parent)
    {
        for x in list.iter_mut() {
            if x == old {
                *x = new.clone();
            }
        }
    }
    cat.tables.insert(new, t);
}
