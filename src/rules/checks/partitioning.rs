//! The `partitioning` checks: index builds on partitioned tables, attaching and detaching
//! partitions, unique constraints without the partition key, gaps between range partitions,
//! and tables that look like they want to be partitioned.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, PartitionCmd, RangeVar};

use super::columns::name_words;
use super::{Hit, StmtCtx, ast, constraints};
use crate::schema::{BoundKind, Catalog, IndexKey, PartitionStrategy, QualifiedName, Table};

/// How many partitions a message names before it says "and N more".
const LISTED: usize = 5;

fn partition_names(catalog: &Catalog, parent: &QualifiedName) -> (usize, String) {
    let names: Vec<String> = catalog
        .partitions_of(parent)
        .map(|t| t.name.to_string())
        .collect();
    let shown = names
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let listed = match names.len() {
        0 => "no partitions yet".to_string(),
        n if n > LISTED => format!("{shown} and {} more", n - LISTED),
        _ => shown,
    };
    (names.len(), listed)
}

/// The index statement's parts when it targets a partitioned table (not `ON ONLY`).
fn index_on_partitioned<'a>(
    ctx: &StmtCtx<'a>,
) -> Option<(
    &'a pg_query::protobuf::IndexStmt,
    &'a RangeVar,
    QualifiedName,
)> {
    let NodeEnum::IndexStmt(ix) = ctx.node else {
        return None;
    };
    let rv = ix.relation.as_ref()?;
    let table = QualifiedName::from_range_var(rv);
    let partitioned = ctx.catalog.table(&table).is_some_and(Table::is_partitioned);
    (partitioned && rv.inh).then_some((ix, rv, table))
}

fn index_hit(
    ctx: &StmtCtx<'_>,
    ix: &pg_query::protobuf::IndexStmt,
    table: &QualifiedName,
    span: crate::span::Span,
) -> Hit {
    let (count, partitions) = partition_names(ctx.catalog, table);
    let index = if ix.idxname.is_empty() {
        format!("{}_idx", table.name)
    } else {
        ix.idxname.clone()
    };
    let text = ctx.migration.text(ctx.stmt.span);
    let columns = text
        .find('(')
        .zip(text.rfind(')'))
        .map_or("(...)".to_string(), |(a, b)| text[a..=b].to_string());
    let columns = columns
        .split(" WHERE ")
        .next()
        .unwrap_or_default()
        .to_string();
    Hit::at(span)
        .var("table", table.to_string())
        .var("index", index)
        .var("count", count.to_string())
        .var("partitions", partitions)
        .var("columns", columns)
}

/// `CREATE INDEX CONCURRENTLY` on a partitioned parent: PostgreSQL refuses it.
pub fn partitioned_index_concurrently(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((ix, _, table)) = index_on_partitioned(ctx) else {
        return;
    };
    if !ix.concurrent {
        return;
    }
    let span = ctx.find_name("concurrently", ctx.stmt.span.start);
    hits.push(index_hit(ctx, ix, &table, span).label("keyword"));
}

/// A plain `CREATE INDEX` on an existing partitioned parent: SHARE on every partition.
pub fn partitioned_index_locks(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let Some((ix, rv, table)) = index_on_partitioned(ctx) else {
        return;
    };
    if ix.concurrent || ctx.is_new_table(&table) {
        return;
    }
    let span = if ix.idxname.is_empty() {
        ctx.range_var_span(rv)
    } else {
        ctx.find_name(&ix.idxname, ctx.stmt.span.start)
    };
    hits.push(index_hit(ctx, ix, &table, span).label("index"));
}

fn partition_cmds<'a>(
    ctx: &StmtCtx<'a>,
    kind: AlterTableType,
) -> Vec<(QualifiedName, &'a PartitionCmd)> {
    let NodeEnum::AlterTableStmt(at) = ctx.node else {
        return Vec::new();
    };
    let Some(parent) = at.relation.as_ref().map(QualifiedName::from_range_var) else {
        return Vec::new();
    };
    ast::alter_cmds(at)
        .filter(|c| ast::is_cmd(c, kind))
        .filter_map(|c| match c.def.as_ref()?.node.as_ref()? {
            NodeEnum::PartitionCmd(p) => Some((parent.clone(), p)),
            _ => None,
        })
        .collect()
}

/// `ATTACH PARTITION` of an existing table with no valid CHECK that implies its bounds.
pub fn attach_partition_scan(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    for (parent, cmd) in partition_cmds(ctx, AlterTableType::AtAttachPartition) {
        let Some(rv) = cmd.name.as_ref() else {
            continue;
        };
        let child = QualifiedName::from_range_var(rv);
        // A table created in this migration is empty: scanning it costs nothing.
        if ctx.is_new_table(&child) {
            continue;
        }
        let Some(bound) = cmd.bound.as_ref() else {
            continue;
        };
        if bound.is_default {
            continue;
        }
        let checks = constraints::checks_of(ctx, &child);
        let key = match single_key_column(ctx.catalog, &parent) {
            Some(key) => {
                if checks
                    .iter()
                    .any(|c| c.valid && implies_bound(&c.expr, &key, bound))
                {
                    continue;
                }
                // A CHECK on the key that pglint cannot evaluate may well imply the bounds.
                if checks
                    .iter()
                    .any(|c| c.valid && mentions(&c.expr, &key) && !evaluable(&c.expr))
                {
                    continue;
                }
                key
            }
            // The key is unknown (the parent was never seen): any valid CHECK may imply it.
            None if checks.iter().any(|c| c.valid) => continue,
            None => "partition_key".to_string(),
        };
        hits.push(
            Hit::at(ctx.range_var_span(rv))
                .label("partition")
                .var("table", child.to_string())
                .var("parent", parent.to_string())
                .var("check", bound_check(&key, bound))
                .var("constraint", format!("{}_partition_bound", child.name)),
        );
    }
}

/// The partition key when it is a single plain column.
fn single_key_column(catalog: &Catalog, parent: &QualifiedName) -> Option<String> {
    let key = catalog.table(parent)?.partitioned_by.as_ref()?;
    match key.keys.as_slice() {
        [IndexKey::Column(c)] => Some(c.clone()),
        _ => None,
    }
}

fn bound_values(nodes: &[pg_query::protobuf::Node]) -> Vec<Option<String>> {
    nodes.iter().map(constraints::literal).collect()
}

/// Whether a CHECK's conjuncts include `key >= from` and `key < to` (range) or
/// `key IN (values)` / `key = value` (list) for exactly the bound's values.
fn implies_bound(
    expr: &pg_query::protobuf::Node,
    key: &str,
    bound: &pg_query::protobuf::PartitionBoundSpec,
) -> bool {
    let parts = constraints::conjuncts(expr);
    let cmp: Vec<(String, String, String)> = parts
        .iter()
        .filter_map(|p| constraints::comparison(p))
        .filter(|(c, _, _)| c == key)
        .collect();
    match bound.strategy.as_str() {
        "r" => {
            let from = bound_values(&bound.lowerdatums);
            let to = bound_values(&bound.upperdatums);
            let lower_ok = match from.as_slice() {
                [Some(lo)] => cmp.iter().any(|(_, op, v)| op == ">=" && v == lo),
                // MINVALUE: no lower bound to imply.
                [None] => true,
                _ => false,
            };
            let upper_ok = match to.as_slice() {
                [Some(hi)] => cmp.iter().any(|(_, op, v)| op == "<" && v == hi),
                [None] => true,
                _ => false,
            };
            lower_ok && upper_ok
        }
        "l" => {
            let wanted: Vec<String> = bound_values(&bound.listdatums)
                .into_iter()
                .flatten()
                .collect();
            parts.iter().any(|p| {
                in_list(p, key).is_some_and(|mut values| {
                    values.sort();
                    let mut w = wanted.clone();
                    w.sort();
                    values == w
                })
            })
        }
        _ => false,
    }
}

/// `key IN (a, b)` or `key = a` as the list of values.
fn in_list(expr: &pg_query::protobuf::Node, key: &str) -> Option<Vec<String>> {
    let NodeEnum::AExpr(e) = expr.node.as_ref()? else {
        return None;
    };
    if constraints::column_name(e.lexpr.as_deref()?)? != key {
        return None;
    }
    match e.rexpr.as_deref()?.node.as_ref()? {
        NodeEnum::List(l) => l.items.iter().map(constraints::literal).collect(),
        _ => Some(vec![constraints::literal(e.rexpr.as_deref()?)?]),
    }
}

fn mentions(expr: &pg_query::protobuf::Node, key: &str) -> bool {
    constraints::conjuncts(expr).iter().any(|p| {
        constraints::comparison(p).is_some_and(|(c, _, _)| c == key) || in_list(p, key).is_some()
    }) || format!("{expr:?}").contains(&format!("sval: \"{key}\""))
}

fn evaluable(expr: &pg_query::protobuf::Node) -> bool {
    constraints::conjuncts(expr)
        .iter()
        .all(|p| constraints::comparison(p).is_some())
}

/// The CHECK that lets ATTACH skip its scan.
fn bound_check(key: &str, bound: &pg_query::protobuf::PartitionBoundSpec) -> String {
    let quote = |v: &Option<String>| {
        v.as_ref().map(|s| {
            if s.parse::<f64>().is_ok() {
                s.clone()
            } else {
                format!("'{s}'")
            }
        })
    };
    match bound.strategy.as_str() {
        "r" => {
            let mut parts = Vec::new();
            if let Some(lo) = bound_values(&bound.lowerdatums).first().and_then(quote) {
                parts.push(format!("{key} >= {lo}"));
            }
            if let Some(hi) = bound_values(&bound.upperdatums).first().and_then(quote) {
                parts.push(format!("{key} < {hi}"));
            }
            parts.join(" AND ")
        }
        "l" => {
            let values: Vec<String> = bound_values(&bound.listdatums)
                .iter()
                .filter_map(quote)
                .collect();
            format!("{key} IN ({})", values.join(", "))
        }
        _ => format!("{key} IS NOT NULL"),
    }
}

/// `DETACH PARTITION` without CONCURRENTLY (PostgreSQL 14+ can detach concurrently).
pub fn detach_partition_blocking(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    for (parent, cmd) in partition_cmds(ctx, AlterTableType::AtDetachPartition) {
        let Some(rv) = cmd.name.as_ref() else {
            continue;
        };
        if cmd.concurrent || ctx.is_new_table(&parent) {
            continue;
        }
        let child = QualifiedName::from_range_var(rv);
        hits.push(
            Hit::at(ctx.find_name("detach", ctx.stmt.span.start))
                .label("detach")
                .var("table", child.to_string())
                .var("parent", parent.to_string()),
        );
    }
}

/// A PRIMARY KEY / UNIQUE constraint or unique index on a partitioned table that leaves out a
/// partition key column: PostgreSQL refuses it.
pub fn partition_key_not_in_unique(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let mut report =
        |table: &QualifiedName, key: &[String], columns: &[String], span: crate::span::Span| {
            let missing: Vec<&String> = key.iter().filter(|k| !columns.contains(k)).collect();
            if missing.is_empty() {
                return;
            }
            hits.push(
                Hit::at(span)
                    .label("unique")
                    .var("table", table.to_string())
                    .var("key", key.join(", "))
                    .var(
                        "missing",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
            );
        };
    match ctx.node {
        NodeEnum::CreateStmt(create) => {
            let Some(spec) = create.partspec.as_ref() else {
                return;
            };
            let Some(table) = create.relation.as_ref().map(QualifiedName::from_range_var) else {
                return;
            };
            let key: Vec<String> = spec
                .part_params
                .iter()
                .filter_map(|p| match p.node.as_ref()? {
                    NodeEnum::PartitionElem(e) if !e.name.is_empty() => Some(e.name.clone()),
                    _ => None,
                })
                .collect();
            for elt in &create.table_elts {
                match elt.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => {
                        for c in ast::column_constraints(col).filter(|c| unique_kind(c)) {
                            report(
                                &table,
                                &key,
                                std::slice::from_ref(&col.colname),
                                ctx.find_name(kind_word(c), ctx.location(c.location)),
                            );
                        }
                    }
                    Some(NodeEnum::Constraint(c)) if unique_kind(c) => report(
                        &table,
                        &key,
                        &ast::strings(&c.keys),
                        ctx.find_name(kind_word(c), ctx.location(c.location)),
                    ),
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(at) => {
            let Some(table) = at.relation.as_ref().map(QualifiedName::from_range_var) else {
                return;
            };
            let Some(key) = key_columns(ctx.catalog, &table) else {
                return;
            };
            for c in ast::alter_cmds(at)
                .filter_map(ast::added_constraint)
                .filter(|c| unique_kind(c))
            {
                let columns = if c.indexname.is_empty() {
                    ast::strings(&c.keys)
                } else {
                    let index = QualifiedName::new(table.schema.clone(), c.indexname.clone());
                    ctx.catalog
                        .index(&index)
                        .map(|i| i.key_columns().map(str::to_string).collect())
                        .unwrap_or_default()
                };
                report(
                    &table,
                    &key,
                    &columns,
                    ctx.find_name(kind_word(c), ctx.location(c.location)),
                );
            }
        }
        NodeEnum::IndexStmt(ix) if ix.unique => {
            let Some(rv) = ix.relation.as_ref() else {
                return;
            };
            let table = QualifiedName::from_range_var(rv);
            let Some(key) = key_columns(ctx.catalog, &table) else {
                return;
            };
            let columns: Vec<String> = ix
                .index_params
                .iter()
                .filter_map(|p| match p.node.as_ref()? {
                    NodeEnum::IndexElem(e) if !e.name.is_empty() => Some(e.name.clone()),
                    _ => None,
                })
                .collect();
            let span = if ix.idxname.is_empty() {
                ctx.range_var_span(rv)
            } else {
                ctx.find_name(&ix.idxname, ctx.stmt.span.start)
            };
            report(&table, &key, &columns, span);
        }
        _ => {}
    }
}

fn unique_kind(c: &pg_query::protobuf::Constraint) -> bool {
    ast::is_constraint(c, ConstrType::ConstrPrimary)
        || ast::is_constraint(c, ConstrType::ConstrUnique)
}

fn kind_word(c: &pg_query::protobuf::Constraint) -> &'static str {
    if ast::is_constraint(c, ConstrType::ConstrPrimary) {
        "primary"
    } else {
        "unique"
    }
}

/// The partition key's plain columns of a partitioned table.
fn key_columns(catalog: &Catalog, table: &QualifiedName) -> Option<Vec<String>> {
    let key = catalog.table(table)?.partitioned_by.as_ref()?;
    Some(
        key.keys
            .iter()
            .filter_map(|k| match k {
                IndexKey::Column(c) => Some(c.clone()),
                IndexKey::Expression => None,
            })
            .collect(),
    )
}

/// A range partition added next to a gap that no partition (and no DEFAULT) covers.
pub fn partition_range_gap(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (parent, child, span) = match ctx.node {
        NodeEnum::CreateStmt(create)
            if !create.inh_relations.is_empty() && create.partbound.is_some() =>
        {
            let Some(rv) = create.relation.as_ref() else {
                return;
            };
            let Some(NodeEnum::RangeVar(parent)) =
                create.inh_relations.first().and_then(|n| n.node.as_ref())
            else {
                return;
            };
            (
                QualifiedName::from_range_var(parent),
                QualifiedName::from_range_var(rv),
                ctx.range_var_span(rv),
            )
        }
        NodeEnum::AlterTableStmt(_) => {
            let Some((parent, cmd)) = partition_cmds(ctx, AlterTableType::AtAttachPartition)
                .into_iter()
                .next()
            else {
                return;
            };
            let Some(rv) = cmd.name.as_ref() else { return };
            (
                parent,
                QualifiedName::from_range_var(rv),
                ctx.range_var_span(rv),
            )
        }
        _ => return,
    };
    let label_child = child.clone();
    hits.push(
        Hit::at(span)
            .label("partition")
            .var("parent", parent.to_string())
            .confirm_with(move |catalog| {
                let (before, after) = gap_next_to(catalog, &parent, &label_child)?;
                Some(super::Confirmed {
                    vars: vec![("gap_from", before), ("gap_to", after)],
                    related: Vec::new(),
                })
            }),
    );
}

/// A comparable range bound value: integers, or ISO dates / timestamps as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Point {
    Int(i128),
    Text(String),
}

fn point(value: &str) -> Option<Point> {
    if let Ok(i) = value.parse::<i128>() {
        return Some(Point::Int(i));
    }
    let b = value.as_bytes();
    let iso =
        b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit);
    iso.then(|| Point::Text(value.to_string()))
}

/// A gap next to `child`, when `child` is the later-created of the two partitions around it,
/// as (end of the earlier range, start of the later one).
fn gap_next_to(
    catalog: &Catalog,
    parent: &QualifiedName,
    child: &QualifiedName,
) -> Option<(String, String)> {
    let p = catalog.table(parent)?;
    if !matches!(
        p.partitioned_by.as_ref()?.strategy,
        PartitionStrategy::Range
    ) {
        return None;
    }
    let mut ranges = Vec::new();
    for part in catalog.partitions_of(parent) {
        match &part.partition_of.as_ref()?.bound.kind {
            BoundKind::Default => return None,
            BoundKind::Range { from, to } if from.len() == 1 && to.len() == 1 => {
                let (f, t) = (unquote(&from[0]), unquote(&to[0]));
                let (Some(pf), Some(pt)) = (point(&f), point(&t)) else {
                    return None;
                };
                let created = (part.created.file, part.created.span.start);
                ranges.push((pf, pt, f, t, part.name.clone(), created));
            }
            _ => return None,
        }
    }
    // Mixed kinds of values cannot be compared.
    let ints = ranges
        .iter()
        .filter(|r| matches!(r.0, Point::Int(_)))
        .count();
    if ints != 0 && ints != ranges.len() {
        return None;
    }
    ranges.sort();
    for pair in ranges.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        // Reported once, at the neighbour created last: the one that opened the gap.
        let later = if a.5 > b.5 { &a.4 } else { &b.4 };
        if a.1 < b.0 && later == child {
            return Some((a.3.clone(), b.2.clone()));
        }
    }
    None
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v.split("::").next().unwrap_or(v);
    v.trim_matches('\'').to_string()
}

/// A new, unpartitioned table that looks like an ever-growing, append-only time series.
pub fn partition_candidate(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let NodeEnum::CreateStmt(create) = ctx.node else {
        return;
    };
    if create.partspec.is_some() || create.partbound.is_some() {
        return;
    }
    let Some(rv) = create.relation.as_ref() else {
        return;
    };
    let table = QualifiedName::from_range_var(rv);
    let words = ctx.options.list("table_words");
    let append_only =
        name_words(&table.name).any(|w| words.iter().any(|x| x.eq_ignore_ascii_case(w)));
    let columns: Vec<&str> = create
        .table_elts
        .iter()
        .filter_map(|e| match e.node.as_ref()? {
            NodeEnum::ColumnDef(c) => Some(c.colname.as_str()),
            _ => None,
        })
        .collect();
    let time_column = columns.iter().find(|c| {
        ctx.options
            .list("time_columns")
            .iter()
            .any(|t| t.eq_ignore_ascii_case(c))
    });
    let updated = columns.iter().any(|c| {
        ctx.options
            .list("update_columns")
            .iter()
            .any(|t| t.eq_ignore_ascii_case(c))
    });
    let Some(time_column) = time_column else {
        return;
    };
    if !append_only || updated {
        return;
    }
    hits.push(
        Hit::at(ctx.range_var_span(rv))
            .label("table")
            .var("table", table.clone().to_string())
            .var("column", time_column.to_string())
            // A table created to be attached as a partition later in the file is fine.
            .confirm(move |catalog| {
                catalog
                    .table(&table)
                    .is_some_and(|t| t.partition_of.is_none())
            }),
    );
}
