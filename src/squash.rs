//! Squashed migrations that lie next to the originals they replace.
//!
//! Django names a squash `<first>_squashed_<last>` (`0001_squashed_0022_x`, or
//! `0003_appconfiguration_squashed_0005_auto_…` when squashing from a later migration); it
//! replaces its app's migrations numbered first to last. A project that still ships the
//! originals has both in one folder, and `migrate` runs one or the other, never both. Replaying
//! both into one schema makes each meet the other's tables as existing, so a squash is linted
//! against the schema as it was just before the first file it replaces, and that schema, not
//! the squash's, carries on.

use std::collections::HashMap;
use std::path::Path;

use crate::source::{Input, InputError};

/// The migration numbers a squash replaces, from its file name; `None` for any other file.
pub fn replaced_range(path: &Path) -> Option<(u64, u64)> {
    let stem = path.file_stem()?.to_str()?;
    let first = leading_number(stem)?;
    // The last marker: the first migration's own name may be an older squash's.
    let (_, after) = stem.rsplit_once("_squashed_")?;
    let last = leading_number(after)?;
    (first <= last).then_some((first, last))
}

/// The number a migration name starts with (`0012_x` → 12).
fn leading_number(name: &str) -> Option<u64> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    name.get(..digits)?.parse().ok()
}

/// For a list of inputs in replay order, what a squash needs: the position at which the
/// schema is set aside for it (the first of it and the files it replaces), and for each such
/// position the squashes whose snapshot is taken there.
#[derive(Debug, Default)]
pub struct Schedule {
    /// squash position → position before which its schema is taken.
    snapshot_at: HashMap<usize, usize>,
    /// The squashes every migration of which lies beside them: whatever they do is done, and
    /// reported, in those files.
    covered: std::collections::HashSet<usize>,
}

impl Schedule {
    /// Finds the squashes among `inputs` that have at least one replaced file beside them
    /// (same folder, number in range; an older squash in range counts as replaced too). A
    /// squash alone is not in the schedule: it is linted like any other file.
    pub fn of(inputs: &[Result<Input, InputError>]) -> Schedule {
        let squashes: Vec<(usize, &Path, (u64, u64))> = inputs
            .iter()
            .enumerate()
            .filter_map(|(at, i)| {
                let path = path_of(i)?;
                Some((at, path, replaced_range(path)?))
            })
            .collect();
        let mut snapshot_at = HashMap::new();
        let mut covered = std::collections::HashSet::new();
        if squashes.is_empty() {
            return Schedule {
                snapshot_at,
                covered,
            };
        }
        // Folder → (position, number) of each numbered file in it, so the search is per folder.
        let mut numbered: HashMap<&Path, Vec<(usize, u64)>> = HashMap::new();
        for (at, input) in inputs.iter().enumerate() {
            let Some(path) = path_of(input) else { continue };
            let number = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(leading_number);
            if let (Some(folder), Some(number)) = (path.parent(), number) {
                numbered.entry(folder).or_default().push((at, number));
            }
        }
        for (squash, path, (first, last)) in squashes {
            let Some(siblings) = path.parent().and_then(|f| numbered.get(f)) else {
                continue;
            };
            let replaced = siblings
                .iter()
                .filter(|&&(at, n)| at != squash && (first..=last).contains(&n))
                .map(|&(at, _)| at);
            if let Some(earliest) = replaced.min() {
                snapshot_at.insert(squash, earliest.min(squash));
            }
            // Each number in range is a file beside it, or inside an older squash beside it
            // that it replaces.
            let spans: Vec<(u64, u64)> = siblings
                .iter()
                .filter(|&&(at, _)| at != squash)
                .map(|&(at, n)| {
                    path_of(&inputs[at])
                        .and_then(replaced_range)
                        .unwrap_or((n, n))
                })
                .filter(|&(a, b)| first <= a && b <= last)
                .collect();
            if (first..=last).all(|n| spans.iter().any(|&(a, b)| (a..=b).contains(&n))) {
                covered.insert(squash);
            }
        }
        Schedule {
            snapshot_at,
            covered,
        }
    }

    /// Whether every migration the squash at `squash` replaces is among the inputs: its
    /// operations are theirs, reported there (Django runs the squash only where none of them
    /// ran, a database that does not have their tables yet).
    pub fn is_covered(&self, squash: usize) -> bool {
        self.covered.contains(&squash)
    }

    /// How many squashes are covered (see [`Schedule::is_covered`]).
    pub fn covered_count(&self) -> usize {
        self.covered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshot_at.is_empty()
    }

    /// Where the schema for the squash at `squash` is set aside, if it is a scheduled squash.
    pub fn snapshot_for(&self, squash: usize) -> Option<usize> {
        self.snapshot_at.get(&squash).copied()
    }

    /// The squashes whose schema is set aside just before the file at `position` is replayed.
    pub fn snapshots_before(&self, position: usize) -> impl Iterator<Item = usize> + '_ {
        self.snapshot_at
            .iter()
            .filter(move |&(_, &at)| at == position)
            .map(|(&squash, _)| squash)
    }
}

fn path_of(input: &Result<Input, InputError>) -> Option<&Path> {
    match input {
        Ok(Input::Path(p)) => Some(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn reads_djangos_squash_names() {
        let range = |name: &str| replaced_range(Path::new(name));
        assert_eq!(range("app/0001_squashed_0022_x.sql"), Some((1, 22)));
        assert_eq!(
            range("pretixdroid/0003_appconfiguration_squashed_0005_auto_20180106_2122.sql"),
            Some((3, 5))
        );
        // A squash of a squash: the range ends at the last marker's number.
        assert_eq!(
            range("0001_squashed_0022_x_squashed_0030_y.sql"),
            Some((1, 30))
        );
        assert_eq!(range("app/0001_initial.sql"), None);
        assert_eq!(range("app/squashed_0002.sql"), None);
        assert_eq!(range("app/0001_squashed_x.sql"), None);
        assert_eq!(range("app/0005_squashed_0002.sql"), None);
    }

    fn inputs(names: &[&str]) -> Vec<Result<Input, InputError>> {
        names
            .iter()
            .map(|n| Ok(Input::Path(PathBuf::from(n))))
            .collect()
    }

    #[test]
    fn a_squash_takes_the_schema_before_the_first_file_it_replaces() {
        let s = Schedule::of(&inputs(&[
            "a/0001_initial.sql",
            "a/0001_squashed_0002_x.sql",
            "a/0002_x.sql",
            "a/0003_y.sql",
            "b/0001_squashed_0002_z.sql",
            "b/0001_z.sql",
        ]));
        assert_eq!(s.snapshot_for(1), Some(0));
        // Sorted before its originals: the schema where it stands.
        assert_eq!(s.snapshot_for(4), Some(4));
        assert_eq!(s.snapshots_before(0).collect::<Vec<_>>(), vec![1]);
        assert_eq!(s.snapshot_for(3), None);
        // Both of a/'s originals are there; only one of b/'s.
        assert!(s.is_covered(1));
        assert!(!s.is_covered(4));
    }

    #[test]
    fn an_older_squash_covers_the_numbers_it_replaces() {
        let s = Schedule::of(&inputs(&[
            "a/0001_squashed_0003_x.sql",
            "a/0004_y.sql",
            "a/0001_squashed_0003_x_squashed_0004_y.sql",
        ]));
        assert!(s.is_covered(2));
        assert!(!s.is_covered(0), "its originals 0001-0003 are not there");
    }

    #[test]
    fn a_squash_alone_or_in_another_folder_is_not_scheduled() {
        let s = Schedule::of(&inputs(&[
            "a/0001_initial.sql",
            "b/0001_squashed_0002_x.sql",
            "b/0003_y.sql",
        ]));
        assert!(s.is_empty());
    }
}
