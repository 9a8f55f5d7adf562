//! Locks held across statements: slow work after an ACCESS EXCLUSIVE lock in the same
//! transaction, Python run while locks are held, strong locks taken with no lock_timeout.

use pg_query::NodeEnum;

use super::{Hit, StmtCtx};
use crate::locks::LockMode;
use crate::rules::history::{existed_before, is_slow};

/// Slow work while an earlier statement of the same transaction holds ACCESS EXCLUSIVE on an
/// existing table: the table stays locked for all of it. One hit per locked table at each
/// slow statement; the engine reports them all, for one migration, as one finding, and drops
/// the hit when the statement's own finding already says it blocks that table (see
/// `crate::rules::incident`).
pub fn access_exclusive_then_slow(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let existing = |t: &crate::schema::QualifiedName| existed_before(ctx.catalog, ctx.file, t);
    if !ctx.stmt.in_transaction || !is_slow(ctx.node, ctx.effects, existing) {
        return;
    }
    let mut work = None;
    for held in ctx
        .history
        .held
        .iter()
        .filter(|h| h.mode == LockMode::AccessExclusive)
    {
        let (work, then) = work.get_or_insert_with(|| slow_work(ctx));
        // A statement that locks the table ACCESS EXCLUSIVE itself blocks it whatever came
        // before: committing between the two does not help, making it cheap does.
        let fix = match ctx.effects.mode_of(&held.table) {
            Some(LockMode::AccessExclusive) if !ctx.effects.rewrites.is_empty() => {
                SELF_REWRITE.to_string()
            }
            Some(LockMode::AccessExclusive) => SELF_SCAN.to_string(),
            _ => then.to_string(),
        };
        let table = held.table.to_string();
        // "Split the migration" cannot split one operation: Django's AddField with
        // db_index=True emits the ADD COLUMN and, deferred, its index.
        let origin = |s: &crate::parse::Statement| s.operation.or(s.deferred_from);
        let one_operation = ctx
            .migration
            .statements
            .get(held.statement)
            .and_then(origin)
            .is_some_and(|op| origin(ctx.stmt) == Some(op));
        let django_fix = if one_operation { ONE_OPERATION } else { SPLIT };
        hits.push(
            Hit::at(first_line(ctx))
                .label("slow")
                .var("django_fix", django_fix)
                // The locked table, for the engine (see `crate::rules::incident`).
                .var(crate::rules::incident::HELD_TABLES, table.clone())
                .var("table", table)
                .var("work", work.clone())
                .var("fix", fix)
                .related("lock", ctx.file, held.span),
        );
    }
}

const SPLIT: &str = "Split the migration in two (the quick operations in the first), or make it atomic = False; Django's deferred SQL (the indexes and foreign keys of AddField/CreateModel) runs at the end of the same transaction as the ALTER TABLE";
const ONE_OPERATION: &str = "The lock and the slow work come from one operation, which no split of the migration separates: use SeparateDatabaseAndState to apply the field in the state and run the quick ALTER here, and move the slow part to a migration of its own with atomic = False (for an index: AddIndexConcurrently of a Meta.indexes index, RunSQL('CREATE INDEX CONCURRENTLY ...') for one of db_index=True or a ForeignKey; for a constraint: AddConstraintNotValid, then ValidateConstraint)";
const SELF_REWRITE: &str = "avoid its rewrite, since it locks the table ACCESS EXCLUSIVE itself and a commit alone does not help: add a new column, backfill it in batches and switch over";
const SELF_SCAN: &str = "make it cheap, since it locks the table ACCESS EXCLUSIVE itself for its scan and a commit alone does not help: add a CHECK or foreign key NOT VALID and validate it in a later transaction, and SET NOT NULL only after a validated CHECK";

/// What the slow statement does, in words, and what to do with it once the quick change is
/// committed on its own.
fn slow_work(ctx: &StmtCtx<'_>) -> (String, &'static str) {
    const CONCURRENTLY: &str = "build the index with CREATE INDEX CONCURRENTLY in a migration of its own, outside a transaction block";
    const NOT_VALID: &str =
        "add the foreign key NOT VALID and VALIDATE CONSTRAINT it in a later transaction";
    const ROWS: &str = "change the rows in a later transaction, in batches";
    const ALONE: &str = "run this statement in a transaction of its own";
    let other = || {
        let work = generic_work(ctx);
        let fix = if work == "changes rows" { ROWS } else { ALONE };
        (work.to_string(), fix)
    };
    match ctx.node {
        NodeEnum::IndexStmt(ix) => {
            let name = if ix.idxname.is_empty() {
                "builds an index".to_string()
            } else {
                format!("builds index {}", ix.idxname)
            };
            (name, CONCURRENTLY)
        }
        NodeEnum::AlterTableStmt(at) => {
            let fk = at.cmds.iter().find_map(|c| match c.node.as_ref() {
                Some(NodeEnum::AlterTableCmd(cmd)) => match cmd.def.as_ref()?.node.as_ref()? {
                    NodeEnum::Constraint(con)
                        if con.contype == pg_query::protobuf::ConstrType::ConstrForeign as i32
                            && !con.skip_validation =>
                    {
                        Some(con.conname.clone())
                    }
                    _ => None,
                },
                _ => None,
            });
            match fk {
                Some(name) if !name.is_empty() => (
                    format!("validates foreign key {name} row by row"),
                    NOT_VALID,
                ),
                Some(_) => ("validates a foreign key row by row".to_string(), NOT_VALID),
                None => other(),
            }
        }
        _ => other(),
    }
}

fn generic_work(ctx: &StmtCtx<'_>) -> &'static str {
    if matches!(
        ctx.node,
        NodeEnum::InsertStmt(_) | NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_)
    ) {
        "changes rows"
    } else if !ctx.effects.rewrites.is_empty() {
        "rewrites a table"
    } else if !ctx.effects.scans.is_empty() {
        "scans a whole table"
    } else {
        "changes rows"
    }
}

/// A `-- Raw Python operation` (RunPython) in an atomic migration after a statement that took a
/// lock stronger than ROW EXCLUSIVE on an existing table: the lock is held while Python runs.
pub fn runpython_holds_locks(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    if !ctx.stmt.in_transaction {
        return;
    }
    let between = ctx.history.previous_end..ctx.stmt.span.start;
    let Some(op) = ctx
        .migration
        .operations
        .iter()
        .find(|o| o.not_sql && between.contains(&o.span.start))
    else {
        return;
    };
    let Some(held) = ctx.history.held_at_least(LockMode::ShareUpdateExclusive) else {
        return;
    };
    hits.push(
        Hit::at(op.span)
            .label("python")
            .var("table", held.table.to_string())
            .var("mode", held.mode.as_sql())
            .var("blocks", blocks_text(held.mode))
            .related("lock", ctx.file, held.span),
    );
}

/// The first statement of a file that takes ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE on an
/// existing table with no `SET lock_timeout` before it.
pub fn missing_lock_timeout(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    if ctx.options.bool("assume_set")
        || ctx.history.lock_timeout_set
        || ctx.history.strong_lock_taken
    {
        return;
    }
    if let NodeEnum::VariableSetStmt(_) = ctx.node {
        return;
    }
    let strong = ctx.effects.locks.iter().find(|l| {
        l.kind.is_table_level()
            && matches!(
                l.mode,
                LockMode::AccessExclusive | LockMode::ShareRowExclusive
            )
            && !ctx.effects.creates.contains(&l.relation)
            && existed_before(ctx.catalog, ctx.file, &l.relation)
    });
    let Some(lock) = strong else { return };
    hits.push(
        Hit::at(ctx.find_name(&lock.relation.name, ctx.stmt.span.start))
            .label("lock")
            .var("table", lock.relation.to_string())
            .var("mode", lock.mode.as_sql())
            .var("blocks", blocks_text(lock.mode)),
    );
}

fn blocks_text(mode: LockMode) -> &'static str {
    match (mode.blocks_reads(), mode.blocks_writes()) {
        (true, _) => "reads and writes",
        (false, true) => "writes",
        _ => "schema changes",
    }
}

/// The statement's first line, for a label that does not cover a whole multi-line statement.
fn first_line(ctx: &StmtCtx<'_>) -> crate::span::Span {
    let text = ctx.migration.text(ctx.stmt.span);
    let len = text.find('\n').unwrap_or(text.len());
    crate::span::Span::new(ctx.stmt.span.start, ctx.stmt.span.start + len)
}
