//! Applying one statement to the catalog, one module per statement family. Every function
//! here tolerates any input: missing objects, duplicate names and unmodelled shapes leave the
//! catalog unchanged.

mod alter;
mod constraint;
mod create;
mod drop;
mod index;
mod partition;
mod rename;

use pg_query::NodeEnum;
use pg_query::protobuf::DropBehavior;

use super::{Catalog, Origin};

pub(super) fn apply(cat: &mut Catalog, node: &NodeEnum, origin: Origin) {
    // A relation dropped, renamed or moved frees its name: the name hints no longer hold.
    if matches!(
        node,
        NodeEnum::DropStmt(_) | NodeEnum::RenameStmt(_) | NodeEnum::AlterObjectSchemaStmt(_)
    ) {
        cat.free_name_from.clear();
    }
    match node {
        NodeEnum::CreateStmt(s) => create::create_table(cat, s, origin),
        NodeEnum::CreateTableAsStmt(s) => create::create_table_as(cat, s, origin),
        NodeEnum::AlterTableStmt(s) => alter::alter_table(cat, s, origin),
        NodeEnum::IndexStmt(s) => index::create_index(cat, s, origin),
        NodeEnum::DropStmt(s) => drop::drop(cat, s),
        NodeEnum::RenameStmt(s) => rename::rename(cat, s, origin),
        NodeEnum::AlterObjectSchemaStmt(s) => rename::set_schema(cat, s),
        NodeEnum::ViewStmt(s) => create::create_view(cat, s, origin),
        _ => {}
    }
}

fn cascade(behavior: i32) -> bool {
    behavior == DropBehavior::DropCascade as i32
}
