//! The starter configuration `pglint init` writes.

/// What `pglint init` writes: every key with its default, and commented examples.
pub const STARTER: &str = r#"# pglint configuration: https://github.com/pglint/pglint#configuration
# `pglint rules` lists every rule id and family; `pglint explain RULE` shows one.

# The PostgreSQL major version your migrations run on (12 to 18).
pg_version: 15

# The lowest severity that makes pglint exit with status 1: error, warning, info or never.
fail_on: warning

# Per rule (or family): a level (off, info, warning, error) or {severity: LEVEL, options: {...}}.
rules: {}
#  index-not-concurrent: error
#  types: info
#  unused-suppression: {severity: warning}

# Rules to skip for some paths (globs relative to this file; `**` crosses directories).
ignore: []
#  - {paths: ["legacy/**"], rules: [index-not-concurrent]}
"#;
