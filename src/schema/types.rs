//! Type names as users think of them: `pg_catalog.int4`, `int` and `integer` are all
//! `integer`; `character varying(20)` is `varchar(20)`; arrays end in `[]`.

use pg_query::NodeEnum;
use pg_query::protobuf::TypeName;

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

/// The parts of a type name: `pg_catalog` dropped, other schemas kept.
fn name_parts(tn: &TypeName) -> Vec<&str> {
    let parts: Vec<&str> = tn
        .names
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        ["pg_catalog", rest @ ..] if !rest.is_empty() => rest.to_vec(),
        _ => parts,
    }
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
pub fn normalize(tn: &TypeName) -> String {
    let parts = name_parts(tn);
    let qualified = parts.len() > 1;
    let mut out = match parts.as_slice() {
        [] => String::from("?"),
        [one] => {
            let base = canonical_base(one);
            // The grammar turns `char(n)` / `character(n)` into pg_catalog.bpchar.
            if base == "bpchar" && is_catalog(tn) {
                "char".to_string()
            } else {
                base.to_string()
            }
        }
        more => more.join("."),
    };
    if !qualified && out != "interval" {
        let mods: Vec<String> = tn.typmods.iter().filter_map(typmod_text).collect();
        if !mods.is_empty() {
            out.push('(');
            out.push_str(&mods.join(", "));
            out.push(')');
        }
    }
    if tn.pct_type {
        out.push_str("%TYPE");
    }
    for _ in &tn.array_bounds {
        out.push_str("[]");
    }
    out
}

fn is_catalog(tn: &TypeName) -> bool {
    matches!(
        tn.names.first().and_then(|n| n.node.as_ref()),
        Some(NodeEnum::String(s)) if s.sval == "pg_catalog"
    )
}

fn typmod_text(node: &pg_query::protobuf::Node) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Ival(i) => Some(i.ival.to_string()),
            Val::Fval(f) => Some(f.fval.clone()),
            Val::Sval(s) => Some(s.sval.clone()),
            Val::Boolval(b) => Some(b.boolval.to_string()),
            Val::Bsval(b) => Some(b.bsval.clone()),
        },
        NodeEnum::ColumnRef(c) => {
            let names: Vec<&str> = c
                .fields
                .iter()
                .filter_map(|f| match f.node.as_ref() {
                    Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                    _ => None,
                })
                .collect();
            Some(names.join("."))
        }
        _ => None,
    }
}
