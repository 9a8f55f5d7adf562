//! Inline suppressions: `-- pglint: ignore[rule-id, ...] reason` and `ignore-file[...]`.
//! (Placeholder interface; the full implementation replaces it.)

use crate::finding::Finding;
use crate::parse::Migration;
use crate::rules::Engine;

pub fn apply(_engine: &Engine, _m: &Migration, findings: Vec<Finding>) -> Vec<Finding> {
    findings
}
