//! Building the run's rule [`Settings`] from the configuration and the CLI's `--select`,
//! `--ignore` and `--pg-version`.

use super::names::{Target, resolve, unknown_rule_help};
use super::{Config, ConfigError};
use crate::finding::Level;
use crate::rules::decl::RuleDecl;
use crate::rules::options::RuleOptions;
use crate::rules::{Settings, registry};

impl Config {
    /// The rule settings for this run: the file's levels and options, then the CLI's
    /// `--select` / `--ignore` and `--pg-version`.
    pub fn settings(
        &self,
        select: &[String],
        ignore: &[String],
        pg_version: Option<u32>,
    ) -> Result<Settings, ConfigError> {
        let (settings, warnings) =
            self.settings_with(registry::rules(), select, ignore, pg_version)?;
        for w in warnings {
            crate::report::inert::eprint_message(&format!("pglint: warning: {w}"));
        }
        Ok(settings)
    }

    /// [`Config::settings`] against `rules`; also returns warnings about renamed ids.
    pub fn settings_with(
        &self,
        rules: &[RuleDecl],
        select: &[String],
        ignore: &[String],
        pg_version: Option<u32>,
    ) -> Result<(Settings, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let mut settings = Settings {
            pg_version: pg_version
                .or(self.pg_version)
                .unwrap_or(crate::rules::DEFAULT_PG_VERSION),
            ..Settings::default()
        };
        for (id, level) in &self.levels {
            settings.levels.insert(id.clone(), *level);
        }
        for (id, values) in &self.options {
            let Some(rule) = rules.iter().find(|r| &r.id == id) else {
                continue;
            };
            let mut opts = RuleOptions::defaults(rule);
            for (k, v) in values {
                opts.set(k, v.clone());
            }
            settings.options.insert(id.clone(), opts);
        }
        let select = cli_targets(rules, "--select", select, &mut warnings)?;
        let ignore = cli_targets(rules, "--ignore", ignore, &mut warnings)?;
        if !select.is_empty() {
            for rule in rules {
                let chosen = select.iter().find(|t| t.covers(rule));
                match chosen {
                    // Named by id: run it even when it is off by default or in the file.
                    Some(Target::Rule { .. }) => {
                        if settings.level(rule) == Level::Off {
                            settings.levels.insert(rule.id.clone(), Level::Warning);
                        }
                    }
                    Some(Target::Family(_)) => {}
                    // `core` rules (syntax errors, suppression mistakes) are about pglint's
                    // input, not a family of checks: --select leaves them on.
                    None if rule.family == "core" => {}
                    None => {
                        settings.levels.insert(rule.id.clone(), Level::Off);
                    }
                }
            }
        }
        for t in ignore {
            for rule in t.rules(rules) {
                settings.levels.insert(rule.id.clone(), Level::Off);
            }
        }
        Ok((settings, warnings))
    }
}

fn cli_targets<'r>(
    rules: &'r [RuleDecl],
    flag: &'static str,
    names: &'r [String],
    warnings: &mut Vec<String>,
) -> Result<Vec<Target<'r>>, ConfigError> {
    let mut out = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match resolve(rules, name) {
            Some(t) => {
                if let Some(id) = t.renamed_to() {
                    warnings.push(format!(
                        "{flag} {name}: rule `{name}` was renamed to `{id}`"
                    ));
                }
                out.push(t);
            }
            None => {
                return Err(ConfigError::UnknownName {
                    flag,
                    name: name.to_string(),
                    help: unknown_rule_help(rules, name),
                });
            }
        }
    }
    Ok(out)
}
