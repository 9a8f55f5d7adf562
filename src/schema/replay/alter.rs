//! ALTER TABLE: column, constraint and partition subcommands, recursing into partitions
//! unless ONLY is given.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, AlterTableType as At, ObjectType as Ot};

use super::cascade;
use super::constraint::{add_constraint, add_constraints, drop_constraint, drop_fks_referencing};
use super::create::{column_def, identity_kind};
use super::index::{attach_index, remove_index};
use super::partition::{attach_partition, detach_partition, with_partitions};
use crate::schema::expr::expr_text;
use crate::schema::types::normalize;
use crate::schema::{Catalog, Column, Identity, Origin, QualifiedName};

pub(super) fn alter_table(cat: &mut Catalog, s: &pb::AlterTableStmt, origin: Origin) {
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
                    crate::growth::push_gently(&mut tab.columns, col, 1);
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
