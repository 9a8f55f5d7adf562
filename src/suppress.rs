//! Inline suppressions: `-- pglint: ignore[rule-id, ...] reason` for one statement (the next
//! one, or the one it trails on the same line) and `-- pglint: ignore-file[rule-id, ...]` for
//! the whole file. Ids may be rule ids, former ids or family names.
//!
//! Mistakes are reported with the built-in rule `unused-suppression`: a comment naming no rule,
//! an unknown id, an id that suppressed nothing (only for rules enabled in this run), a
//! directive pglint does not know, and an `ignore` with no statement after it.

use crate::config::{self, Target};
use crate::finding::Finding;
use crate::parse::{Comment, Migration, PyComment};
use crate::rules::decl::RuleDecl;
use crate::rules::{Engine, UNUSED_SUPPRESSION, checks, registry};
use crate::span::Span;

/// Drops the findings the file's suppression comments cover and adds `unused-suppression`
/// findings for the comments that are wrong or cover nothing.
pub fn apply(engine: &Engine, m: &Migration, findings: Vec<Finding>) -> Vec<Finding> {
    apply_with(engine, registry::rules(), m, findings)
}

/// [`apply`] against a given rule set.
pub fn apply_with(
    engine: &Engine,
    rules: &[RuleDecl],
    m: &Migration,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let mut directives: Vec<Directive> = m
        .comments
        .iter()
        .filter_map(|c| Directive::parse(m, c, rules))
        .chain(
            m.py_comments
                .iter()
                .filter_map(|c| Directive::from_py(m, c, rules)),
        )
        .collect();
    if directives.is_empty() {
        return findings;
    }
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !suppress(&mut directives, rules, f, None))
        .collect();

    // Each `unused-suppression` finding with the index of the directive it is about.
    let mut meta: Vec<(usize, Finding)> = Vec::new();
    for (origin, d) in directives.iter().enumerate() {
        let statement = d.statement(m);
        let mut report = |span: Span, problem: String, label: &str| {
            let vars = [("problem", problem), ("label", label.to_string())];
            if let Some(f) = engine.builtin(UNUSED_SUPPRESSION, m, statement, span, &vars) {
                meta.push((origin, f));
            }
        };
        if let Some((span, problem, label)) = &d.malformed {
            report(*span, problem.clone(), label);
            continue;
        }
        if d.ids.is_empty() {
            let kind = if d.file_level {
                "ignore-file"
            } else {
                "ignore"
            };
            report(
                d.comment,
                format!("it names no rule; list the rules in brackets: `pglint: {kind}[rule-id]`"),
                "names no rule",
            );
            continue;
        }
        if d.py && !d.file_level && d.operation_line.is_none() {
            report(
                d.comment,
                format!(
                    "the `# pglint:` comment at line {} of the migration has no operation right \
                     after it, so it applies to nothing",
                    d.py_line
                ),
                "nothing to apply to",
            );
            continue;
        }
        if !d.py && !d.file_level && d.target.is_none() {
            report(
                d.comment,
                "no statement follows it, so it applies to nothing".to_string(),
                "nothing to apply to",
            );
            continue;
        }
        for id in &d.ids {
            match id.target {
                None => {
                    let hint = config::suggest(rules, &id.name)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    report(
                        id.span,
                        format!("`{}` is not a rule id or family{hint}", id.name),
                        "unknown rule",
                    );
                }
                Some(t) if !id.used && enabled(engine, t, rules) && !names_meta_rule(t) => {
                    let what = match t {
                        Target::Family(f) => format!("no finding of the `{f}` family"),
                        Target::Rule { rule, .. } => format!("no `{}` finding", rule.id),
                    };
                    let place = if d.file_level {
                        "in this file"
                    } else if d.py {
                        "in the operation after it"
                    } else {
                        "on the statement it applies to"
                    };
                    report(id.span, format!("{what} {place}"), "suppresses nothing");
                }
                Some(_) => {}
            }
        }
    }
    // Another comment may silence `unused-suppression` (a comment never silences its own).
    for (origin, f) in meta {
        if !suppress(&mut directives, rules, &f, Some(origin)) {
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| (f.span.start, f.span.end));
    kept
}

/// Whether a directive covers the finding; marks the ids that did.
fn suppress(
    directives: &mut [Directive],
    rules: &[RuleDecl],
    f: &Finding,
    except: Option<usize>,
) -> bool {
    let Some(rule) = rules.iter().find(|r| r.id == f.rule) else {
        return false;
    };
    let mut hit = false;
    for (i, d) in directives.iter_mut().enumerate() {
        let covers = d.file_level
            || match d.operation_line {
                Some(line) => f.source_at.is_some_and(|at| at.line == line),
                None => d.target == Some(f.statement),
            };
        if except == Some(i) || d.malformed.is_some() || !covers {
            continue;
        }
        for id in &mut d.ids {
            if id.target.is_some_and(|t| t.covers(rule)) {
                id.used = true;
                hit = true;
            }
        }
    }
    hit
}

/// Whether the rules an id names could have fired in this run: a suppression of a rule that
/// is off, not selected, outside the target version or not implemented is not reported.
fn enabled(engine: &Engine, target: Target<'_>, rules: &[RuleDecl]) -> bool {
    let settings = engine.settings();
    target.rules(rules).into_iter().any(|r| {
        settings.level(r).severity().is_some()
            && r.applies_to(settings.pg_version)
            && (r.family == "core" || checks::lookup(r.check_name()).is_some())
    })
}

/// An id naming `unused-suppression` (or its family) is never itself "unused".
fn names_meta_rule(t: Target<'_>) -> bool {
    match t {
        Target::Rule { rule, .. } => rule.id == UNUSED_SUPPRESSION,
        Target::Family(f) => f == "core",
    }
}

struct Directive<'r> {
    /// Where it is reported: the comment, or for a `.py` comment the header of its operation.
    comment: Span,
    file_level: bool,
    ids: Vec<Id<'r>>,
    /// The statement a line-level directive applies to.
    target: Option<usize>,
    /// A `# pglint:` comment of the migration's `.py` file (`pglint django`), at this line.
    py: bool,
    py_line: usize,
    /// For a `.py` comment: the `.py` line of the operation whose findings it covers.
    operation_line: Option<usize>,
    /// Not a usable directive: span, problem, label.
    malformed: Option<(Span, String, &'static str)>,
}

struct Id<'r> {
    name: String,
    span: Span,
    target: Option<Target<'r>>,
    used: bool,
}

impl<'r> Directive<'r> {
    fn parse(m: &Migration, c: &Comment, rules: &'r [RuleDecl]) -> Option<Directive<'r>> {
        let text = c.text.as_str();
        // Offset of `text` in the file: it is the comment's body, trimmed.
        let raw = m.text(c.span);
        let base = c.span.start + raw.find(text).unwrap_or(0);
        let at = |s: &str| base + (s.as_ptr() as usize - text.as_ptr() as usize);
        let mut d = Self::parse_text(text, c.span, &at, rules)?;
        if !d.file_level && d.malformed.is_none() {
            d.target = target_statement(m, c.span);
        }
        Some(d)
    }

    /// A `# pglint:` comment of the migration's `.py` file. Its text is not in the SQL, so it
    /// is reported at the header of the operation it covers (or the file's first statement).
    fn from_py(m: &Migration, c: &PyComment, rules: &'r [RuleDecl]) -> Option<Directive<'r>> {
        let header = c.operation_line.and_then(|line| {
            m.operations
                .iter()
                .find(|o| o.source_at.is_some_and(|at| at.line == line))
                .map(|o| o.span)
        });
        let span = header
            .or_else(|| m.statements.first().map(|s| s.span))
            .unwrap_or_default();
        let mut d = Self::parse_text(&c.text, span, &|_| span.start, rules)?;
        // The offsets of the words are in the .py file: point at the header instead.
        for id in &mut d.ids {
            id.span = span;
        }
        if let Some(malformed) = &mut d.malformed {
            malformed.0 = span;
        }
        d.py = true;
        d.py_line = c.line;
        d.operation_line = c.operation_line;
        Some(d)
    }

    /// The directive a comment's text (`pglint: ignore[...]`) states; `at` gives the file
    /// offset of a piece of `text`.
    fn parse_text(
        text: &str,
        comment: Span,
        at: &dyn Fn(&str) -> usize,
        rules: &'r [RuleDecl],
    ) -> Option<Directive<'r>> {
        let after = text.strip_prefix("pglint")?.trim_start();
        let after = after.strip_prefix(':')?;
        let c_span = comment;

        let rest = after.trim_start();
        let word_len = rest
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..word_len];
        let mut d = Directive {
            comment: c_span,
            file_level: word == "ignore-file",
            ids: Vec::new(),
            target: None,
            py: false,
            py_line: 0,
            operation_line: None,
            malformed: None,
        };
        if word != "ignore" && word != "ignore-file" {
            let span = Span::new(at(rest), at(rest) + word.len().max(1).min(rest.len()));
            let shown = if word.is_empty() { rest } else { word };
            d.malformed = Some((
                if word.is_empty() { c_span } else { span },
                format!(
                    "`pglint: {shown}` is not a directive; use `pglint: ignore[rule-id]` for one statement or `pglint: ignore-file[rule-id]` for the file"
                ),
                "unknown directive",
            ));
            return Some(d);
        }
        let tail = rest[word_len..].trim_start();
        if let Some(list) = tail.strip_prefix('[') {
            let Some(close) = list.find(']') else {
                d.malformed = Some((
                    Span::new(at(tail), at(tail) + 1),
                    "its rule list has no closing `]`".to_string(),
                    "unclosed list",
                ));
                return Some(d);
            };
            for part in list[..close].split(',') {
                let name = part.trim();
                if name.is_empty() {
                    continue;
                }
                let start = at(name);
                d.ids.push(Id {
                    name: name.to_string(),
                    span: Span::new(start, start + name.len()),
                    target: config::resolve(rules, name),
                    used: false,
                });
            }
        }
        Some(d)
    }

    /// The statement the directive's findings are attached to.
    fn statement(&self, m: &Migration) -> usize {
        self.target.unwrap_or_else(|| {
            m.statements
                .iter()
                .position(|s| s.span.start >= self.comment.end)
                .unwrap_or(m.statements.len().saturating_sub(1))
        })
    }
}

/// The statement a line-level comment applies to: the one it trails on the same line, else
/// the next one.
fn target_statement(m: &Migration, comment: Span) -> Option<usize> {
    let lines = &m.file.lines;
    let line = lines.line_of(comment.start);
    let trailing = m
        .statements
        .iter()
        .rposition(|s| s.span.end <= comment.start && lines.line_of(s.span.end) == line);
    trailing.or_else(|| {
        m.statements
            .iter()
            .position(|s| s.span.start >= comment.end)
    })
}

#[cfg(test)]
mod tests;
