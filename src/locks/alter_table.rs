//! ALTER TABLE: the lock level of each subcommand (PostgreSQL's `AlterTableGetLockLevel`),
//! the strongest one over all subcommands, and what each subcommand rewrites or scans.
//! Constraints are in [`super::constraint`].

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType as At, ColumnDef, ConstrType as Ct, Constraint,
    ObjectType, PartitionCmd,
};

use super::LockMode::{self, *};
use super::{Cx, Effects, RelKind, constraint, exprs, index, name_of, types};
use crate::schema::{BoundKind, ConstraintKind, QualifiedName};

pub(super) fn alter_table(cx: &Cx, s: &AlterTableStmt, fx: &mut Effects) {
    let Some(rv) = &s.relation else { return };
    let name = name_of(rv);
    let cmds: Vec<&AlterTableCmd> = s
        .cmds
        .iter()
        .filter_map(|c| match c.node.as_ref()? {
            NodeEnum::AlterTableCmd(cmd) => Some(cmd.as_ref()),
            _ => None,
        })
        .collect();
    if s.objtype == ObjectType::ObjectIndex as i32 {
        let table = cx.catalog.index(&name).map(|i| i.table.clone());
        for cmd in cmds {
            match (cmd.subtype, partition_cmd(cmd)) {
                (t, Some(pc)) if t == At::AtAttachPartition as i32 => {
                    index::attach_index(cx, &name, pc, fx)
                }
                _ => fx.index(&name, table.as_ref(), cmd_mode(cmd)),
            }
        }
        return;
    }
    let kind = match ObjectType::try_from(s.objtype) {
        Ok(ObjectType::ObjectView) => RelKind::View,
        Ok(ObjectType::ObjectMatview) => RelKind::MaterializedView,
        Ok(ObjectType::ObjectSequence) => RelKind::Sequence,
        _ => cx.kind_of(&name),
    };
    // Most subcommands recurse to the partitions (and inheritance children) unless ONLY.
    let family = if rv.inh {
        cx.with_partitions(&name)
    } else {
        vec![name.clone()]
    };
    let leaves: Vec<QualifiedName> = family
        .iter()
        .filter(|t| !cx.is_partitioned(t))
        .cloned()
        .collect();
    for cmd in cmds {
        let mode = cmd_mode(cmd);
        fx.lock(&name, kind, mode);
        if recurses(cmd) {
            for p in family.iter().skip(1) {
                fx.table(p, mode);
            }
        }
        let t = At::try_from(cmd.subtype).unwrap_or(At::Undefined);
        match t {
            At::AtAddColumn => {
                if let Some(col) = column_def(cmd) {
                    add_column(cx, &name, &leaves, col, fx);
                }
            }
            At::AtAlterColumnType => {
                if let Some(col) = column_def(cmd) {
                    alter_type(cx, &name, &family, &leaves, &cmd.name, col, fx);
                }
            }
            At::AtSetNotNull if !not_null_proven(cx, &name, &cmd.name) => {
                for leaf in &leaves {
                    fx.scan(leaf);
                }
            }
            At::AtDropColumn => {
                for fk in cx.catalog.foreign_keys_of(&name) {
                    if let ConstraintKind::ForeignKey { references, .. } = &fk.kind
                        && fk.columns().iter().any(|c| c == &cmd.name)
                    {
                        fx.table(references, AccessExclusive);
                    }
                }
                for ix in cx.catalog.indexes_of(&name) {
                    if ix.mentions(&cmd.name) {
                        fx.index(&ix.name, Some(&name), AccessExclusive);
                    }
                }
            }
            At::AtAddConstraint => {
                if let Some(c) = constraint_def(cmd) {
                    constraint::add(cx, &name, &family, &leaves, c, fx);
                }
            }
            At::AtValidateConstraint => constraint::validate(cx, &name, &leaves, &cmd.name, fx),
            At::AtDropConstraint => constraint::drop(cx, &name, &cmd.name, cmd.behavior, fx),
            At::AtSetLogged | At::AtSetUnLogged | At::AtSetAccessMethod => {
                for leaf in &leaves {
                    fx.rewrite(leaf);
                }
            }
            At::AtSetExpression => {
                for leaf in &leaves {
                    fx.rewrite(leaf);
                }
            }
            At::AtSetTableSpace => {
                // The files are copied block by block: new files, no scan.
                for leaf in &leaves {
                    if !fx.rewrites.contains(leaf) {
                        fx.rewrites.push(leaf.clone());
                    }
                }
            }
            At::AtAttachPartition => {
                if let Some(pc) = partition_cmd(cmd) {
                    attach_partition(cx, &name, pc, fx);
                }
            }
            At::AtDetachPartition => {
                if let Some(pc) = partition_cmd(cmd) {
                    detach_partition(cx, &name, pc, fx);
                }
            }
            At::AtDetachPartitionFinalize => {
                if let Some(rv) = partition_cmd(cmd).and_then(|pc| pc.name.as_ref()) {
                    fx.table(&name_of(rv), ShareUpdateExclusive);
                }
            }
            _ => {}
        }
    }
}

/// `AlterTableGetLockLevel`.
fn cmd_mode(cmd: &AlterTableCmd) -> LockMode {
    let t = At::try_from(cmd.subtype).unwrap_or(At::Undefined);
    match t {
        At::AtSetStatistics
        | At::AtClusterOn
        | At::AtDropCluster
        | At::AtValidateConstraint
        | At::AtDetachPartitionFinalize => ShareUpdateExclusive,
        At::AtSetRelOptions | At::AtResetRelOptions => rel_options_mode(cmd),
        At::AtAttachPartition => ShareUpdateExclusive,
        At::AtDetachPartition => match partition_cmd(cmd) {
            Some(pc) if pc.concurrent => ShareUpdateExclusive,
            _ => AccessExclusive,
        },
        At::AtEnableTrig
        | At::AtEnableAlwaysTrig
        | At::AtEnableReplicaTrig
        | At::AtDisableTrig
        | At::AtEnableTrigAll
        | At::AtDisableTrigAll
        | At::AtEnableTrigUser
        | At::AtDisableTrigUser => ShareRowExclusive,
        At::AtAddConstraint => match constraint_def(cmd) {
            Some(c) if c.contype == Ct::ConstrForeign as i32 => ShareRowExclusive,
            _ => AccessExclusive,
        },
        _ => AccessExclusive,
    }
}

/// Storage parameters that only need SHARE UPDATE EXCLUSIVE (`fillfactor`, autovacuum
/// settings, ...); any other takes ACCESS EXCLUSIVE.
fn rel_options_mode(cmd: &AlterTableCmd) -> LockMode {
    let Some(NodeEnum::List(list)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
        return AccessExclusive;
    };
    let light = list.items.iter().all(|i| match i.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => {
            let n = d.defname.as_str();
            d.defnamespace.is_empty()
                && (n == "fillfactor"
                    || n.starts_with("autovacuum_")
                    || n == "toast_tuple_target"
                    || n == "parallel_workers"
                    || n == "log_autovacuum_min_duration"
                    || n.starts_with("vacuum_"))
        }
        _ => false,
    });
    if light {
        ShareUpdateExclusive
    } else {
        AccessExclusive
    }
}

/// Subcommands applied to every partition as well (with the same lock).
fn recurses(cmd: &AlterTableCmd) -> bool {
    let t = At::try_from(cmd.subtype).unwrap_or(At::Undefined);
    match t {
        At::AtAddColumn
        | At::AtDropColumn
        | At::AtAlterColumnType
        | At::AtSetNotNull
        | At::AtDropNotNull
        | At::AtColumnDefault
        | At::AtValidateConstraint
        | At::AtDropConstraint
        | At::AtSetStatistics
        | At::AtSetStorage
        | At::AtAddIdentity
        | At::AtSetIdentity
        | At::AtDropIdentity
        | At::AtSetExpression
        | At::AtDropExpression => true,
        At::AtAddConstraint => constraint_def(cmd).is_some_and(|c| {
            !c.is_no_inherit
                && [Ct::ConstrCheck, Ct::ConstrForeign, Ct::ConstrNotnull]
                    .iter()
                    .any(|t| c.contype == *t as i32)
        }),
        _ => false,
    }
}

fn column_def(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnDef(c) => Some(c),
        _ => None,
    }
}

fn constraint_def(cmd: &AlterTableCmd) -> Option<&Constraint> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::Constraint(c) => Some(c),
        _ => None,
    }
}

fn partition_cmd(cmd: &AlterTableCmd) -> Option<&PartitionCmd> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::PartitionCmd(c) => Some(c),
        _ => None,
    }
}

fn column_constraints(col: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    col.constraints
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::Constraint(c) => Some(c.as_ref()),
            _ => None,
        })
}

/// ADD COLUMN: a rewrite for a volatile default (`random()`, `clock_timestamp()`,
/// `gen_random_uuid()`, `nextval()`, serial, identity) or a stored generated column, and for
/// any non-NULL default before PostgreSQL 11; a verification scan for NOT NULL without a
/// default or a CHECK; an index build for UNIQUE / PRIMARY KEY; REFERENCES locks the
/// referenced table (validated only when the new column is not all NULL).
fn add_column(
    cx: &Cx,
    _table: &QualifiedName,
    leaves: &[QualifiedName],
    col: &ColumnDef,
    fx: &mut Effects,
) {
    let mut default = col.raw_default.as_deref();
    let mut not_null = col.is_not_null;
    let mut rewrite = false;
    let mut verify = false;
    let mut index_build = false;
    let mut references = None;
    let is_serial = col
        .type_name
        .as_ref()
        .is_some_and(|t| crate::schema::types::serial_kind(t).is_some());
    if is_serial || !col.identity.is_empty() {
        rewrite = true;
    }
    for c in column_constraints(col) {
        let ct = Ct::try_from(c.contype).unwrap_or(Ct::Undefined);
        match ct {
            Ct::ConstrDefault => default = c.raw_expr.as_deref(),
            Ct::ConstrNotnull => not_null = true,
            Ct::ConstrIdentity => rewrite = true,
            // PostgreSQL 18 makes VIRTUAL the default; before, only STORED exists (and a
            // column without STORED is a syntax error).
            Ct::ConstrGenerated if c.generated_kind == "v" && cx.pg < 18 => {
                fx.refuse("VIRTUAL generated columns need PostgreSQL 18 (before, only STORED)");
                rewrite = true;
            }
            Ct::ConstrGenerated if c.generated_kind != "v" => rewrite = true,
            Ct::ConstrCheck => verify = true,
            Ct::ConstrPrimary => {
                index_build = true;
                not_null = true;
            }
            Ct::ConstrUnique => index_build = true,
            Ct::ConstrForeign => references = c.pktable.as_ref().map(name_of),
            _ => {}
        }
    }
    let has_default = default.is_some_and(|d| !is_null_literal(d));
    if default.is_some_and(exprs::is_volatile) || (cx.pg < 11 && has_default) {
        rewrite = true;
    }
    if not_null && !has_default && !rewrite {
        verify = true;
    }
    for leaf in leaves {
        if rewrite {
            fx.rewrite(leaf);
        } else if verify || index_build {
            fx.scan(leaf);
        }
    }
    if let Some(r) = references {
        fx.table(&r, ShareRowExclusive);
        // A new column without a default is all NULL: nothing to validate.
        if has_default || rewrite {
            for leaf in leaves {
                fx.scan(leaf);
            }
            fx.scan(&r);
        }
    }
}

fn is_null_literal(node: &pg_query::protobuf::Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_null_literal),
        _ => false,
    }
}

/// ALTER COLUMN TYPE: a rewrite unless [`types::change_rewrites`] proves it a no-op and
/// `USING` is trivial; the column's indexes are rebuilt with the rewrite, or re-created on
/// their old storage without one (ACCESS EXCLUSIVE on them either way).
fn alter_type(
    cx: &Cx,
    table: &QualifiedName,
    family: &[QualifiedName],
    leaves: &[QualifiedName],
    column: &str,
    col: &ColumnDef,
    fx: &mut Effects,
) {
    let Some(tn) = &col.type_name else { return };
    let new = crate::schema::types::normalize(tn);
    let using_trivial = col
        .raw_default
        .as_deref()
        .is_none_or(|u| types::trivial_using(u, column));
    let rewrite = match cx.catalog.column(table, column) {
        Some(old) => !using_trivial || types::change_rewrites(&old.type_name, &new, cx.pg),
        // The old type is unknown: assume the worst.
        None => true,
    };
    for leaf in leaves {
        if rewrite {
            fx.rewrite(leaf);
        }
    }
    for t in family {
        for ix in cx.catalog.indexes_of(t) {
            if ix.mentions(column) {
                fx.index(&ix.name, Some(t), AccessExclusive);
            }
        }
    }
}

/// SET NOT NULL needs no scan when the column is already NOT NULL, or (12+) when a valid
/// `CHECK (col IS NOT NULL)` proves it.
fn not_null_proven(cx: &Cx, table: &QualifiedName, column: &str) -> bool {
    let Some(t) = cx.catalog.table(table) else {
        return false;
    };
    if t.column(column).is_some_and(|c| c.not_null) {
        return true;
    }
    cx.pg >= 12
        && t.constraints.iter().any(|c| {
            c.kind == ConstraintKind::Check
                && !c.not_valid
                && c.expr
                    .as_deref()
                    .is_some_and(|e| is_not_null_check(e, column))
        })
}

/// `col IS NOT NULL`, however parenthesised and quoted.
fn is_not_null_check(expr: &str, column: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')' && *c != '"')
            .collect::<String>()
            .to_ascii_lowercase()
    };
    squash(expr) == format!("{}isnotnull", squash(column))
}

/// ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent (ACCESS EXCLUSIVE before 12),
/// ACCESS EXCLUSIVE on the table attached, which is scanned to verify the bounds unless a
/// valid CHECK constraint on the partition key implies them; a default partition is locked
/// and scanned too; indexes of the parent missing on the table are built.
fn attach_partition(cx: &Cx, parent: &QualifiedName, pc: &PartitionCmd, fx: &mut Effects) {
    let Some(rv) = &pc.name else { return };
    let part = name_of(rv);
    fx.table(
        parent,
        if cx.pg >= 12 {
            ShareUpdateExclusive
        } else {
            AccessExclusive
        },
    );
    fx.table(&part, AccessExclusive);
    let key_columns: Vec<String> = cx
        .catalog
        .table(parent)
        .and_then(|t| t.partitioned_by.as_ref())
        .map(|k| {
            k.keys
                .iter()
                .filter_map(|k| match k {
                    crate::schema::IndexKey::Column(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let implied = !key_columns.is_empty()
        && cx.catalog.table(&part).is_some_and(|t| {
            t.constraints.iter().any(|c| {
                c.kind == ConstraintKind::Check
                    && !c.not_valid
                    && key_columns.iter().all(|k| c.expr_columns.contains(k))
            })
        });
    let is_default = pc.bound.as_ref().is_some_and(|b| b.is_default);
    if !implied {
        for leaf in cx.leaves(&part) {
            fx.scan(&leaf);
        }
    }
    if !is_default && let Some(d) = default_partition(cx, parent) {
        // Re-checked under ACCESS EXCLUSIVE: queries on the parent that scan it wait.
        fx.table(&d, AccessExclusive);
        fx.scan(&d);
        super::push_unique(&mut fx.reads_blocked, parent);
    }
    // Indexes of the parent that the new partition lacks are built on it.
    let part_indexes: Vec<_> = cx.catalog.indexes_of(&part).collect();
    for ix in cx.catalog.indexes_of(parent) {
        let keys: Vec<&str> = ix.key_columns().collect();
        let present = part_indexes
            .iter()
            .any(|p| p.unique == ix.unique && p.key_columns().collect::<Vec<_>>() == keys);
        if !present {
            fx.scan(&part);
        }
    }
}

fn default_partition(cx: &Cx, parent: &QualifiedName) -> Option<QualifiedName> {
    cx.catalog
        .partitions_of(parent)
        .find(|p| {
            p.partition_of
                .as_ref()
                .is_some_and(|po| po.bound.kind == BoundKind::Default)
        })
        .map(|p| p.name.clone())
}

/// DETACH PARTITION: ACCESS EXCLUSIVE on parent and partition (on the partition SHARE UPDATE
/// EXCLUSIVE before 14); CONCURRENTLY (14+) only SHARE UPDATE EXCLUSIVE, outside a transaction
/// block, and not with a default partition.
fn detach_partition(cx: &Cx, parent: &QualifiedName, pc: &PartitionCmd, fx: &mut Effects) {
    let Some(rv) = &pc.name else { return };
    let part = name_of(rv);
    if pc.concurrent {
        fx.needs_no_transaction = true;
        if cx.pg < 14 {
            fx.refuse("DETACH PARTITION CONCURRENTLY needs PostgreSQL 14 or later");
        }
        if default_partition(cx, parent).is_some_and(|d| d != part) {
            fx.refuse("cannot detach partitions concurrently when a default partition exists");
        }
        fx.table(parent, ShareUpdateExclusive);
        fx.table(&part, ShareUpdateExclusive);
    } else {
        fx.table(parent, AccessExclusive);
        // Before 14 the partition itself was only locked SHARE UPDATE EXCLUSIVE (measured on
        // 12.22 and 13.23; ACCESS EXCLUSIVE on 14.23 and later); its writes wait all the same,
        // for the parent ([`Effects::writes_blocked`]), its reads do not.
        if cx.pg >= 14 {
            fx.table(&part, AccessExclusive);
        } else {
            fx.table(&part, ShareUpdateExclusive);
            super::push_unique(&mut fx.writes_blocked, &part);
        }
        if let Some(d) = default_partition(cx, parent).filter(|d| d != &part) {
            fx.table(&d, AccessExclusive);
        }
    }
}
