//! Validating a configuration [tree](super::tree) against the known rules and building a
//! [`Config`], reporting every mistake as a located diagnostic.

use std::collections::BTreeSet;

use globset::{GlobSet, GlobSetBuilder};

use super::ignore::{IgnoreEntry, glob};
use super::names::{Target, closest, resolve, unknown_rule_help};
use super::tree::{Node, Syntax, SyntaxError, Value};
use super::{Config, ConfigDiagnostic, Kind, MAX_PG_VERSION, MIN_PG_VERSION};
use crate::cli::FailOn;
use crate::finding::Level;
use crate::report::source_code::IndexedSource;
use crate::rules::decl::{OptionValue, RuleDecl};
use crate::source::SourceFile;
use crate::span::Span;

const TOP_KEYS: &[&str] = &["pg_version", "fail_on", "rules", "ignore"];
const RULE_KEYS: &[&str] = &["severity", "options"];
const IGNORE_KEYS: &[&str] = &["paths", "rules"];

/// Whether an unknown keyword gets a "did you mean" help.
#[derive(Clone, Copy)]
enum Suggest {
    Closest,
    No,
}

/// Checks pglint's settings, parsed from `text` (the whole file, named `name`, which every
/// span points into) into `root`, against `rules`: the configuration (with the warnings) and
/// the errors found.
pub(super) fn validate(
    root: &Node,
    text: &str,
    name: &str,
    syntax: Syntax,
    rules: &[RuleDecl],
) -> (Config, Vec<ConfigDiagnostic>) {
    let mut v = Validator {
        src: text,
        named: named(text, name),
        syntax,
        rules,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut config = Config::default();
    v.top(root, &mut config);
    config.warnings = std::mem::take(&mut v.warnings);
    (config, v.errors)
}

/// A file that does not parse, as a located diagnostic.
pub(super) fn syntax_error(
    err: SyntaxError,
    text: &str,
    name: &str,
    syntax: Syntax,
) -> ConfigDiagnostic {
    ConfigDiagnostic {
        kind: Kind::Syntax,
        message: format!("invalid {}: {}", syntax.name(), err.message),
        label: "here".to_string(),
        span: err.span,
        help: None,
        src: named(text, name),
    }
}

/// The file as its diagnostics show it (one copy, shared by all of them).
fn named(text: &str, name: &str) -> IndexedSource {
    IndexedSource::new(SourceFile::new(name, text))
}

struct Validator<'a> {
    src: &'a str,
    named: IndexedSource,
    syntax: Syntax,
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
        let choices = [
            ("error", FailOn::Error),
            ("warning", FailOn::Warning),
            ("info", FailOn::Info),
            ("never", FailOn::Never),
        ];
        self.keyword(v, &choices, "fail_on", Suggest::No)
    }

    fn level(&mut self, v: &Node) -> Option<Level> {
        let choices = [
            ("off", Level::Off),
            ("info", Level::Info),
            ("warning", Level::Warning),
            ("error", Level::Error),
        ];
        self.keyword(v, &choices, "a rule's level", Suggest::Closest)
    }

    /// The value of the keyword written, or a located error listing `choices`.
    fn keyword<T: Copy>(
        &mut self,
        v: &Node,
        choices: &[(&str, T)],
        what: &str,
        suggest: Suggest,
    ) -> Option<T> {
        let text = v.text(self.src);
        if let Some(&(_, value)) = choices.iter().find(|(name, _)| Some(*name) == text) {
            return Some(value);
        }
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let help = match (suggest, text) {
            (Suggest::Closest, Some(t)) => {
                closest(t, names.iter().copied()).map(|(s, _)| format!("did you mean `{s}`?"))
            }
            _ => None,
        };
        let (last, rest) = names.split_last().expect("choices are never empty");
        // A keyword mistyped is quoted; a value of another kind (a list, a date) is named.
        let shown = text.map_or_else(|| v.value.kind().to_string(), |t| format!("`{t}`"));
        self.error(
            Kind::BadLevel,
            v.span,
            format!("{what} must be {} or {last}, not {shown}", rest.join(", ")),
            "unknown level",
            help,
        );
        None
    }

    /// Resolves a rule id, alias or family; reports unknown names and renamed ids.
    fn target(&mut self, name: &'a str, node: &Node) -> Option<Target<'a>> {
        let rules = self.rules;
        match resolve(rules, name) {
            Some(t) => {
                if let Some(id) = t.renamed_to() {
                    let d = self.diag(
                        Kind::RenamedRule,
                        node.span,
                        format!("rule `{name}` was renamed to `{id}`"),
                        "former id",
                        Some(format!("write `{id}`; the old id keeps working")),
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
                OptionValue::List(_) => match self.syntax {
                    Syntax::Yaml => "a list, like [a, b]".to_string(),
                    Syntax::Toml => "a list, like [\"a\", \"b\"]".to_string(),
                },
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
                    Some(match self.syntax {
                        Syntax::Yaml => "write `paths: [\"legacy/**\"]`".to_string(),
                        Syntax::Toml => "write `paths = [\"legacy/**\"]`".to_string(),
                    }),
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
