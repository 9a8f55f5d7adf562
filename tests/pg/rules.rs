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
    /// The relation the finding points at (its label's text, unquoted), when it names one.
    pub flagged: String,
}

impl Example {
    /// The declared facts against the knowledge base's: lock mode and what it blocks on the
    /// relation the finding points at (else the first table locked), and whether the
    /// statement rewrites or scans any table.
    pub fn check(&self, fx: &pglint::locks::Effects) -> Result<(), String> {
        let table = fx
            .locks
            .iter()
            .find(|l| l.kind.is_table_level() && l.relation.name == self.flagged)
            .or_else(|| fx.locks.iter().find(|l| l.kind.is_table_level()))
            .map(|l| l.relation.clone())
            .ok_or("the rule's example locks no table")?;
        let got = (
            fx.mode_of(&table),
            fx.blocks(&table),
            !fx.rewrites.is_empty(),
            !fx.scans.is_empty(),
        );
        let want = (
            Some(self.decl.mode),
            self.decl.blocks.clone(),
            self.decl.rewrite,
            self.decl.scan,
        );
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "{}: rule declares {want:?} (mode, blocks, rewrite, scan), knowledge base says {got:?} on {table}",
                self.rule.id
            ))
        }
    }
}

pub fn examples() -> Vec<Example> {
    let engine = Engine::new(Settings::default());
    let mut out = Vec::new();
    for rule in registry::rules() {
        let Some(decl) = rule.locks.clone() else {
            continue;
        };
        // The rule's own context (earlier migrations) comes after the shared fixture.
        let context = rule.docs.context.clone().unwrap_or_default();
        let findings: Vec<Finding> = pglint::lint::lint_texts(
            &engine,
            &[
                ("fixture.sql", FIXTURE),
                ("context.sql", &context),
                ("bad.sql", &rule.docs.bad),
            ],
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
        let flagged = hit.file.text[hit.span.start..hit.span.end]
            .trim_matches('"')
            .to_string();
        let before = std::iter::once(context.trim().to_string())
            .filter(|c| !c.is_empty())
            .chain(before);
        out.push(Example {
            rule,
            decl,
            before: before.collect::<Vec<_>>().join("\n"),
            sql: text(hit.statement),
            flagged,
        });
    }
    out
}
