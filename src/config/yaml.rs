//! `.pglint.yaml` as a [tree](super::tree) of spanned nodes, so every validation error can
//! point at the exact key or value. serde-saphyr parses; `Spanned` gives locations.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::tree::{Node, SyntaxError, Value};
use crate::span::{LineIndex, Span};

/// Parses a document; an empty document is `Null`.
pub fn parse(src: &str) -> Result<Node, SyntaxError> {
    match serde_saphyr::from_str::<Spanned<Raw>>(src) {
        Ok(node) => Ok(convert(node, src)),
        Err(err) => {
            use serde_saphyr::MessageFormatter;
            let message = serde_saphyr::DefaultMessageFormatter
                .format_message(err.without_snippet())
                .into_owned();
            let span = err
                .location()
                .map(|l| location_span(&l, src))
                .unwrap_or_default();
            Err(SyntaxError { message, span })
        }
    }
}

/// The byte span of a location: its byte offset and length when known, else computed from the
/// 1-based line and character column (saphyr gives no byte offset for pure syntax errors).
fn location_span(loc: &serde_saphyr::Location, src: &str) -> Span {
    let s = loc.span();
    if let Some(start) = s.byte_offset() {
        let start = (start as usize).min(src.len());
        let len = s.byte_len().unwrap_or(0) as usize;
        return Span::new(start, (start + len).min(src.len()));
    }
    let lines = LineIndex::new(src);
    let line = (loc.line() as usize).saturating_sub(1);
    if line >= lines.line_count() {
        return Span::new(src.len(), src.len());
    }
    let line_start = lines.line_start(line);
    let col = (loc.column() as usize).saturating_sub(1);
    let start = src[line_start..]
        .char_indices()
        .nth(col)
        .map_or(src.len(), |(i, _)| line_start + i);
    // Point at one character when there is one on this line.
    let end = src[start..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(start, |c| start + c.len_utf8());
    Span::new(start, end)
}

fn convert(node: Spanned<Raw>, src: &str) -> Node {
    let span = location_span(&node.referenced, src);
    let value = match node.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::BigInt => Value::BigInt,
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|n| convert(n, src)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(k, src), convert(v, src)))
                .collect(),
        ),
    };
    Node { value, span }
}

/// What serde-saphyr hands us, before spans are turned into byte spans.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    BigInt,
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::BigInt, Raw::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::BigInt, Raw::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::BigInt, Raw::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = a.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = a.next_key::<Spanned<Raw>>()? {
            let value = a.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}
