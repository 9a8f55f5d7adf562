//! The `design` checks on indexes: duplicates, redundant prefixes, btree on container types,
//! boolean keys, wide indexes and tables with too many of them.
//!
//! Each check looks at the indexes a statement creates (`CREATE INDEX`, and the indexes behind
//! PRIMARY KEY / UNIQUE constraints of `CREATE TABLE` and `ALTER TABLE`), as the catalog shows
//! them right after the statement (these checks run in [`super::Phase::After`]), and compares
//! them with the table's other indexes. Verdicts
//! that a later statement of the same file can undo (the older index dropped) are confirmed on
//! the catalog at the end of the file.

use pg_query::NodeEnum;

use super::{Hit, StmtCtx};
use crate::schema::{Index, QualifiedName, Table};
use crate::span::Span;

/// Where to point at an index this statement creates: its name, else its constraint's name,
/// else its first key column, else the table name.
fn index_span(ctx: &StmtCtx<'_>, ix: &Index) -> Span {
    if let NodeEnum::IndexStmt(stmt) = ctx.node {
        if !stmt.idxname.is_empty() {
            return ctx.find_name(&stmt.idxname, ctx.stmt.span.start);
        }
        if let Some(rv) = stmt.relation.as_ref() {
            return ctx.range_var_span(rv);
        }
    }
    span_within(ctx, ix, ctx.stmt.span)
}

/// Where an earlier index was created: as [`index_span`] inside its statement when that is in
/// this file, else the statement (another file's text is not at hand).
fn earlier_span(ctx: &StmtCtx<'_>, ix: &Index) -> Span {
    if ix.origin.file == ctx.file {
        span_within(ctx, ix, ix.origin.span)
    } else {
        ix.origin.span
    }
}

/// An index inside the statement `within` of this file: its constraint's or its own name, or
/// for an unnamed constraint the `UNIQUE` / `PRIMARY` keyword after its first key column.
fn span_within(ctx: &StmtCtx<'_>, ix: &Index, within: Span) -> Span {
    let text = &ctx.migration.file.text;
    let find = |name: &str, from: usize| {
        let span = super::find_identifier(text, within, name, from);
        (span != within).then_some(span)
    };
    let named = [ix.constraint.as_deref(), Some(ix.name.name.as_str())]
        .into_iter()
        .flatten()
        .find_map(|name| find(name, within.start));
    if let Some(span) = named {
        return span;
    }
    let col = ix.key_columns().next().and_then(|c| find(c, within.start));
    let keyword = if ix.name.name.ends_with("_pkey") {
        "primary"
    } else {
        "unique"
    };
    find(keyword, col.map_or(within.start, |c| c.end))
        .or(col)
        .unwrap_or(within)
}

/// The first `n` keys of `a` and `b` are the same columns or expressions with the same
/// operator classes, sorted the same way (or all reversed: a btree is read both ways).
fn same_leading_keys(a: &Index, b: &Index, n: usize) -> bool {
    if a.keys.len() < n || b.keys.len() < n {
        return false;
    }
    let keys_match = (0..n).all(|i| {
        a.keys[i] == b.keys[i]
            && a.key_text(i).is_some()
            && a.key_text(i) == b.key_text(i)
            && a.opclass(i) == b.opclass(i)
    });
    let same_order = (0..n).all(|i| a.is_descending(i) == b.is_descending(i));
    let reversed = (0..n).all(|i| a.is_descending(i) != b.is_descending(i));
    keys_match && (same_order || reversed)
}

/// How to drop an index: its constraint if it backs one.
fn drop_sql(ix: &Index) -> String {
    match &ix.constraint {
        Some(c) => format!("ALTER TABLE {} DROP CONSTRAINT \"{c}\"", ix.table),
        None => format!("DROP INDEX CONCURRENTLY \"{}\"", ix.name.name),
    }
}

fn columns_text(ix: &Index) -> String {
    (0..ix.keys.len())
        .map(|i| ix.key_text(i).unwrap_or("(expression)").to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

// --- duplicate-index ---------------------------------------------------------------------

/// `a` and `b` index the same thing; returns the one that can go (`None`: they differ).
fn duplicate_pair<'i>(a: &'i Index, b: &'i Index) -> Option<&'i Index> {
    if a.table != b.table
        || a.method != b.method
        || a.keys.len() != b.keys.len()
        || !same_leading_keys(a, b, a.keys.len())
        || a.predicate != b.predicate
        || a.nulls_not_distinct != b.nulls_not_distinct
    {
        return None;
    }
    let mut ia = a.include.clone();
    let mut ib = b.include.clone();
    ia.sort();
    ib.sort();
    if ia != ib {
        return None;
    }
    match (a.unique, b.unique) {
        // The plain one is redundant: the unique one serves the same lookups.
        (true, false) => Some(b),
        (false, true) => Some(a),
        // Keep the one that backs a constraint; otherwise the newer (`b`) goes.
        _ if b.constraint.is_some() && a.constraint.is_none() => Some(a),
        _ => Some(b),
    }
}

pub fn duplicate_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (after, new) = (ctx.catalog, ctx.created_indexes());
    for &ix in new {
        let n = ix.keys.len();
        let Some(other) = after
            .earlier_with_leading_keys(ix, n, n)
            .find(|o| duplicate_pair(o, ix).is_some())
        else {
            continue;
        };
        let Some(drop) = duplicate_pair(other, ix) else {
            continue;
        };
        let (n1, n2) = (other.name.clone(), ix.name.clone());
        hits.push(
            Hit::at(index_span(ctx, ix))
                .label("index")
                .var("index", ix.name.name.clone())
                .var("other", other.name.name.clone())
                .var("table", ix.table.to_string())
                .var("columns", columns_text(ix))
                .var("redundant", drop.name.name.clone())
                .var("drop", drop_sql(drop))
                .related("other", other.origin.file, earlier_span(ctx, other))
                .confirm(move |cat| match (cat.index(&n1), cat.index(&n2)) {
                    (Some(a), Some(b)) => duplicate_pair(a, b).is_some(),
                    _ => false,
                }),
        );
    }
}

// --- redundant-index ---------------------------------------------------------------------

/// `short` is a plain btree whose keys lead `long` (a btree with more keys) and that `long`
/// serves for every query `short` serves.
fn is_redundant_prefix(short: &Index, long: &Index) -> bool {
    short.table == long.table
        && short.name != long.name
        && short.method == "btree"
        && long.method == "btree"
        && !short.unique
        && short.constraint.is_none()
        && short.keys.len() < long.keys.len()
        && same_leading_keys(short, long, short.keys.len())
        && short.predicate == long.predicate
        // INCLUDE columns of the short one must be in the long one for index-only scans.
        && short
            .include
            .iter()
            .all(|c| long.include.contains(c) || long.key_columns().any(|k| k == c))
}

/// A many-to-many table that Django creates by itself for a `ManyToManyField` without
/// `through=`: `id` primary key, two foreign key columns, `UNIQUE` on the pair, named
/// `<model table>_<field>`. Its developer cannot drop the index Django adds on the first
/// column (`db_index=False` is not available on the hidden model).
pub fn is_django_auto_m2m(table: &Table) -> bool {
    if table.columns.len() != 3 || table.primary_key_columns() != Some(&["id".to_string()][..]) {
        return false;
    }
    let pair: Vec<&str> = table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| *c != "id")
        .collect();
    if pair.len() != 2 || !pair.iter().all(|c| c.ends_with("_id")) {
        return false;
    }
    let unique_pair = table.constraints.iter().any(|c| {
        matches!(&c.kind, crate::schema::ConstraintKind::Unique { columns }
            if columns.len() == 2 && pair.iter().all(|p| columns.iter().any(|c| c == p)))
    });
    let fks: Vec<&QualifiedName> = table
        .foreign_keys()
        .filter_map(|c| match &c.kind {
            crate::schema::ConstraintKind::ForeignKey {
                columns,
                references,
                ..
            } if columns.len() == 1 && pair.contains(&columns[0].as_str()) => Some(references),
            _ => None,
        })
        .collect();
    unique_pair
        && fks.len() == 2
        && fks
            .iter()
            .any(|r| table.name.name.starts_with(&format!("{}_", r.name)))
}

fn redundant_hit(ctx: &StmtCtx<'_>, at: &Index, short: &Index, long: &Index) -> Hit {
    let new_is_short = at.name == short.name;
    let (other, key) = if new_is_short {
        (long, "long")
    } else {
        (short, "short")
    };
    let (s, l) = (short.name.clone(), long.name.clone());
    let table = short.table.clone();
    Hit::at(index_span(ctx, at))
        .label(if new_is_short { "short" } else { "long" })
        .var("short", short.name.name.clone())
        .var("long", long.name.name.clone())
        .var("table", short.table.to_string())
        .var("columns", columns_text(short))
        .var("long_columns", columns_text(long))
        .var("drop", drop_sql(short))
        .related(key, other.origin.file, earlier_span(ctx, other))
        .confirm_with(move |cat| {
            let (Some(short), Some(long)) = (cat.index(&s), cat.index(&l)) else {
                return None;
            };
            let table = cat.table(&table)?;
            if !is_redundant_prefix(short, long) || is_django_auto_m2m(table) {
                return None;
            }
            let mut confirmed = super::Confirmed::default();
            confirmed
                .vars
                .push(("django_drop", django_drop(table, short)));
            Some(confirmed)
        })
}

/// The Django change that drops `short`: `db_index=False` on the ForeignKey when it is the
/// index Django adds for a foreign key (one plain column that a single-column foreign key of
/// the table uses), else the field or Meta option that asked for it.
fn django_drop(table: &Table, short: &Index) -> String {
    let fk_column = match short.keys.as_slice() {
        [crate::schema::IndexKey::Column(c)] if short.opclass(0).is_none() => table
            .foreign_keys()
            .any(|fk| fk.columns() == std::slice::from_ref(c))
            .then_some(c),
        _ => None,
    };
    match fk_column {
        Some(column) => {
            let field = column.strip_suffix("_id").unwrap_or(column);
            format!(
                "Set db_index=False on the ForeignKey `{field}` (column {column}): {} is the index Django adds for it",
                short.name.name
            )
        }
        None => format!(
            "Remove what creates {}: db_index=True on the field, or its models.Index in Meta.indexes (or index_together)",
            short.name.name
        ),
    }
}

/// `pattern` with `*` standing for any run of characters, matched against the whole name.
fn glob_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

pub fn redundant_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (after, new) = (ctx.catalog, ctx.created_indexes());
    let ignored = ctx.options.list("ignore_tables");
    for &ix in new {
        if ignored.iter().any(|p| glob_match(p, &ix.table.name)) {
            continue;
        }
        let n = ix.keys.len();
        // The new index is made redundant by an earlier, longer one: once is enough (the
        // first created, as the candidates come grouped by length).
        let long = (n + 1..=after.max_index_keys())
            .filter_map(|total| {
                after
                    .earlier_with_leading_keys(ix, n, total)
                    .find(|o| is_redundant_prefix(ix, o))
            })
            .min_by_key(|o| after.index_order(&o.name));
        if let Some(long) = long {
            hits.push(redundant_hit(ctx, ix, ix, long));
        }
        // The new index makes earlier, shorter ones redundant: each can be dropped.
        let mut shorts: Vec<&Index> = (1..n)
            .flat_map(|len| after.earlier_with_leading_keys(ix, len, len))
            .filter(|o| is_redundant_prefix(o, ix))
            .collect();
        shorts.sort_by_key(|o| after.index_order(&o.name));
        for short in shorts {
            hits.push(redundant_hit(ctx, ix, short, ix));
        }
    }
}

// --- btree-on-container ------------------------------------------------------------------

/// Types a btree cannot search inside, and the index method whose default operator class
/// serves their operators (`line`, `lseg` and `path` have none, so they are left out).
fn container_method(type_name: &str) -> Option<&'static str> {
    if type_name.ends_with("[]") {
        return Some("gin");
    }
    match type_name.split('(').next().unwrap_or_default() {
        "jsonb" | "json" | "tsvector" | "hstore" => Some("gin"),
        "point" | "box" | "polygon" | "circle" => Some("gist"),
        _ => None,
    }
}

pub fn btree_on_container(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (after, new) = (ctx.catalog, ctx.created_indexes());
    for &ix in new {
        // A unique btree enforces equality of whole values: that is what it is for.
        if ix.method != "btree" || ix.unique {
            continue;
        }
        let Some(table) = after.table(&ix.table) else {
            continue;
        };
        let Some((column, type_name, method)) = ix.key_columns().find_map(|c| {
            let col = table.column(c)?;
            Some((c, col.type_name.clone(), container_method(&col.type_name)?))
        }) else {
            continue;
        };
        let create = format!(
            "CREATE INDEX CONCURRENTLY \"{}\" ON {} USING {method} (\"{column}\")",
            ix.name.name, ix.table
        );
        // `json` has no GIN operator class: only its `jsonb` twin can be indexed that way.
        let suggested = if type_name == "json" {
            format!(
                "change the column to jsonb (ALTER TABLE {} ALTER COLUMN \"{column}\" TYPE jsonb), then {create}",
                ix.table
            )
        } else {
            create
        };
        let django = if method == "gin" {
            "GinIndex"
        } else {
            "GistIndex"
        };
        hits.push(
            Hit::at(ctx.find_name(column, index_span(ctx, ix).end))
                .label("column")
                .var("index", ix.name.name.clone())
                .var("table", ix.table.to_string())
                .var("column", column)
                .var("type", type_name.clone())
                .var("method", method)
                .var("django_index", django)
                .var("suggested", suggested),
        );
    }
}

// --- low-selectivity-index ---------------------------------------------------------------

pub fn low_selectivity_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (after, new) = (ctx.catalog, ctx.created_indexes());
    for &ix in new {
        if ix.method != "btree" || ix.unique || ix.partial || ix.keys.len() != 1 {
            continue;
        }
        let Some(column) = ix.key_columns().next() else {
            continue;
        };
        if after
            .column(&ix.table, column)
            .is_none_or(|c| c.type_name != "boolean")
        {
            continue;
        }
        hits.push(
            Hit::at(ctx.find_name(column, index_span(ctx, ix).end))
                .label("column")
                .var("index", ix.name.name.clone())
                .var("table", ix.table.to_string())
                .var("column", column),
        );
    }
}

// --- wide-index --------------------------------------------------------------------------

pub fn wide_index(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let new = ctx.created_indexes();
    let max = ctx.options.int("max_columns").unwrap_or(4);
    for &ix in new {
        // A unique index or constraint needs every column to state its rule.
        if ix.unique || ix.constraint.is_some() {
            continue;
        }
        let n = ix.keys.len();
        if i64::try_from(n).unwrap_or(i64::MAX) <= max {
            continue;
        }
        hits.push(
            Hit::at(index_span(ctx, ix))
                .label("index")
                .var("index", ix.name.name.clone())
                .var("table", ix.table.to_string())
                .var("count", n.to_string())
                .var("max", max.to_string())
                .var("columns", columns_text(ix)),
        );
    }
}

// --- too-many-indexes --------------------------------------------------------------------

/// A single-column pattern-ops btree (`varchar_pattern_ops`, `text_pattern_ops`) beside a
/// plain btree on the same column: Django's `_like` twin of the index of a `CharField` or
/// `TextField` with `db_index=True` or `unique=True`. The pair serves one column's lookups
/// (equality and `LIKE 'x%'`) and is counted as one index.
fn is_like_twin(cat: &crate::schema::Catalog, ix: &Index) -> bool {
    let pattern_ops = matches!(
        ix.opclass(0),
        Some("varchar_pattern_ops" | "text_pattern_ops" | "bpchar_pattern_ops")
    );
    if !pattern_ops || ix.method != "btree" || ix.unique || ix.partial || ix.keys.len() != 1 {
        return false;
    }
    let Some(column) = ix.key_columns().next() else {
        return false;
    };
    cat.indexes_of(&ix.table).any(|o| {
        o.name != ix.name
            && o.method == "btree"
            && !o.partial
            && o.keys.len() == 1
            && o.opclass(0).is_none()
            && o.key_columns().next() == Some(column)
    })
}

/// How many indexes `table` has, a `_like` twin counted with its plain index, and how many
/// twins were so counted; the twins are only looked for (the table's indexes listed) when
/// the plain count is past `max`.
fn index_count(cat: &crate::schema::Catalog, table: &QualifiedName, max: usize) -> (usize, usize) {
    let count = cat.index_count(table);
    if count <= max {
        return (count, 0);
    }
    let twins = cat
        .indexes_of(table)
        .filter(|o| is_like_twin(cat, o))
        .count();
    (count - twins, twins)
}

pub fn too_many_indexes(ctx: &StmtCtx<'_>, hits: &mut Vec<Hit>) {
    let (after, new) = (ctx.catalog, ctx.created_indexes());
    let max = usize::try_from(ctx.options.int("max_indexes").unwrap_or(10)).unwrap_or(0);
    let mut seen: Vec<&QualifiedName> = Vec::new();
    for &ix in new {
        if seen.contains(&&ix.table) {
            continue;
        }
        // Counted, not listed: this runs for every index added to a table with many.
        let (count, twins) = index_count(after, &ix.table, max);
        if count <= max {
            seen.push(&ix.table);
            continue;
        }
        // A twin adds nothing to the count: not where it passes the limit.
        if is_like_twin(after, ix) {
            continue;
        }
        seen.push(&ix.table);
        let added_here = |o: &Index| ctx.changes.created_indexes.contains(&o.name);
        let before = count
            - ctx
                .changes
                .created_indexes
                .iter()
                .filter_map(|n| after.index(n))
                .filter(|o| o.table == ix.table && !is_like_twin(after, o))
                .count();
        // Once per table and file: where the count first passes the limit, or at the first
        // index this file adds to a table already past it (the latest earlier index shows
        // whether this file added one before).
        if before > max {
            let earlier_in_file = after
                .indexes_of(&ix.table)
                .rev()
                .filter(|o| !added_here(o) && o.origin.file == ctx.file)
                .any(|o| !is_like_twin(after, o));
            if earlier_in_file {
                continue;
            }
        }
        let mut hit = Hit::at(index_span(ctx, ix))
            .label("index")
            .var("index", ix.name.name.clone())
            .var("table", ix.table.to_string())
            .var("count", count.to_string())
            .var("max", max.to_string())
            .var(
                "twins",
                match twins {
                    0 => String::new(),
                    1 => " (one `_like` pattern-ops twin counted with its plain index)".into(),
                    n => {
                        format!(" ({n} `_like` pattern-ops twins counted with their plain indexes)")
                    }
                },
            );
        if let Some(t) = after.table(&ix.table) {
            hit = hit.related(
                "table",
                t.created.file,
                ctx.origin_span(t.created, &t.name.name),
            );
        }
        let table = ix.table.clone();
        hits.push(hit.confirm(move |cat| index_count(cat, &table, max).0 > max));
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("auth_*", "auth_permission"));
        assert!(glob_match("django_*", "django_redirect"));
        assert!(!glob_match("auth_*", "shop_auth_token"));
        assert!(glob_match("*_log", "shop_audit_log"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abcdef"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }
}
