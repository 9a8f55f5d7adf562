//! Helpers shared by the integration tests.
#![allow(dead_code)]

use pglint::finding::Finding;
use pglint::rules::{Engine, Settings};

/// Lints SQL as one file with default settings (but `lock_timeout` assumed set; see
/// [`settings_for`]).
pub fn lint(sql: &str) -> Vec<Finding> {
    lint_files(&[("test.sql", sql)])
}

/// Lints SQL texts as consecutive migration files with default settings (but `lock_timeout`
/// assumed set, so rule tests are not also missing-lock-timeout tests).
pub fn lint_files(files: &[(&str, &str)]) -> Vec<Finding> {
    pglint::lint::lint_texts(&Engine::new(settings_for("")), files)
}

/// The settings a rule's examples and fixture are linted with: the defaults, plus the rule
/// switched on at warning if it is off by default (its examples must show it firing), and —
/// unless the rule is `missing-lock-timeout` itself — `lock_timeout` assumed set on the
/// connection, so that every other rule's example is not also a missing-timeout example.
pub fn settings_for(rule: &str) -> Settings {
    let mut settings = Settings::default();
    if let Some(decl) = pglint::rules::registry::find(rule)
        && decl.severity == pglint::finding::Level::Off
    {
        settings
            .levels
            .insert(decl.id.clone(), pglint::finding::Level::Warning);
    }
    if rule != "missing-lock-timeout"
        && let Some(decl) = pglint::rules::registry::find("missing-lock-timeout")
    {
        let mut options = pglint::rules::options::RuleOptions::defaults(decl);
        options.set("assume_set", pglint::rules::decl::OptionValue::Bool(true));
        settings.options.insert(decl.id.clone(), options);
    }
    settings
}

/// Lints with [`settings_for`] `rule`.
pub fn lint_enabling(files: &[(&str, &str)], rule: &str) -> Vec<Finding> {
    pglint::lint::lint_texts(&Engine::new(settings_for(rule)), files)
}

/// Like [`lint_enabling`] for one file, after an optional context migration (not reported).
pub fn lint_enabling_after(context: Option<&str>, file: (&str, &str), rule: &str) -> Vec<Finding> {
    let parse = |name: &str, text: &str| {
        pglint::parse::parse_file(pglint::source::SourceFile::new(name, text))
    };
    let context = context.map(|c| (parse("0001_context.sql", c), false));
    let migrations = context.into_iter().chain([(parse(file.0, file.1), true)]);
    let engine = Engine::new(settings_for(rule));
    pglint::lint::lint_migrations(&engine, &pglint::config::Config::default(), migrations).0
}

/// Lints a rule's docs example (`docs.bad` or `docs.good`) as that rule's tests see it: after
/// its `docs.context` migration (replayed, not reported), with [`settings_for`] the rule.
pub fn lint_example(rule: &pglint::rules::decl::RuleDecl, sql: &str) -> Vec<Finding> {
    lint_enabling_after(rule.docs.context.as_deref(), ("test.sql", sql), &rule.id)
}

pub fn rule_ids(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.rule.to_string()).collect()
}

/// Asserts that `sql` raises `rule` (and possibly others).
pub fn assert_fires(sql: &str, rule: &str) {
    let found = lint(sql);
    assert!(
        found.iter().any(|f| f.rule == rule),
        "expected {rule} on:\n{sql}\ngot {:?}",
        rule_ids(&found)
    );
}

/// Asserts that `sql` does not raise `rule`.
pub fn assert_silent(sql: &str, rule: &str) {
    let found = lint(sql);
    assert!(
        !found.iter().any(|f| f.rule == rule),
        "expected no {rule} on:\n{sql}\ngot {:?}",
        rule_ids(&found)
    );
}

/// insta settings that write into the top-level `snapshots/` folder.
pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pglint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `contents` (text or bytes) to `name`, creating its folders.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the built `pglint` in `dir`; returns (exit code, stdout, stderr).
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let (code, stdout, stderr) = run_in_env(dir, args, &[]);
    (
        code,
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs the built `pglint` in `dir` with extra environment variables (and `NO_COLOR=1`);
/// returns (exit code, stdout, stderr) as bytes.
pub fn run_in_env(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Vec<u8>, Vec<u8>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}

/// Runs the built `pglint` in `dir` (with `NO_COLOR=1`), writing `stdin` to it when given and
/// closing its input either way.
pub fn pglint_in(
    dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // The child may stop reading early; a broken pipe here is not the test's concern.
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs git in `dir` with a throwaway identity and no system or user configuration; panics
/// with git's message when it fails; returns its output, trimmed.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Asserts that `log` is valid against the official SARIF 2.1.0 schema (tests/data/).
pub fn assert_valid_sarif(log: &serde_json::Value) {
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    // The official schema's `language` patterns (in `run` and `toolComponent`) have a stray
    // `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that the meta-schema's `format: regex`
    // check rejects, so the validator refuses to compile them. The file stays verbatim; the
    // copy in memory gets the pattern the spec means (pglint never writes `language`).
    for def in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *pattern = serde_json::Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

/// The fenced code blocks of a Markdown text whose info string is exactly `lang`, with the
/// 1-based line of each opening fence (for messages that point back into the document).
pub fn fenced_blocks(markdown: &str, lang: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut open {
            None if line.strip_prefix("```") == Some(lang) => open = Some((i + 1, String::new())),
            Some(_) if line == "```" => blocks.push(open.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The target directory: where `debug/pglint` was built, and where
/// `scripts/install-test-deps.sh` puts the test tools (`${CARGO_TARGET_DIR:-target}`).
pub fn target_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_BIN_EXE_pglint"))
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .to_path_buf()
}

/// A test tool that `scripts/install-test-deps.sh` installs below the target directory (e.g.
/// `precommit-venv/bin/pre-commit`): its path, or `None` after [`skip`]ping `test`.
pub fn test_tool(relative: &str, test: &str) -> Option<std::path::PathBuf> {
    let exe = target_dir().join(relative);
    if exe.exists() {
        return Some(exe);
    }
    skip(test, &format!("{} not found", exe.display()));
    None
}

/// Says loudly that `test` is skipped for lack of something `scripts/install-test-deps.sh`
/// installs; under CI (`CI` set), where that script ran, fails the test instead.
pub fn skip(test: &str, why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why}, and CI is set: .ci/run must run scripts/install-test-deps.sh"
    );
    // Written to the process's stderr itself: libtest captures eprintln! of passing tests.
    let bang = "!".repeat(76);
    let text = format!(
        "\n{bang}\n!! {test} SKIPPED: {why}.\n!! Run scripts/install-test-deps.sh \
         (CI does, and fails without it).\n{bang}\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
}

/// Copies the folder `from` to `to`, leaving out Python's `__pycache__`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// A small deterministic generator (xorshift64*): the same seed gives the same corpus on
/// every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn choice<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn h8(&mut self) -> String {
        format!("{:08x}", self.next() as u32)
    }
}

/// Django-`sqlmigrate`-shaped migrations, as `scripts/gen-bench-corpus.py corpus` writes them
/// (same mix, own random numbers): `(app/NNNN_name.sql, text)` in migration order, about 10
/// statements each, apps taking turns. Each migration is one transaction with operation
/// headers: CreateModel (10 columns, a deferred FK and its index, a `_like` index), then AddField
/// with a default and DROP DEFAULT, AlterField type changes, sometimes AddIndex, and a RunSQL
/// UPDATE or plpgsql function on tables earlier migrations created.
pub fn django_corpus(migrations: usize, seed: u64) -> Vec<(String, String)> {
    const APPS: [&str; 10] = [
        "shop",
        "billing",
        "accounts",
        "catalog",
        "shipping",
        "inventory",
        "crm",
        "blog",
        "support",
        "analytics",
    ];
    const VERBS: [&str; 15] = [
        "order", "invoice", "customer", "product", "parcel", "stock", "lead", "post", "ticket",
        "event", "item", "line", "payment", "address", "note",
    ];
    let header = |text: &str| format!("--\n-- {text}\n--\n");
    let short = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let model_of = |table: &str| table.split_once('_').map_or("", |(_, m)| m).to_string();
    let mut rng = Rng::new(seed);
    // (table, varchar columns)
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    let mut per_app = [0usize; APPS.len()];
    let mut out = Vec::with_capacity(migrations);
    for i in 0..migrations {
        let app = APPS[i % APPS.len()];
        per_app[i % APPS.len()] += 1;
        let n = per_app[i % APPS.len()];
        let mut body = String::new();
        let mut deferred = String::new();
        // CreateModel
        let model = format!("{}{i}", rng.choice(&VERBS));
        let table = format!("{app}_{model}");
        let mut cols = vec![
            "\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY".to_string(),
            format!(
                "\"name\" varchar({}) NOT NULL",
                rng.choice(&[50, 100, 200, 255])
            ),
            "\"code\" varchar(32) NOT NULL UNIQUE".into(),
            "\"quantity\" integer NOT NULL CHECK (\"quantity\" >= 0)".into(),
            "\"is_active\" boolean NOT NULL".into(),
            "\"created_at\" timestamp with time zone NOT NULL".into(),
            "\"payload\" jsonb NOT NULL".into(),
            "\"uuid\" uuid NOT NULL".into(),
            "\"amount\" numeric(12, 2) NOT NULL".into(),
        ];
        let parent = if tables.is_empty() {
            None
        } else {
            Some(rng.choice(&tables).0.clone())
        };
        cols.push(if parent.is_some() {
            "\"parent_id\" bigint NULL".into()
        } else {
            "\"note\" text NOT NULL".into()
        });
        body += &header(&format!("Create model {model}"));
        body += &format!("CREATE TABLE \"{table}\" ({});\n", cols.join(", "));
        if let Some(parent) = &parent {
            deferred += &format!(
                "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{}_parent_id_{}_fk_{}_id\" FOREIGN KEY \
                 (\"parent_id\") REFERENCES \"{parent}\" (\"id\") DEFERRABLE INITIALLY DEFERRED;\n",
                short(&table, 20),
                rng.h8(),
                short(parent, 10)
            );
            deferred += &format!(
                "CREATE INDEX \"{}_parent_id_{}\" ON \"{table}\" (\"parent_id\");\n",
                short(&table, 30),
                rng.h8()
            );
        }
        deferred += &format!(
            "CREATE INDEX \"{}_code_{}_like\" ON \"{table}\" (\"code\" varchar_pattern_ops);\n",
            short(&table, 30),
            rng.h8()
        );
        tables.push((table, vec!["name".into(), "code".into()]));
        if tables.len() > 1 {
            // AddField with a default, then DROP DEFAULT
            let t = rng.below(tables.len());
            let col = format!("extra_{}", tables[t].1.len());
            tables[t].1.push(col.clone());
            let table = &tables[t].0;
            body += &header(&format!("Add field {col} to {}", model_of(table)));
            body += &format!(
                "ALTER TABLE \"{table}\" ADD COLUMN \"{col}\" varchar(64) DEFAULT 'none' NOT NULL;\n\
                 ALTER TABLE \"{table}\" ALTER COLUMN \"{col}\" DROP DEFAULT;\n"
            );
            // AlterField
            let (table, varchars) = rng.choice(&tables);
            let col = rng.choice(varchars);
            let size = rng.choice(&[120, 300, 500]);
            body += &header(&format!("Alter field {col} on {}", model_of(table)));
            body += &format!(
                "ALTER TABLE \"{table}\" ALTER COLUMN \"{col}\" TYPE varchar({size}) USING \"{col}\"::varchar({size});\n"
            );
            // AddIndex, half of the time
            if rng.below(2) == 0 {
                let table = &rng.choice(&tables).0;
                body += &header(&format!(
                    "Create index {}_created_idx on field(s) created_at of model {}",
                    short(table, 20),
                    model_of(table)
                ));
                body += &format!(
                    "CREATE INDEX \"{}_created_{}\" ON \"{table}\" (\"created_at\", \"is_active\");\n",
                    short(table, 20),
                    rng.h8()
                );
            }
            // RunSQL
            let table = &rng.choice(&tables).0;
            body += &header("Raw SQL operation");
            if rng.below(5) == 0 {
                body += &format!(
                    "CREATE OR REPLACE FUNCTION \"{}_touch_{}\"() RETURNS trigger AS $$\n\
                     BEGIN\n  NEW.created_at := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n",
                    short(table, 20),
                    rng.h8()
                );
            } else {
                body += &format!(
                    "UPDATE \"{table}\" SET \"is_active\" = true WHERE \"quantity\" > {} AND \"name\" <> 'n/a; -- not a comment';\n",
                    rng.below(1001)
                );
            }
        }
        let name = if n == 1 {
            "0001_initial".to_string()
        } else {
            format!("{n:04}_auto_{i}")
        };
        out.push((
            format!("{app}/{name}.sql"),
            format!("BEGIN;\n{body}{deferred}COMMIT;\n"),
        ));
    }
    out
}

/// The lines the GitHub Actions runner reads from a step's output: split on `\n` and on a
/// lone `\r`, leading white space trimmed.
pub fn runner_lines(output: &str) -> Vec<&str> {
    output
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(str::trim_start)
        .collect()
}

/// No line of `output` is a command to the runner (none contains `##[`, none starts with `::`
/// unless `annotations` allows pglint's own `::warning file=…` lines), and nothing in it
/// drives a terminal (no control character but `\n` and `\t`, no line or paragraph separator,
/// no bidi control).
#[track_caller]
pub fn assert_runner_safe(output: &str, annotations: bool, what: &str) {
    for line in runner_lines(output) {
        assert!(!line.contains("##["), "{what}: {line:?}");
        if line.starts_with("::") {
            let own = ["::error file=", "::warning file=", "::notice file="];
            assert!(
                annotations && own.iter().any(|p| line.starts_with(p)),
                "{what}: {line:?}"
            );
        }
    }
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    assert!(!output.contains(unsafe_char), "{what}: {output:?}");
}
