//! Finding, reading and parsing the configuration file: `.pglint.yaml`, or the `[tool.pglint]`
//! table of a `pyproject.toml`.

use std::path::{Path, PathBuf};

use super::tree::Syntax;
use super::validate::{syntax_error, validate};
use super::{Config, ConfigDiagnostic, ConfigError, FILE_NAME, PYPROJECT, toml, yaml};
use crate::rules::decl::RuleDecl;
use crate::rules::registry;

/// Loads `explicit`, or the file [`discover`] finds from the working directory upward, or
/// returns the defaults when there is none. A file named `pyproject.toml` is read for its
/// `[tool.pglint]` table; any other file is YAML.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(p) => {
            if !p.is_file() {
                return Err(ConfigError::NotFound {
                    path: p.display().to_string(),
                });
            }
            p.to_path_buf()
        }
        None => match std::env::current_dir().ok().and_then(|d| discover(&d)) {
            Some(p) => p,
            None => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path.display().to_string();
    let mut config = if is_pyproject(&path) {
        parse_pyproject(&text, &name)?
    } else {
        parse(&text, &name)?
    };
    config.path = Some(path);
    Ok(config)
}

/// The configuration file for `dir`: walking from `dir` up to the root, in each directory
/// `.pglint.yaml`, else a `pyproject.toml` with a `[tool.pglint]` table. A pyproject.toml
/// without that table is passed over (it configures other tools), but one that cannot be read
/// or is not valid TOML is returned: it may hold pglint's settings, so loading it reports why
/// it cannot be used instead of silently linting with other settings.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find_map(|d| {
        let yaml = d.join(FILE_NAME);
        if yaml.is_file() {
            return Some(yaml);
        }
        let pyproject = d.join(PYPROJECT);
        (pyproject.is_file() && may_configure_pglint(&pyproject)).then_some(pyproject)
    })
}

/// Whether the file is read as a pyproject.toml: by its name, as other tools do.
fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == PYPROJECT)
}

/// Whether `path` is a pyproject.toml that parses and has a `[tool.pglint]` table.
pub fn has_tool_table(path: &Path) -> bool {
    tool_table(path) == Some(true)
}

/// Whether a pyproject.toml has a `[tool.pglint]` table, or cannot be read or parsed to tell.
fn may_configure_pglint(path: &Path) -> bool {
    tool_table(path) != Some(false)
}

/// Whether a pyproject.toml has a `[tool.pglint]` table; `None` when it cannot be read or
/// is not valid TOML.
fn tool_table(path: &Path) -> Option<bool> {
    let text = std::fs::read_to_string(path).ok()?;
    let root = toml::parse(&text).ok()?;
    Some(toml::tool_pglint(root).is_some())
}

/// Parses and validates a `.pglint.yaml` text against the built-in rules.
pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
    parse_with(text, name, registry::rules())
}

/// Parses and validates a `.pglint.yaml` text against `rules`.
pub fn parse_with(text: &str, name: &str, rules: &[RuleDecl]) -> Result<Config, ConfigError> {
    let root = yaml::parse(text)
        .map_err(|e| ConfigError::Invalid(Box::new(syntax_error(e, text, name, Syntax::Yaml))))?;
    finish(validate(&root, text, name, Syntax::Yaml, rules), name)
}

/// Parses a `pyproject.toml` text and validates its `[tool.pglint]` table against the built-in
/// rules.
pub fn parse_pyproject(text: &str, name: &str) -> Result<Config, ConfigError> {
    parse_pyproject_with(text, name, registry::rules())
}

/// Parses a `pyproject.toml` text and validates its `[tool.pglint]` table against `rules`. The
/// rest of the file is other tools' business, but it must be valid TOML. Diagnostics point
/// into the whole text.
pub fn parse_pyproject_with(
    text: &str,
    name: &str,
    rules: &[RuleDecl],
) -> Result<Config, ConfigError> {
    let root = toml::parse(text)
        .map_err(|e| ConfigError::Invalid(Box::new(syntax_error(e, text, name, Syntax::Toml))))?;
    let Some(table) = toml::tool_pglint(root) else {
        return Err(ConfigError::NoToolTable {
            path: name.to_string(),
        });
    };
    finish(validate(&table, text, name, Syntax::Toml, rules), name)
}

fn finish(
    (config, mut errors): (Config, Vec<ConfigDiagnostic>),
    name: &str,
) -> Result<Config, ConfigError> {
    match errors.len() {
        0 => Ok(config),
        1 => Err(ConfigError::Invalid(Box::new(errors.remove(0)))),
        _ => Err(ConfigError::Many {
            name: name.to_string(),
            errors,
        }),
    }
}
