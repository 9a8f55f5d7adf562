//! The configuration as a tree of nodes that each know their byte span, whatever syntax it
//! was written in: the YAML ([`super::yaml`]) and TOML ([`super::toml`]) front ends both build
//! it, and one validator ([`super::validate`]) checks it, so a mistake reads and points the
//! same way in `.pglint.yaml` and in `pyproject.toml`.

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer that does not fit `i64`.
    BigInt,
    Float(f64),
    Str(String),
    /// A TOML date, time or date-time: no setting takes one, so it is only kept to be named in
    /// the error.
    Datetime,
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte span in the whole file's text (for pyproject.toml, not only `[tool.pglint]`).
    pub span: Span,
}

impl Value {
    /// How the value reads in an error message: "a string", "a mapping"…
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::BigInt => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Datetime => "a date/time",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// A scalar as text: strings as they are, other plain scalars (`off`, `15`, `yes`) as
    /// written in the file, so `off` stays `off` even though YAML reads it as a boolean.
    /// Dates are not text: a setting that takes a string should not silently take one.
    pub fn text<'a>(&'a self, src: &'a str) -> Option<&'a str> {
        match &self.value {
            Value::Str(s) => Some(s),
            Value::Bool(_) | Value::Int(_) | Value::BigInt | Value::Float(_) => {
                src.get(self.span.start..self.span.end)
            }
            _ => None,
        }
    }
}

/// A syntax error (or a duplicate key), located; `message` is the parser's, without the name
/// of the language.
#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// The language a configuration file is written in: named in syntax errors, and used for the
/// few hints that show how to write a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Toml,
}

impl Syntax {
    pub fn name(self) -> &'static str {
        match self {
            Syntax::Yaml => "YAML",
            Syntax::Toml => "TOML",
        }
    }
}
