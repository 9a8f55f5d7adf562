//! The Mermaid `gantt` chart of one migration, with line numbers as the time axis: one section
//! (lane) per table that existed before the migration, one bar per lock from the line of the
//! statement that takes it to the line that releases it (COMMIT in an atomic migration), tagged
//! by what it blocks — `crit` (red): reads and writes, `active` (blue): writes, untagged
//! (grey): neither — and milestones for scans and rewrites (`crit` for rewrites).
//!
//! Names from SQL pass through [`label`], which keeps letters, digits and a few safe
//! punctuation marks and replaces everything else (quotes, `:`, `#`, `;`, `%`, newlines, …)
//! with `_`, so no identifier can break the chart's syntax.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::timeline::{FileLocks, is_table_like};
use crate::schema::QualifiedName;

/// The chart, or `None` when no table that existed before is locked.
pub fn diagram(f: &FileLocks) -> Option<String> {
    let mut lanes: Vec<(&QualifiedName, Vec<String>)> = Vec::new();
    let mut lane_at: HashMap<&QualifiedName, usize> = HashMap::new();
    for row in &f.rows {
        for lock in row.locks.iter().filter(|l| !l.new && is_table_like(l.kind)) {
            let i = *lane_at.entry(&lock.relation).or_insert_with(|| {
                lanes.push((&lock.relation, Vec::new()));
                lanes.len() - 1
            });
            let lane = &mut lanes[i].1;
            let (tag, blocks) = match (lock.mode.blocks_reads(), lock.mode.blocks_writes()) {
                (true, _) => ("crit, ", "blocks reads and writes"),
                (false, true) => ("active, ", "blocks writes"),
                (false, false) => ("", "blocks neither"),
            };
            // A bar needs a length: a lock taken and released on one line spans that line.
            let end = row.held_until_line.max(row.line + 1);
            lane.push(format!(
                "L{} {} - {blocks} :{tag}{}, {end}",
                row.line,
                lock.mode.as_sql(),
                row.line
            ));
            if lock.rewrite {
                lane.push(format!(
                    "L{} rewrite :crit, milestone, {}, {}",
                    row.line, row.line, row.line
                ));
            }
            if lock.scan {
                lane.push(format!(
                    "L{} scan :milestone, {}, {}",
                    row.line, row.line, row.line
                ));
            }
        }
    }
    if lanes.is_empty() {
        return None;
    }
    let mut out = String::new();
    out.push_str("gantt\n");
    let _ = writeln!(out, "    title Locks of {} by line", label(&f.path));
    out.push_str("    dateFormat X\n    axisFormat %s\n    todayMarker off\n");
    for (relation, tasks) in lanes {
        let _ = writeln!(out, "    section {}", label(&relation.to_string()));
        for task in tasks {
            let _ = writeln!(out, "    {task}");
        }
    }
    Some(out)
}

/// `text` made safe for a Mermaid gantt title, section or task name: letters, digits (any
/// script), space and `_ . - / $ ( ) +` are kept, anything else becomes `_`.
pub fn label(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric()
                || matches!(c, ' ' | '_' | '.' | '-' | '/' | '$' | '(' | ')' | '+')
            {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = out.trim();
    if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed.to_string()
    }
}
