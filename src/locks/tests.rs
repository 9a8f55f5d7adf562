use super::LockMode::*;
use super::*;
use crate::schema::{FileId, Origin};
use crate::span::Span;

fn parse(sql: &str) -> Vec<crate::parse::Statement> {
    crate::parse::parse_file(crate::source::SourceFile::new("t.sql", sql)).statements
}

fn catalog(setup: &str) -> Catalog {
    let mut cat = Catalog::default();
    for stmt in parse(setup) {
        if let Some(node) = stmt.node() {
            cat.apply(
                node,
                Origin {
                    file: FileId(0),
                    span: Span::new(0, 0),
                },
            );
        }
    }
    cat
}

fn fx(setup: &str, sql: &str, pg: u32) -> Effects {
    let cat = catalog(setup);
    let stmts = parse(sql);
    effects(stmts[0].node().unwrap(), &cat, pg)
}

const SHOP: &str = "CREATE TABLE shop_customer (id bigint PRIMARY KEY);
CREATE TABLE shop_order (id bigint PRIMARY KEY, status varchar(20), code varchar(50),
  total numeric(10, 2), customer_id bigint REFERENCES shop_customer (id));
CREATE INDEX shop_order_status_idx ON shop_order (status);";

#[test]
fn reindex_blocks_reads_through_the_index_lock() {
    let e = fx(SHOP, "REINDEX INDEX shop_order_status_idx", 15);
    let t = QualifiedName::public("shop_order");
    assert_eq!(e.mode_of(&t), Some(Share));
    assert_eq!(e.blocks(&t), vec![Blocked::Reads, Blocked::Writes]);
    assert!(e.rewrites.is_empty());
    assert_eq!(
        e.rebuilt_indexes,
        [QualifiedName::public("shop_order_status_idx")]
    );
}

#[test]
fn version_differences() {
    let e = fx(SHOP, "REINDEX INDEX CONCURRENTLY shop_order_status_idx", 11);
    assert!(e.refused.is_some());
    let e = fx(
        SHOP,
        "ALTER TABLE shop_order ADD COLUMN n int DEFAULT 0",
        10,
    );
    assert_eq!(e.rewrites, [QualifiedName::public("shop_order")]);
    let e = fx(
        SHOP,
        "ALTER TABLE shop_order ADD COLUMN n int DEFAULT 0",
        15,
    );
    assert!(e.rewrites.is_empty());
}

const EVENTS: &str = "CREATE TABLE ev (id bigint NOT NULL, d date NOT NULL) PARTITION BY RANGE (d);
CREATE TABLE ev1 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');";

/// Measured on every major by tests/lock_facts.rs; pinned here on both sides of the change.
#[test]
fn partition_lock_differences_by_version() {
    let ev1 = QualifiedName::public("ev1");
    // DETACH PARTITION: the partition is SHARE UPDATE EXCLUSIVE before 14, its writes still
    // wait (for the parent); ACCESS EXCLUSIVE from 14.
    let e = fx(EVENTS, "ALTER TABLE ev DETACH PARTITION ev1", 13);
    assert_eq!(e.mode_of(&ev1), Some(ShareUpdateExclusive));
    assert_eq!(e.blocks(&ev1), vec![Blocked::Writes]);
    let e = fx(EVENTS, "ALTER TABLE ev DETACH PARTITION ev1", 14);
    assert_eq!(e.mode_of(&ev1), Some(AccessExclusive));
    assert_eq!(e.blocks(&ev1), vec![Blocked::Reads, Blocked::Writes]);
    // A unique key on a partitioned table: each partition SHARE before 18, ACCESS EXCLUSIVE
    // from 18.
    for sql in [
        "ALTER TABLE ev ADD CONSTRAINT ev_pk PRIMARY KEY (id, d)",
        "ALTER TABLE ev ADD CONSTRAINT ev_u UNIQUE (id, d)",
    ] {
        assert_eq!(fx(EVENTS, sql, 17).mode_of(&ev1), Some(Share), "{sql}");
        assert_eq!(
            fx(EVENTS, sql, 18).mode_of(&ev1),
            Some(AccessExclusive),
            "{sql}"
        );
    }
}

/// What a newer server accepts and an older one refuses, on both sides of the change.
#[test]
fn newer_syntax_is_refused_by_older_servers() {
    let cases = [
        (
            "ALTER TABLE shop_order ADD COLUMN t2 numeric GENERATED ALWAYS AS (total * 2) VIRTUAL",
            18,
        ),
        (
            "ALTER TABLE shop_order ADD CONSTRAINT c_nnd UNIQUE NULLS NOT DISTINCT (code)",
            15,
        ),
        (
            "CREATE UNIQUE INDEX c_nnd ON shop_order (code) NULLS NOT DISTINCT",
            15,
        ),
    ];
    for (sql, since) in cases {
        assert!(
            fx(SHOP, sql, since - 1).refused.is_some(),
            "{sql} on {}",
            since - 1
        );
        assert!(fx(SHOP, sql, since).refused.is_none(), "{sql} on {since}");
    }
    // REINDEX of a partitioned index: refused before 14; from 14 outside a transaction block.
    let setup = format!("{EVENTS}\nCREATE INDEX ev_n_idx ON ev (id);");
    let e = fx(&setup, "REINDEX INDEX ev_n_idx", 13);
    assert!(e.refused.is_some());
    let e = fx(&setup, "REINDEX INDEX ev_n_idx", 14);
    assert!(e.refused.is_none() && e.needs_no_transaction);
    // Of a partitioned table: 13 locks the table SHARE and skips it (a warning).
    let e = fx(&setup, "REINDEX TABLE ev", 13);
    assert_eq!(e.mode_of(&QualifiedName::public("ev")), Some(Share));
    assert!(!e.needs_no_transaction && e.refused.is_none());
}

#[test]
fn unknown_index_locks_its_unknown_table() {
    let e = fx("", "DROP INDEX foo_idx", 15);
    assert_eq!(e.locks[0].kind, RelKind::TableOfIndex);
    assert_eq!(e.locks[0].mode, AccessExclusive);
}

#[test]
fn a_new_index_blocks_no_reads() {
    let e = fx(
        SHOP,
        "CREATE INDEX shop_order_code_idx ON shop_order (code)",
        15,
    );
    let t = QualifiedName::public("shop_order");
    assert_eq!(e.blocks(&t), vec![Blocked::Writes], "{e:#?}");
}

#[test]
fn update_or_delete_without_where_writes_every_row() {
    let t = QualifiedName::public("shop_order");
    for sql in [
        "UPDATE shop_order SET status = 'new'",
        "UPDATE shop_order SET status = c.id::text FROM shop_customer c",
        "DELETE FROM shop_order",
    ] {
        let e = fx(SHOP, sql, 15);
        assert_eq!(e.writes_every_row, std::slice::from_ref(&t), "{sql}");
        assert!(e.scans(&t), "{sql}");
        // ROW EXCLUSIVE itself blocks no one: the row locks are what writes wait for.
        assert_eq!(e.mode_of(&t), Some(RowExclusive), "{sql}");
    }
    for sql in [
        "UPDATE shop_order SET status = 'new' WHERE id = 1",
        "DELETE FROM shop_order WHERE status = 'old'",
        "INSERT INTO shop_order (id) VALUES (1)",
    ] {
        assert!(fx(SHOP, sql, 15).writes_every_row.is_empty(), "{sql}");
    }
}
