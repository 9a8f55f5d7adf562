//! Where `--context` files stand among the files to report. The pre-commit recipe passes the
//! whole folder as context and the staged files as targets (`--context sqlmigrate/
//! sqlmigrate/0072_x.sql`): the folder holds the targets themselves and the migrations after
//! them. A target is never also context (replayed first, it would be judged against its own
//! result: a varchar shrink against the shrunk column), and a context file that comes after a
//! target of its own folder is replayed after that target, not before it. Context files of
//! other folders keep their place before the targets (`--context old_sql/ new_sql/0042.sql`).

use std::path::{Path, PathBuf};

use crate::source::{Input, InputError, natural_cmp};

type Entry = Result<Input, InputError>;

/// The context entries and the targets in replay order, each with whether it is a target.
pub fn interleave(context: Vec<Entry>, targets: Vec<Entry>) -> Vec<(Entry, bool)> {
    // The usual run has no context: no path is resolved for it (a run may name 20,000 files).
    if context.is_empty() {
        return targets.into_iter().map(|e| (e, true)).collect();
    }
    let target_paths: Vec<(PathBuf, PathBuf)> = targets
        .iter()
        .filter_map(path_of)
        .map(|p| (identity(p), p.to_path_buf()))
        .collect();
    let is_target = |p: &Path| target_paths.iter().any(|(id, _)| *id == identity(p));
    let mut early = Vec::new();
    let mut late: Vec<Entry> = Vec::new();
    for entry in context {
        match path_of(&entry) {
            Some(p) if is_target(p) => {}
            Some(p) if target_paths.iter().any(|(_, t)| comes_after(p, t)) => late.push(entry),
            _ => early.push(entry),
        }
    }
    let mut out: Vec<(Entry, bool)> = early.into_iter().map(|e| (e, false)).collect();
    let first_target = out.len();
    out.extend(targets.into_iter().map(|e| (e, true)));
    for entry in late {
        let Some(c) = path_of(&entry).map(Path::to_path_buf) else {
            continue;
        };
        // Before the first target of its folder that sorts after it, else after the last
        // one that sorts before it.
        let same_folder =
            |(e, target): &(Entry, bool)| *target && path_of(e).is_some_and(|t| same_dir(t, &c));
        let at = out[first_target..]
            .iter()
            .position(|x| same_folder(x) && path_of(&x.0).is_some_and(|t| comes_after(t, &c)))
            .map(|i| first_target + i)
            .or_else(|| out.iter().rposition(same_folder).map(|i| i + 1))
            .unwrap_or(out.len());
        out.insert(at, (entry, false));
    }
    out
}

fn path_of(entry: &Entry) -> Option<&Path> {
    match entry {
        Ok(Input::Path(p)) => Some(p),
        _ => None,
    }
}

/// The path as the file system knows it, so that `./a/x.sql` and `a/x.sql` are one file.
fn identity(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let parent = |p: &Path| p.parent().map(identity);
    parent(a) == parent(b)
}

/// Whether `a` is in `b`'s folder and sorts after it.
fn comes_after(a: &Path, b: &Path) -> bool {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    same_dir(a, b)
        && matches!((name(a), name(b)), (Some(x), Some(y)) if natural_cmp(&x, &y).is_gt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(names: &[&str]) -> Vec<Entry> {
        names
            .iter()
            .map(|n| Ok(Input::Path(PathBuf::from(n))))
            .collect()
    }

    fn order(context: &[&str], targets: &[&str]) -> Vec<(String, bool)> {
        interleave(entries(context), entries(targets))
            .into_iter()
            .map(|(e, t)| (path_of(&e).unwrap().display().to_string(), t))
            .collect()
    }

    #[test]
    fn a_target_is_not_also_context_and_later_context_follows_it() {
        let got = order(
            &[
                "sql/0070_a.sql",
                "sql/0071_b.sql",
                "sql/0072_x.sql",
                "sql/0073_y.sql",
            ],
            &["sql/0072_x.sql"],
        );
        let want = [
            ("sql/0070_a.sql", false),
            ("sql/0071_b.sql", false),
            ("sql/0072_x.sql", true),
            ("sql/0073_y.sql", false),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(p, t)| (p.to_string(), *t)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn context_of_another_folder_stays_first() {
        let got = order(&["old_sql/0041.sql"], &["new_sql/0042.sql"]);
        assert_eq!(
            got,
            [
                ("old_sql/0041.sql".to_string(), false),
                ("new_sql/0042.sql".to_string(), true)
            ]
        );
    }

    #[test]
    fn context_between_two_targets_goes_between_them() {
        let got = order(
            &["a/0001.sql", "a/0002.sql", "a/0003.sql", "a/0004.sql"],
            &["a/0002.sql", "a/0004.sql"],
        );
        let names: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            ["a/0001.sql", "a/0002.sql", "a/0003.sql", "a/0004.sql"]
        );
        assert_eq!(
            got.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
            [false, true, false, true]
        );
    }
}
