//! Shared by the targets: lint one file with every rule on and render every format.

use pglint::cli::Format;
use pglint::finding::{Level, Summary};
use pglint::rules::{Engine, Settings, registry};

pub fn all_rules() -> Engine {
    let mut settings = Settings::default();
    for rule in registry::rules() {
        settings.levels.insert(rule.id.clone(), Level::Warning);
    }
    Engine::new(settings)
}

/// The `check` pipeline on one input's bytes: decode, split, parse, replay, lint, render.
pub fn lint_bytes(engine: &Engine, bytes: &[u8]) {
    let Ok(file) = pglint::source::decode("fuzz.sql".into(), bytes.to_vec()) else {
        return;
    };
    let text = file.text.clone();
    let findings = pglint::lint::lint_texts(engine, &[("0001.sql", &text), ("0002.sql", &text)]);
    let summary = Summary::count(2, &findings);
    for format in [
        Format::Human,
        Format::Compact,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ] {
        let mut out = Vec::new();
        pglint::report::render(format, &findings, &summary, &mut out).unwrap();
    }
}
