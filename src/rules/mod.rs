//! The rule engine: replays each statement into the catalog and runs every enabled check on
//! it, then turns the checks' hits into findings worded by the rules' YAML.

pub mod checks;
pub mod decl;
pub mod docs;
pub mod group;
pub mod history;
pub mod incident;
pub mod options;
pub mod registry;
pub mod template;

use std::collections::HashMap;
use std::sync::Arc;

use self::checks::{CheckFn, Hit, Phase, StmtCtx};
use self::decl::RuleDecl;
use self::options::RuleOptions;
use crate::finding::{Finding, Level, Related, Severity, Text};
use crate::parse::Migration;
use crate::schema::{Catalog, Changes, FileId, Origin};
use crate::source::SourceFile;
use crate::span::Span;

pub const DEFAULT_PG_VERSION: u32 = 15;
pub const SYNTAX_ERROR: &str = "syntax-error";
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// A finding of one file that the end of the run may still drop (see
/// [`checks::Hit::unless_at_end_of_run`]), named by rule, statement and span.
pub struct AtEndOfRun {
    pub rule: &'static str,
    pub statement: usize,
    pub span: Span,
    /// True on the schema at the end of the run: the finding is dropped.
    pub settled: checks::EndOfRun,
}

impl AtEndOfRun {
    pub fn is_of(&self, f: &Finding) -> bool {
        f.rule == self.rule && f.statement == self.statement && f.span == self.span
    }
}

/// Which rules run, at what level and with which options.
#[derive(Debug, Clone)]
pub struct Settings {
    pub pg_version: u32,
    pub levels: HashMap<String, Level>,
    pub options: HashMap<String, RuleOptions>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: DEFAULT_PG_VERSION,
            levels: HashMap::new(),
            options: HashMap::new(),
        }
    }
}

impl Settings {
    /// Every rule on at `level` (benchmarks and scaling tests measure the whole engine).
    pub fn every_rule(level: Level) -> Settings {
        let mut settings = Settings::default();
        for rule in registry::rules() {
            settings.levels.insert(rule.id.clone(), level);
        }
        settings
    }

    /// The level of a rule: configured, or the rule's default.
    pub fn level(&self, rule: &RuleDecl) -> Level {
        self.levels.get(&rule.id).copied().unwrap_or(rule.severity)
    }
}

struct Active {
    decl: &'static RuleDecl,
    severity: Severity,
    check: CheckFn,
    phase: Phase,
    options: RuleOptions,
}

pub struct Engine {
    active: Vec<Active>,
    settings: Settings,
}

impl Engine {
    pub fn new(settings: Settings) -> Engine {
        let active = registry::rules()
            .iter()
            .filter(|r| r.applies_to(settings.pg_version))
            .filter_map(|decl| {
                let severity = settings.level(decl).severity()?;
                let check = checks::lookup(decl.check_name())?;
                let options = settings
                    .options
                    .get(&decl.id)
                    .cloned()
                    .unwrap_or_else(|| RuleOptions::defaults(decl));
                Some(Active {
                    decl,
                    severity,
                    check,
                    phase: checks::phase(decl.check_name()),
                    options,
                })
            })
            .collect();
        Engine { active, settings }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether `rule`'s findings are gathered over the whole run (its `group:` says `scope:
    /// run` and its `per_file` option, when it has one, is off).
    pub fn groups_over_run(&self, rule: &str) -> bool {
        self.active.iter().any(|a| {
            a.decl.id == rule
                && a.decl
                    .group
                    .as_ref()
                    .is_some_and(|g| g.scope == decl::GroupScope::Run)
                && !a.options.bool("per_file")
        })
    }

    /// Replays a migration into the catalog; with `report`, also runs the checks.
    /// `files` holds every file of the run so far, indexed by [`FileId`]. The tests that some
    /// findings still await at the end of the run are dropped: [`Engine::lint_run`] keeps them.
    pub fn lint(
        &self,
        m: &Migration,
        file: FileId,
        catalog: &mut Catalog,
        files: &[Arc<SourceFile>],
        report: bool,
    ) -> Vec<Finding> {
        self.lint_run(m, file, catalog, files, report).0
    }

    /// [`Engine::lint`], plus the findings to judge again at the end of the run.
    pub fn lint_run(
        &self,
        m: &Migration,
        file: FileId,
        catalog: &mut Catalog,
        files: &[Arc<SourceFile>],
        report: bool,
    ) -> (Vec<Finding>, Vec<AtEndOfRun>) {
        let mut findings = Vec::new();
        let mut at_end = Vec::new();
        // Hits with the statement and the position of their rule, so that findings come out
        // in the same order whichever phase raised them.
        let mut pending: Vec<(usize, usize, Hit)> = Vec::new();
        let mut history = history::History::default();
        let no_changes = Changes::default();
        let no_options = RuleOptions::default();
        let any_after = self.active.iter().any(|a| a.phase == Phase::After);
        for (index, stmt) in m.statements.iter().enumerate() {
            let node = match &stmt.node {
                Ok(node) => node,
                Err(err) => {
                    if report
                        && let Some(f) = self.builtin(
                            SYNTAX_ERROR,
                            m,
                            index,
                            err.at,
                            &[("message", err.message.clone())],
                        )
                    {
                        findings.push(f);
                    }
                    continue;
                }
            };
            let origin = Origin {
                file,
                span: stmt.span,
            };
            if !report {
                catalog.apply(node, origin);
                continue;
            }
            let mut effects = crate::locks::effects(node, catalog, self.settings.pg_version);
            // A `DROP INDEX IF EXISTS` of an index the schema does not have locks nothing.
            effects.forget_absent_indexes(node, catalog, file);
            let cache = checks::StmtCache::default();
            let mut ctx = StmtCtx {
                migration: m,
                stmt,
                node,
                catalog,
                phase: Phase::Before,
                changes: &no_changes,
                file,
                options: &no_options,
                pg_version: self.settings.pg_version,
                effects: &effects,
                history: &history,
                cache: &cache,
            };
            self.run_phase(&mut ctx, index, &mut pending);
            let existing =
                |t: &crate::schema::QualifiedName| history::existed_before(catalog, file, t);
            history.record(
                index,
                stmt.span,
                node,
                &effects,
                stmt.in_transaction,
                existing,
            );
            let changes = catalog.apply(node, origin);
            if any_after {
                let cache = checks::StmtCache::default();
                let mut ctx = StmtCtx {
                    migration: m,
                    stmt,
                    node,
                    catalog,
                    phase: Phase::After,
                    changes: &changes,
                    file,
                    options: &no_options,
                    pg_version: self.settings.pg_version,
                    effects: &effects,
                    history: &history,
                    cache: &cache,
                };
                self.run_phase(&mut ctx, index, &mut pending);
            }
        }
        pending.sort_by_key(|(index, rule, _)| (*index, *rule));
        for (index, rule, mut hit) in pending {
            let active = &self.active[rule];
            match hit.confirm.as_ref().map(|c| c(catalog)) {
                Some(None) => continue,
                Some(Some(extra)) => {
                    hit.vars.extend(extra.vars);
                    for (key, origin, names) in extra.related {
                        let span = names
                            .iter()
                            .map(|n| checks::origin_span(m, file, origin, n))
                            .find(|&s| s != origin.span)
                            .unwrap_or(origin.span);
                        hit.related.push((key, origin.file, span));
                    }
                }
                None => {}
            }
            if let Some(settled) = hit.unless_at_end.take() {
                at_end.push(AtEndOfRun {
                    rule: &active.decl.id,
                    statement: index,
                    span: hit.span,
                    settled,
                });
            }
            findings.push(self.finding(active.decl, active.severity, m, index, hit, files));
        }
        findings.sort_by_key(|f| (f.span.start, f.span.end));
        (findings, at_end)
    }

    /// Runs the checks of `ctx.phase` on one statement, each with its own options.
    fn run_phase<'a>(
        &'a self,
        ctx: &mut StmtCtx<'a>,
        index: usize,
        pending: &mut Vec<(usize, usize, Hit)>,
    ) {
        let mut hits = Vec::new();
        for (rule, active) in self.active.iter().enumerate() {
            if active.phase != ctx.phase {
                continue;
            }
            ctx.options = &active.options;
            (active.check)(ctx, &mut hits);
            // Most checks find nothing on most statements; draining an empty vector still
            // cost about 60 instructions, 4 % of a run with every rule on.
            if !hits.is_empty() {
                pending.extend(hits.drain(..).map(|h| (index, rule, h)));
            }
        }
    }

    /// A finding of a built-in rule (syntax errors, suppression mistakes), if enabled.
    pub fn builtin(
        &self,
        id: &str,
        m: &Migration,
        index: usize,
        span: Span,
        vars: &[(&'static str, String)],
    ) -> Option<Finding> {
        let decl = registry::find(id)?;
        let severity = self.settings.level(decl).severity()?;
        let mut hit = Hit::at(span);
        hit.vars = vars.to_vec();
        if decl.labels.contains_key("here") {
            hit.label = Some("here");
        }
        Some(self.finding(decl, severity, m, index, hit, &[]))
    }

    fn finding(
        &self,
        decl: &'static RuleDecl,
        severity: Severity,
        m: &Migration,
        index: usize,
        hit: Hit,
        files: &[Arc<SourceFile>],
    ) -> Finding {
        let related = hit
            .related
            .iter()
            .filter_map(|(key, file, span)| {
                Some(Related {
                    file: files.get(file.0)?.clone(),
                    span: *span,
                    label: template::fill(decl.labels.get(*key)?, &hit.vars),
                })
            })
            .collect();
        let stmt = m.statements.get(index);
        let operation = stmt.and_then(|s| m.operation_of(s));
        // Django's deferred SQL belongs to the operation that asked for it.
        let origin = stmt
            .and_then(|s| s.deferred_from)
            .and_then(|k| m.operations.get(k))
            .filter(|_| operation.is_none());
        Finding {
            rule: &decl.id,
            severity,
            file: m.file.clone(),
            span: hit.span,
            text: Text::Rule {
                decl,
                label: hit.label,
                vars: hit.vars.into_boxed_slice(),
                grouped: false,
            },
            operation: operation.map(|o| o.describe.clone()).or_else(|| {
                origin.map(|o| std::sync::Arc::from(format!("deferred from {}", o.describe)))
            }),
            related,
            source_at: operation.or(origin).and_then(|o| o.source_at),
            statement: index,
            statement_span: stmt.map_or(hit.span, |s| s.span),
        }
    }
}
