//! Finding, reading and parsing the configuration file.

use super::validate::validate;
use super::{Config, ConfigError, FILE_NAME};
use crate::rules::decl::RuleDecl;
use crate::rules::registry;
use std::path::{Path, PathBuf};

/// Loads `explicit`, or the nearest `.pglint.yaml` from the working directory upward, or
/// returns the defaults when there is none.
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
    let mut config = parse(&text, &path.display().to_string())?;
    config.path = Some(path);
    Ok(config)
}

/// The nearest `.pglint.yaml` in `dir` or one of its ancestors.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Parses and validates a configuration text against the built-in rules.
pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
    parse_with(text, name, registry::rules())
}

/// Parses and validates a configuration text against `rules`.
pub fn parse_with(text: &str, name: &str, rules: &[RuleDecl]) -> Result<Config, ConfigError> {
    let (config, mut errors) = validate(text, name, rules);
    match errors.len() {
        0 => Ok(config),
        1 => Err(ConfigError::Invalid(Box::new(errors.remove(0)))),
        _ => Err(ConfigError::Many {
            name: name.to_string(),
            errors,
        }),
    }
}
