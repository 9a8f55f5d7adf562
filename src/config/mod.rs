//! `.pglint.yaml`: pg_version, fail_on, per-rule levels and options, per-path ignores.
//!
//! The file is parsed into a tree of spanned YAML nodes ([`yaml`]) and validated by hand, so
//! every mistake (unknown key, unknown rule, wrong option type, bad level, syntax) becomes a
//! miette diagnostic with a label on the offending key or value.

mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use thiserror::Error;

use self::yaml::{Node, Value};
use crate::cli::FailOn;
use crate::finding::Level;
use crate::rules::decl::{OptionValue, RuleDecl};
use crate::rules::options::RuleOptions;
use crate::rules::{Settings, registry};
use crate::span::Span;

/// The configuration file name looked for upward from the working directory.
pub const FILE_NAME: &str = ".pglint.yaml";

pub const MIN_PG_VERSION: u32 = 12;
pub const MAX_PG_VERSION: u32 = 18;

const TOP_KEYS: &[&str] = &["pg_version", "fail_on", "rules", "ignore"];
const RULE_KEYS: &[&str] = &["severity", "options"];
const IGNORE_KEYS: &[&str] = &["paths", "rules"];
const LEVELS: &str = "off, info, warning or error";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from (none: defaults).
    pub path: Option<PathBuf>,
    pub pg_version: Option<u32>,
    pub fail_on: Option<FailOn>,
    /// Configured level per rule id (family entries already expanded; ids win over families).
    pub levels: BTreeMap<String, Level>,
    /// Configured options per rule id, type-checked against the rule's defaults.
    pub options: BTreeMap<String, Vec<(String, OptionValue)>>,
    ignore: Vec<IgnoreEntry>,
    /// Non-fatal remarks (renamed rule ids), to show on stderr.
    pub warnings: Vec<ConfigDiagnostic>,
}

#[derive(Debug, Clone)]
struct IgnoreEntry {
    /// Globs relative to the configuration file's directory.
    globs: GlobSet,
    /// Rule ids (families expanded); `None`: every rule.
    rules: Option<BTreeSet<String>>,
}

/// What kind of mistake a configuration diagnostic is about; each has its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Syntax,
    UnknownKey,
    UnknownRule,
    UnknownOption,
    OptionType,
    BadLevel,
    BadValue,
    BadGlob,
    RenamedRule,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Syntax => "pglint::config::syntax",
            Kind::UnknownKey => "pglint::config::unknown_key",
            Kind::UnknownRule => "pglint::config::unknown_rule",
            Kind::UnknownOption => "pglint::config::unknown_option",
            Kind::OptionType => "pglint::config::option_type",
            Kind::BadLevel => "pglint::config::bad_level",
            Kind::BadValue => "pglint::config::bad_value",
            Kind::BadGlob => "pglint::config::bad_glob",
            Kind::RenamedRule => "pglint::config::renamed_rule",
        }
    }
}

/// One located problem in the configuration file.
#[derive(Debug, Clone, Error)]
#[error("{message}")]
pub struct ConfigDiagnostic {
    pub kind: Kind,
    pub message: String,
    pub label: String,
    pub span: Span,
    pub help: Option<String>,
    src: NamedSource<Arc<str>>,
}

impl Diagnostic for ConfigDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.kind == Kind::RenamedRule {
            miette::Severity::Warning
        } else {
            miette::Severity::Error
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span),
        )))
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("configuration file {path} does not exist")]
    #[diagnostic(code(pglint::config::not_found))]
    NotFound { path: String },
    #[error("cannot read configuration file {path}: {source}")]
    #[diagnostic(code(pglint::config::io))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<ConfigDiagnostic>),
    #[error("{} problems in {name}", errors.len())]
    #[diagnostic(code(pglint::config::invalid))]
    Many {
        name: String,
        #[related]
        errors: Vec<ConfigDiagnostic>,
    },
    #[error("{flag} {name}: no rule or rule family is named `{name}`")]
    #[diagnostic(code(pglint::cli::unknown_rule))]
    UnknownName {
        flag: &'static str,
        name: String,
        #[help]
        help: String,
    },
}

impl ConfigError {
    /// The located problems this error carries.
    pub fn diagnostics(&self) -> Vec<&ConfigDiagnostic> {
        match self {
            ConfigError::Invalid(d) => vec![d],
            ConfigError::Many { errors, .. } => errors.iter().collect(),
            _ => Vec::new(),
        }
    }
}

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
    let parsed = yaml::parse(text);
    let mut v = Validator {
        src: text,
        named: NamedSource::new(name, Arc::<str>::from(text)),
        rules,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut config = Config::default();
    match &parsed {
        Ok(root) => v.top(root, &mut config),
        Err(e) => v.error(
            Kind::Syntax,
            e.span,
            format!("invalid YAML: {}", e.message),
            "here",
            None,
        ),
    }
    config.warnings = std::mem::take(&mut v.warnings);
    let mut errors = v.errors;
    match errors.len() {
        0 => Ok(config),
        1 => Err(ConfigError::Invalid(Box::new(errors.remove(0)))),
        _ => Err(ConfigError::Many {
            name: name.to_string(),
            errors,
        }),
    }
}

/// A name as the user wrote it, resolved.
#[derive(Debug, Clone, Copy)]
pub enum Target<'r> {
    Rule {
        rule: &'r RuleDecl,
        /// Written as a former id (an alias).
        renamed: bool,
    },
    Family(&'r str),
}

impl<'r> Target<'r> {
    /// The rules the name stands for.
    pub fn rules(self, rules: &'r [RuleDecl]) -> Vec<&'r RuleDecl> {
        match self {
            Target::Rule { rule, .. } => vec![rule],
            Target::Family(f) => rules.iter().filter(|r| r.family == f).collect(),
        }
    }

    pub fn covers(self, rule: &RuleDecl) -> bool {
        match self {
            Target::Rule { rule: r, .. } => r.id == rule.id,
            Target::Family(f) => rule.family == f,
        }
    }
}

/// Resolves a rule id, a former id (alias) or a family name.
pub fn resolve<'r>(rules: &'r [RuleDecl], name: &str) -> Option<Target<'r>> {
    if let Some(rule) = rules.iter().find(|r| r.id == name) {
        return Some(Target::Rule {
            rule,
            renamed: false,
        });
    }
    if let Some(rule) = rules.iter().find(|r| r.aliases.iter().any(|a| a == name)) {
        return Some(Target::Rule {
            rule,
            renamed: true,
        });
    }
    if let Some(f) = registry::FAMILIES.iter().find(|f| **f == name) {
        return Some(Target::Family(f));
    }
    rules
        .iter()
        .find(|r| r.family == name)
        .map(|r| Target::Family(&r.family))
}

/// The known rule id or family name closest to `name`, if one is close enough to be a typo.
pub fn suggest(rules: &[RuleDecl], name: &str) -> Option<String> {
    let candidates = rules
        .iter()
        .flat_map(|r| std::iter::once(r.id.as_str()).chain(r.aliases.iter().map(String::as_str)))
        .chain(registry::FAMILIES.iter().copied())
        .chain(rules.iter().map(|r| r.family.as_str()));
    closest(name, candidates).map(|(c, _)| {
        // An alias is suggested by its current id.
        rules
            .iter()
            .find(|r| r.aliases.iter().any(|a| a == c))
            .map_or_else(|| c.to_string(), |r| r.id.clone())
    })
}

/// A help text for an unknown rule name.
pub fn unknown_rule_help(rules: &[RuleDecl], name: &str) -> String {
    match suggest(rules, name) {
        Some(s) => format!("did you mean `{s}`? (`pglint rules` lists every rule)"),
        None => "`pglint rules` lists every rule id and family".to_string(),
    }
}

fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<(&'a str, usize)> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| {
            // A prefix (`warn` for `warning`) is as good as one typo.
            let prefix =
                name.len().min(c.len()) >= 3 && (c.starts_with(name) || name.starts_with(c));
            (c, if prefix { 1 } else { edit_distance(name, c) })
        })
        .filter(|(_, d)| *d <= limit)
        .min_by_key(|(c, d)| (*d, *c))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

struct Validator<'a> {
    src: &'a str,
    named: NamedSource<Arc<str>>,
    rules: &'a [RuleDecl],
    errors: Vec<ConfigDiagnostic>,
    warnings: Vec<ConfigDiagnostic>,
}

impl<'a> Validator<'a> {
    fn diag(
        &self,
        kind: Kind,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ConfigDiagnostic {
        ConfigDiagnostic {
            kind,
            message,
            label: label.to_string(),
            span,
            help,
            src: self.named.clone(),
        }
    }

    fn error(
        &mut self,
        kind: Kind,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) {
        let d = self.diag(kind, span, message, label, help);
        self.errors.push(d);
    }

    fn expected(&mut self, node: &Node, what: &str, context: &str) {
        self.error(
            Kind::BadValue,
            node.span,
            format!("{context} must be {what}, not {}", node.value.kind()),
            &format!("expected {what}"),
            None,
        );
    }

    /// A mapping's entries whose keys are scalars, as (key text, key node, value node).
    fn entries<'n>(&mut self, node: &'n Node, context: &str) -> Vec<(&'n str, &'n Node, &'n Node)>
    where
        'a: 'n,
    {
        let Value::Map(entries) = &node.value else {
            if node.value != Value::Null {
                self.expected(node, "a mapping", context);
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            match k.text(self.src) {
                Some(t) => out.push((t, k, v)),
                None => self.error(
                    Kind::UnknownKey,
                    k.span,
                    format!("a key of {context} must be a plain name"),
                    "not a name",
                    None,
                ),
            }
        }
        out
    }

    fn unknown_key(&mut self, key: &str, node: &Node, allowed: &[&str], context: &str) {
        let help = match closest(key, allowed.iter().copied()) {
            Some((s, _)) => format!("did you mean `{s}`?"),
            None => format!(
                "the keys allowed here are {}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            Kind::UnknownKey,
            node.span,
            format!("unknown key `{key}` in {context}"),
            "unknown key",
            Some(help),
        );
    }

    fn top(&mut self, root: &'a Node, config: &mut Config) {
        let mut rules_node = None;
        for (key, k, v) in self.entries(root, "the configuration") {
            match key {
                "pg_version" => config.pg_version = self.pg_version(v),
                "fail_on" => config.fail_on = self.fail_on(v),
                "rules" => rules_node = Some(v),
                "ignore" => config.ignore = self.ignore(v),
                _ => self.unknown_key(key, k, TOP_KEYS, "the configuration"),
            }
        }
        if let Some(v) = rules_node {
            self.rules_map(v, config);
        }
    }

    fn pg_version(&mut self, v: &Node) -> Option<u32> {
        match v.value {
            Value::Int(n) if (MIN_PG_VERSION as i64..=MAX_PG_VERSION as i64).contains(&n) => {
                Some(n as u32)
            }
            Value::Int(_) | Value::BigInt => {
                self.error(
                    Kind::BadValue,
                    v.span,
                    format!(
                        "pg_version must be a PostgreSQL major version from {MIN_PG_VERSION} to {MAX_PG_VERSION}"
                    ),
                    "unsupported version",
                    None,
                );
                None
            }
            _ => {
                self.expected(v, "an integer", "pg_version");
                None
            }
        }
    }

    fn fail_on(&mut self, v: &Node) -> Option<FailOn> {
        let parsed = match v.text(self.src) {
            Some("error") => Some(FailOn::Error),
            Some("warning") => Some(FailOn::Warning),
            Some("info") => Some(FailOn::Info),
            Some("never") => Some(FailOn::Never),
            _ => None,
        };
        if parsed.is_none() {
            let shown = v.text(self.src).unwrap_or(v.value.kind());
            self.error(
                Kind::BadLevel,
                v.span,
                format!("fail_on must be error, warning, info or never, not `{shown}`"),
                "unknown level",
                None,
            );
        }
        parsed
    }

    fn level(&mut self, v: &Node) -> Option<Level> {
        let parsed = match v.text(self.src) {
            Some("off") => Some(Level::Off),
            Some("info") => Some(Level::Info),
            Some("warning") => Some(Level::Warning),
            Some("error") => Some(Level::Error),
            _ => None,
        };
        if parsed.is_none() {
            let shown = v.text(self.src).unwrap_or(v.value.kind());
            let help = v.text(self.src).and_then(|t| {
                closest(t, ["off", "info", "warning", "error"].into_iter())
                    .map(|(s, _)| format!("did you mean `{s}`?"))
            });
            self.error(
                Kind::BadLevel,
                v.span,
                format!("a rule's level must be {LEVELS}, not `{shown}`"),
                "unknown level",
                help,
            );
        }
        parsed
    }

    /// Resolves a rule id, alias or family; reports unknown names and renamed ids.
    fn target(&mut self, name: &'a str, node: &Node) -> Option<Target<'a>> {
        let rules = self.rules;
        match resolve(rules, name) {
            Some(t) => {
                if let Target::Rule {
                    rule,
                    renamed: true,
                } = t
                {
                    let d = self.diag(
                        Kind::RenamedRule,
                        node.span,
                        format!("rule `{name}` was renamed to `{}`", rule.id),
                        "former id",
                        Some(format!("write `{}`; the old id keeps working", rule.id)),
                    );
                    self.warnings.push(d);
                }
                Some(t)
            }
            None => {
                self.error(
                    Kind::UnknownRule,
                    node.span,
                    format!("unknown rule `{name}`"),
                    "no rule or family has this name",
                    Some(unknown_rule_help(rules, name)),
                );
                None
            }
        }
    }

    fn rules_map(&mut self, node: &'a Node, config: &mut Config) {
        // Family entries first, so an entry for one rule wins over its family's, whatever the
        // order in the file.
        let mut family_levels = Vec::new();
        let mut rule_levels = Vec::new();
        for (name, k, v) in self.entries(node, "`rules`") {
            let Some(target) = self.target(name, k) else {
                continue;
            };
            let (level, options) = match &v.value {
                Value::Map(_) => self.rule_entry(v),
                _ => (self.level(v), None),
            };
            match target {
                Target::Family(f) => {
                    if let Some(opts) = options {
                        self.error(
                            Kind::UnknownOption,
                            opts.span,
                            format!("options belong to one rule, and `{f}` is a family"),
                            "options for a family",
                            Some("set options under the id of the rule they belong to".to_string()),
                        );
                    }
                    if let Some(l) = level {
                        family_levels.push((target, l));
                    }
                }
                Target::Rule { rule, .. } => {
                    if let Some(l) = level {
                        rule_levels.push((rule.id.clone(), l));
                    }
                    if let Some(opts) = options {
                        let values = self.options(rule, opts);
                        config.options.insert(rule.id.clone(), values);
                    }
                }
            }
        }
        for (target, level) in family_levels {
            for rule in target.rules(self.rules) {
                config.levels.insert(rule.id.clone(), level);
            }
        }
        config.levels.extend(rule_levels);
    }

    /// `{severity: level, options: {...}}`: the level and the options node.
    fn rule_entry(&mut self, v: &'a Node) -> (Option<Level>, Option<&'a Node>) {
        let mut level = None;
        let mut options = None;
        for (key, k, val) in self.entries(v, "a rule's settings") {
            match key {
                "severity" => level = self.level(val),
                "options" => options = Some(val),
                _ => self.unknown_key(key, k, RULE_KEYS, "a rule's settings"),
            }
        }
        (level, options)
    }

    fn options(&mut self, rule: &RuleDecl, node: &Node) -> Vec<(String, OptionValue)> {
        let mut out = Vec::new();
        let context = format!("the options of `{}`", rule.id);
        for (name, k, v) in self.entries(node, &context) {
            // Option names are kebab-case in rule files; accept snake_case too.
            let found = rule.options.get_key_value(name).or_else(|| {
                rule.options
                    .get_key_value(&name.replace('_', "-"))
                    .or_else(|| rule.options.get_key_value(&name.replace('-', "_")))
            });
            let Some((canonical, decl)) = found else {
                let help = if rule.options.is_empty() {
                    format!("`{}` has no options", rule.id)
                } else {
                    let names: Vec<&str> = rule.options.keys().map(String::as_str).collect();
                    match closest(name, names.iter().copied()) {
                        Some((s, _)) => format!("did you mean `{s}`?"),
                        None => format!(
                            "the options of `{}` are {}",
                            rule.id,
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                };
                self.error(
                    Kind::UnknownOption,
                    k.span,
                    format!("rule `{}` has no option `{name}`", rule.id),
                    "unknown option",
                    Some(help),
                );
                continue;
            };
            if let Some(value) = self.option_value(&decl.default, v, canonical) {
                out.push((canonical.clone(), value));
            }
        }
        out
    }

    /// The value converted to the type of the option's default, or a located error.
    fn option_value(&mut self, default: &OptionValue, v: &Node, name: &str) -> Option<OptionValue> {
        let value = match (default, &v.value) {
            (OptionValue::Bool(_), Value::Bool(b)) => Some(OptionValue::Bool(*b)),
            (OptionValue::Int(_), Value::Int(i)) => Some(OptionValue::Int(*i)),
            (OptionValue::Str(_), Value::Str(_) | Value::Int(_) | Value::Float(_)) => {
                v.text(self.src).map(|s| OptionValue::Str(s.to_string()))
            }
            (OptionValue::List(_), Value::Seq(items)) => {
                let mut list = Vec::new();
                for item in items {
                    match (&item.value, item.text(self.src)) {
                        (Value::Str(_) | Value::Int(_) | Value::Float(_), Some(t)) => {
                            list.push(t.to_string())
                        }
                        _ => {
                            self.error(
                                Kind::OptionType,
                                item.span,
                                format!(
                                    "option `{name}` is a list of strings, and this item is {}",
                                    item.value.kind()
                                ),
                                "expected a string",
                                None,
                            );
                            return None;
                        }
                    }
                }
                Some(OptionValue::List(list))
            }
            _ => None,
        };
        if value.is_none() {
            let example = match default {
                OptionValue::Bool(_) => "true or false".to_string(),
                OptionValue::Int(_) => "a whole number, like 10".to_string(),
                OptionValue::Str(_) => "a string".to_string(),
                OptionValue::List(_) => "a list, like [a, b]".to_string(),
            };
            self.error(
                Kind::OptionType,
                v.span,
                format!(
                    "option `{name}` must be {}, not {}",
                    default.type_name(),
                    v.value.kind()
                ),
                &format!("expected {}", default.type_name()),
                Some(format!("write {example}")),
            );
        }
        value
    }

    fn ignore(&mut self, node: &'a Node) -> Vec<IgnoreEntry> {
        let items: &[Node] = match &node.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            _ => {
                self.expected(node, "a list of {paths, rules} entries", "`ignore`");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            if !matches!(item.value, Value::Map(_)) {
                self.expected(
                    item,
                    "a mapping with `paths` and `rules`",
                    "an `ignore` entry",
                );
                continue;
            }
            let mut globs = None;
            let mut has_paths = false;
            let mut rules: Option<BTreeSet<String>> = None;
            for (key, k, v) in self.entries(item, "an `ignore` entry") {
                match key {
                    "paths" => {
                        has_paths = true;
                        globs = self.globs(v);
                    }
                    "rules" => rules = Some(self.rule_list(v)),
                    _ => self.unknown_key(key, k, IGNORE_KEYS, "an `ignore` entry"),
                }
            }
            match globs {
                Some(globs) => out.push(IgnoreEntry { globs, rules }),
                // A bad `paths` value has been reported already.
                None if has_paths => {}
                None => self.error(
                    Kind::BadValue,
                    item.span,
                    "an `ignore` entry needs `paths`".to_string(),
                    "no `paths`",
                    Some("write `paths: [\"legacy/**\"]`".to_string()),
                ),
            }
        }
        out
    }

    fn strings<'n>(&mut self, v: &'n Node, context: &str) -> Vec<(&'n str, &'n Node)>
    where
        'a: 'n,
    {
        let items: Vec<&Node> = match &v.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Str(_) => vec![v],
            _ => {
                self.expected(v, "a list of strings", context);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            match (&item.value, item.text(self.src)) {
                (Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_), Some(t)) => {
                    out.push((t, item))
                }
                _ => self.expected(item, "a string", context),
            }
        }
        out
    }

    fn globs(&mut self, v: &Node) -> Option<GlobSet> {
        let mut builder = GlobSetBuilder::new();
        let mut ok = true;
        for (pattern, node) in self.strings(v, "`paths`") {
            match glob(pattern) {
                Ok(g) => {
                    builder.add(g);
                }
                Err(e) => {
                    ok = false;
                    self.error(
                        Kind::BadGlob,
                        node.span,
                        format!("invalid glob `{pattern}`: {}", e.kind()),
                        "invalid glob",
                        None,
                    );
                }
            }
        }
        if !ok {
            return None;
        }
        builder.build().ok()
    }

    fn rule_list(&mut self, v: &'a Node) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (name, node) in self.strings(v, "`rules`") {
            if let Some(t) = self.target(name, node) {
                out.extend(t.rules(self.rules).into_iter().map(|r| r.id.clone()));
            }
        }
        out
    }
}

/// A glob matched against paths relative to the configuration's directory: `*` stays within
/// one path segment, `**` crosses them, and a pattern without `/` matches the file name at any
/// depth (as in .gitignore).
fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let pattern = if pattern.contains('/') {
        pattern.trim_start_matches('/').to_string()
    } else {
        format!("**/{pattern}")
    };
    GlobBuilder::new(&pattern).literal_separator(true).build()
}

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
            eprintln!("pglint: warning: {w}");
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
                if let Target::Rule {
                    rule,
                    renamed: true,
                } = t
                {
                    warnings.push(format!(
                        "{flag} {name}: rule `{name}` was renamed to `{}`",
                        rule.id
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

/// What `pglint init` writes.
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

#[cfg(test)]
mod tests;
