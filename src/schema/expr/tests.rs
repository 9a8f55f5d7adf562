//! The fast printer against libpg_query's deparser, on expressions parsed as `SELECT <expr>`.

use pg_query::NodeEnum;
use pg_query::protobuf::Node;

use super::{deparsed, fast};

/// The target of `SELECT <sql>`.
fn target(sql: &str) -> Node {
    let parsed = pg_query::parse(&format!("SELECT {sql}"), 0).expect(sql);
    let stmt = parsed.protobuf.stmts[0]
        .stmt
        .as_ref()
        .and_then(|s| s.node.as_ref());
    let Some(NodeEnum::SelectStmt(select)) = stmt else {
        panic!("not a SELECT: {sql}");
    };
    match select.target_list[0].node.as_ref() {
        Some(NodeEnum::ResTarget(rt)) => *rt.val.clone().expect(sql),
        _ => panic!("no target: {sql}"),
    }
}

/// Expressions the fast printer must print, and print as the deparser does.
const SIMPLE: &[&str] = &[
    "0",
    "42",
    "-1",
    "-2147483648",
    "2147483647",
    "2147483648",
    "-2147483649",
    "99999999999999999999",
    "1.50",
    "-1.50",
    "1e10",
    "1E-5",
    ".5",
    "0x1F",
    "1_000",
    "true",
    "false",
    "NULL",
    "'none'",
    "''",
    "'it''s'",
    "'a\\b'",
    "E'a\\\\b'",
    "E'it\\'s'",
    "E'tab\\there'",
    "'ünïcødé ✓'",
    "U&'d\\0061t\\+000061'",
    "$$dollar 'quoted'$$",
    "B'1010'",
    "X'1F'",
    "now()",
    "gen_random_uuid()",
    "public.uuid_generate_v4()",
    "coalesce_it(1, 'a', name)",
    "nextval('seq'::regclass)",
    "nextval('public.\"Seq\"'::regclass)",
    "\"Upper\"()",
    "\"left\"(name, 2)",
    "f(a + 1, -2)",
    "name",
    "\"Name\"",
    "\"select\"",
    "\"user\"",
    "\"order\"",
    "\"year\"",
    "\"int\"",
    "\"name with space\"",
    "\"with\"\"quote\"",
    "t.col",
    "s.t.col",
    "\"T\".\"Col\"",
    "_under",
    "col1",
    "\"1col\"",
    "\"é\"",
    "'{}'::jsonb",
    "'[]'::json",
    "'{}'::text[]",
    "'{}'::integer[]",
    "'x'::character varying",
    "'x'::varchar(20)",
    "''::character varying",
    "'1 day'::interval",
    "'2020-01-01'::date",
    "'2020-01-01'::timestamp",
    "'2020-01-01'::timestamp with time zone",
    "'2020-01-01'::timestamptz",
    "'12:00'::time with time zone",
    "'12:00'::time",
    "'1'::numeric(12, 2)",
    "'1'::decimal",
    "'1'::bigint",
    "'1'::int",
    "'1'::smallint",
    "'1'::real",
    "'1'::float",
    "'1'::double precision",
    "'t'::boolean",
    "'f'::boolean",
    "'true'::boolean",
    "'x'::char(3)",
    "'x'::\"char\"",
    "'x'::public.my_type",
    "'x'::\"MyType\"",
    "'x'::pg_catalog.text",
    "'x'::pg_catalog.int4",
    "'x'::pg_catalog.float8",
    "'x'::bit(3)",
    "'x'::text::integer",
    "(-1)::bigint",
    "1.5::numeric",
    "NULL::integer",
    "name::text",
    "now()::date",
    "(a + 1)::text",
    "quantity >= 0",
    "\"quantity\" >= 0",
    "price > 0::numeric",
    "a = b",
    "a <> b",
    "a != b",
    "a || 'x'",
    "a + b * c",
    "(a + b) * c",
    "a - (b - c)",
    "a - b - c",
    "a * b / c",
    "a ^ b ^ c",
    "a ^ (b ^ c)",
    "(a = b) = c",
    "a + b = c",
    "a = (b + c)",
    "a || b || c",
    "a || (b || c)",
    "a @> '{}'::jsonb",
    "a ~ '^x'",
    "a + -1",
    "a - -1",
    "char_length(name) <= 20",
    "length(\"Name\") > 0",
    "a IS NULL",
    "a IS NOT NULL",
    "a ISNULL",
    "a NOTNULL",
    "t.deleted_at IS NULL",
    "a + 1 IS NULL",
    "(a IS NULL) IS NULL",
    "(a IS NULL) = (b IS NULL)",
    "(a IS NOT NULL) <> (b IS NOT NULL)",
    "f(a IS NULL)",
    "(a IS NULL)::int",
    "a AND b",
    "a OR b",
    "a AND b AND c",
    "a OR b OR c",
    "a AND (b OR c)",
    "(a AND b) OR c",
    "a OR (b AND c)",
    "(a OR b) AND (c OR d)",
    "NOT a",
    "NOT NOT a",
    "NOT (a AND b)",
    "NOT a = b",
    "(NOT a) = b",
    "a AND NOT b",
    "(a AND b) = c",
    "(a OR b) IS NULL",
    "(a AND b)::int",
    "f(a AND b, c OR d)",
    "deleted_at IS NULL AND state = 'x'",
    "a IS NULL OR lower(b) = 'y'",
    "((quantity >= 0) AND (price > (0)::numeric))",
    "(status)::text = 'a'::text OR (status)::text = 'b'::text",
    "a IS NOT NULL AND b IS NULL AND c = 1",
    "x = 'a ' AND y = ' b'",
];

/// Expressions the fast printer leaves to the deparser (it need not print them, but if it
/// does the text must match).
const OTHER: &[&str] = &[
    "CURRENT_TIMESTAMP",
    "current_user",
    "count(*)",
    "count(DISTINCT a)",
    "sum(a) FILTER (WHERE a > 0)",
    "row_number() OVER ()",
    "f(VARIADIC a)",
    "f(x := 1)",
    "pg_catalog.now()",
    "substring(a from 1 for 2)",
    "overlay(a placing 'b' from 1 for 2)",
    "trim(both 'x' from a)",
    "a IN (1, 2)",
    "a IS TRUE",
    "a IS NULL AND b IN (1, 2)",
    "(a IN (1)) IS NULL",
    "ROW(a, b) IS NULL",
    "a = ANY(b)",
    "a BETWEEN 1 AND 2",
    "a LIKE 'x%'",
    "- a",
    "f(a + 1, -b)",
    "-1::bigint",
    "a OPERATOR(pg_catalog.+) b",
    "a IS DISTINCT FROM b",
    "NULLIF(a, b)",
    "COALESCE(a, b)",
    "CASE WHEN a THEN 1 END",
    "ARRAY[1, 2]",
    "(1, 2)",
    "a[1]",
    "t.*",
    "'x'::char",
    "'x'::bpchar",
    "point '(1,2)'",
    "'(1,2)'::point",
    "'1'::interval hour",
    "'1'::interval(3)",
    "'1'::timestamp(3) with time zone",
    "'1'::time(3) with time zone",
    "'1'::int[3]",
    "'1'::setof_not_a_type",
    "interval '1 day'",
    "timestamp '2020-01-01'",
    "a COLLATE \"C\"",
    "a AT TIME ZONE 'UTC'",
    "$1",
    "(SELECT 1)",
    "EXISTS (SELECT 1)",
    "a::text COLLATE \"C\"",
    "f(a)::text[]",
    "(a = b)::int",
];

fn assert_same(sql: &str) -> bool {
    let node = target(sql);
    let slow = deparsed(&node);
    match fast::print(&node) {
        Some(fast) => {
            assert_eq!(fast, slow, "fast path differs for `{sql}`");
            true
        }
        None => false,
    }
}

#[test]
fn simple_expressions_print_as_the_deparser_does() {
    let refused: Vec<&str> = SIMPLE
        .iter()
        .copied()
        .filter(|sql| !assert_same(sql))
        .collect();
    assert!(refused.is_empty(), "fast path refused {refused:?}");
}

#[test]
fn other_expressions_fall_back_or_match() {
    for sql in OTHER {
        assert_same(sql);
    }
}

#[test]
fn keywords_are_quoted_as_the_deparser_quotes_them() {
    // Unreserved (`name`, `year` is col_name), reserved, type/func-name and col-name words,
    // as column references.
    for word in [
        "abort",
        "name",
        "year",
        "int",
        "select",
        "user",
        "left",
        "between",
        "varchar",
        "zone",
        "xmltable",
        "all",
        "analyse",
        "authorization",
        "boolean",
        "value",
        "text",
        "json",
    ] {
        assert!(
            assert_same(&format!("\"{word}\"")),
            "fast path refused `{word}`"
        );
    }
}
