//! The rule examples whose facts are declared (`locks:`): the statement each `docs.bad`
//! flags, with the statements before it, linted against the shared fixture as context.

use pglint::finding::Finding;
use pglint::parse::{NodeEnum, parse_file};
use pglint::rules::decl::{LockDecl, RuleDecl};
use pglint::rules::{Engine, Settings, registry};
use pglint::source::SourceFile;

pub const FIXTURE: &str = include_str!("fixture.sql");

pub struct Example {
    pub rule: &'static RuleDecl,
    pub decl: LockDecl,
    /// The statements before the flagged one (BEGIN / COMMIT left out).
    pub before: String,
    /// The flagged statement.
    pub sql: String,
}

pub fn examples() -> Vec<Example> {
    let engine = Engine::new(Settings::default());
    let mut out = Vec::new();
    for rule in registry::rules() {
        let Some(decl) = rule.locks.clone() else {
            continue;
        };
        let findings: Vec<Finding> = pglint::lint::lint_texts(
            &engine,
            &[("fixture.sql", FIXTURE), ("bad.sql", &rule.docs.bad)],
        );
        let hit = findings
            .iter()
            .find(|f| f.rule == rule.id && f.file.name == "bad.sql")
            .unwrap_or_else(|| panic!("{}: docs.bad raises nothing", rule.id));
        let migration = parse_file(SourceFile::new("bad.sql", rule.docs.bad.clone()));
        let text = |i: usize| migration.text(migration.statements[i].span).to_string();
        let before: Vec<String> = (0..hit.statement)
            .filter(|&i| {
                !matches!(
                    migration.statements[i].node(),
                    Some(NodeEnum::TransactionStmt(_))
                )
            })
            .map(|i| format!("{};", text(i)))
            .collect();
        out.push(Example {
            rule,
            decl,
            before: before.join("\n"),
            sql: text(hit.statement),
        });
    }
    out
}
