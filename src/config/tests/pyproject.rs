//! `[tool.pglint]` in pyproject.toml: the same settings as `.pglint.yaml`, the same located
//! mistakes (at their place in the whole pyproject.toml), and discovery next to `.pglint.yaml`.

use super::*;

const NAME: &str = "pyproject.toml";

fn ok_toml(text: &str) -> Config {
    parse_pyproject_with(text, NAME, &rules()).unwrap_or_else(|e| panic!("{}", render_err(&e)))
}

fn err_toml(text: &str) -> ConfigError {
    match parse_pyproject_with(text, NAME, &rules()) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e,
    }
}

/// The only diagnostic of an error, rendered; asserts its kind.
fn one_toml(text: &str, kind: Kind) -> String {
    let e = err_toml(text);
    let diags = e.diagnostics();
    assert_eq!(diags.len(), 1, "{}", render_err(&e));
    assert_eq!(diags[0].kind, kind, "{}", render_err(&e));
    render(diags[0])
}

/// Other tools' tables around pglint's, so every location is checked against the whole file.
const HEAD: &str = r#"[build-system]
requires = ["maturin>=1.5,<2"]

[project]
name = "shop"
dependencies = ["django>=4.2"]

[tool.ruff]
line-length = 100
"#;

#[test]
fn the_same_settings_as_the_equivalent_yaml() {
    let yaml = ok(r#"
pg_version: 16
fail_on: info
rules:
  varchar-length: warning
  types: error
  index-not-concurrent: "off"
  float-for-money: {severity: info, options: {column_names: [total, "price"], min-scale: 4, allow-real: true, schema: billing}}
ignore:
  - {paths: ["legacy/**"], rules: [float-for-money, index-locks]}
  - paths: ["*_squashed_*.sql"]
"#);
    let toml = ok_toml(&format!(
        r#"{HEAD}
[tool.pglint]
pg_version = 16
fail_on = "info"

[tool.pglint.rules]
varchar-length = "warning"
types = "error"
index-not-concurrent = "off"
float-for-money = {{ severity = "info", options = {{ column_names = ["total", "price"], min-scale = 4, allow-real = true, schema = "billing" }} }}

[[tool.pglint.ignore]]
paths = ["legacy/**"]
rules = ["float-for-money", "index-locks"]

[[tool.pglint.ignore]]
paths = ["*_squashed_*.sql"]

[tool.black]
line-length = 100
"#
    ));
    assert_eq!(toml.pg_version, Some(16));
    assert_eq!(toml.fail_on, Some(FailOn::Info));
    assert_eq!(toml.pg_version, yaml.pg_version);
    assert_eq!(toml.fail_on, yaml.fail_on);
    assert_eq!(toml.levels, yaml.levels);
    assert_eq!(toml.levels["float-for-money"], Level::Info);
    assert_eq!(toml.levels["index-not-concurrent"], Level::Off);
    assert_eq!(toml.levels["varchar-length"], Level::Warning);
    assert_eq!(toml.options, yaml.options);
    assert_eq!(
        toml.options["float-for-money"],
        [
            (
                "column-names".to_string(),
                OptionValue::List(vec!["total".into(), "price".into()])
            ),
            ("min-scale".to_string(), OptionValue::Int(4)),
            ("allow-real".to_string(), OptionValue::Bool(true)),
            ("schema".to_string(), OptionValue::Str("billing".into())),
        ]
    );
    for (path, rule) in [
        ("legacy/0001_initial.sql", "float-for-money"),
        ("legacy/sub/0002.sql", "index-not-concurrent"),
        ("legacy/0001_initial.sql", "varchar-length"),
        ("app/0003_squashed_0002.sql", "varchar-length"),
        ("app/0004.sql", "float-for-money"),
    ] {
        assert_eq!(
            toml.ignores(path, rule),
            yaml.ignores(path, rule),
            "{path} {rule}"
        );
    }
    assert!(toml.ignores("legacy/0001_initial.sql", "float-for-money"));
    assert!(!toml.ignores("app/0004.sql", "float-for-money"));
    assert!(toml.warnings.is_empty());
}

#[test]
fn toml_numbers_and_dotted_keys() {
    // Underscores, dotted keys and inline tables are all plain TOML.
    let c = ok_toml(
        "[tool.pglint]\npg_version = 1_5\nrules.float-for-money.options.min-scale = 0x10\n\
         rules.float-for-money.options.schema = 12.5\n",
    );
    assert_eq!(c.pg_version, Some(15));
    assert_eq!(
        c.options["float-for-money"],
        [
            ("min-scale".to_string(), OptionValue::Int(16)),
            // A number where a string is expected is taken as written, as in YAML.
            ("schema".to_string(), OptionValue::Str("12.5".into())),
        ]
    );
    let r = one_toml(
        "[tool.pglint]\npg_version = 99999999999999999999\n",
        Kind::BadValue,
    );
    assert!(r.contains("from 12 to 18"), "{r}");
}

#[test]
fn an_empty_table_is_the_defaults_and_other_tables_are_not_read() {
    let c = ok_toml(&format!(
        "{HEAD}[tool.pglint]\n[tool.other]\nbogus = 1979-05-27\n"
    ));
    assert!(c.levels.is_empty() && c.pg_version.is_none() && c.fail_on.is_none());
    // Only a sub-table written: `[tool.pglint]` exists implicitly.
    let c = ok_toml("[tool.pglint.rules]\nsyntax-error = \"warning\"\n");
    assert_eq!(c.levels["syntax-error"], Level::Warning);
}

#[test]
fn no_tool_pglint_table_is_an_error_saying_so() {
    for text in [HEAD, "", "tool = 1\n", "[tool.pglintx]\npg_version = 15\n"] {
        let e = err_toml(text);
        assert!(
            matches!(e, ConfigError::NoToolTable { .. }),
            "{text}: {e:?}"
        );
        let r = render_err(&e);
        assert!(
            r.contains("pyproject.toml has no [tool.pglint] table"),
            "{r}"
        );
        assert!(r.contains("pglint::config::no_tool_table"), "{r}");
    }
    // A `tool.pglint` that is not a table is pglint's, and wrong.
    let r = one_toml("[tool]\npglint = \"strict\"\n", Kind::BadValue);
    assert!(
        r.contains("the configuration must be a mapping, not a string"),
        "{r}"
    );
    assert!(r.contains("pyproject.toml:2:10"), "{r}");
}

#[test]
fn unknown_key_points_at_its_line_in_pyproject() {
    let text = format!("{HEAD}\n[tool.pglint]\npg_version = 15\nfail-on = \"warning\"\n");
    let r = one_toml(&text, Kind::UnknownKey);
    assert!(
        r.contains("unknown key `fail-on` in the configuration"),
        "{r}"
    );
    assert!(r.contains("did you mean `fail_on`?"), "{r}");
    assert!(r.contains("pyproject.toml:13:1"), "{r}");
    assert_points_at(&r, 13, "fail-on = \"warning\"", "unknown key");

    let r = one_toml(
        "[tool.pglint]\n[[tool.pglint.ignore]]\npaths = [\"a\"]\nrulez = [\"syntax-error\"]\n",
        Kind::UnknownKey,
    );
    assert!(r.contains("did you mean `rules`?"), "{r}");
    assert!(r.contains("pyproject.toml:4:1"), "{r}");
}

#[test]
fn unknown_rule_suggests_the_closest_id() {
    let text = format!(
        "{HEAD}\n[tool.pglint.rules]\nsyntax-error = \"error\"\nflaot-for-money = \"warning\"\n"
    );
    let r = one_toml(&text, Kind::UnknownRule);
    assert!(r.contains("unknown rule `flaot-for-money`"), "{r}");
    assert!(r.contains("did you mean `float-for-money`?"), "{r}");
    assert!(r.contains("pyproject.toml:13:1"), "{r}");
    assert_points_at(&r, 13, "flaot-for-money = \"warning\"", "no rule or family");

    // In a table header, the id in the header is marked.
    let r = one_toml(
        "[tool.pglint.rules.flaot-for-money]\nseverity = \"info\"\n",
        Kind::UnknownRule,
    );
    assert!(r.contains("pyproject.toml:1:20"), "{r}");
}

#[test]
fn option_types_are_located() {
    let text = format!(
        "{HEAD}\n[tool.pglint.rules.float-for-money]\nseverity = \"info\"\n\
         options = {{ allow-real = \"yes\" }}\n"
    );
    let r = one_toml(&text, Kind::OptionType);
    assert!(
        r.contains("option `allow-real` must be a boolean, not a string"),
        "{r}"
    );
    assert!(r.contains("pyproject.toml:13:26"), "{r}");
    assert_points_at(
        &r,
        13,
        "options = { allow-real = \"yes\" }",
        "expected a boolean",
    );

    let r = one_toml(
        "[tool.pglint.rules.float-for-money.options]\ncolumn_names = \"price\"\n",
        Kind::OptionType,
    );
    assert!(r.contains("must be a list of strings, not a string"), "{r}");
    // The hint is written in TOML.
    assert!(r.contains(r#"write a list, like ["a", "b"]"#), "{r}");
    assert!(r.contains("pyproject.toml:2:16"), "{r}");

    let r = one_toml(
        "[tool.pglint.rules.float-for-money.options]\ncolumn_names = [\"price\", { a = 1 }]\n",
        Kind::OptionType,
    );
    assert!(r.contains("this item is a mapping"), "{r}");
    assert!(r.contains("pyproject.toml:2:26"), "{r}");

    let r = one_toml(
        "[tool.pglint.rules.float-for-money]\noptions = { column_namez = [\"x\"] }\n",
        Kind::UnknownOption,
    );
    assert!(r.contains("did you mean `column-names`?"), "{r}");
}

#[test]
fn bad_levels_are_located() {
    let r = one_toml(
        "[tool.pglint.rules]\nsyntax-error = \"warn\"\n",
        Kind::BadLevel,
    );
    assert!(
        r.contains("a rule's level must be off, info, warning or error, not `warn`"),
        "{r}"
    );
    assert!(r.contains("did you mean `warning`?"), "{r}");
    assert!(r.contains("pyproject.toml:2:16"), "{r}");

    // TOML's `false` is not `off`: a level is a string.
    let r = one_toml(
        "[tool.pglint.rules]\nsyntax-error = false\n",
        Kind::BadLevel,
    );
    assert!(r.contains("not `false`"), "{r}");

    let r = one_toml(
        &format!("{HEAD}[tool.pglint]\nfail_on = \"always\"\n"),
        Kind::BadLevel,
    );
    assert!(
        r.contains("fail_on must be error, warning, info or never"),
        "{r}"
    );
    assert!(r.contains("pyproject.toml:11:11"), "{r}");
    assert_points_at(&r, 11, "fail_on = \"always\"", "unknown level");
}

#[test]
fn dates_are_rejected_as_dates() {
    let r = one_toml(
        &format!("{HEAD}[tool.pglint]\npg_version = 2024-05-01\n"),
        Kind::BadValue,
    );
    assert!(
        r.contains("pg_version must be an integer, not a date/time"),
        "{r}"
    );
    assert!(r.contains("pyproject.toml:11:14"), "{r}");
    assert_points_at(&r, 11, "pg_version = 2024-05-01", "expected an integer");

    let r = one_toml(
        "[tool.pglint.rules.float-for-money.options]\nschema = 07:32:00\n",
        Kind::OptionType,
    );
    assert!(
        r.contains("option `schema` must be a string, not a date/time"),
        "{r}"
    );
    let r = one_toml(
        "[tool.pglint.rules]\nsyntax-error = 1979-05-27T07:32:00Z\n",
        Kind::BadLevel,
    );
    assert!(r.contains("not a date/time"), "{r}");
    let r = one_toml(
        "[[tool.pglint.ignore]]\npaths = [1979-05-27]\n",
        Kind::BadValue,
    );
    assert!(
        r.contains("`paths` must be a string, not a date/time"),
        "{r}"
    );
}

#[test]
fn ignore_entries_are_checked() {
    let r = one_toml(
        "[tool.pglint]\n\n[[tool.pglint.ignore]]\nrules = [\"syntax-error\"]\n",
        Kind::BadValue,
    );
    assert!(r.contains("an `ignore` entry needs `paths`"), "{r}");
    assert!(r.contains(r#"write `paths = ["legacy/**"]`"#), "{r}");
    // The entry's header is marked.
    assert!(r.contains("pyproject.toml:3:1"), "{r}");

    let r = one_toml(
        "[tool.pglint]\nignore = [{ paths = [\"a/[b\"] }]\n",
        Kind::BadGlob,
    );
    assert!(r.contains("invalid glob `a/[b`"), "{r}");
    assert!(r.contains("pyproject.toml:2:22"), "{r}");

    let r = one_toml(
        "[tool.pglint]\nrules = [\"syntax-error\"]\n",
        Kind::BadValue,
    );
    assert!(r.contains("`rules` must be a mapping, not a list"), "{r}");
}

#[test]
fn syntax_errors_anywhere_in_the_file_are_located() {
    // In pglint's table.
    let r = one_toml(
        &format!("{HEAD}[tool.pglint]\nfail_on = \"warning\n"),
        Kind::Syntax,
    );
    assert!(r.contains("invalid TOML"), "{r}");
    assert!(r.contains("pyproject.toml:11:"), "{r}");
    // An unquoted level, the likeliest slip when coming from YAML.
    let r = one_toml("[tool.pglint.rules]\nsyntax-error = off\n", Kind::Syntax);
    assert!(r.contains("string values must be quoted"), "{r}");
    assert_points_at(&r, 2, "syntax-error = off", "here");
    // In another tool's table: the file is broken, so pglint's table cannot be trusted.
    let r = one_toml(
        "[project]\nname = \"shop\nversion = 1\n\n[tool.pglint]\npg_version = 15\n",
        Kind::Syntax,
    );
    assert!(r.contains("pyproject.toml:2:"), "{r}");
    // Duplicate keys.
    let r = one_toml(
        "[tool.pglint]\nfail_on = \"error\"\nfail_on = \"info\"\n",
        Kind::Syntax,
    );
    assert!(r.contains("duplicate key"), "{r}");
    assert_points_at(&r, 3, "fail_on = \"info\"", "here");
}

#[test]
fn every_mistake_is_reported_at_once_in_file_order() {
    // The toml crate keeps keys sorted by name; the report follows the file.
    let e = err_toml(
        "[tool.pglint]\nzzz = 1\naaa = 2\n[tool.pglint.rules]\nnope = \"error\"\nsyntax-error = \"loud\"\n",
    );
    let found: Vec<(Kind, &str)> = e
        .diagnostics()
        .iter()
        .map(|d| (d.kind, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Kind::UnknownKey, "unknown key `zzz` in the configuration"),
            (Kind::UnknownKey, "unknown key `aaa` in the configuration"),
            (Kind::UnknownRule, "unknown rule `nope`"),
            (
                Kind::BadLevel,
                "a rule's level must be off, info, warning or error, not `loud`"
            ),
        ]
    );
    let r = render_err(&e);
    assert!(r.contains("4 problems in pyproject.toml"), "{r}");
}

#[test]
fn renamed_ids_warn_at_their_line() {
    let c = ok_toml("[tool.pglint.rules]\nmoney-as-float = \"error\"\n");
    assert_eq!(c.levels["float-for-money"], Level::Error);
    assert_eq!(c.warnings.len(), 1);
    let r = render(&c.warnings[0]);
    assert!(r.contains("renamed to `float-for-money`"), "{r}");
    assert!(r.contains("pyproject.toml:2:1"), "{r}");
}

#[test]
fn broken_input_never_panics() {
    // Every prefix of a pyproject.toml that uses each construct, and every one-byte deletion:
    // each gives a configuration or located errors whose spans lie inside the text.
    let text = format!(
        "{HEAD}[tool.pglint]\npg_version = 15\nfail_on = 'warning'\nwhen = 1979-05-27T07:32:00Z\n\
         [tool.pglint.rules]\n\"float-for-money\" = {{ severity = \"info\", options = {{ column_names = [\"a\", \"é\"], min-scale = 2 }} }}\n\
         types = \"\"\"\nerror\"\"\"\n[[tool.pglint.ignore]]\npaths = [\"legacy/**\"]\nrules = [\"types\"]\n"
    );
    let rules = rules();
    let check = |t: &str| {
        if let Err(e) = parse_pyproject_with(t, NAME, &rules) {
            for d in e.diagnostics() {
                assert!(d.span.end <= t.len(), "{t:?}: {d:?}");
                assert!(t.is_char_boundary(d.span.start) && t.is_char_boundary(d.span.end));
                render(d);
            }
        }
    };
    for (i, _) in text.char_indices() {
        check(&text[..i]);
        let mut deleted = text.clone();
        deleted.remove(i);
        check(&deleted);
    }
    // Nesting beyond the parser's limit is a syntax error, not a stack overflow.
    let deep = format!("[tool.pglint]\nx = {}\n", "[".repeat(100_000));
    let r = one_toml(&deep, Kind::Syntax);
    assert!(r.contains("invalid TOML"), "{r}");
    let dotted = format!("{} = 1\n", vec!["a"; 100_000].join("."));
    assert!(matches!(
        err_toml(&dotted).diagnostics()[0].kind,
        Kind::Syntax
    ));
}

/// A fresh directory tree for discovery tests, removed on drop.
struct Tree(std::path::PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let dir = std::env::temp_dir().join(format!("pglint-cfg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir)
    }

    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn dir(&self, name: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn discovery_prefers_pglint_yaml_then_a_pyproject_with_the_table() {
    let t = Tree::new("discover");
    let sub = t.dir("outer/project/app/migrations");
    // Nothing anywhere up to this tree's root (the temp dir may have files of its own above).
    assert!(discover(&sub).is_none_or(|p| !p.starts_with(&t.0)));

    // A pyproject.toml with the table is found.
    let outer = t.write(
        "outer/pyproject.toml",
        "[tool.pglint]\nfail_on = \"error\"\n",
    );
    assert_eq!(discover(&sub), Some(outer.clone()));

    // One without the table is passed over, on the way up.
    t.write(
        "outer/project/pyproject.toml",
        "[project]\nname = \"shop\"\n[tool.ruff]\nline-length = 100\n",
    );
    assert_eq!(discover(&sub), Some(outer.clone()));

    // A nearer pyproject.toml with the table wins over a farther .pglint.yaml.
    let far_yaml = t.write("outer/.pglint.yaml", "fail_on: info\n");
    assert_eq!(discover(&sub), Some(far_yaml.clone()));
    let near = t.write("outer/project/app/pyproject.toml", "[tool.pglint]\n");
    assert_eq!(discover(&sub), Some(near.clone()));

    // In one directory, .pglint.yaml wins.
    let near_yaml = t.write("outer/project/app/.pglint.yaml", "fail_on: never\n");
    assert_eq!(discover(&sub), Some(near_yaml));
    std::fs::remove_file(t.0.join("outer/project/app/.pglint.yaml")).unwrap();

    // Loaded by name: the pyproject.toml's table.
    let c = load(Some(&near)).unwrap();
    assert_eq!(c.path.as_deref(), Some(near.as_path()));
    let c = load(Some(&outer)).unwrap();
    assert_eq!(c.fail_on, Some(FailOn::Error));
}

#[test]
fn an_invalid_pyproject_on_the_way_is_reported_not_skipped() {
    let t = Tree::new("discover-invalid");
    let sub = t.dir("project/app");
    t.write(".pglint.yaml", "fail_on: info\n");
    // Broken TOML might be pglint's configuration: discovery stops there, and loading it
    // reports where it breaks.
    let broken = t.write(
        "project/pyproject.toml",
        "[project]\nname = \"shop\"\n\n[tool.pglint]\nfail_on = \"error\n",
    );
    assert_eq!(discover(&sub), Some(broken.clone()));
    let e = load(Some(&broken)).unwrap_err();
    let diags = e.diagnostics();
    assert_eq!(diags.len(), 1, "{}", render_err(&e));
    assert_eq!(diags[0].kind, Kind::Syntax);
    let r = render_err(&e);
    assert!(r.contains("invalid TOML"), "{r}");
    assert!(r.contains("pyproject.toml:5:"), "{r}");

    // Not UTF-8 cannot be TOML either, and is reported as an unreadable file.
    std::fs::write(&broken, b"[tool.pglint]\nfail_on = \"\xff\"\n").unwrap();
    assert_eq!(discover(&sub), Some(broken.clone()));
    assert!(matches!(load(Some(&broken)), Err(ConfigError::Io { .. })));

    // Fixed, without the table: passed over again.
    t.write("project/pyproject.toml", "[project]\nname = \"shop\"\n");
    assert_eq!(discover(&sub), Some(t.0.join(".pglint.yaml")));
}

#[test]
fn explicit_files_are_read_by_name() {
    let t = Tree::new("explicit");
    // Named pyproject.toml: TOML, its table.
    let py = t.write(
        "pyproject.toml",
        "[project]\nname = \"shop\"\n[tool.pglint]\npg_version = 13\n",
    );
    assert_eq!(load(Some(&py)).unwrap().pg_version, Some(13));
    // Without the table: an error saying so, naming the file.
    std::fs::write(&py, "[project]\nname = \"shop\"\n").unwrap();
    match load(Some(&py)) {
        Err(ConfigError::NoToolTable { path }) => assert_eq!(path, py.display().to_string()),
        other => panic!("{other:?}"),
    }
    // Any other name is YAML, even with TOML in it.
    let other = t.write("pglint.toml", "[tool.pglint]\npg_version = 13\n");
    let r = render_err(&load(Some(&other)).unwrap_err());
    assert!(r.contains("invalid YAML"), "{r}");
}

#[test]
fn ignore_globs_are_relative_to_the_pyproject_folder() {
    let t = Tree::new("pyproject-globs");
    let sub = t.dir("project/app/migrations");
    t.write(
        "project/pyproject.toml",
        "[tool.pglint]\nignore = [{ paths = [\"app/migrations/**\"] }]\n",
    );
    let found = discover(&sub).unwrap();
    assert_eq!(found, t.0.join("project/pyproject.toml"));
    let c = load(Some(&found)).unwrap();
    let inside = sub.join("0001.sql");
    assert!(c.ignores(&inside.display().to_string(), "syntax-error"));
    let outside = t.0.join("app/migrations/0001.sql");
    assert!(!c.ignores(&outside.display().to_string(), "syntax-error"));
}
