//! Small readers over pg_query's typed nodes, shared by the checks.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, ConstrType, Constraint,
};

pub use crate::schema::{qualified, strings};

/// The subcommands of an ALTER TABLE.
pub fn alter_cmds(stmt: &AlterTableStmt) -> impl Iterator<Item = &AlterTableCmd> {
    stmt.cmds.iter().filter_map(|c| match c.node.as_ref()? {
        NodeEnum::AlterTableCmd(cmd) => Some(cmd.as_ref()),
        _ => None,
    })
}

pub fn is_cmd(cmd: &AlterTableCmd, t: AlterTableType) -> bool {
    cmd.subtype == t as i32
}

/// The constraint an `ADD CONSTRAINT` subcommand adds.
pub fn added_constraint(cmd: &AlterTableCmd) -> Option<&Constraint> {
    if !is_cmd(cmd, AlterTableType::AtAddConstraint) {
        return None;
    }
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::Constraint(c) => Some(c),
        _ => None,
    }
}

/// The column an `ADD COLUMN` subcommand adds.
pub fn added_column(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    if !is_cmd(cmd, AlterTableType::AtAddColumn) {
        return None;
    }
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnDef(c) => Some(c),
        _ => None,
    }
}

/// Constraints written inline on a column definition.
pub fn column_constraints(col: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    col.constraints
        .iter()
        .filter_map(|c| match c.node.as_ref()? {
            NodeEnum::Constraint(k) => Some(k.as_ref()),
            _ => None,
        })
}

pub fn is_constraint(c: &Constraint, t: ConstrType) -> bool {
    c.contype == t as i32
}
