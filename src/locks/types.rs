//! Which `ALTER COLUMN ... TYPE` changes rewrite the table (and rebuild its indexes).
//!
//! PostgreSQL skips the rewrite when the conversion is binary-coercible (`varchar(n)` →
//! `text`, `text` → `varchar`), or a length coercion its support function proves a no-op
//! (`varchar(n)` → `varchar(m ≥ n)`, `numeric(p, s)` → `numeric(p' ≥ p, s)`, either to an
//! unconstrained type), or (12+) `timestamp` ↔ `timestamptz` when the session time zone is
//! UTC. A `USING` expression other than the column itself (optionally cast to the new type)
//! always rewrites.

use pg_query::NodeEnum;
use pg_query::protobuf::Node;

/// A normalised type name split into base and modifiers: `varchar(20)` → (`varchar`, [20]).
fn split(t: &str) -> (&str, Vec<i64>) {
    match t.split_once('(') {
        Some((base, rest)) if !t.ends_with("[]") => {
            let mods = rest
                .trim_end_matches(')')
                .split(',')
                .filter_map(|m| m.trim().parse().ok())
                .collect();
            (base, mods)
        }
        _ => (t, Vec::new()),
    }
}

/// Whether changing a column from type `old` to type `new` (both normalised as the catalog
/// stores them) rewrites the table, without a `USING` clause or with a trivial one.
pub fn change_rewrites(old: &str, new: &str, pg_version: u32) -> bool {
    if old == new {
        return false;
    }
    let (ob, om) = split(old);
    let (nb, nm) = split(new);
    match (ob, nb) {
        // Length coercions: a no-op when the new limit is absent or not smaller.
        ("varchar", "varchar") | ("varbit", "varbit") => match (om.first(), nm.first()) {
            (_, None) => false,
            (Some(o), Some(n)) => n < o,
            (None, Some(_)) => true,
        },
        ("varchar", "text") => false,
        ("text", "varchar") => !nm.is_empty(),
        ("char", "char") => true,
        ("numeric", "numeric") => match (om.as_slice(), nm.as_slice()) {
            (_, []) => false,
            ([], _) => true,
            (o, n) => {
                let (op, os) = (o[0], o.get(1).copied().unwrap_or(0));
                let (np, ns) = (n[0], n.get(1).copied().unwrap_or(0));
                !(ns == os && np >= op)
            }
        },
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") => {
            // PostgreSQL 12+: no rewrite when the session TimeZone is UTC (Django's
            // connections set it so); precision may only grow.
            pg_version < 12 || precision_shrinks(&om, &nm)
        }
        ("timestamp", "timestamp") | ("timestamptz", "timestamptz") => precision_shrinks(&om, &nm),
        ("cidr", "inet") => false,
        ("xml", "text") => false,
        _ => true,
    }
}

/// A fractional-seconds precision modifier that gets smaller (absent means 6).
fn precision_shrinks(old: &[i64], new: &[i64]) -> bool {
    let o = old.first().copied().unwrap_or(6);
    let n = new.first().copied().unwrap_or(6);
    n < o
}

/// A `USING` expression that keeps the value as it is: the column itself, optionally cast
/// (Django writes `USING "col"::type`).
pub fn trivial_using(using: &Node, column: &str) -> bool {
    match using.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) => matches!(
            c.fields.last().and_then(|f| f.node.as_ref()),
            Some(NodeEnum::String(s)) if s.sval == column
        ),
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(|a| trivial_using(a, column)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::change_rewrites;

    #[test]
    fn silent_and_rewriting_changes() {
        assert!(!change_rewrites("varchar(50)", "varchar(100)", 15));
        assert!(change_rewrites("varchar(50)", "varchar(20)", 15));
        assert!(!change_rewrites("varchar(50)", "text", 15));
        assert!(!change_rewrites("varchar(50)", "varchar", 15));
        assert!(change_rewrites("text", "varchar(20)", 15));
        assert!(!change_rewrites("text", "varchar", 15));
        assert!(change_rewrites("integer", "bigint", 15));
        assert!(!change_rewrites("numeric(10, 2)", "numeric(14, 2)", 15));
        assert!(change_rewrites("numeric(10, 2)", "numeric(12, 4)", 15));
        assert!(change_rewrites("numeric(10, 2)", "numeric(8, 2)", 15));
        assert!(!change_rewrites("timestamp", "timestamptz", 15));
        assert!(change_rewrites("timestamp", "timestamptz", 11));
    }
}
