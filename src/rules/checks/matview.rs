//! Materialized views: blocking refreshes, concurrent refreshes Postgres will refuse, and
//! refreshes run from triggers.

use pg_query::NodeEnum;
use pg_query::protobuf::{CreateFunctionStmt, RangeVar};
use serde_json::Value;

use super::{Hit, StmtCtx};
use crate::schema::{IndexKey, QualifiedName};

/// `REFRESH MATERIALIZED VIEW` without CONCURRENTLY.
pub fn refresh_matview_blocking(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::RefreshMatViewStmt(r) = ctx.node else {
        return;
    };
    let Some(rv) = r.relation.as_ref() else {
        return;
    };
    if r.concurrent || r.skip_data || created_here(ctx, rv) {
        return;
    }
    let view = QualifiedName::from_range_var(rv);
    hits.push(
        Hit::at(ctx.range_var_span(rv))
            .label("view")
            .var("view", view.to_string()),
    );
}

/// `REFRESH MATERIALIZED VIEW CONCURRENTLY` on a view with no usable unique index.
pub fn refresh_concurrently_no_unique_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::RefreshMatViewStmt(r) = ctx.node else {
        return;
    };
    let Some(rv) = r.relation.as_ref() else {
        return;
    };
    if !r.concurrent {
        return;
    }
    let view = QualifiedName::from_range_var(rv);
    // A view pglint has not seen created may well have the index: not judged.
    if !ctx.catalog.view(&view).is_some_and(|v| v.materialized) {
        return;
    }
    // Postgres needs a unique index on plain columns of all rows (no WHERE clause).
    let usable = ctx.catalog.indexes_of(&view).any(|ix| {
        ix.unique && !ix.partial && ix.keys.iter().all(|k| matches!(k, IndexKey::Column(_)))
    });
    if !usable {
        hits.push(
            Hit::at(ctx.range_var_span(rv))
                .label("view")
                .var("view", view.to_string()),
        );
    }
}

fn created_here(ctx: &StmtCtx<'_>, rv: &RangeVar) -> bool {
    let name = QualifiedName::from_range_var(rv);
    ctx.catalog.view(&name).is_some() && ctx.is_new_table(&name)
}

/// A trigger function (plpgsql, or SQL) whose body refreshes a materialized view.
pub fn matview_refresh_trigger(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::CreateFunctionStmt(f) = ctx.node else {
        return;
    };
    if !returns_trigger(f) {
        return;
    }
    let Some(body) = option_strings(f, "as").into_iter().next() else {
        return;
    };
    let language = option_strings(f, "language")
        .into_iter()
        .next()
        .unwrap_or_default();
    // Parsing a body is costly; one that never says REFRESH refreshes nothing.
    if !body.to_ascii_lowercase().contains("refresh") {
        return;
    }
    let refreshes = match language.as_str() {
        "plpgsql" => plpgsql_refreshes(&body),
        "sql" => sql_refreshes(&body),
        _ => Vec::new(),
    };
    let Some(view) = refreshes.first() else {
        return;
    };
    let function = crate::rules::checks::ast::strings(&f.funcname).join(".");
    // Point at the REFRESH inside the body as written.
    let body_at = ctx
        .migration
        .text(ctx.stmt.span)
        .find(body.trim())
        .map_or(ctx.stmt.span.start, |i| ctx.stmt.span.start + i);
    let span = ctx.find_name("refresh", body_at);
    hits.push(
        Hit::at(span)
            .label("refresh")
            .var("function", function)
            .var("view", view.clone()),
    );
}

fn returns_trigger(f: &CreateFunctionStmt) -> bool {
    f.return_type.as_ref().is_some_and(|t| {
        matches!(t.names.last().and_then(|n| n.node.as_ref()), Some(NodeEnum::String(s)) if s.sval == "trigger")
    })
}

/// The string values of a function option (`AS`, `LANGUAGE`).
fn option_strings(f: &CreateFunctionStmt, name: &str) -> Vec<String> {
    f.options
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::DefElem(d) if d.defname == name => d.arg.as_deref(),
            _ => None,
        })
        .flat_map(|arg| match arg.node.as_ref() {
            Some(NodeEnum::String(s)) => vec![s.sval.clone()],
            Some(NodeEnum::List(l)) => crate::rules::checks::ast::strings(&l.items),
            _ => Vec::new(),
        })
        .collect()
}

/// The views a plpgsql body refreshes, read from pg_query's plpgsql parse tree: static
/// `REFRESH MATERIALIZED VIEW` statements and string literals run by `EXECUTE`.
fn plpgsql_refreshes(body: &str) -> Vec<String> {
    // libpg_query's JSON for trigger functions is malformed (their implicit NEW/OLD/TG_*
    // variables), so parse the body inside a plain function that declares those names.
    let wrapped = format!(
        "CREATE FUNCTION pglint_trigger_body() RETURNS record LANGUAGE plpgsql AS $pglint_body$ \
         DECLARE new record; old record; tg_op text; tg_when text; tg_level text; tg_table_name text; \
         tg_table_schema text; tg_name text; tg_relid oid; tg_nargs integer; tg_argv text[]; \
         BEGIN {body}; END $pglint_body$"
    );
    if wrapped.matches("$pglint_body$").count() != 2 {
        return Vec::new();
    }
    let Ok(tree) = pg_query::parse_plpgsql(&wrapped) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(&tree, &mut out);
    out
}

fn walk(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match key.as_str() {
                    "PLpgSQL_stmt_execsql" => {
                        if let Some(q) = v
                            .pointer("/sqlstmt/PLpgSQL_expr/query")
                            .and_then(Value::as_str)
                        {
                            out.extend(sql_refreshes(q));
                        }
                    }
                    "PLpgSQL_stmt_dynexecute" => {
                        if let Some(q) = v
                            .pointer("/query/PLpgSQL_expr/query")
                            .and_then(Value::as_str)
                        {
                            out.extend(dynamic_refreshes(q));
                        }
                    }
                    _ => {}
                }
                walk(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
        _ => {}
    }
}

/// Views refreshed by the SQL statements of `sql`.
fn sql_refreshes(sql: &str) -> Vec<String> {
    let Ok(tree) = pg_query::parse(sql, 0) else {
        return Vec::new();
    };
    tree.protobuf
        .stmts
        .iter()
        .filter_map(|s| match s.stmt.as_ref()?.node.as_ref()? {
            NodeEnum::RefreshMatViewStmt(r) => r
                .relation
                .as_ref()
                .map(|rv| QualifiedName::from_range_var(rv).to_string()),
            _ => None,
        })
        .collect()
}

/// String constants in an `EXECUTE` expression that start a `REFRESH MATERIALIZED VIEW`
/// (also inside `format(...)`, where the view name may be a placeholder).
fn dynamic_refreshes(expr: &str) -> Vec<String> {
    let Ok(tokens) = pg_query::scan_tokens(&format!("SELECT {expr}")) else {
        return Vec::new();
    };
    let text = format!("SELECT {expr}");
    tokens
        .iter()
        .filter_map(|t| {
            let literal = text.get(usize::try_from(t.start).ok()?..usize::try_from(t.end).ok()?)?;
            let inner = literal
                .strip_prefix('\'')?
                .strip_suffix('\'')?
                .replace("''", "'");
            let words: Vec<String> = inner
                .split_whitespace()
                .take(4)
                .map(|w| w.to_ascii_uppercase())
                .collect();
            (words.len() >= 4 && words[..3] == ["REFRESH", "MATERIALIZED", "VIEW"]).then(|| {
                let rest: Vec<&str> = inner.split_whitespace().skip(3).collect();
                rest.into_iter()
                    .find(|w| !w.eq_ignore_ascii_case("concurrently"))
                    .unwrap_or("?")
                    .trim_end_matches(';')
                    .to_string()
            })
        })
        .collect()
}
