//! `ALTER COLUMN ... TYPE` that rewrites an existing table and its indexes.

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::{Hit, StmtCtx, ast};
use crate::locks::types::trivial_using;
use crate::schema::types::normalize;

pub fn check(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((table, at)) = ctx.existing_alter() else {
        return;
    };
    if !ctx.effects.rewrites(&table) {
        return;
    }
    for cmd in ast::alter_cmds(at).filter(|c| ast::is_cmd(c, AlterTableType::AtAlterColumnType)) {
        let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
            continue;
        };
        let Some(tn) = def.type_name.as_ref() else {
            continue;
        };
        let new = normalize(tn);
        let old = ctx
            .catalog
            .table(&table)
            .and_then(|t| t.column(&cmd.name))
            .map(|c| c.type_name.clone());
        let using = def
            .raw_default
            .as_deref()
            .filter(|u| !trivial_using(u, &cmd.name));
        let old_text = match (&old, using) {
            (Some(old), None)
                if !crate::locks::types::change_rewrites(old, &new, ctx.pg_version) =>
            {
                continue;
            }
            (Some(old), _) => old.clone(),
            // The old type is unknown: only a USING that computes new values is sure to rewrite.
            (None, Some(_)) => "its current type".to_string(),
            (None, None) => continue,
        };
        let reason = if using.is_some() {
            "its USING expression computes every value anew"
        } else {
            "the new type is not binary-compatible with the old one"
        };
        // Existing values the new type cannot hold make it fail, too (a known old type only).
        let fails = old
            .as_deref()
            .and_then(|o| super::narrowing::narrowing(o, &new));
        let may_fail = fails.map_or_else(String::new, |what| {
            format!(", and it fails (rolling the whole migration back) if {table} holds {what}")
        });
        let change = match fails {
            Some(_) => format!(
                "{table}.{} from {old_text} to {new} (which can fail)",
                cmd.name
            ),
            None => format!("{table}.{} from {old_text} to {new}", cmd.name),
        };
        hits.push(
            Hit::at(ctx.type_span(tn))
                .label("type")
                .var("change", change)
                .var("table", table.to_string())
                .var("column", cmd.name.clone())
                .var("old", old_text)
                .var("new", new)
                .var("reason", reason)
                .var("may_fail", may_fail),
        );
    }
}
