//! `normalize` on the type spellings Django, pg_dump and hand-written SQL use.

use pg_query::NodeEnum;
use pg_query::protobuf::TypeName;

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
fn normalize_spells_types_canonically() {
    let cases = [
        ("int", "integer"),
        ("integer", "integer"),
        ("int4", "integer"),
        ("pg_catalog.int4", "integer"),
        ("bigint", "bigint"),
        ("int8", "bigint"),
        ("smallint", "smallint"),
        ("serial", "integer"),
        ("bigserial", "bigint"),
        ("smallserial", "smallint"),
        ("serial8", "bigint"),
        ("boolean", "boolean"),
        ("bool", "boolean"),
        ("real", "real"),
        ("float", "double precision"),
        ("float(10)", "real"),
        ("float(30)", "double precision"),
        ("double precision", "double precision"),
        ("numeric", "numeric"),
        ("numeric(12, 2)", "numeric(12, 2)"),
        ("decimal(5)", "numeric(5)"),
        ("varchar", "varchar"),
        ("varchar(36)", "varchar(36)"),
        ("character varying(20)", "varchar(20)"),
        ("char", "char(1)"),
        ("char(3)", "char(3)"),
        ("character(2)", "char(2)"),
        ("\"char\"", "char"),
        ("bpchar", "bpchar"),
        ("text", "text"),
        ("text[]", "text[]"),
        ("int[][]", "integer[][]"),
        ("int[3]", "integer[]"),
        ("varchar(10)[]", "varchar(10)[]"),
        ("timestamp", "timestamp"),
        ("timestamp(3)", "timestamp(3)"),
        ("timestamp with time zone", "timestamptz"),
        ("timestamptz(6)", "timestamptz(6)"),
        ("time", "time"),
        ("time(2)", "time(2)"),
        ("timetz", "timetz"),
        ("time with time zone", "timetz"),
        ("interval", "interval"),
        ("interval(3)", "interval"),
        ("interval day to second", "interval"),
        ("interval hour", "interval"),
        ("bit(3)", "bit(3)"),
        ("bit varying(5)", "varbit(5)"),
        ("varbit", "varbit"),
        ("json", "json"),
        ("jsonb", "jsonb"),
        ("uuid", "uuid"),
        ("public.my_type", "public.my_type"),
        ("myschema.\"MyType\"", "myschema.MyType"),
        ("pg_catalog.text", "text"),
        ("pg_catalog.varchar(5)", "varchar(5)"),
        ("s.t(1, 2)", "s.t"),
        ("my_type('a', 1.5, x)", "my_type(a, 1.5, x)"),
        ("geometry(Point, 4326)", "geometry(point, 4326)"),
        ("vector(3)", "vector(3)"),
        ("money", "money"),
        ("national character varying(4)", "varchar(4)"),
        ("\"Upper\"", "Upper"),
    ];
    let mut sql: String = cases
        .iter()
        .enumerate()
        .map(|(i, (t, _))| format!("CREATE TABLE t{i} (c {t});"))
        .collect();
    sql.push_str(
        "CREATE FUNCTION f(a t.c%TYPE, b public.t.c%TYPE) RETURNS int LANGUAGE sql AS 'select 1';",
    );
    let names = type_names(&sql);
    let expected: Vec<&str> = cases
        .iter()
        .map(|(_, e)| *e)
        .chain(["t.c%TYPE", "public.t.c%TYPE"])
        .collect();
    let got: Vec<String> = names.iter().map(super::normalize).collect();
    assert_eq!(got, expected);
}
