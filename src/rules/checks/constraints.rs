//! CHECK constraints as parse trees, wherever pglint knows them from: the catalog (which keeps
//! their SQL text) and, for tables it never saw created, the earlier statements of the same
//! migration.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, Node};

use super::{StmtCtx, ast};
use crate::schema::{ConstraintKind, QualifiedName, string_value};

/// A CHECK constraint on a table, and whether it is validated.
pub struct Check {
    pub name: String,
    pub expr: Node,
    pub valid: bool,
}

/// Every CHECK constraint of `table` just before the current statement.
pub fn checks_of(ctx: &StmtCtx<'_>, table: &QualifiedName) -> Vec<Check> {
    if let Some(t) = ctx.catalog.table(table) {
        return t
            .constraints
            .iter()
            .filter(|c| matches!(c.kind, ConstraintKind::Check))
            .filter_map(|c| {
                Some(Check {
                    name: c.name.clone(),
                    expr: parse_expr(c.expr.as_deref()?)?,
                    valid: !c.not_valid,
                })
            })
            .collect();
    }
    let mut out: Vec<Check> = Vec::new();
    for (_, at) in ctx.earlier_alters(table) {
        for cmd in ast::alter_cmds(at) {
            if let Some(c) = ast::added_constraint(cmd)
                .filter(|c| ast::is_constraint(c, ConstrType::ConstrCheck))
                && let Some(expr) = c.raw_expr.as_deref()
            {
                out.push(Check {
                    name: c.conname.clone(),
                    expr: expr.clone(),
                    valid: !c.skip_validation,
                });
            }
            if ast::is_cmd(cmd, AlterTableType::AtValidateConstraint) {
                out.iter_mut()
                    .filter(|c| c.name == cmd.name)
                    .for_each(|c| c.valid = true);
            }
            if ast::is_cmd(cmd, AlterTableType::AtDropConstraint) {
                out.retain(|c| c.name != cmd.name);
            }
        }
    }
    out
}

/// Parses an expression's SQL text.
pub fn parse_expr(text: &str) -> Option<Node> {
    let tree = pg_query::parse(&format!("SELECT {text}"), 0).ok()?;
    let stmt = tree.protobuf.stmts.into_iter().next()?.stmt?.node?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let target = select.target_list.into_iter().next()?.node?;
    let NodeEnum::ResTarget(rt) = target else {
        return None;
    };
    rt.val.map(|b| *b)
}

/// The conjuncts of an expression: `a AND (b AND c)` gives `a`, `b`, `c`.
pub fn conjuncts(expr: &Node) -> Vec<&Node> {
    match expr.node.as_ref() {
        Some(NodeEnum::BoolExpr(b))
            if b.boolop == pg_query::protobuf::BoolExprType::AndExpr as i32 =>
        {
            b.args.iter().flat_map(conjuncts).collect()
        }
        _ => vec![expr],
    }
}

/// The column a plain column reference names.
pub fn column_name(expr: &Node) -> Option<&str> {
    match expr.node.as_ref()? {
        NodeEnum::ColumnRef(c) => c.fields.last().and_then(string_value),
        _ => None,
    }
}

/// A constant's value as text, casts stripped: `'2024-01-01'::date` and `DATE '2024-01-01'`
/// give `2024-01-01`; `10` gives `10`.
pub fn literal(expr: &Node) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    match expr.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Ival(i) => Some(i.ival.to_string()),
            Val::Fval(f) => Some(f.fval.clone()),
            Val::Sval(s) => Some(s.sval.clone()),
            Val::Boolval(b) => Some(b.boolval.to_string()),
            Val::Bsval(b) => Some(b.bsval.clone()),
        },
        NodeEnum::TypeCast(t) => literal(t.arg.as_deref()?),
        _ => None,
    }
}

/// `col op constant` (or `constant op col`, flipped) as (column, operator, value).
pub fn comparison(expr: &Node) -> Option<(String, String, String)> {
    let NodeEnum::AExpr(e) = expr.node.as_ref()? else {
        return None;
    };
    let op = ast::strings(&e.name).pop()?;
    let (l, r) = (e.lexpr.as_deref()?, e.rexpr.as_deref()?);
    if let (Some(col), Some(v)) = (column_name(l), literal(r)) {
        return Some((col.to_string(), op, v));
    }
    let flipped = match op.as_str() {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        other => other,
    };
    Some((
        column_name(r)?.to_string(),
        flipped.to_string(),
        literal(l)?,
    ))
}
