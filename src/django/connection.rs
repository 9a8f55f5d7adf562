//! What `pglint django` takes from the project's database connection: a `lock_timeout` the
//! connection already sets (then `missing-lock-timeout` assumes it, unless the configuration
//! sets that rule's `assume_set` itself), and the server's major version as `pg_version` when
//! neither `--pg-version` nor the configuration gives one.

use super::helper::Connection;
use crate::config::{Config, MAX_PG_VERSION, MIN_PG_VERSION};
use crate::finding::Level;
use crate::rules::Settings;
use crate::rules::decl::OptionValue;
use crate::rules::options::RuleOptions;
use crate::rules::registry;

const LOCK_RULE: &str = "missing-lock-timeout";
const ASSUME_SET: &str = "assume_set";

/// Applies `connection`'s facts to `settings`; one note for each that changed something.
pub(super) fn apply(
    settings: &mut Settings,
    config: &Config,
    cli_pg_version: Option<u32>,
    connection: &Connection,
) -> Vec<String> {
    let mut notes = Vec::new();
    let alias = &connection.alias;
    if let Some(major) = connection.server_version
        && cli_pg_version.is_none()
        && config.pg_version.is_none()
    {
        let version = major.clamp(MIN_PG_VERSION, MAX_PG_VERSION);
        if version != settings.pg_version {
            settings.pg_version = version;
            notes.push(if version == major {
                format!(
                    "the database `{alias}` runs PostgreSQL {major}: the rules follow \
                     PostgreSQL {version} (set pg_version, or --pg-version, to choose)"
                )
            } else {
                format!(
                    "the database `{alias}` runs PostgreSQL {major}: the rules follow \
                     PostgreSQL {version}, the nearest pglint knows (set pg_version, or \
                     --pg-version, to choose)"
                )
            });
        }
    }
    if let Some(timeout) = &connection.lock_timeout
        && let Some(rule) = registry::rules().iter().find(|r| r.id == LOCK_RULE)
        && settings.level(rule) != Level::Off
        && rule.applies_to(settings.pg_version)
    {
        // The configuration's own `assume_set` (true or false) wins.
        let configured = config
            .options
            .get(LOCK_RULE)
            .is_some_and(|o| o.iter().any(|(k, _)| k == ASSUME_SET));
        let options = settings
            .options
            .entry(LOCK_RULE.to_string())
            .or_insert_with(|| RuleOptions::defaults(rule));
        if !configured && !options.bool(ASSUME_SET) {
            options.set(ASSUME_SET, OptionValue::Bool(true));
            let from = connection
                .lock_timeout_from
                .as_deref()
                .unwrap_or("the connection's settings");
            notes.push(format!(
                "lock_timeout is {timeout} on the connection to the database `{alias}` \
                 ({from}): {LOCK_RULE} is off"
            ));
        }
    }
    notes
}
