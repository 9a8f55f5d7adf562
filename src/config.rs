//! `.pglint.yaml`: pg_version, fail_on, per-rule levels and options, per-path ignores.
//! (Minimal placeholder interface; the full loader with located errors replaces it.)

use std::path::Path;

use miette::Diagnostic;
use thiserror::Error;

use crate::cli::FailOn;
use crate::rules::Settings;

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub pg_version: Option<u32>,
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
}

pub fn load(_explicit: Option<&Path>) -> Result<Config, ConfigError> {
    Ok(Config::default())
}

impl Config {
    pub fn settings(
        &self,
        _select: &[String],
        _ignore: &[String],
        pg_version: Option<u32>,
    ) -> Result<Settings, ConfigError> {
        Ok(Settings {
            pg_version: pg_version
                .or(self.pg_version)
                .unwrap_or(crate::rules::DEFAULT_PG_VERSION),
            ..Settings::default()
        })
    }

    pub fn ignores(&self, _path: &str, _rule: &str) -> bool {
        false
    }
}

/// What `pglint init` writes.
pub const STARTER: &str =
    "# pglint configuration\npg_version: 15\nfail_on: warning\nrules: {}\nignore: []\n";
