//! `normalize` against the straightforward version it replaced.

use pg_query::NodeEnum;
use pg_query::protobuf::TypeName;

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

/// `normalize` as it was written first, with vectors and joins: the reference.
fn reference(tn: &TypeName) -> String {
    let parts = name_parts(tn);
    let qualified = parts.len() > 1;
    let mut out = match parts.as_slice() {
        [] => String::from("?"),
        [one] => {
            let base = super::canonical_base(one);
            // The grammar turns `char(n)` / `character(n)` into pg_catalog.bpchar.
            if base == "bpchar" && super::is_catalog(tn) {
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

/// The column types of the CREATE TABLEs and the parameter types of the CREATE FUNCTIONs
/// in `sql`.
fn type_names(sql: &str) -> Vec<TypeName> {
    let parsed = pg_query::parse(sql, 0).expect(sql);
    let mut out = Vec::new();
    for raw in &parsed.protobuf.stmts {
        match raw.stmt.as_ref().and_then(|s| s.node.as_ref()) {
            Some(NodeEnum::CreateStmt(c)) => {
                for elt in &c.table_elts {
                    if let Some(NodeEnum::ColumnDef(col)) = elt.node.as_ref() {
                        out.extend(col.type_name.clone());
                    }
                }
            }
            Some(NodeEnum::CreateFunctionStmt(f)) => {
                for p in &f.parameters {
                    if let Some(NodeEnum::FunctionParameter(p)) = p.node.as_ref() {
                        out.extend(p.arg_type.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn normalize_matches_the_reference() {
    let types = [
        "int",
        "integer",
        "int4",
        "pg_catalog.int4",
        "bigint",
        "int8",
        "smallint",
        "serial",
        "bigserial",
        "smallserial",
        "serial8",
        "boolean",
        "bool",
        "real",
        "float",
        "float(10)",
        "float(30)",
        "double precision",
        "numeric",
        "numeric(12, 2)",
        "decimal(5)",
        "varchar",
        "varchar(36)",
        "character varying(20)",
        "char",
        "char(3)",
        "character(2)",
        "\"char\"",
        "bpchar",
        "text",
        "text[]",
        "int[][]",
        "int[3]",
        "varchar(10)[]",
        "timestamp",
        "timestamp(3)",
        "timestamp with time zone",
        "timestamptz(6)",
        "time",
        "time(2)",
        "timetz",
        "time with time zone",
        "interval",
        "interval(3)",
        "interval day to second",
        "interval hour",
        "bit(3)",
        "bit varying(5)",
        "varbit",
        "json",
        "jsonb",
        "uuid",
        "public.my_type",
        "myschema.\"MyType\"",
        "pg_catalog.text",
        "pg_catalog.varchar(5)",
        "s.t(1, 2)",
        "my_type('a', 1.5, x)",
        "geometry(Point, 4326)",
        "vector(3)",
        "money",
        "national character varying(4)",
        "\"Upper\"",
    ];
    let mut sql: String = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("CREATE TABLE t{i} (c {t});"))
        .collect();
    sql.push_str(
        "CREATE FUNCTION f(a t.c%TYPE, b public.t.c%TYPE) RETURNS int LANGUAGE sql AS 'select 1';",
    );
    let names = type_names(&sql);
    assert_eq!(names.len(), types.len() + 2);
    for tn in &names {
        assert_eq!(super::normalize(tn), reference(tn), "{tn:?}");
    }
}
