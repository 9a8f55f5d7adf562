//! The simple expressions most DEFAULTs and CHECKs are made of (`0`, `'none'`, `now()`,
//! `'{}'::jsonb`, `quantity >= 0`), printed exactly as libpg_query's deparser
//! (`postgres_deparse.c` in pg_query 18.1.0) prints them, without the protobuf round trip
//! and C call a deparse costs. Every function returns `None` for anything it does not
//! mirror with certainty; the caller then deparses.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AConst, AExpr, AExprKind, BoolExpr, BoolExprType, CoercionForm, ColumnRef, FuncCall, Node,
    NullTest, NullTestType, TypeCast, TypeName, a_const::Val,
};

use super::keywords::is_quoted_keyword;
use super::string_value;

/// `node` printed as the single target of a `SELECT`, or `None` when it is not simple.
pub(super) fn print(node: &Node) -> Option<String> {
    let mut out = String::new();
    expr(node, &mut out)?;
    Some(out)
}

/// `deparseExpr` for the node kinds handled here.
fn expr(node: &Node, out: &mut String) -> Option<()> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => a_const(c, out),
        NodeEnum::ColumnRef(c) => column_ref(c, out),
        NodeEnum::FuncCall(f) => func_call(f, out),
        NodeEnum::TypeCast(t) => type_cast(t, out),
        NodeEnum::AExpr(a) => a_expr(a, out),
        NodeEnum::NullTest(n) => null_test(n, out),
        NodeEnum::BoolExpr(b) => bool_expr(b, out),
        _ => None,
    }
}

/// `deparseAConst` / `deparseValue` in a constant context.
fn a_const(c: &AConst, out: &mut String) -> Option<()> {
    if c.isnull {
        out.push_str("NULL");
        return Some(());
    }
    match c.val.as_ref()? {
        Val::Ival(i) => out.push_str(&i.ival.to_string()),
        Val::Fval(f) => out.push_str(&f.fval),
        Val::Boolval(b) => out.push_str(if b.boolval { "true" } else { "false" }),
        Val::Sval(s) => string_literal(&s.sval, out)?,
        Val::Bsval(b) => {
            // `x'1F'` / `b'101'` keep their prefix letter in front of the quoted digits.
            let prefix = b.bsval.chars().next().filter(|p| matches!(p, 'x' | 'b'))?;
            out.push(prefix);
            string_literal(&b.bsval[1..], out)?;
        }
    }
    Some(())
}

/// `deparseStringLiteral`: quotes doubled, and `E''` with doubled backslashes when the
/// value has a backslash.
fn string_literal(s: &str, out: &mut String) -> Option<()> {
    // C stops at a NUL; the parser never produces one, so leave such a value to the C code.
    if s.contains('\0') {
        return None;
    }
    if s.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for ch in s.chars() {
        if ch == '\'' || ch == '\\' {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    Some(())
}

/// `quote_identifier`: bare when lower-case letters, digits and `_` (not leading with a
/// digit) and not a keyword other than an unreserved one; quoted with `"` doubled otherwise.
fn identifier(ident: &str, out: &mut String) -> Option<()> {
    if ident.is_empty() || ident.contains('\0') {
        return None;
    }
    let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    let bytes = ident.as_bytes();
    let safe_chars =
        (bytes[0].is_ascii_lowercase() || bytes[0] == b'_') && bytes.iter().all(|&b| plain(b));
    if safe_chars && !is_quoted_keyword(ident)? {
        out.push_str(ident);
        return Some(());
    }
    out.push('"');
    for ch in ident.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
    Some(())
}

/// Names joined by `.`, each through `quote_identifier` (`deparseAnyName`,
/// `deparseFuncName`, and `deparseColumnRef` without `*` or subscripts).
fn dotted_names(names: &[Node], out: &mut String) -> Option<()> {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        identifier(string_value(name)?, out)?;
    }
    Some(())
}

fn column_ref(c: &ColumnRef, out: &mut String) -> Option<()> {
    if c.fields.is_empty() {
        return None;
    }
    dotted_names(&c.fields, out)
}

/// A plain call `f(a, b)`: no aggregate or window decoration, not one of the SQL-syntax
/// forms (`SUBSTRING(x FROM 1)`), and not in `pg_catalog` (where `overlay` with four
/// arguments is printed in keyword form whatever the call form).
fn func_call(f: &FuncCall, out: &mut String) -> Option<()> {
    let plain = f.funcformat == CoercionForm::CoerceExplicitCall as i32
        && f.agg_order.is_empty()
        && f.agg_filter.is_none()
        && f.over.is_none()
        && !f.agg_within_group
        && !f.agg_star
        && !f.agg_distinct
        && !f.func_variadic;
    let catalog = f.funcname.first().and_then(string_value) == Some("pg_catalog");
    if !plain || catalog || f.funcname.is_empty() {
        return None;
    }
    dotted_names(&f.funcname, out)?;
    out.push('(');
    for (i, arg) in f.args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Named arguments (`name := value`) are printed differently; `expr` refuses them.
        expr(arg, out)?;
    }
    out.push(')');
    Some(())
}

/// `deparseTypeCast` outside a function-call context: `arg::type`, the argument in
/// parentheses when it is not a `c_expr` (an operator, `IS NULL`, `AND`) or when it is a
/// negative or fractional number.
fn type_cast(t: &TypeCast, out: &mut String) -> Option<()> {
    let (arg, tn) = (t.arg.as_deref()?, t.type_name.as_ref()?);
    let parens = match arg.node.as_ref()? {
        NodeEnum::AConst(c) => {
            if let Some(word) = cast_constant_form(c, tn)? {
                out.push_str(word);
                return Some(());
            }
            !c.isnull && matches!(&c.val, Some(Val::Fval(_)))
                || matches!(&c.val, Some(Val::Ival(i)) if !c.isnull && i.ival < 0)
        }
        _ => prec(arg)? != Prec::Atom,
    };
    parenthesized(arg, parens, out)?;
    out.push_str("::");
    type_name(tn, out)
}

/// The deparser's special forms of a cast constant: `'t'::boolean` and `'f'::boolean` print
/// as `true` and `false` (`Some(Some(word))`); `char 'x'` and `point '(1,2)'` are left to it
/// (`None`); anything else is an ordinary cast (`Some(None)`).
fn cast_constant_form(c: &AConst, tn: &TypeName) -> Option<Option<&'static str>> {
    let catalog_name = catalog_type(tn);
    if catalog_name == Some("bpchar") && tn.typmods.is_empty() || single_name(tn) == Some("point") {
        return None;
    }
    let word = match (&c.val, catalog_name) {
        (Some(Val::Sval(s)), Some("bool")) if !c.isnull => match s.sval.as_str() {
            "t" => Some("true"),
            "f" => Some("false"),
            _ => None,
        },
        _ => None,
    };
    Some(word)
}

/// The second name of a `pg_catalog.<name>` type.
fn catalog_type(tn: &TypeName) -> Option<&str> {
    match tn.names.as_slice() {
        [schema, name] if string_value(schema) == Some("pg_catalog") => string_value(name),
        _ => None,
    }
}

/// The name of an unqualified type.
fn single_name(tn: &TypeName) -> Option<&str> {
    match tn.names.as_slice() {
        [name] => string_value(name),
        _ => None,
    }
}

/// `deparseTypeName` for types without `SETOF`, `%TYPE`, sized array bounds or the
/// time-zone and interval modifier forms.
fn type_name(tn: &TypeName, out: &mut String) -> Option<()> {
    if tn.setof || tn.pct_type {
        return None;
    }
    match catalog_type(tn) {
        Some(name) => out.push_str(catalog_spelling(name, !tn.typmods.is_empty())?.as_ref()),
        None => dotted_names(&tn.names, out)?,
    }
    if !tn.typmods.is_empty() {
        out.push('(');
        for (i, m) in tn.typmods.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match m.node.as_ref()? {
                NodeEnum::AConst(c) => a_const(c, out)?,
                NodeEnum::ColumnRef(c) => column_ref(c, out)?,
                _ => return None,
            }
        }
        out.push(')');
    }
    for bound in &tn.array_bounds {
        match bound.node.as_ref()? {
            NodeEnum::Integer(i) if i.ival == -1 => out.push_str("[]"),
            _ => return None,
        }
    }
    Some(())
}

/// How the deparser spells `pg_catalog.<name>`; `None` for the forms whose modifiers it
/// prints its own way.
fn catalog_spelling(name: &str, has_typmods: bool) -> Option<std::borrow::Cow<'static, str>> {
    let fixed = match name {
        "bpchar" => "char",
        "varchar" => "varchar",
        "numeric" => "numeric",
        "bool" => "boolean",
        "int2" => "smallint",
        "int4" => "int",
        "int8" => "bigint",
        "real" | "float4" => "real",
        "float8" => "double precision",
        "time" => "time",
        "timestamp" => "timestamp",
        "timetz" | "timestamptz" | "interval" if has_typmods => return None,
        "timetz" => "time with time zone",
        "timestamptz" => "timestamp with time zone",
        "interval" => "interval",
        other => return Some(format!("pg_catalog.{other}").into()),
    };
    Some(fixed.into())
}

/// The deparser's precedence levels, lowest first (`DeparseExprPrec`), of the nodes
/// handled here; `Atom` is everything that never needs parentheses as an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    Not,
    Is,
    Comparison,
    Op,
    Add,
    Mul,
    Exp,
    Atom,
}

/// `getExprPrecedence` for the nodes handled here (`None` for an operator form not
/// handled).
fn prec(node: &Node) -> Option<Prec> {
    Some(match node.node.as_ref()? {
        NodeEnum::AExpr(a) => operator_prec(binary_op(a)?),
        NodeEnum::NullTest(_) => Prec::Is,
        NodeEnum::BoolExpr(b) => bool_prec(b)?,
        _ => Prec::Atom,
    })
}

/// The precedence of `AND`, `OR` or `NOT`.
fn bool_prec(b: &BoolExpr) -> Option<Prec> {
    match BoolExprType::try_from(b.boolop).ok()? {
        BoolExprType::AndExpr => Some(Prec::And),
        BoolExprType::OrExpr => Some(Prec::Or),
        BoolExprType::NotExpr => Some(Prec::Not),
        BoolExprType::Undefined => None,
    }
}

/// `getOperatorPrecedence` for a one-word operator.
fn operator_prec(op: &str) -> Prec {
    match op {
        "+" | "-" => Prec::Add,
        "*" | "/" | "%" => Prec::Mul,
        "^" => Prec::Exp,
        "<" | ">" | "=" | "<=" | ">=" | "<>" | "!=" => Prec::Comparison,
        _ => Prec::Op,
    }
}

/// `isOp`: made only of operator characters (else the deparser writes `OPERATOR(...)`).
fn is_op(op: &str) -> bool {
    !op.is_empty() && op.bytes().all(|b| b"~!@#^&|`?+-*/%<>=".contains(&b))
}

/// The operator of a binary `a op b` handled here.
fn binary_op(a: &AExpr) -> Option<&str> {
    if a.kind != AExprKind::AexprOp as i32 || a.lexpr.is_none() || a.rexpr.is_none() {
        return None;
    }
    match a.name.as_slice() {
        [name] => string_value(name).filter(|op| is_op(op)),
        _ => None,
    }
}

/// `deparseAExpr` for a binary operator: `l op r`, operands in parentheses where
/// precedence needs them.
fn a_expr(a: &AExpr, out: &mut String) -> Option<()> {
    let op = binary_op(a)?;
    let prec = operator_prec(op);
    operand(a.lexpr.as_deref()?, prec, false, out)?;
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    operand(a.rexpr.as_deref()?, prec, true, out)
}

/// `deparseNullTest`: `arg IS [NOT] NULL`.
fn null_test(n: &NullTest, out: &mut String) -> Option<()> {
    let test = match NullTestType::try_from(n.nulltesttype).ok()? {
        NullTestType::IsNull => " IS NULL",
        NullTestType::IsNotNull => " IS NOT NULL",
        NullTestType::Undefined => return None,
    };
    if n.argisrow {
        return None;
    }
    operand(n.arg.as_deref()?, Prec::Is, false, out)?;
    out.push_str(test);
    Some(())
}

/// `deparseBoolExpr`: arguments joined by ` AND ` / ` OR `, or `NOT arg`. (The deparser
/// starts a new output part before `AND`; parts are joined by one space after trailing
/// spaces are cut, and no argument printed here ends in a space or `(`.)
fn bool_expr(b: &BoolExpr, out: &mut String) -> Option<()> {
    let joiner = match bool_prec(b)? {
        Prec::And => " AND ",
        Prec::Or => " OR ",
        _ => {
            let [arg] = b.args.as_slice() else {
                return None;
            };
            out.push_str("NOT ");
            return bool_arg(arg, out);
        }
    };
    if b.args.is_empty() {
        return None;
    }
    for (i, arg) in b.args.iter().enumerate() {
        if i > 0 {
            out.push_str(joiner);
        }
        bool_arg(arg, out)?;
    }
    Some(())
}

/// An argument of AND, OR or NOT: in parentheses only when it is itself an AND or OR.
fn bool_arg(node: &Node, out: &mut String) -> Option<()> {
    let nested = matches!(prec(node)?, Prec::And | Prec::Or);
    parenthesized(node, nested, out)
}

/// `deparseExprOperand`: an operand of an operator of precedence `parent`, in parentheses
/// when `needsParensForPrecedence` says so.
fn operand(node: &Node, parent: Prec, right: bool, out: &mut String) -> Option<()> {
    let own = prec(node)?;
    let parens = if own == parent {
        match parent {
            // Non-associative.
            Prec::Is | Prec::Comparison => true,
            // Right-associative prefix operator.
            Prec::Not => false,
            // Left-associative.
            _ => right,
        }
    } else {
        own < parent
    };
    parenthesized(node, parens, out)
}

/// `node`, in parentheses if `parens`.
fn parenthesized(node: &Node, parens: bool, out: &mut String) -> Option<()> {
    if parens {
        out.push('(');
    }
    expr(node, out)?;
    if parens {
        out.push(')');
    }
    Some(())
}
