use miette::Diagnostic;

use super::*;
use crate::rules::Settings;
use crate::rules::decl::RuleDecl;

const TEST_RULES: &[&str] = &[
    r#"
id: float-for-money
family: types
severity: info
summary: s
message: m
help: h
aliases: [money-as-float]
options:
  column-names: {default: [price, amount], doc: d}
  allow-real: {default: false, doc: d}
  min-scale: {default: 2, doc: d}
  schema: {default: public, doc: d}
docs: {why: w, bad: b, good: g}
"#,
    r#"
id: varchar-length
family: types
severity: "off"
summary: s
message: m
help: h
docs: {why: w, bad: b, good: g}
"#,
    r#"
id: index-not-concurrent
family: index-locks
severity: warning
summary: s
message: m
help: h
docs: {why: w, bad: b, good: g}
"#,
    r#"
id: syntax-error
family: core
severity: error
summary: s
message: m
help: h
docs: {why: w, bad: b, good: g}
"#,
];

fn rules() -> Vec<RuleDecl> {
    TEST_RULES
        .iter()
        .map(|t| serde_saphyr::from_str(t).unwrap())
        .collect()
}

fn ok(text: &str) -> Config {
    parse_with(text, ".pglint.yaml", &rules()).unwrap_or_else(|e| panic!("{}", render_err(&e)))
}

fn err(text: &str) -> ConfigError {
    match parse_with(text, ".pglint.yaml", &rules()) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e,
    }
}

fn render(d: &dyn Diagnostic) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, d)
        .unwrap();
    out
}

fn render_err(e: &ConfigError) -> String {
    render(e)
}

/// The only diagnostic of an error, rendered; asserts its kind.
fn one(text: &str, kind: Kind) -> String {
    let e = err(text);
    let diags = e.diagnostics();
    assert_eq!(diags.len(), 1, "{}", render_err(&e));
    assert_eq!(diags[0].kind, kind, "{}", render_err(&e));
    render(diags[0])
}

/// Asserts that the rendered snippet marks line `line` (whose text is `text`) and that the
/// label underneath carries `label`.
fn assert_points_at(rendered: &str, line: usize, text: &str, label: &str) {
    let lines: Vec<&str> = rendered.lines().collect();
    let prefix = format!("{line} │");
    let at = lines
        .iter()
        .position(|l| {
            l.trim_start()
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.trim() == text.trim())
        })
        .unwrap_or_else(|| panic!("line {line} `{text}` not shown:\n{rendered}"));
    let below = lines[at + 1..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('·'))
        .any(|l| l.contains(label));
    assert!(below, "label `{label}` not under line {line}:\n{rendered}");
}

#[test]
fn unknown_top_level_key_points_at_its_line() {
    let r = one(
        "pg_version: 15\nfail-on: warning\nrules: {}\n",
        Kind::UnknownKey,
    );
    assert!(
        r.contains("unknown key `fail-on` in the configuration"),
        "{r}"
    );
    assert!(r.contains("did you mean `fail_on`?"), "{r}");
    assert!(r.contains("pglint::config::unknown_key"), "{r}");
    assert!(r.contains(".pglint.yaml:2:1"), "{r}");
    assert_points_at(&r, 2, "fail-on: warning", "unknown key");
}

#[test]
fn unknown_rule_suggests_the_closest_id() {
    let r = one(
        "rules:\n  syntax-error: error\n  flaot-for-money: warning\n",
        Kind::UnknownRule,
    );
    assert!(r.contains("unknown rule `flaot-for-money`"), "{r}");
    assert!(r.contains("did you mean `float-for-money`?"), "{r}");
    assert_points_at(&r, 3, "flaot-for-money: warning", "no rule or family");
    let r = one("rules:\n  zzzzzzzzzzz: warning\n", Kind::UnknownRule);
    assert!(r.contains("`pglint rules` lists every rule"), "{r}");
}

#[test]
fn unknown_option_names_the_options() {
    let r = one(
        "rules:\n  float-for-money:\n    options:\n      column_namez: [x]\n",
        Kind::UnknownOption,
    );
    assert!(
        r.contains("rule `float-for-money` has no option `column_namez`"),
        "{r}"
    );
    assert!(r.contains("did you mean `column-names`?"), "{r}");
    assert_points_at(&r, 4, "column_namez: [x]", "unknown option");
    let r = one(
        "rules:\n  varchar-length: {options: {x: 1}}\n",
        Kind::UnknownOption,
    );
    assert!(r.contains("`varchar-length` has no options"), "{r}");
}

#[test]
fn option_types_come_from_the_defaults() {
    let r = one(
        "rules:\n  float-for-money:\n    options:\n      allow-real: \"yes\"\n",
        Kind::OptionType,
    );
    assert!(
        r.contains("option `allow-real` must be a boolean, not a string"),
        "{r}"
    );
    assert_points_at(&r, 4, "allow-real: \"yes\"", "expected a boolean");

    let r = one(
        "rules:\n  float-for-money: {options: {min-scale: two}}\n",
        Kind::OptionType,
    );
    assert!(r.contains("must be an integer, not a string"), "{r}");
    assert_points_at(
        &r,
        2,
        "float-for-money: {options: {min-scale: two}}",
        "expected an integer",
    );

    let r = one(
        "rules:\n  float-for-money:\n    options:\n      column-names: price\n",
        Kind::OptionType,
    );
    assert!(r.contains("must be a list of strings, not a string"), "{r}");

    let r = one(
        "rules:\n  float-for-money:\n    options:\n      column-names:\n        - price\n        - {a: 1}\n",
        Kind::OptionType,
    );
    assert!(r.contains("this item is a mapping"), "{r}");
    assert_points_at(&r, 6, "- {a: 1}", "expected a string");

    let r = one(
        "rules:\n  float-for-money: {options: {schema: [a]}}\n",
        Kind::OptionType,
    );
    assert!(r.contains("must be a string, not a list"), "{r}");
}

#[test]
fn bad_levels_are_located() {
    let r = one("rules:\n  syntax-error: warn\n", Kind::BadLevel);
    assert!(
        r.contains("a rule's level must be off, info, warning or error, not `warn`"),
        "{r}"
    );
    assert!(r.contains("did you mean `warning`?"), "{r}");
    assert_points_at(&r, 2, "syntax-error: warn", "unknown level");

    // A value of another kind is named, not quoted as if it were a mistyped keyword.
    let r = one("fail_on: [warning]\n", Kind::BadLevel);
    assert!(
        r.contains("fail_on must be error, warning, info or never, not a list"),
        "{r}"
    );

    let r = one(
        "rules:\n  syntax-error: {severity: fatal}\n",
        Kind::BadLevel,
    );
    assert!(r.contains("not `fatal`"), "{r}");

    let r = one("fail_on: always\n", Kind::BadLevel);
    assert!(
        r.contains("fail_on must be error, warning, info or never"),
        "{r}"
    );
    assert_points_at(&r, 1, "fail_on: always", "unknown level");
}

#[test]
fn bad_values_are_located() {
    let r = one("pg_version: 11\n", Kind::BadValue);
    assert!(r.contains("from 12 to 18"), "{r}");
    let r = one("fail_on: error\npg_version: fifteen\n", Kind::BadValue);
    assert!(
        r.contains("pg_version must be an integer, not a string"),
        "{r}"
    );
    assert_points_at(&r, 2, "pg_version: fifteen", "expected an integer");
    let r = one("rules: [syntax-error]\n", Kind::BadValue);
    assert!(r.contains("`rules` must be a mapping, not a list"), "{r}");
    let r = one("ignore:\n  - {rules: [syntax-error]}\n", Kind::BadValue);
    assert!(r.contains("an `ignore` entry needs `paths`"), "{r}");
    let r = one(
        "ignore:\n  - {paths: [\"a/[b\"], rules: [syntax-error]}\n",
        Kind::BadGlob,
    );
    assert!(r.contains("invalid glob `a/[b`"), "{r}");
    let r = one(
        "ignore:\n  - {paths: [a], rulez: [syntax-error]}\n",
        Kind::UnknownKey,
    );
    assert!(r.contains("did you mean `rules`?"), "{r}");
}

#[test]
fn yaml_syntax_errors_are_located() {
    let r = one(
        "pg_version: 15\nrules:\n  syntax-error: \"off\n",
        Kind::Syntax,
    );
    assert!(r.contains("invalid YAML"), "{r}");
    assert!(r.contains(".pglint.yaml:3:"), "{r}");

    let r = one("rules:\n  syntax-error: off\n bad: 1\n", Kind::Syntax);
    assert!(r.contains(".pglint.yaml:3:"), "{r}");

    let r = one(
        "rules:\n  syntax-error: off\n  syntax-error: error\n",
        Kind::Syntax,
    );
    assert!(r.contains("duplicate mapping key"), "{r}");
    assert_points_at(&r, 3, "syntax-error: error", "here");
}

#[test]
fn every_mistake_is_reported_at_once() {
    let e = err("pg_versio: 15\nrules:\n  nope: error\n  syntax-error: loud\n");
    let kinds: Vec<Kind> = e.diagnostics().iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [Kind::UnknownKey, Kind::UnknownRule, Kind::BadLevel]);
    let r = render_err(&e);
    assert!(r.contains("3 problems in .pglint.yaml"), "{r}");
}

#[test]
fn levels_options_and_families() {
    let c = ok(r#"
pg_version: 16
fail_on: info
rules:
  varchar-length: warning
  types: error            # a family
  index-not-concurrent: off
  float-for-money: {severity: info, options: {column_names: [total], min-scale: 4}}
"#);
    assert_eq!(c.pg_version, Some(16));
    assert_eq!(c.fail_on, Some(FailOn::Info));
    let rules = rules();
    let (s, _) = c.settings_with(&rules, &[], &[], None).unwrap();
    assert_eq!(s.pg_version, 16);
    let level = |id: &str| s.level(rules.iter().find(|r| r.id == id).unwrap());
    // Ids win over their family, whatever the order.
    assert_eq!(level("varchar-length"), Level::Warning);
    assert_eq!(level("float-for-money"), Level::Info);
    assert_eq!(level("index-not-concurrent"), Level::Off);
    assert_eq!(level("syntax-error"), Level::Error);
    let opts = &s.options["float-for-money"];
    assert_eq!(opts.list("column-names"), ["total"]);
    assert_eq!(opts.int("min-scale"), Some(4));
    // Unset options keep the rule's default.
    assert!(!opts.bool("allow-real"));
    // The CLI's version wins.
    let (s, _) = c.settings_with(&rules, &[], &[], Some(13)).unwrap();
    assert_eq!(s.pg_version, 13);
}

#[test]
fn family_options_are_an_error() {
    let r = one("rules:\n  types: {options: {x: 1}}\n", Kind::UnknownOption);
    assert!(r.contains("`types` is a family"), "{r}");
}

#[test]
fn renamed_ids_work_with_a_warning() {
    let c = ok("rules:\n  money-as-float: error\n");
    assert_eq!(c.levels["float-for-money"], Level::Error);
    assert_eq!(c.warnings.len(), 1);
    let r = render(&c.warnings[0]);
    assert!(
        r.contains("rule `money-as-float` was renamed to `float-for-money`"),
        "{r}"
    );
    assert_points_at(&r, 2, "money-as-float: error", "former id");

    let rules = rules();
    let (s, w) = Config::default()
        .settings_with(&rules, &["money-as-float".into()], &[], None)
        .unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("renamed to `float-for-money`"), "{w:?}");
    let level = |id: &str| s.level(rules.iter().find(|r| r.id == id).unwrap());
    assert_eq!(level("float-for-money"), Level::Info);
}

#[test]
fn select_and_ignore_from_the_cli() {
    let rules = rules();
    let c = ok("rules:\n  float-for-money: error\n");
    let level = |s: &Settings, id: &str| s.level(rules.iter().find(|r| r.id == id).unwrap());

    // A family: only its rules, at their levels; core rules stay on.
    let (s, _) = c
        .settings_with(&rules, &["types".into()], &[], None)
        .unwrap();
    assert_eq!(level(&s, "float-for-money"), Level::Error);
    assert_eq!(level(&s, "varchar-length"), Level::Off);
    assert_eq!(level(&s, "index-not-concurrent"), Level::Off);
    assert_eq!(level(&s, "syntax-error"), Level::Error);

    // An id named explicitly runs even when off by default.
    let (s, _) = c
        .settings_with(&rules, &["varchar-length".into()], &[], None)
        .unwrap();
    assert_eq!(level(&s, "varchar-length"), Level::Warning);
    assert_eq!(level(&s, "float-for-money"), Level::Off);

    // --ignore turns rules off, ids or families.
    let (s, _) = c
        .settings_with(&rules, &[], &["types".into(), "syntax-error".into()], None)
        .unwrap();
    assert_eq!(level(&s, "float-for-money"), Level::Off);
    assert_eq!(level(&s, "syntax-error"), Level::Off);
    assert_eq!(level(&s, "index-not-concurrent"), Level::Warning);

    let e = c
        .settings_with(
            &rules,
            &["index-locks".into(), "index-not-concurent".into()],
            &[],
            None,
        )
        .unwrap_err();
    let r = render_err(&e);
    assert!(r.contains("--select index-not-concurent"), "{r}");
    assert!(r.contains("did you mean `index-not-concurrent`?"), "{r}");
    assert!(r.contains("pglint::cli::unknown_rule"), "{r}");
    assert!(
        c.settings_with(&rules, &[], &["nope".into()], None)
            .is_err()
    );
}

#[test]
fn glob_ignores() {
    let c = ok(r#"
ignore:
  - {paths: ["legacy/**"], rules: [float-for-money, index-locks]}
  - paths: ["*_squashed_*.sql"]
  - {paths: [vendor/*.sql], rules: [syntax-error]}
"#);
    assert!(c.ignores("legacy/0001_initial.sql", "float-for-money"));
    assert!(c.ignores("./legacy/sub/0002.sql", "index-not-concurrent"));
    assert!(!c.ignores("legacy/0001_initial.sql", "varchar-length"));
    assert!(!c.ignores("app/legacy.sql", "float-for-money"));
    // No `rules`: every rule; a pattern without `/` matches the file name anywhere.
    assert!(c.ignores("app/0003_squashed_0002.sql", "varchar-length"));
    // `*` does not cross directories.
    assert!(c.ignores("vendor/x.sql", "syntax-error"));
    assert!(!c.ignores("vendor/deep/x.sql", "syntax-error"));
}

#[test]
fn globs_are_relative_to_the_config_file() {
    let dir = std::env::temp_dir().join(format!("pglint-cfg-{}", std::process::id()));
    let sub = dir.join("project/app/migrations");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        dir.join("project").join(FILE_NAME),
        "ignore:\n  - {paths: [\"app/migrations/**\"]}\n",
    )
    .unwrap();
    let found = discover(&sub).unwrap();
    assert_eq!(found, dir.join("project").join(FILE_NAME));
    let c = load(Some(&found)).unwrap();
    let file = sub.join("0001.sql");
    assert!(c.ignores(&file.display().to_string(), "syntax-error"));
    assert!(!c.ignores(&dir.join("other.sql").display().to_string(), "syntax-error"));
    let missing = load(Some(&dir.join("nope.yaml"))).unwrap_err();
    assert!(matches!(missing, ConfigError::NotFound { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_and_null_sections_are_defaults() {
    let c = ok("");
    assert!(c.levels.is_empty() && c.pg_version.is_none());
    let c = ok("rules:\nignore:\n");
    assert!(c.levels.is_empty());
}

#[test]
fn the_starter_config_is_valid() {
    let c = parse(STARTER, ".pglint.yaml").unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(c.pg_version, Some(15));
    assert_eq!(c.fail_on, Some(FailOn::Warning));
    // Its commented examples are valid too once uncommented (ids of rules being written are
    // checked against the test rules).
    let uncommented: String = STARTER
        .lines()
        .filter(|l| !l.starts_with("# "))
        .map(|l| l.strip_prefix('#').unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace("rules: {}", "rules:")
        .replace("ignore: []", "ignore:")
        .replace("unused-suppression", "syntax-error");
    ok(&uncommented);
}

mod pyproject;
