//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).
//!
//! `tool.driver.rules` lists every rule of the registry (id, short and full description, help
//! as text and markdown, help URI, default level, family as a tag); each result names its rule
//! by id and index, has a physical location with a 1-based region (columns count Unicode code
//! points, the end is exclusive), related locations for the labels in other places, and a
//! `partialFingerprints["pglint/v1"]` that survives unrelated edits: it hashes the rule id,
//! the path and the statement text with white space normalised, plus the index of the finding
//! among the findings of the same rule on the same statement text in that file; never a line
//! number. Strings are escaped by serde_json.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Start, repo_path, write_indented};
use crate::finding::{Finding, Level, Severity};
use crate::rules::{docs, registry};
use crate::source::SourceFile;
use crate::span::Span;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const FINGERPRINT_KEY: &str = "pglint/v1";

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let mut writer = Writer::begin(out)?;
    writer.findings(findings)?;
    writer.finish()
}

/// Writes the log piece by piece, exactly as `serde_json`'s pretty printer writes it whole.
/// The rules are every rule of the registry, known before the first result, so the results
/// can be written as each file is linted and a run never holds all of its findings.
pub struct Writer<W: Write> {
    out: W,
    /// What follows the last result: the rest of the run (`tool`, with the rules) and the log.
    suffix: String,
    results: Results,
    written: usize,
}

/// Where the results array sits in the pretty-printed log (`$schema`, `runs`, `version`, and
/// in the run `columnKind`, `results`, `tool`: serde_json's maps are sorted by key).
const RESULTS_MARK: &str = "\"results\": []";
const RESULT_INDENT: &str = "        ";

impl<W: Write> Writer<W> {
    pub fn begin(mut out: W) -> io::Result<Self> {
        let empty = serde_json::to_string_pretty(&log(Vec::new())).map_err(io::Error::other)?;
        let at = empty
            .find(RESULTS_MARK)
            .expect("the log has a results array")
            + RESULTS_MARK.len()
            - 1;
        out.write_all(&empty.as_bytes()[..at])?;
        Ok(Writer {
            out,
            suffix: empty[at..].to_string(),
            results: Results::new(),
            written: 0,
        })
    }

    /// Writes one file's findings (or any run of findings, in order).
    pub fn findings(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            let result = self.results.result(f);
            self.out
                .write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
            write_indented(&mut self.out, &result, RESULT_INDENT, Start::OwnLine)?;
            self.written += 1;
        }
        // A statement's place is remembered by its file's address, which a later file may
        // reuse once this one is freed; the texts and counts themselves carry over.
        self.results.statements.forget_places();
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b"\n      ")?;
        }
        self.out.write_all(self.suffix.as_bytes())?;
        writeln!(self.out)
    }
}

/// A whole SARIF log around `results`.
fn log(results: Vec<Value>) -> Value {
    let descriptors: Vec<Value> = registry::rules()
        .iter()
        .map(|r| {
            let mut config = json!({ "level": level(r.severity) });
            if r.severity == Level::Off {
                config = json!({ "enabled": false, "level": "warning" });
            }
            json!({
                "id": r.id,
                "name": pascal_case(&r.id),
                "shortDescription": { "text": r.summary.trim() },
                "fullDescription": { "text": r.docs.why.trim() },
                "help": {
                    "text": docs::plain(&r.help),
                    "markdown": docs::rule_markdown(r),
                },
                "helpUri": crate::finding::docs_url(&r.id),
                "defaultConfiguration": config,
                "properties": { "tags": [r.family] },
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pglint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// What results need from the findings before them: each file's path and URI, and how many
/// findings of a rule each statement text has had (for the fingerprints).
struct Results {
    rule_index: HashMap<&'static str, usize>,
    paths: Paths,
    statements: Statements,
    /// (rule, path, statement) → (hash of the three, findings seen so far): each statement is
    /// normalised and hashed once, however many findings it has.
    seen: HashMap<(&'static str, usize, usize), (u64, usize)>,
}

impl Results {
    fn new() -> Self {
        Results {
            rule_index: registry::rules()
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.as_str(), i))
                .collect(),
            paths: Paths::default(),
            statements: Statements::default(),
            seen: HashMap::new(),
        }
    }

    fn result(&mut self, f: &Finding) -> Value {
        let (path_id, path) = self.paths.get(&f.file.name);
        let statement = self.statements.id(f);
        let statements = &self.statements;
        let (hash, n) = self
            .seen
            .entry((f.rule, path_id, statement))
            .or_insert_with(|| {
                (
                    fingerprint_hash(f.rule, path, statements.text(statement)),
                    0,
                )
            });
        let occurrence = *n;
        *n += 1;
        let fingerprint = format!("{hash:016x}:{occurrence}");
        let mut result = json!({
            "ruleId": f.rule,
            "level": severity_level(f.severity),
            "message": { "text": message(f) },
            "locations": [primary_location(f, &mut self.paths)],
            "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
        });
        if let Some(index) = self.rule_index.get(f.rule) {
            result["ruleIndex"] = json!(index);
        }
        if !f.related.is_empty() {
            result["relatedLocations"] = f
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut loc = location(&r.file, r.span, &mut self.paths);
                    loc["id"] = json!(i);
                    loc["message"] = json!({ "text": r.label });
                    loc
                })
                .collect();
        }
        result
    }
}

fn message(f: &Finding) -> String {
    match f.help() {
        Some(help) => format!("{}\n{help}", f.message()),
        None => f.message().into_owned(),
    }
}

/// Each file's [`repo_path`] and URI, worked out once per file name rather than per finding
/// (`repo_path` asks the file system about absolute paths).
#[derive(Default)]
struct Paths {
    /// file name → index in `list`
    at: HashMap<String, usize>,
    /// repo path → its id (two names can be one path: `./a.sql` and `a.sql`)
    ids: HashMap<String, usize>,
    /// (repo path, its id, URI)
    list: Vec<(String, usize, String)>,
}

impl Paths {
    /// The id and repo path of a file name.
    fn get(&mut self, name: &str) -> (usize, &str) {
        let i = self.index(name);
        (self.list[i].1, &self.list[i].0)
    }

    fn uri(&mut self, name: &str) -> String {
        let i = self.index(name);
        self.list[i].2.clone()
    }

    fn index(&mut self, name: &str) -> usize {
        if let Some(&i) = self.at.get(name) {
            return i;
        }
        let path = repo_path(name);
        let next = self.ids.len();
        let id = *self.ids.entry(path.clone()).or_insert(next);
        let uri = uri(&path);
        self.list.push((path, id, uri));
        self.at.insert(name.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// The distinct normalised statement texts findings are in, each normalised once.
#[derive(Default)]
struct Statements {
    /// (the file's address, statement span) → text id; cleared after each file, whose
    /// address a later one may reuse
    at: HashMap<(usize, Span), usize>,
    by_text: HashMap<String, usize>,
    texts: Vec<String>,
}

impl Statements {
    fn forget_places(&mut self) {
        self.at.clear();
    }

    fn id(&mut self, f: &Finding) -> usize {
        let key = (Arc::as_ptr(&f.file) as usize, f.statement_span);
        if let Some(&i) = self.at.get(&key) {
            return i;
        }
        let text = normalise(
            f.file
                .text
                .get(f.statement_span.start..f.statement_span.end)
                .unwrap_or(""),
        );
        let i = match self.by_text.get(&text) {
            Some(&i) => i,
            None => {
                self.texts.push(text.clone());
                self.by_text.insert(text, self.texts.len() - 1);
                self.texts.len() - 1
            }
        };
        self.at.insert(key, i);
        i
    }

    fn text(&self, id: usize) -> &str {
        &self.texts[id]
    }
}

/// Where the finding is; for generated SQL (`pglint django`) the operation's line in the .py.
fn primary_location(f: &Finding, paths: &mut Paths) -> Value {
    if f.file.generated.is_none() {
        return location(&f.file, f.span, paths);
    }
    let (at, _) = f.location();
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": paths.uri(&f.file.name) },
            "region": { "startLine": at.line, "startColumn": at.column }
        }
    })
}

fn location(file: &SourceFile, span: Span, paths: &mut Paths) -> Value {
    if file.generated.is_some() {
        // SQL generated from a migration .py: the place of its operation there.
        let at = file.place(span.start);
        return json!({
            "physicalLocation": {
                "artifactLocation": { "uri": paths.uri(&file.name) },
                "region": { "startLine": at.line, "startColumn": at.column }
            }
        });
    }
    let start = file.lines.line_col(&file.text, span.start);
    let end = file.lines.line_col(&file.text, span.end);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": paths.uri(&file.name) },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    })
}

fn level(l: Level) -> &'static str {
    match l.severity() {
        Some(s) => severity_level(s),
        None => "none",
    }
}

fn severity_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `index-not-concurrent` → `IndexNotConcurrent` (SARIF's `name` is an identifier).
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|first| first.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative path as a URI reference: every byte but unreserved characters and `/`
/// percent-encoded; an absolute path becomes a `file://` URI.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// White space runs collapsed to one space, trimmed: re-indenting or re-wrapping a statement
/// keeps its fingerprint.
pub fn normalise(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a (64 bits; stable across platforms and releases, unlike std's hasher) of the parts,
/// then `:occurrence`.
pub fn fingerprint(rule: &str, path: &str, statement: &str, occurrence: usize) -> String {
    format!(
        "{:016x}:{occurrence}",
        fingerprint_hash(rule, path, statement)
    )
}

fn fingerprint_hash(rule: &str, path: &str, statement: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule, path, statement] {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("shop/0001 x#?%.sql"), "shop/0001%20x%23%3F%25.sql");
        assert_eq!(uri("/tmp/a.sql"), "file:///tmp/a.sql");
    }

    #[test]
    fn fingerprints_ignore_white_space_layout() {
        let a = fingerprint("r", "p", &normalise("CREATE  INDEX\n  x ON t (c)"), 0);
        let b = fingerprint("r", "p", &normalise("CREATE INDEX x ON t (c)"), 0);
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("r", "p", &normalise("CREATE INDEX x ON t (c)"), 1)
        );
        assert_eq!(pascal_case("fk-missing-index"), "FkMissingIndex");
    }

    /// The log written piece by piece is the log serde_json prints whole, byte for byte: with
    /// findings in several files, related locations, repeated findings on one statement text
    /// (fingerprint occurrences), and with no findings at all.
    #[test]
    fn streamed_log_is_the_log_printed_whole() {
        let mut settings = crate::rules::Settings::default();
        for rule in registry::rules() {
            settings.levels.insert(rule.id.clone(), Level::Warning);
        }
        let engine = crate::rules::Engine::new(settings);
        let texts = [
            (
                "0001.sql",
                "CREATE TABLE shop_order (id serial PRIMARY KEY, at timestamp, note text);\n\
                 CREATE TABLE shop_line (id bigint PRIMARY KEY, order_id int REFERENCES shop_order (id));\n",
            ),
            ("0002.sql", "SELECT 1;\n"),
            (
                "0003.sql",
                "CREATE INDEX i ON shop_order (at);\nCREATE INDEX i2 ON shop_order (at);\n\
                 ALTER TABLE shop_order ADD COLUMN n varchar(10), ADD COLUMN m varchar(10);\n",
            ),
        ];
        let findings = crate::lint::lint_texts(&engine, &texts);
        assert!(findings.iter().any(|f| !f.related.is_empty()));
        assert!(findings.chunk_by(|a, b| a.file.name == b.file.name).count() >= 2);
        for findings in [&findings[..], &[]] {
            let mut results = Results::new();
            let values = findings.iter().map(|f| results.result(f)).collect();
            let whole = serde_json::to_string_pretty(&log(values)).unwrap() + "\n";
            let mut streamed = Vec::new();
            let mut writer = Writer::begin(&mut streamed).unwrap();
            for file in findings.chunk_by(|a, b| a.file.name == b.file.name) {
                writer.findings(file).unwrap();
            }
            writer.finish().unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), whole);
        }
    }
}
