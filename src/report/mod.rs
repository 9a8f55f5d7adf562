//! Output formats. A reporter only renders; it never decides what is a finding.

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod source_code;

use std::io::{self, Write};
use std::path::Path;

use crate::advisor::FileLocks;
use crate::cli::Format;
use crate::finding::{Finding, Summary};

/// Renders findings in a format that needs nothing else (the markdown report then has no
/// locks section).
pub fn render(
    format: Format,
    findings: &[Finding],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_report(format, findings, summary, &[], out)
}

/// Renders findings; `locks` (the advisor's view of each reported file) is shown by the
/// markdown format.
pub fn render_report(
    format: Format,
    findings: &[Finding],
    summary: &Summary,
    locks: &[FileLocks],
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(findings, summary, human::Styling::for_stdout(), out),
        Format::Compact => compact::render(findings, out),
        Format::Json => json::render(findings, summary, out),
        Format::Sarif => sarif::render(findings, out),
        Format::Github => github::render(findings, summary, out),
        Format::Markdown => markdown::render(findings, summary, locks, out),
    }
}

/// The path a CI system shows and links: relative to the current directory when the file is
/// below it, without a leading `./`, with `/` separators.
pub fn repo_path(name: &str) -> String {
    let path = Path::new(name);
    let relative = if path.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| {
                let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
                let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                file.strip_prefix(&cwd)
                    .ok()
                    .map(|p| p.display().to_string())
            })
            .unwrap_or_else(|| name.to_string())
    } else {
        name.to_string()
    };
    let mut s = relative.replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

/// `2 errors, 1 warning, 0 infos in 3 files`.
pub fn summary_line(summary: &Summary) -> String {
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    format!(
        "{}, {}, {} in {}",
        n(summary.errors, "error", "errors"),
        n(summary.warnings, "warning", "warnings"),
        n(summary.infos, "info", "infos"),
        n(summary.files, "file", "files")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths_are_relative_and_slashed() {
        assert_eq!(repo_path("./shop/0001.sql"), "shop/0001.sql");
        assert_eq!(repo_path("shop\\0001.sql"), "shop/0001.sql");
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("Cargo.toml");
        assert_eq!(repo_path(&abs.display().to_string()), "Cargo.toml");
        assert_eq!(repo_path("/nowhere/x.sql"), "/nowhere/x.sql");
    }
}
