//! Held-until and the summary, on steps built by hand (independent of the effects knowledge
//! base), plus a few checks through the parser and the catalog.

use std::collections::BTreeSet;

use super::timeline::{FileLocks, Release, Step, StepKind, StmtFacts, timeline};
use crate::locks::{Effects, LockMode, RelKind, RelLock};
use crate::schema::QualifiedName;

fn q(name: &str) -> QualifiedName {
    QualifiedName::public(name)
}

fn begin(line: usize) -> Step {
    Step {
        line,
        end_line: line,
        kind: StepKind::Begin,
    }
}

fn commit(line: usize) -> Step {
    Step {
        line,
        end_line: line,
        kind: StepKind::End { rollback: false },
    }
}

fn rollback(line: usize) -> Step {
    Step {
        line,
        end_line: line,
        kind: StepKind::End { rollback: true },
    }
}

/// A statement on `lines` taking `locks` on tables.
fn stmt(lines: (usize, usize), in_transaction: bool, locks: &[(&str, LockMode)]) -> Step {
    with(lines, in_transaction, locks, |_| {})
}

fn with(
    lines: (usize, usize),
    in_transaction: bool,
    locks: &[(&str, LockMode)],
    edit: impl FnOnce(&mut StmtFacts),
) -> Step {
    let mut facts = StmtFacts {
        sql: format!("-- statement at line {}", lines.0),
        in_transaction,
        effects: Effects {
            locks: locks
                .iter()
                .map(|(name, mode)| RelLock {
                    relation: q(name),
                    kind: RelKind::Table,
                    mode: *mode,
                    table: None,
                })
                .collect(),
            ..Effects::default()
        },
        new: BTreeSet::new(),
        ..StmtFacts::default()
    };
    edit(&mut facts);
    Step {
        line: lines.0,
        end_line: lines.1,
        kind: StepKind::Stmt(Box::new(facts)),
    }
}

fn held(f: &FileLocks) -> Vec<(usize, usize, Release)> {
    f.rows
        .iter()
        .map(|r| (r.line, r.held_until_line, r.released_by))
        .collect()
}

use LockMode::*;

#[test]
fn atomic_locks_are_held_to_commit_so_a_later_statement_extends_them() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            stmt((3, 3), true, &[("t", AccessExclusive)]),
            stmt((4, 5), true, &[("u", Share)]),
            stmt((6, 6), true, &[]),
            commit(7),
        ],
        7,
    );
    assert_eq!(
        held(&f),
        [
            (3, 7, Release::Commit),
            (4, 7, Release::Commit),
            (6, 7, Release::Commit)
        ]
    );
    assert_eq!(f.commit_lines, [7]);
    let s = &f.summary;
    assert!(s.atomic);
    let tables: Vec<_> = s
        .tables
        .iter()
        .map(|t| {
            (
                t.relation.name.as_str(),
                t.mode,
                t.from_line(),
                t.until_line(),
                t.statements(),
            )
        })
        .collect();
    assert_eq!(
        tables,
        [("t", AccessExclusive, 3, 7, 3), ("u", Share, 4, 7, 2)]
    );
}

#[test]
fn outside_a_transaction_locks_end_with_their_statement() {
    let f = timeline(
        "m.sql".into(),
        vec![
            stmt((2, 3), false, &[("t", ShareUpdateExclusive)]),
            stmt((5, 5), false, &[("u", AccessExclusive)]),
            stmt((7, 9), false, &[("t", ShareUpdateExclusive)]),
        ],
        9,
    );
    assert_eq!(
        held(&f),
        [
            (2, 3, Release::StatementEnd),
            (5, 5, Release::StatementEnd),
            (7, 9, Release::StatementEnd)
        ]
    );
    assert!(!f.summary.atomic);
    let t = &f.summary.tables[0];
    assert_eq!(t.relation, q("t"));
    // Two separate stretches, one statement each, not one stretch over lines 2-9.
    let spans: Vec<_> = t
        .spans
        .iter()
        .map(|s| (s.from_line, s.until_line, s.statements))
        .collect();
    assert_eq!(spans, [(2, 3, 1), (7, 9, 1)]);
    assert_eq!(t.statements(), 2);
}

#[test]
fn an_unclosed_transaction_holds_to_the_end_of_the_file() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            stmt((2, 2), true, &[("t", Share)]),
            stmt((3, 4), true, &[]),
        ],
        12,
    );
    assert_eq!(
        held(&f),
        [(2, 12, Release::EndOfFile), (3, 12, Release::EndOfFile)]
    );
    assert_eq!(f.summary.tables[0].statements(), 2);
}

#[test]
fn each_block_holds_to_its_own_commit_and_rollback_releases_too() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            stmt((2, 2), true, &[("t", AccessExclusive)]),
            commit(3),
            stmt((4, 4), false, &[("t", AccessExclusive)]),
            begin(5),
            stmt((6, 6), true, &[("t", AccessExclusive)]),
            stmt((7, 7), true, &[("u", RowExclusive)]),
            rollback(8),
        ],
        8,
    );
    assert_eq!(
        held(&f),
        [
            (2, 3, Release::Commit),
            (4, 4, Release::StatementEnd),
            (6, 8, Release::Rollback),
            (7, 8, Release::Rollback)
        ]
    );
    let spans: Vec<_> = f.summary.tables[0]
        .spans
        .iter()
        .map(|s| (s.from_line, s.until_line, s.statements))
        .collect();
    assert_eq!(spans, [(2, 3, 1), (4, 4, 1), (6, 8, 2)]);
}

#[test]
fn the_summary_keeps_the_strongest_lock_from_where_it_is_taken() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            stmt((2, 2), true, &[("t", Share)]),
            stmt(
                (3, 3),
                true,
                &[("t", ShareRowExclusive), ("u", ShareRowExclusive)],
            ),
            stmt((4, 4), true, &[("t", AccessExclusive)]),
            stmt((5, 5), true, &[("t", Share)]),
            commit(6),
        ],
        6,
    );
    let t = &f.summary.tables[0];
    assert_eq!(
        (
            t.relation.name.as_str(),
            t.mode,
            t.from_line(),
            t.until_line(),
            t.statements()
        ),
        ("t", AccessExclusive, 4, 6, 2)
    );
    let u = &f.summary.tables[1];
    assert_eq!(
        (u.mode, u.from_line(), u.statements()),
        (ShareRowExclusive, 3, 3)
    );
}

#[test]
fn new_relations_block_nobody_and_stay_out_of_the_summary() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            with((2, 2), true, &[("fresh", AccessExclusive)], |s| {
                s.new.insert(q("fresh"));
            }),
            with(
                (3, 3),
                true,
                &[("fresh", ShareRowExclusive), ("old", ShareRowExclusive)],
                |s| {
                    s.new.insert(q("fresh"));
                    s.effects.scans = vec![q("fresh")];
                },
            ),
            with((4, 4), true, &[("fresh", AccessExclusive)], |s| {
                s.new.insert(q("fresh"));
                s.effects.rewrites = vec![q("fresh")];
            }),
            with((5, 5), true, &[("old", AccessExclusive)], |s| {
                s.effects.rewrites = vec![q("old")];
                s.effects.scans = vec![q("old")];
            }),
            commit(6),
        ],
        6,
    );
    let s = &f.summary;
    assert_eq!(s.new_relations, [q("fresh")]);
    assert_eq!(s.tables.len(), 1);
    assert_eq!(
        (s.tables[0].relation.clone(), s.tables[0].mode),
        (q("old"), AccessExclusive)
    );
    assert_eq!(s.rewrites, [(q("old"), vec![5])]);
    assert_eq!(s.scans, [(q("old"), vec![5])]);
    assert!(
        f.rows[2]
            .locks
            .iter()
            .find(|l| l.relation == q("fresh"))
            .unwrap()
            .new
    );
    assert!(
        !f.rows[1]
            .locks
            .iter()
            .find(|l| l.relation == q("old"))
            .unwrap()
            .new
    );
}

#[test]
fn refused_statements_are_called_out() {
    let f = timeline(
        "m.sql".into(),
        vec![
            begin(1),
            with((2, 2), true, &[("t", ShareUpdateExclusive)], |s| {
                s.effects.needs_no_transaction = true;
            }),
            with((3, 3), true, &[], |s| {
                s.effects.refused = Some("not before PostgreSQL 14".into());
            }),
            commit(4),
            with((5, 5), false, &[("t", ShareUpdateExclusive)], |s| {
                s.effects.needs_no_transaction = true;
            }),
        ],
        5,
    );
    let s = &f.summary;
    assert_eq!(s.needs_no_transaction_in_transaction, [2]);
    assert_eq!(s.refused, [(3, "not before PostgreSQL 14".to_string())]);
    assert!(f.rows[0].refused_here() && f.rows[1].refused_here() && !f.rows[2].refused_here());
}

#[test]
fn shortening_keeps_one_line_and_marks_the_cut() {
    use super::timeline::{one_line, shorten};
    assert_eq!(
        one_line("CREATE  TABLE\n  t (\n\tid int)"),
        "CREATE TABLE t ( id int)"
    );
    assert_eq!(shorten("short", 80), "short");
    let long = "x".repeat(100);
    let cut = shorten(&long, 80);
    assert_eq!(cut.chars().count(), 80);
    assert!(cut.ends_with('…'));
    assert_eq!(shorten("ünïcödé ☃ text", 8), "ünïcödé…");
}

#[test]
fn through_the_parser_lines_transactions_and_new_tables_come_from_the_file() {
    let files = super::analyze_texts(
        &[
            ("0001.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n"),
            (
                "0002.sql",
                "BEGIN;\n--\n-- Create model B\n--\nCREATE TABLE b (id int);\n\nCREATE INDEX b_idx\n  ON b (id);\nCREATE INDEX a_idx ON a (id);\nCOMMIT;\n\n",
            ),
        ],
        15,
    );
    let f = &files[1];
    assert_eq!(f.commit_lines, [10]);
    assert_eq!(f.last_line, 10);
    let rows: Vec<_> = f
        .rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.end_line,
                r.held_until_line,
                r.operation.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (5, 5, 10, Some("Create model B")),
            (7, 8, 10, Some("Create model B")),
            (9, 9, 10, Some("Create model B"))
        ]
    );
    // Whatever the knowledge base locks on `b` is new; `a` existed before this file.
    assert!(f.rows[..2].iter().flat_map(|r| &r.locks).all(|l| l.new));
    assert!(
        f.rows[2]
            .locks
            .iter()
            .any(|l| l.relation == q("a") && !l.new)
    );
    assert_eq!(f.summary.new_relations.first(), Some(&q("b")));
    assert!(f.summary.tables.iter().all(|t| t.relation == q("a")));
}

#[test]
fn markdown_cells_cannot_break_the_table() {
    use super::markdown::{code, text};
    assert_eq!(code("a|b"), "`a\\|b`");
    assert_eq!(code("x `y` z"), "``x `y` z``");
    assert_eq!(code("`edge"), "`` `edge ``");
    assert_eq!(text("a|b <c> `d` *e*"), "a\\|b &lt;c&gt; \\`d\\` \\*e\\*");
}

#[test]
fn mermaid_labels_cannot_break_the_chart() {
    use super::mermaid::label;
    assert_eq!(label("shop_order"), "shop_order");
    assert_eq!(label("billing.invoice"), "billing.invoice");
    assert_eq!(label("a:b;c#d\"e\nf%g`h"), "a_b_c_d_e_f_g_h");
    assert_eq!(label(":::"), "___");
    assert_eq!(label("  "), "_");
}

#[test]
fn a_transaction_without_statements_is_still_atomic() {
    let f = timeline("m.sql".into(), vec![begin(1), commit(5)], 5);
    assert!(f.rows.is_empty());
    assert!(f.summary.atomic);
    assert_eq!(f.commit_lines, [5]);
}
