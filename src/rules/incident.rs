//! One hazard, one finding. Some statements set off several rules that describe one incident:
//! Django's deferred `CREATE INDEX` after an `ADD COLUMN` is an index build (SHARE lock, writes
//! wait) done while the transaction already holds ACCESS EXCLUSIVE on the table (reads wait
//! too). The fuller story is kept and the partial ones folded into it, per migration file,
//! after suppressions (so silencing one rule on a statement still leaves the other).

use crate::finding::{Finding, Related, Text};
use crate::locks::LockMode;
use crate::parse::{Migration, NodeEnum};
use crate::rules::group::list;
use crate::rules::template::fill;

/// The rule of slow work under a held ACCESS EXCLUSIVE lock.
const HELD: &str = "access-exclusive-then-slow";

/// The placeholder in which [`HELD`]'s check lists the locked tables, one a line (its `table`
/// is the same list in words).
pub const HELD_TABLES: &str = "held_tables";

/// Rules whose finding on a statement is a part of [`HELD`]'s story on the same statement and
/// table: their lock is weaker than the ACCESS EXCLUSIVE already held.
const PART_OF_HELD: &[&str] = &["index-not-concurrent", "fk-without-not-valid"];

fn held_tables(f: &Finding) -> Vec<String> {
    f.var(HELD_TABLES)
        .map_or_else(Vec::new, |t| t.lines().map(str::to_string).collect())
}

/// Whether the finding's rule states that its statement takes ACCESS EXCLUSIVE on its table.
fn blocks_all(f: &Finding) -> bool {
    match &f.text {
        Text::Rule { decl, .. } => decl
            .locks
            .as_ref()
            .is_some_and(|l| l.mode == LockMode::AccessExclusive),
        Text::Given(_) => false,
    }
}

/// The transaction block of each statement of `m` (a number that changes at every `BEGIN`,
/// `COMMIT` and `ROLLBACK`).
fn blocks(m: &Migration) -> Vec<usize> {
    let mut block = 0;
    m.statements
        .iter()
        .map(|s| {
            if let Some(NodeEnum::TransactionStmt(_)) = s.node() {
                block += 1;
            }
            block
        })
        .collect()
}

/// Folds one file's findings (see the module docs).
pub fn fold(mut findings: Vec<Finding>, m: &Migration) -> Vec<Finding> {
    if !findings.iter().any(|f| f.rule == HELD) {
        return findings;
    }
    // The held lock's story covers the weaker lock taken by the same statement.
    let held: Vec<(usize, Vec<String>)> = findings
        .iter()
        .filter(|f| f.rule == HELD)
        .map(|f| (f.statement, held_tables(f)))
        .collect();
    findings.retain(|f| {
        !(PART_OF_HELD.contains(&f.rule)
            && f.var("table").is_some_and(|t| {
                held.iter()
                    .any(|(s, tables)| *s == f.statement && tables.iter().any(|h| h == t))
            }))
    });
    // A table whose lock a statement of the same transaction (after the lock was taken) is
    // already reported for, as blocking its reads and writes, belongs to that finding: the
    // lock held until COMMIT is the same one.
    let block = blocks(m);
    let block_of = |f: &Finding| block.get(f.statement).copied();
    let mut i = 0;
    while i < findings.len() {
        if findings[i].rule != HELD {
            i += 1;
            continue;
        }
        let Some(lock) = findings[i].related.first().cloned() else {
            i += 1;
            continue;
        };
        let mut kept = Vec::new();
        for table in held_tables(&findings[i]) {
            let owner = (0..findings.len()).rev().find(|&j| {
                let o = &findings[j];
                j != i
                    && o.rule != HELD
                    && blocks_all(o)
                    && o.var("table") == Some(table.as_str())
                    && o.file.name == lock.file.name
                    && o.statement_span.start >= lock.span.start
                    && block_of(o) == block_of(&findings[i])
            });
            match owner {
                // The statement's own finding tells it: it blocks the table itself.
                Some(j) if findings[j].statement == findings[i].statement => {}
                Some(j) => {
                    let label = still_locked(&findings[i], &table);
                    let (file, span) = (findings[i].file.clone(), findings[i].span);
                    findings[j].related.push(Related { file, span, label });
                }
                None => kept.push(table),
            }
        }
        if kept.is_empty() {
            findings.remove(i);
            continue;
        }
        if let Text::Rule { vars, .. } = &mut findings[i].text {
            for (k, v) in vars.iter_mut() {
                match *k {
                    "table" => *v = list(&kept),
                    HELD_TABLES => *v = kept.join("\n"),
                    _ => {}
                }
            }
        }
        i += 1;
    }
    findings
}

/// The label that says `table` is still locked while the slow work of `slow` runs.
fn still_locked(slow: &Finding, table: &str) -> String {
    match &slow.text {
        Text::Rule { decl, vars, .. } => {
            let vars: Vec<(&'static str, String)> = vars
                .iter()
                .map(|(k, v)| match *k {
                    "table" => (*k, table.to_string()),
                    _ => (*k, v.clone()),
                })
                .collect();
            decl.labels
                .get("still")
                .map(|t| fill(t, &vars))
                .unwrap_or_default()
        }
        Text::Given(_) => String::new(),
    }
}
