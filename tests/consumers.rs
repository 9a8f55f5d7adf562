//! Every YAML, TOML and JSON file pglint ships or writes, read the way its consumers read it:
//! by strict parsers (YAML 1.2 that rejects repeated keys, TOML, JSON that rejects repeated
//! keys), and against the schema each one is published with. `action.yml` once had a plain
//! scalar holding `: `, which every YAML parser (and so GitHub) refuses, while every test
//! that read the file as text passed.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use common::{TempDir, fenced_blocks, run_in};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's files whose name ends with one of `suffixes`, as (path relative to the
/// repository, text). Folders of built or fetched files (target/, node_modules/, fuzz
/// corpora) are not ours and are skipped.
fn shipped(suffixes: &[&str]) -> Vec<(String, String)> {
    const NOT_OURS: [&str; 6] = [
        ".git",
        "target",
        "node_modules",
        "corpus",
        "artifacts",
        "coverage",
    ];
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(repo())
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir() && NOT_OURS.contains(&e.file_name().to_str().unwrap_or("")))
        })
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            suffixes.iter().any(|s| name.ends_with(s))
        })
        .map(|e| {
            let rel = e.path().strip_prefix(repo()).unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            (rel.to_string_lossy().replace('\\', "/"), text)
        })
        .collect();
    files.sort();
    files
}

/// The fenced blocks of `lang` in every Markdown file the repository ships, named by file and
/// line.
fn markdown_blocks(lang: &str) -> Vec<(String, String)> {
    shipped(&[".md"])
        .into_iter()
        .flat_map(|(path, text)| {
            fenced_blocks(&text, lang)
                .into_iter()
                .map(move |(line, block)| (format!("{path}:{line} ({lang} block)"), block))
        })
        .collect()
}

/// YAML as GitHub and pre-commit's parsers read it, only stricter: YAML 1.2 (`on`, `yes` are
/// strings), no repeated keys, no merge keys (not YAML 1.2; GitHub refuses them), no unknown
/// tags, flow collections indented under their parent.
fn strict_yaml(text: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        merge_keys: serde_saphyr::MergeKeyPolicy::Error,
        strict_booleans: true,
        strict_indentation: true,
        reject_unsupported_tags: true,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| e.to_string())
}

/// JSON that says the same to every reader: serde_json (and Python's json) keep the last of
/// two equal keys, other readers the first, so a repeated key is an error here.
fn strict_json(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    NoRepeatedKeys::deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| e.to_string())?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Walks any serde input and fails on a mapping that repeats a key.
struct NoRepeatedKeys;

impl<'de> Deserialize<'de> for NoRepeatedKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoRepeatedKeys)
    }
}

impl<'de> Visitor<'de> for NoRepeatedKeys {
    type Value = NoRepeatedKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoRepeatedKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key {key:?} is repeated")));
            }
            map.next_value::<NoRepeatedKeys>()?;
        }
        Ok(self)
    }
}

/// Runs `check` on every (name, text) and panics with all the failures at once.
fn assert_all<T>(what: &str, docs: &[(String, String)], check: impl Fn(&str) -> Result<T, String>) {
    let failures: Vec<String> = docs
        .iter()
        .filter_map(|(name, text)| check(text).err().map(|e| format!("{name}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {what} fail:\n{}",
        failures.len(),
        docs.len(),
        failures.join("\n\n")
    );
}

fn names(docs: &[(String, String)]) -> Vec<&str> {
    docs.iter().map(|(n, _)| n.as_str()).collect()
}

/// What `pglint init` writes, as a user gets it.
fn starter_config() -> String {
    let t = TempDir::new("consumers-init");
    let (code, out, err) = run_in(t.path(), &["init"]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::read_to_string(t.path().join(".pglint.yaml")).unwrap()
}

#[test]
fn the_strict_parsers_reject_what_they_must() {
    // The defect action.yml had, and its fix.
    assert!(strict_yaml("description: a file (default: the nearest)\n").is_err());
    assert!(strict_yaml("description: \"a file (default: the nearest)\"\n").is_ok());
    assert!(strict_yaml("id: a\nid: b\n").is_err());
    assert!(strict_yaml("base: &b {x: 1}\nderived:\n  <<: *b\n").is_err());
    assert_eq!(strict_yaml("on: push\n").unwrap()["on"], "push");
    assert_eq!(strict_yaml("x: yes\n").unwrap()["x"], "yes");
    assert!(strict_json(r#"{"a": {"b": 1, "b": 2}}"#).is_err());
    assert!(strict_json(r#"[{"b": 1}, {"b": 2}]"#).is_ok());
    assert!(strict_json("{} {}").is_err());
    assert!(toml::de::DeTable::parse("a = 1\na = 2\n").is_err());
}

/// action.yml, .pre-commit-hooks.yaml, the rules, any workflow, the YAML in the Markdown files
/// and the starter `.pglint.yaml` of `pglint init`.
#[test]
fn every_yaml_file_is_strict_yaml_1_2() {
    let mut docs = shipped(&[".yaml", ".yml"]);
    for must in [
        "action.yml",
        ".pre-commit-hooks.yaml",
        "rules/core/syntax-error.yaml",
    ] {
        assert!(names(&docs).contains(&must), "{must} not found");
    }
    docs.extend(markdown_blocks("yaml"));
    docs.push(("pglint init's .pglint.yaml".into(), starter_config()));
    assert_all("YAML documents", &docs, strict_yaml);
}

/// Cargo.toml, pyproject.toml, the lock files and the TOML in the Markdown files.
#[test]
fn every_toml_file_parses() {
    let mut docs = shipped(&[".toml", "Cargo.lock"]);
    for must in ["Cargo.toml", "pyproject.toml", "Cargo.lock"] {
        assert!(names(&docs).contains(&must), "{must} not found");
    }
    docs.extend(markdown_blocks("toml"));
    assert_all("TOML documents", &docs, |text| {
        toml::de::DeTable::parse(text)
            .map(drop)
            .map_err(|e| e.to_string())
    });
}

#[test]
fn every_json_file_has_no_repeated_key() {
    let docs = shipped(&[".json"]);
    assert!(names(&docs).contains(&"rules/schema.json"));
    assert_all("JSON files", &docs, strict_json);
}

/// Each rule file against `rules/schema.json`, the schema editors validate them with
/// (`# yaml-language-server: $schema=../schema.json`). The registry reads the same files with
/// serde; this checks that the published schema agrees with it.
#[test]
fn rule_files_match_the_published_schema() {
    let schema =
        strict_json(&std::fs::read_to_string(repo().join("rules/schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("rules/schema.json compiles");
    let rules: Vec<(String, String)> = shipped(&[".yaml"])
        .into_iter()
        .filter(|(path, _)| path.starts_with("rules/"))
        .collect();
    assert_eq!(rules.len(), pglint::rules::registry::rules().len());
    assert_all("rule files", &rules, |text| {
        let rule = strict_yaml(text)?;
        let errors: Vec<String> = validator
            .iter_errors(&rule)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    });
    // The schema does refuse what the registry refuses.
    let (_, text) = &rules[0];
    let broken = strict_yaml(&format!("{text}\nsevertiy: error\n")).unwrap();
    assert!(!validator.is_valid(&broken));
}

/// A migration whose identifiers hold what JSON must escape: quotes, backslashes, control
/// characters, non-ASCII.
const AWKWARD: &str = "CREATE TABLE \"shop_a\"\"b\\c\u{1}d\u{7f}é😀\" (\"id\" integer PRIMARY KEY, \"t\" timestamp);\nCREATE INDEX \"i\\\"x\" ON \"shop_order\" (\"status\");\nSELECT 1 +;\n";

/// The JSON and SARIF reports of `check` and the JSON of `locks`, on the examples, every rule's
/// fixture and identifiers JSON must escape: strict JSON, and SARIF valid against its schema.
#[test]
fn the_reports_are_strict_json() {
    let t = TempDir::new("consumers-reports");
    t.write("awkward/0001_awkward.sql", AWKWARD);
    let examples = repo().join("examples/shop");
    let fixtures = repo().join("tests/fixtures/rules");
    let inputs = [
        examples.to_str().unwrap(),
        fixtures.to_str().unwrap(),
        "awkward",
    ];
    let mut reports = Vec::new();
    for args in [
        &["check", "--format", "json"][..],
        &["check", "--format", "sarif"],
        &["locks", "--format", "json"],
    ] {
        for input in inputs {
            let (code, out, err) = run_in(t.path(), &[args, &[input]].concat());
            assert!(code == 0 || code == 1, "{args:?} {input}: {err}");
            reports.push((format!("{args:?} {input}"), out));
        }
    }
    assert_all("reports", &reports, strict_json);
    for (name, sarif) in reports.iter().filter(|(n, _)| n.contains("sarif")) {
        let log = strict_json(sarif).unwrap();
        assert!(
            !log["runs"][0]["results"].as_array().unwrap().is_empty(),
            "{name}"
        );
        common::assert_valid_sarif(&log);
    }
}

/// A tool of `${CARGO_TARGET_DIR:-target}/consumers-venv` (scripts/install-test-deps.sh), or
/// `None` after a loud skip (a failure under CI).
fn venv_tool(name: &str) -> Option<PathBuf> {
    common::test_tool(&format!("consumers-venv/bin/{name}"), "tests/consumers.rs")
}

/// Runs `tool` in `dir`; returns (success, stdout and stderr).
fn run_tool(tool: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const WORKFLOW: &str = "examples/github/migrations.yml";

/// The README shows examples/github/migrations.yml, which the tests below and .ci/run lint:
/// what users copy is what is checked.
#[test]
fn the_readme_shows_the_example_workflow() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let workflow = std::fs::read_to_string(repo().join(WORKFLOW)).unwrap();
    assert!(
        fenced_blocks(&readme, "yaml")
            .iter()
            .any(|(_, block)| *block == workflow),
        "README.md's GitHub Action section must show {WORKFLOW} verbatim"
    );
}

/// action.yml against the schema of action metadata, the workflows (the example and any in
/// .github/workflows) against that of workflows: the schemas GitHub's loader follows, vendored
/// by check-jsonschema, which reads YAML with ruamel.yaml (YAML 1.2, no repeated keys).
#[test]
fn the_action_and_the_workflows_match_githubs_schemas() {
    let Some(check) = venv_tool("check-jsonschema") else {
        return;
    };
    let schema = |name: &str, files: &[&str]| {
        let args = [&["--builtin-schema", name][..], files].concat();
        run_tool(&check, repo(), &args)
    };
    let (ok, out) = schema("vendor.github-actions", &["action.yml"]);
    assert!(ok, "{out}");
    let mut workflows = vec![WORKFLOW.to_string()];
    if let Ok(dir) = std::fs::read_dir(repo().join(".github/workflows")) {
        workflows.extend(
            dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
                .map(|name| format!(".github/workflows/{name}")),
        );
    }
    let workflows: Vec<&str> = workflows.iter().map(String::as_str).collect();
    let (ok, out) = schema("vendor.github-workflows", &workflows);
    assert!(ok, "{out}");
    // It refuses an action GitHub would refuse.
    let t = TempDir::new("consumers-schema");
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let broken = t.write(
        "action.yml",
        action.replace("using: composite", "using: compsite"),
    );
    let (ok, out) = schema("vendor.github-actions", &[broken.to_str().unwrap()]);
    assert!(!ok, "{out}");
}

/// The rule files against rules/schema.json in a second, independent reader (ruamel.yaml and
/// Python's jsonschema, as an editor's YAML plugin would).
#[test]
fn check_jsonschema_accepts_the_rule_files() {
    let Some(check) = venv_tool("check-jsonschema") else {
        return;
    };
    let rules: Vec<String> = shipped(&[".yaml"])
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.starts_with("rules/"))
        .collect();
    let args = [
        &["--schemafile", "rules/schema.json"][..],
        &rules.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat();
    let (ok, out) = run_tool(&check, repo(), &args);
    assert!(ok, "{out}");
}

/// A user's repository as actionlint sees it: action.yml at the root and the example workflow in
/// .github/workflows/ with `uses: pglint/pglint@…` turned into `uses: ./`, so that actionlint
/// loads action.yml and checks the workflow's `with:` against its inputs. `edit` changes the
/// workflow first.
fn user_repository(t: &TempDir, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = t.path().join("user");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    common::git(&dir, &["init", "-q"]);
    std::fs::copy(repo().join("action.yml"), dir.join("action.yml")).unwrap();
    let workflow = std::fs::read_to_string(repo().join(WORKFLOW)).unwrap();
    let (before, rest) = workflow.split_once("uses: pglint/pglint@").unwrap();
    let after = &rest[rest.find('\n').unwrap()..];
    let local = format!("{before}uses: ./{after}");
    std::fs::write(dir.join(".github/workflows/migrations.yml"), edit(local)).unwrap();
    dir
}

/// actionlint (with shellcheck for the `run:` scripts) on the example workflow using this
/// action: syntax, expressions, the inputs given to the action, the shell script.
#[test]
fn actionlint_accepts_the_example_workflow_using_the_action() {
    let (Some(actionlint), Some(shellcheck)) = (venv_tool("actionlint"), venv_tool("shellcheck"))
    else {
        return;
    };
    let shellcheck = format!("-shellcheck={}", shellcheck.display());
    let t = TempDir::new("consumers-actionlint");
    let dir = user_repository(&t, |w| w);
    let (ok, out) = run_tool(&actionlint, &dir, &["-no-color", &shellcheck]);
    assert!(ok, "{out}");
    // action.yml is read: an input it does not declare is reported.
    let dir = user_repository(&t, |w| {
        w.replace("manage-py: manage.py", "manage-pi: manage.py")
    });
    let (ok, out) = run_tool(&actionlint, &dir, &["-no-color", &shellcheck]);
    assert!(
        !ok && out.contains("input \"manage-pi\" is not defined in action"),
        "{out}"
    );
}

/// zizmor's security audit of the composite action and the example workflow (template
/// injection, unpinned actions, credentials left in the checkout, ...), offline.
#[test]
fn zizmor_finds_nothing_in_the_action_or_the_example_workflow() {
    let Some(zizmor) = venv_tool("zizmor") else {
        return;
    };
    let args = ["--offline", "--config", ".github/zizmor.yml"];
    let (ok, out) = run_tool(
        &zizmor,
        repo(),
        &[&args[..], &["action.yml", WORKFLOW]].concat(),
    );
    assert!(ok, "{out}");
    // It does audit the action: an input expanded into a script is found.
    let t = TempDir::new("consumers-zizmor");
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let script = "run: bash \"$GITHUB_ACTION_PATH/scripts/github-action.sh\"";
    assert!(action.contains(script));
    let injected = t.write(
        "action.yml",
        action.replace(script, "run: echo ${{ inputs.paths }}"),
    );
    let (ok, out) = run_tool(
        &zizmor,
        repo(),
        &[&args[..], &[injected.to_str().unwrap()]].concat(),
    );
    assert!(!ok && out.contains("template-injection"), "{out}");
}
