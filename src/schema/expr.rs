//! Small helpers over parse-tree pieces: expression text, the columns an expression
//! mentions, lists of names.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, Node};

use super::QualifiedName;

mod fast;
mod keywords;
#[cfg(test)]
mod tests;

/// Shown when an expression exists but cannot be printed back.
pub const UNPRINTABLE: &str = "<expression>";

/// The expression printed back as SQL (`now()`, `pages >= 0`), as deparsing it as the
/// single target of a `SELECT` prints it. Never fails: an unprintable expression gives
/// [`UNPRINTABLE`].
pub fn expr_text(node: &Node) -> String {
    // Most expressions are simple defaults and checks; printing those directly saves the
    // protobuf round trip into the C deparser.
    fast::print(node).unwrap_or_else(|| deparsed(node))
}

/// [`expr_text`] through libpg_query's deparser.
fn deparsed(node: &Node) -> String {
    let select = protobuf::SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
                val: Some(Box::new(node.clone())),
                ..Default::default()
            }))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    match NodeEnum::SelectStmt(Box::new(select)).deparse(pg_query::DeparseOptions::default()) {
        Ok(text) => match text.strip_prefix("SELECT ") {
            Some(rest) => rest.trim().to_string(),
            None => UNPRINTABLE.to_string(),
        },
        Err(_) => UNPRINTABLE.to_string(),
    }
}

/// The distinct column names an expression mentions, in order of first appearance (the last
/// field of each column reference, so `t.col` gives `col`).
pub fn column_refs(node: &Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(inner) = node.node.as_ref() else {
        return out;
    };
    let mut push = |c: &protobuf::ColumnRef| {
        if let Some(NodeEnum::String(s)) = c.fields.last().and_then(|f| f.node.as_ref())
            && !out.contains(&s.sval)
        {
            out.push(s.sval.clone());
        }
    };
    if let NodeEnum::ColumnRef(c) = inner {
        push(c);
    }
    for (n, _, _, _) in inner.nodes() {
        if let pg_query::NodeRef::ColumnRef(c) = n {
            push(c);
        }
    }
    out
}

/// The `sval` of a `String` node.
pub fn string_value(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// The `sval`s of a list of `String` nodes (column lists, qualified names).
pub fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| string_value(n).map(str::to_string))
        .collect()
}

/// A qualified name from a list of `String` nodes: `["idx"]` or `["app", "idx"]`.
pub fn qualified(nodes: &[Node]) -> Option<QualifiedName> {
    match strings(nodes).as_slice() {
        [name] => Some(QualifiedName::public(name.clone())),
        [.., schema, name] => Some(QualifiedName::new(schema.clone(), name.clone())),
        [] => None,
    }
}

/// A qualified name from a `List` of `String`s as DROP gives them (`[schema,] name`).
pub fn qualified_from_list(node: &Node) -> Option<QualifiedName> {
    match node.node.as_ref()? {
        NodeEnum::List(l) => qualified(&l.items),
        NodeEnum::String(_) => qualified(std::slice::from_ref(node)),
        _ => None,
    }
}

/// The operator class name of an index element (`varchar_pattern_ops`), schema dropped.
pub fn opclass(elem: &protobuf::IndexElem) -> Option<String> {
    strings(&elem.opclass).pop()
}
