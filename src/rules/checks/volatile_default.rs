//! `ADD COLUMN` with a value computed per row (a volatile default, serial, identity, stored
//! generated column) on an existing table: a full rewrite under ACCESS EXCLUSIVE.

use pg_query::NodeRef;
use pg_query::protobuf::{ConstrType, Node};

use super::{Hit, StmtCtx, ast};
use crate::schema::types::serial_kind;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    let extra = ctx.options.list("volatile_functions");
    for col in ast::alter_cmds(at).filter_map(ast::added_column) {
        let mut found: Option<(crate::span::Span, String)> = None;
        if let Some(tn) = col.type_name.as_ref()
            && let Some(serial) = serial_kind(tn)
        {
            found = Some((
                ctx.type_span(tn),
                format!("type {serial} (a nextval() default)"),
            ));
        }
        for c in ast::column_constraints(col) {
            if found.is_some() {
                break;
            }
            if ast::is_constraint(c, ConstrType::ConstrDefault)
                && let Some((name, location)) =
                    c.raw_expr.as_deref().and_then(|e| volatile_call(e, extra))
            {
                found = Some((
                    ctx.find_name(&name, ctx.location(location)),
                    format!("DEFAULT {name}()"),
                ));
            } else if ast::is_constraint(c, ConstrType::ConstrIdentity) {
                found = Some((
                    ctx.find_name("generated", ctx.location(c.location)),
                    "an identity (GENERATED ... AS IDENTITY)".into(),
                ));
            } else if ast::is_constraint(c, ConstrType::ConstrGenerated)
                && stored(c, ctx.pg_version)
            {
                found = Some((
                    ctx.find_name("generated", ctx.location(c.location)),
                    "a stored generated expression".into(),
                ));
            }
        }
        if let Some((span, what)) = found {
            hits.push(
                Hit::at(span)
                    .label("default")
                    .var("table", table.to_string())
                    .var("column", col.colname.clone())
                    .var("what", what),
            );
        }
    }
}

/// A call to a known volatile function (or one named in `extra`), with its location.
fn volatile_call(expr: &Node, extra: &[String]) -> Option<(String, i32)> {
    let node = expr.node.as_ref()?;
    node.nodes().into_iter().find_map(|(n, ..)| match n {
        NodeRef::FuncCall(f) => {
            let name = ast::strings(&f.funcname).pop()?.to_ascii_lowercase();
            let volatile = crate::locks::is_known_volatile(&name)
                || extra.iter().any(|e| e.eq_ignore_ascii_case(&name));
            volatile.then_some((name, f.location))
        }
        _ => None,
    })
}

/// `GENERATED ALWAYS AS (...) STORED`; PostgreSQL 18 also has VIRTUAL (computed on read, no
/// rewrite), its default when neither is written.
fn stored(c: &pg_query::protobuf::Constraint, pg_version: u32) -> bool {
    match c.generated_kind.as_str() {
        "s" => true,
        "v" => false,
        _ => pg_version < 18,
    }
}
