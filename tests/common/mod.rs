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

    pub fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pglint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
