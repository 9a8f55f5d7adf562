//! `ignore:` entries: globs relative to the configuration file, and matching a reported
//! path against them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet};

use super::Config;

#[derive(Debug, Clone)]
pub(super) struct IgnoreEntry {
    /// Globs relative to the configuration file's directory.
    pub(super) globs: GlobSet,
    /// Rule ids (families expanded); `None`: every rule.
    pub(super) rules: Option<BTreeSet<String>>,
}

/// A glob matched against paths relative to the configuration's directory: `*` stays within
/// one path segment, `**` crosses them, and a pattern without `/` matches the file name at any
/// depth (as in .gitignore).
pub(super) fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let pattern = if pattern.contains('/') {
        pattern.trim_start_matches('/').to_string()
    } else {
        format!("**/{pattern}")
    };
    GlobBuilder::new(&pattern).literal_separator(true).build()
}

impl Config {
    /// Whether the configuration's `ignore:` entries hide `rule` in the file reported as
    /// `path` (relative to the working directory, or absolute).
    pub fn ignores(&self, path: &str, rule: &str) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let candidates = self.relative_paths(path);
        self.ignore.iter().any(|e| {
            e.rules.as_ref().is_none_or(|r| r.contains(rule))
                && candidates.iter().any(|p| e.globs.is_match(p))
        })
    }

    /// The path as reported (without `./`) and, when the configuration came from a file,
    /// relative to that file's directory.
    fn relative_paths(&self, path: &str) -> Vec<PathBuf> {
        let p = Path::new(path);
        let mut out = vec![p.strip_prefix("./").unwrap_or(p).to_path_buf()];
        if let Some(base) = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .and_then(|b| std::path::absolute(b).ok())
        {
            let abs = if p.is_absolute() {
                Some(p.to_path_buf())
            } else {
                std::env::current_dir().ok().map(|d| d.join(p))
            };
            if let Some(rel) = abs
                .as_deref()
                .and_then(|a| normalize(a).strip_prefix(&base).ok().map(Path::to_path_buf))
            {
                out.push(rel);
            }
        }
        out
    }
}

/// Removes `.` and `..` components lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
