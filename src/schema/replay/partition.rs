//! Partitioning: partition keys and bounds, ATTACH / DETACH PARTITION, and walking a
//! table's partition tree.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node};

use crate::schema::expr::{expr_text, strings};
use crate::schema::{
    BoundKind, Catalog, IndexKey, PartitionBound, PartitionKey, PartitionOf, PartitionStrategy,
    QualifiedName,
};

pub(super) fn partition_key(spec: &pb::PartitionSpec) -> PartitionKey {
    let strategy = match pb::PartitionStrategy::try_from(spec.strategy) {
        Ok(pb::PartitionStrategy::List) => PartitionStrategy::List,
        Ok(pb::PartitionStrategy::Hash) => PartitionStrategy::Hash,
        _ => PartitionStrategy::Range,
    };
    let mut keys = Vec::new();
    let mut key_exprs = Vec::new();
    for p in &spec.part_params {
        let Some(NodeEnum::PartitionElem(e)) = p.node.as_ref() else {
            continue;
        };
        if e.name.is_empty() {
            keys.push(IndexKey::Expression);
            key_exprs.push(e.expr.as_deref().map(expr_text));
        } else {
            keys.push(IndexKey::Column(e.name.clone()));
            key_exprs.push(None);
        }
    }
    PartitionKey {
        strategy,
        keys,
        key_exprs,
    }
}

fn datum_text(node: &Node) -> String {
    if let Some(NodeEnum::ColumnRef(c)) = node.node.as_ref() {
        let names = strings(&c.fields);
        if let [one] = names.as_slice() {
            match one.as_str() {
                "minvalue" => return "MINVALUE".to_string(),
                "maxvalue" => return "MAXVALUE".to_string(),
                _ => {}
            }
        }
    }
    expr_text(node)
}

pub(super) fn partition_bound(spec: &pb::PartitionBoundSpec) -> PartitionBound {
    if spec.is_default {
        return PartitionBound {
            text: "DEFAULT".to_string(),
            kind: BoundKind::Default,
        };
    }
    let list = |nodes: &[Node]| nodes.iter().map(datum_text).collect::<Vec<_>>();
    match spec.strategy.as_str() {
        "l" => {
            let values = list(&spec.listdatums);
            PartitionBound {
                text: format!("FOR VALUES IN ({})", values.join(", ")),
                kind: BoundKind::List { values },
            }
        }
        "h" => PartitionBound {
            text: format!(
                "FOR VALUES WITH (MODULUS {}, REMAINDER {})",
                spec.modulus, spec.remainder
            ),
            kind: BoundKind::Hash {
                modulus: spec.modulus,
                remainder: spec.remainder,
            },
        },
        _ => {
            let from = list(&spec.lowerdatums);
            let to = list(&spec.upperdatums);
            PartitionBound {
                text: format!(
                    "FOR VALUES FROM ({}) TO ({})",
                    from.join(", "),
                    to.join(", ")
                ),
                kind: BoundKind::Range { from, to },
            }
        }
    }
}

pub(super) fn attach_partition(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if &child == parent {
        return;
    }
    let bound = cmd
        .bound
        .as_ref()
        .map(partition_bound)
        .unwrap_or(PartitionBound {
            text: "DEFAULT".to_string(),
            kind: BoundKind::Default,
        });
    let Some(t) = cat.tables.get_mut(&child) else {
        return;
    };
    if t.partition_of.is_some() {
        return;
    }
    t.partition_of = Some(PartitionOf {
        parent: parent.clone(),
        bound,
    });
    push_unique(cat.partitions.entry(parent.clone()).or_default(), &child);
}

pub(super) fn detach_partition(cat: &mut Catalog, parent: &QualifiedName, cmd: &pb::PartitionCmd) {
    let Some(rv) = &cmd.name else { return };
    let child = QualifiedName::from_range_var(rv);
    if let Some(t) = cat.tables.get_mut(&child)
        && t.partition_of.as_ref().is_some_and(|p| &p.parent == parent)
    {
        t.partition_of = None;
    }
    if let Some(list) = cat.partitions.get_mut(parent) {
        list.retain(|c| c != &child);
    }
}

/// The table and, recursively, all its partitions (ALTER TABLE without ONLY reaches them).
pub(super) fn with_partitions(cat: &Catalog, table: &QualifiedName) -> Vec<QualifiedName> {
    let mut out = vec![table.clone()];
    let mut seen: std::collections::HashSet<&QualifiedName> = std::collections::HashSet::new();
    seen.insert(table);
    let mut i = 0;
    while i < out.len() {
        if let Some(children) = cat.partitions.get(&out[i]) {
            for c in children {
                if seen.insert(c) {
                    out.push(c.clone());
                }
            }
        }
        i += 1;
    }
    out
}

pub(super) fn push_unique(list: &mut Vec<QualifiedName>, name: &QualifiedName) {
    if !list.contains(name) {
        list.push(name.clone());
    }
}
