//! Every rule that declares PostgreSQL facts (`locks:`) agrees with the knowledge base
//! (`pglint::locks::effects`) on its own `docs.bad` example: the flagged statement's effects,
//! with the catalog replayed from the shared fixture (tests/pg/fixture.sql) and the statements
//! before it, give the declared mode on the flagged table, what it blocks, rewrite and scan.
//! `tests/lock_facts.rs` proves the same facts against a real server.

mod pg;

use pglint::parse::parse_file;
use pglint::schema::{Catalog, FileId, Origin};
use pglint::source::SourceFile;
use pglint::span::Span;

#[test]
fn declared_lock_facts_agree_with_the_knowledge_base() {
    let examples = pg::rules::examples();
    assert!(!examples.is_empty());
    for ex in examples {
        let mut cat = Catalog::default();
        for (file, sql) in [(0, pg::rules::FIXTURE), (1, ex.before.as_str())] {
            for st in parse_file(SourceFile::new("x.sql", sql.to_string())).statements {
                if let Some(node) = st.node() {
                    let origin = Origin {
                        file: FileId(file),
                        span: Span::new(0, 0),
                    };
                    cat.apply(node, origin);
                }
            }
        }
        let stmts = parse_file(SourceFile::new("bad.sql", ex.sql.clone())).statements;
        let fx = pglint::locks::effects(stmts[0].node().unwrap(), &cat, 15);
        if let Err(e) = ex.check(&fx) {
            panic!("{e}");
        }
    }
}
