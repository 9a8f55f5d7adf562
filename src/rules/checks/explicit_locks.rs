//! Statements that lock or rewrite by design: `LOCK TABLE`, `VACUUM FULL`, `CLUSTER`,
//! `SET TABLESPACE`, `SET LOGGED` / `SET UNLOGGED`.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, RangeVar};

use super::{Hit, StmtCtx, ast};
use crate::locks::LockMode;
use crate::schema::QualifiedName;

/// `LOCK [TABLE] t [IN mode MODE]`.
pub fn lock_table(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::LockStmt(lock) = ctx.node else {
        return;
    };
    // pg_query gives the lockdefs.h number: 1 = AccessShareLock … 8 = AccessExclusiveLock.
    let mode = match lock.mode {
        1 => LockMode::AccessShare,
        2 => LockMode::RowShare,
        3 => LockMode::RowExclusive,
        4 => LockMode::ShareUpdateExclusive,
        5 => LockMode::Share,
        6 => LockMode::ShareRowExclusive,
        7 => LockMode::Exclusive,
        _ => LockMode::AccessExclusive,
    };
    let blocks = match (mode.blocks_reads(), mode.blocks_writes()) {
        (true, _) => "every read and write of it",
        (false, true) => "every INSERT, UPDATE and DELETE on it",
        _ => "other schema changes and maintenance on it",
    };
    for rv in range_vars(&lock.relations) {
        let table = QualifiedName::from_range_var(rv);
        if ctx.is_new_table(&table) {
            continue;
        }
        hits.push(
            Hit::at(ctx.range_var_span(rv))
                .label("table")
                .var("table", table.to_string())
                .var("mode", mode.as_sql())
                .var("blocks", blocks),
        );
    }
}

/// `VACUUM FULL`, `CLUSTER`, `ALTER TABLE ... SET TABLESPACE | SET LOGGED | SET UNLOGGED`.
pub fn table_rewrite_command(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let mut report = |rv: Option<&RangeVar>, command: &str, keyword: &str| {
        let table = rv.map(QualifiedName::from_range_var);
        if table.as_ref().is_some_and(|t| ctx.is_new_table(t)) {
            return;
        }
        let span = ctx.find_name(keyword, ctx.stmt.span.start);
        hits.push(Hit::at(span).label("command").var("command", command).var(
            "table",
            table.map_or_else(
                || "every table of the database".to_string(),
                |t| t.to_string(),
            ),
        ));
    };
    match ctx.node {
        NodeEnum::VacuumStmt(v) if v.is_vacuumcmd && has_option(&v.options, "full") => {
            let rels: Vec<&RangeVar> = v
                .rels
                .iter()
                .filter_map(|r| match r.node.as_ref()? {
                    NodeEnum::VacuumRelation(vr) => vr.relation.as_ref(),
                    _ => None,
                })
                .collect();
            if rels.is_empty() {
                report(None, "VACUUM FULL", "full");
            }
            for rv in rels {
                report(Some(rv), "VACUUM FULL", "full");
            }
        }
        NodeEnum::ClusterStmt(c) => report(c.relation.as_ref(), "CLUSTER", "cluster"),
        NodeEnum::AlterTableStmt(at) => {
            for cmd in ast::alter_cmds(at) {
                let (command, keyword) = if ast::is_cmd(cmd, AlterTableType::AtSetTableSpace) {
                    ("ALTER TABLE ... SET TABLESPACE", "tablespace")
                } else if ast::is_cmd(cmd, AlterTableType::AtSetLogged) {
                    ("ALTER TABLE ... SET LOGGED", "logged")
                } else if ast::is_cmd(cmd, AlterTableType::AtSetUnLogged) {
                    ("ALTER TABLE ... SET UNLOGGED", "unlogged")
                } else {
                    continue;
                };
                report(at.relation.as_ref(), command, keyword);
            }
        }
        _ => {}
    }
}

fn has_option(options: &[pg_query::protobuf::Node], name: &str) -> bool {
    options.iter().any(|o| {
        matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == name
            && !matches!(d.arg.as_deref().and_then(|a| a.node.as_ref()), Some(NodeEnum::Boolean(b)) if !b.boolval))
    })
}

fn range_vars(nodes: &[pg_query::protobuf::Node]) -> impl Iterator<Item = &RangeVar> {
    nodes.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    })
}
