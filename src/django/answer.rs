//! Whether the helper's answer covers the request: each target answered once, by the
//! migration its file holds, and nothing answered that was not asked. The helper runs inside
//! the project's process, whose code can patch Django under it; a migration left out must be
//! an error, never a clean report of fewer files.

use std::path::Path;

use super::Target;
use super::helper::Answer;

/// The index of the target `path` (as the helper spells it: a real path) names.
pub(super) fn target_index(targets: &[Target], path: &str) -> Option<usize> {
    let path = Path::new(path);
    targets
        .iter()
        .position(|t| t.canonical == path)
        .or_else(|| {
            let canonical = std::fs::canonicalize(path).ok()?;
            targets.iter().position(|t| t.canonical == canonical)
        })
}

/// What is wrong with `answer` as the answer to `targets`, one error a migration.
pub(super) fn gaps(answer: &Answer, targets: &[Target]) -> Vec<String> {
    let mut errors = Vec::new();
    let mut answers = vec![0usize; targets.len()];
    let paths = answer
        .unresolved
        .iter()
        .map(|u| &u.path)
        .chain(answer.skipped.iter().map(|s| &s.path));
    for path in paths {
        match target_index(targets, path) {
            Some(i) => answers[i] += 1,
            None => errors.push(format!(
                "{path}: the Django helper answered for this file, which was not asked"
            )),
        }
    }
    for m in answer.migrations.iter().filter(|m| m.target) {
        match m.path.as_deref().and_then(|p| target_index(targets, p)) {
            Some(i) => {
                answers[i] += 1;
                let t = &targets[i];
                // Django names a migration after its module's file.
                if t.canonical.file_stem().is_none_or(|stem| *stem != *m.name) {
                    errors.push(format!(
                        "{}: the Django helper answered with migration {}.{}, which is not \
                         this file's",
                        t.shown, m.app, m.name
                    ));
                }
            }
            None => errors.push(format!(
                "{}: the Django helper answered for migration {}.{}, which was not asked",
                m.display, m.app, m.name
            )),
        }
    }
    for (t, n) in targets.iter().zip(answers) {
        match n {
            1 => {}
            // The helper's error says why it stopped before some of them.
            0 if answer.error.is_some() => {}
            0 => errors.push(format!(
                "{}: the Django helper's answer has nothing for this migration: it was not \
                 linted",
                t.shown
            )),
            n => errors.push(format!(
                "{}: the Django helper answered {n} times for this migration",
                t.shown
            )),
        }
    }
    errors
}
