//! `BEGIN` / `COMMIT` / `ROLLBACK` written inside an atomic Django migration (RunSQL that
//! manages its own transaction).

use pg_query::NodeEnum;
use pg_query::protobuf::TransactionStmtKind;

use super::{Hit, StmtCtx};
use crate::parse::Statement;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some(kind) = transaction_kind(ctx.stmt) else {
        return;
    };
    let statements = &ctx.migration.statements;
    // Django wraps an atomic migration in exactly one BEGIN (first) and one COMMIT (last).
    let (Some(first), Some(last)) = (
        statements.iter().find(|s| s.node.is_ok()),
        statements.iter().rev().find(|s| s.node.is_ok()),
    ) else {
        return;
    };
    let atomic = matches!(
        transaction_kind(first),
        Some(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart)
    ) && matches!(
        transaction_kind(last),
        Some(TransactionStmtKind::TransStmtCommit)
    );
    if !atomic || std::ptr::eq(ctx.stmt, first) || std::ptr::eq(ctx.stmt, last) {
        return;
    }
    let effect = match kind {
        TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart => {
            "PostgreSQL ignores a BEGIN inside a transaction (with a warning), so the author's intended transaction boundary does not exist"
        }
        TransactionStmtKind::TransStmtCommit => {
            "it commits Django's migration transaction early: the statements after it run outside any transaction, and a later failure leaves the migration half applied"
        }
        TransactionStmtKind::TransStmtRollback => {
            "it rolls back everything the migration did so far, and the statements after it run outside any transaction"
        }
        _ => return,
    };
    let begin = first.span;
    hits.push(
        Hit::at(ctx.stmt.span)
            .label("statement")
            .var(
                "statement",
                ctx.migration.text(ctx.stmt.span).to_uppercase(),
            )
            .var("effect", effect)
            .related("begin", ctx.file, begin),
    );
}

fn transaction_kind(stmt: &Statement) -> Option<TransactionStmtKind> {
    match stmt.node() {
        Some(NodeEnum::TransactionStmt(t)) => TransactionStmtKind::try_from(t.kind).ok(),
        _ => None,
    }
}
