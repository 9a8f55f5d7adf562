//! `pyproject.toml` as a [tree](super::tree) of spanned nodes, and its `[tool.pglint]` table.
//!
//! The toml crate's `DeTable` keeps the byte span of every key and value in the whole file, so
//! a diagnostic about something inside `[tool.pglint]` points at its line in pyproject.toml.

use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue};

use super::tree::{Node, SyntaxError, Value};
use crate::span::Span;

/// Parses a whole TOML document into a table node.
pub fn parse(src: &str) -> Result<Node, SyntaxError> {
    match DeTable::parse(src) {
        Ok(root) => {
            let span = span(root.span(), src);
            Ok(Node {
                value: table(root.into_inner(), src),
                span,
            })
        }
        Err(err) => Err(SyntaxError {
            message: err.message().to_string(),
            // Only the parser's own recursion limit comes without a place: the file's start.
            span: err.span().map(|r| span(r, src)).unwrap_or_default(),
        }),
    }
}

/// The `tool.pglint` value of a parsed document, if it has one. Whatever it holds is
/// returned, so that `tool.pglint = 1` is reported as not a table rather than ignored.
pub fn tool_pglint(root: Node) -> Option<Node> {
    let mut node = root;
    for name in ["tool", "pglint"] {
        let Value::Map(entries) = node.value else {
            return None;
        };
        node = entries
            .into_iter()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == name))?
            .1;
    }
    Some(node)
}

fn span(range: std::ops::Range<usize>, src: &str) -> Span {
    // The parser's spans lie inside the text; clamped so a diagnostic can never slice past it.
    let end = range.end.min(src.len());
    Span::new(range.start.min(end), end)
}

fn convert(node: Spanned<DeValue<'_>>, src: &str) -> Node {
    let span = span(node.span(), src);
    let value = match node.into_inner() {
        DeValue::String(s) => Value::Str(s.into_owned()),
        // `as_str` is the digits without prefix or underscores, in base `radix`.
        DeValue::Integer(i) => {
            i64::from_str_radix(i.as_str(), i.radix()).map_or(Value::BigInt, Value::Int)
        }
        // `as_str` is Rust-parsable (underscores removed; `inf` and `nan` included); no setting
        // takes a float's value, only its kind and text, so an unparsable one is harmless.
        DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(_) => Value::Datetime,
        DeValue::Array(items) => Value::Seq(items.into_iter().map(|n| convert(n, src)).collect()),
        DeValue::Table(t) => table(t, src),
    };
    Node { value, span }
}

fn table(t: DeTable<'_>, src: &str) -> Value {
    let mut entries: Vec<(Node, Node)> = t
        .into_iter()
        .map(|(k, v)| {
            let key = Node {
                span: span(k.span(), src),
                value: Value::Str(k.into_inner().into_owned()),
            };
            (key, convert(v, src))
        })
        .collect();
    // DeTable sorts its keys by name; file order makes several mistakes come out in the order
    // a reader meets them, as they do for YAML.
    entries.sort_by_key(|(k, _)| k.span.start);
    Value::Map(entries)
}
