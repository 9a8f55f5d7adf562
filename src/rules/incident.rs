//! One hazard, one finding. Some statements set off several rules that describe one incident:
//! Django's deferred `CREATE INDEX` after an `ADD COLUMN` is an index build (SHARE lock, writes
//! wait) done while the transaction already holds ACCESS EXCLUSIVE on the table (reads wait
//! too). The fuller story is kept and the partial ones folded into it, per migration file,
//! after suppressions (so silencing one rule on a statement still leaves the other).

use crate::finding::{Finding, Related, Text};
use crate::locks::LockMode;
use crate::rules::template::fill;

/// The rule of slow work under a held ACCESS EXCLUSIVE lock.
const HELD: &str = "access-exclusive-then-slow";

/// Rules whose finding on a statement is a part of [`HELD`]'s story on the same statement and
/// table: their lock is weaker than the ACCESS EXCLUSIVE already held.
const PART_OF_HELD: &[&str] = &["index-not-concurrent", "fk-without-not-valid"];

fn table(f: &Finding) -> Option<&str> {
    match &f.text {
        Text::Rule { vars, .. } => vars.iter().find(|(k, _)| *k == "table").map(|(_, v)| &**v),
        Text::Given(_) => None,
    }
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

/// Folds one file's findings (see the module docs).
pub fn fold(mut findings: Vec<Finding>) -> Vec<Finding> {
    if !findings.iter().any(|f| f.rule == HELD) {
        return findings;
    }
    // The held lock's story covers the weaker lock taken by the same statement.
    let held: Vec<(usize, String)> = findings
        .iter()
        .filter(|f| f.rule == HELD)
        .filter_map(|f| Some((f.statement, table(f)?.to_string())))
        .collect();
    findings.retain(|f| {
        !(PART_OF_HELD.contains(&f.rule)
            && table(f).is_some_and(|t| held.iter().any(|(s, h)| *s == f.statement && h == t)))
    });
    // Slow work under a lock that a statement in between (or the one that took it) is
    // already reported for, as blocking reads and writes of the table, belongs to that
    // finding: the lock it extends is that one.
    let mut i = 0;
    while i < findings.len() {
        let f = &findings[i];
        let owner = (f.rule == HELD)
            .then(|| {
                let lock = f.related.first()?;
                let t = table(f)?;
                // The latest such statement: the lock was last taken, and reported, there.
                (0..findings.len()).rev().find(|&j| {
                    let o = &findings[j];
                    o.rule != HELD
                        && blocks_all(o)
                        && o.statement_span.start >= lock.span.start
                        && o.statement < f.statement
                        && o.file.name == lock.file.name
                        && table(o) == Some(t)
                })
            })
            .flatten();
        match owner {
            Some(o) => {
                let folded = findings.remove(i);
                let o = if o > i { o - 1 } else { o };
                let label = match &folded.text {
                    Text::Rule { decl, vars, .. } => decl
                        .labels
                        .get("still")
                        .map(|t| fill(t, vars))
                        .unwrap_or_default(),
                    Text::Given(_) => String::new(),
                };
                findings[o].related.push(Related {
                    file: folded.file.clone(),
                    span: folded.span,
                    label,
                });
            }
            None => i += 1,
        }
    }
    findings
}
