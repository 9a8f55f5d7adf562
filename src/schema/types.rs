//! Type names as users think of them: `pg_catalog.int4`, `int` and `integer` are all
//! `integer`; `character varying(20)` is `varchar(20)`; arrays end in `[]`.

use super::expr::string_value;
use pg_query::NodeEnum;
use pg_query::protobuf::TypeName;

#[cfg(test)]
mod tests;

/// A `serial` pseudo-type: an integer column owning a sequence that feeds its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serial {
    SmallSerial,
    Serial,
    BigSerial,
}

impl Serial {
    /// The integer type the column really has.
    pub fn integer_type(self) -> &'static str {
        match self {
            Serial::SmallSerial => "smallint",
            Serial::Serial => "integer",
            Serial::BigSerial => "bigint",
        }
    }

    /// The name as declared (`serial`, `bigserial`, `smallserial`).
    pub fn as_str(self) -> &'static str {
        match self {
            Serial::SmallSerial => "smallserial",
            Serial::Serial => "serial",
            Serial::BigSerial => "bigserial",
        }
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of a type name: `pg_catalog` dropped, other schemas kept.
fn name_parts(tn: &TypeName) -> impl Iterator<Item = &str> + Clone {
    let all = tn.names.iter().filter_map(string_value);
    let mut probe = all.clone();
    let catalog = probe.next() == Some("pg_catalog") && probe.next().is_some();
    all.skip(usize::from(catalog))
}

/// `serial`, `bigserial`, … when the type is one (only an unqualified, non-array name is).
pub fn serial_kind(tn: &TypeName) -> Option<Serial> {
    if tn.names.len() != 1 || !tn.array_bounds.is_empty() || tn.pct_type {
        return None;
    }
    let Some(NodeEnum::String(s)) = tn.names[0].node.as_ref() else {
        return None;
    };
    match s.sval.as_str() {
        "smallserial" | "serial2" => Some(Serial::SmallSerial),
        "serial" | "serial4" => Some(Serial::Serial),
        "bigserial" | "serial8" => Some(Serial::BigSerial),
        _ => None,
    }
}

/// The canonical spelling of a single base type name (no modifiers, no schema).
pub fn canonical_base(name: &str) -> &str {
    match name {
        "int" | "int4" | "integer" => "integer",
        "int8" | "bigint" => "bigint",
        "int2" | "smallint" => "smallint",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "float" => "double precision",
        "float4" | "real" => "real",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timetz" | "time with time zone" => "timetz",
        "time" | "time without time zone" => "time",
        "varchar" | "character varying" => "varchar",
        "decimal" | "numeric" => "numeric",
        "varbit" | "bit varying" => "varbit",
        "smallserial" | "serial2" => "smallint",
        "serial" | "serial4" => "integer",
        "bigserial" | "serial8" => "bigint",
        other => other,
    }
}

/// Normalises a parsed type name. Serial types give their underlying integer type.
/// Written straight into one string: it runs for every column of every statement.
pub fn normalize(tn: &TypeName) -> String {
    let mut out = String::with_capacity(16);
    let parts = name_parts(tn);
    let qualified = parts.clone().nth(1).is_some();
    if qualified {
        for (i, part) in parts.enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(part);
        }
    } else {
        out.push_str(base_name(tn, parts.clone().next()));
    }
    if !qualified && out != "interval" {
        push_typmods(tn, &mut out);
    }
    if tn.pct_type {
        out.push_str("%TYPE");
    }
    for _ in &tn.array_bounds {
        out.push_str("[]");
    }
    out
}

/// The canonical spelling of an unqualified type name (`?` when there is none).
fn base_name<'a>(tn: &TypeName, name: Option<&'a str>) -> &'a str {
    let Some(name) = name else {
        return "?";
    };
    let base = canonical_base(name);
    // The grammar turns `char(n)` / `character(n)` into pg_catalog.bpchar.
    if base == "bpchar" && is_catalog(tn) {
        "char"
    } else {
        base
    }
}

/// `(m1, m2)` for the modifiers that have a text; nothing when none has.
fn push_typmods(tn: &TypeName, out: &mut String) {
    let mut any = false;
    for m in &tn.typmods {
        let mark = out.len();
        out.push_str(if any { ", " } else { "(" });
        if push_typmod(m, out) {
            any = true;
        } else {
            out.truncate(mark);
        }
    }
    if any {
        out.push(')');
    }
}

fn is_catalog(tn: &TypeName) -> bool {
    matches!(
        tn.names.first().and_then(|n| n.node.as_ref()),
        Some(NodeEnum::String(s)) if s.sval == "pg_catalog"
    )
}

/// Appends one type modifier's text; false (and nothing appended) when it has none.
fn push_typmod(node: &pg_query::protobuf::Node, out: &mut String) -> bool {
    use pg_query::protobuf::a_const::Val;
    use std::fmt::Write;
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
            Some(Val::Ival(i)) => {
                let _ = write!(out, "{}", i.ival);
            }
            Some(Val::Fval(f)) => out.push_str(&f.fval),
            Some(Val::Sval(s)) => out.push_str(&s.sval),
            Some(Val::Boolval(b)) => out.push_str(if b.boolval { "true" } else { "false" }),
            Some(Val::Bsval(b)) => out.push_str(&b.bsval),
            None => return false,
        },
        Some(NodeEnum::ColumnRef(c)) => {
            let names = c.fields.iter().filter_map(string_value);
            for (i, name) in names.enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(name);
            }
        }
        _ => return false,
    }
    true
}
