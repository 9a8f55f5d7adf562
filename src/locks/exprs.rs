//! Expressions: which defaults are volatile (evaluated per row, so adding the column rewrites
//! the table), which relations a query reads.

use pg_query::protobuf::Node;
use pg_query::{NodeEnum, NodeRef};

use crate::schema::QualifiedName;

/// Built-in functions that are VOLATILE (`pg_proc.provolatile = 'v'`) and common in defaults.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
];

/// Built-in functions that are STABLE or IMMUTABLE and common in defaults. A function in
/// neither list is treated as volatile (user-defined functions are VOLATILE unless declared
/// otherwise).
const NOT_VOLATILE: &[&str] = &[
    "now",
    "statement_timestamp",
    "transaction_timestamp",
    "current_date",
    "current_timestamp",
    "localtimestamp",
    "current_setting",
    "current_user",
    "session_user",
    "lower",
    "upper",
    "btrim",
    "trim",
    "concat",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "abs",
    "round",
    "to_char",
    "to_date",
    "to_timestamp",
    "to_json",
    "to_jsonb",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "array",
    "make_interval",
    "date_trunc",
    "timezone",
    "length",
    "md5",
    "int4",
    "int8",
    "numeric",
    "text",
];

/// A built-in function known to be VOLATILE (the list above), by its unqualified name.
pub fn is_known_volatile(name: &str) -> bool {
    VOLATILE.contains(&name.to_ascii_lowercase().as_str())
}

/// The expression calls a volatile function (`random()`, `nextval(...)`, an unknown function).
pub(super) fn is_volatile(expr: &Node) -> bool {
    let Some(node) = expr.node.as_ref() else {
        return false;
    };
    node.nodes().into_iter().any(|(n, ..)| match n {
        NodeRef::FuncCall(f) => {
            let name = f
                .funcname
                .last()
                .and_then(|n| match n.node.as_ref()? {
                    NodeEnum::String(s) => Some(s.sval.to_ascii_lowercase()),
                    _ => None,
                })
                .unwrap_or_default();
            VOLATILE.contains(&name.as_str()) || !NOT_VOLATILE.contains(&name.as_str())
        }
        NodeRef::NextValueExpr(_) => true,
        _ => false,
    })
}

/// The relations a query (or any node) names, in order, without duplicates.
pub(super) fn relations_read(node: &NodeEnum) -> Vec<QualifiedName> {
    let mut out: Vec<QualifiedName> = Vec::new();
    let ctes: Vec<String> = node
        .nodes()
        .into_iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.clone()),
            _ => None,
        })
        .collect();
    for (n, ..) in node.nodes() {
        if let NodeRef::RangeVar(rv) = n {
            if rv.schemaname.is_empty() && ctes.contains(&rv.relname) {
                continue;
            }
            let name = QualifiedName::from_range_var(rv);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}
