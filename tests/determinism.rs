//! The report does not depend on how many threads parse: the same directory linted with
//! `PGLINT_THREADS` = 1, 2 and 7 gives byte-identical stdout, stderr and exit code in every
//! format, bad inputs included.

mod common;

use common::{TempDir, django_corpus, run_in_env};

const APPS: [&str; 3] = ["shop", "billing", "crm"];

/// 60 generated migrations across three apps, a syntax error and a file that is not UTF-8.
fn project() -> TempDir {
    let t = TempDir::new("determinism");
    let mut per_app = [0usize; APPS.len()];
    for (i, (_, text)) in django_corpus(60, 11).into_iter().enumerate() {
        per_app[i % APPS.len()] += 1;
        t.write(
            &format!(
                "{}/{:04}_auto.sql",
                APPS[i % APPS.len()],
                per_app[i % APPS.len()]
            ),
            &text,
        );
    }
    t.write(
        "shop/0007_broken.sql",
        "BEGIN;\nALTER TABLE \"x\" ADD COLUMN;\nCREATE INDEX \"x_i\" ON \"x\" (\"c\");\nCOMMIT;\n",
    );
    std::fs::write(
        t.path().join("billing/0012_latin1.sql"),
        b"-- caf\xe9\nCREATE INDEX \"y_i\" ON \"y\" (\"c\");\n",
    )
    .unwrap();
    t
}

type Run = (i32, Vec<u8>, Vec<u8>);

fn run(t: &TempDir, format: &str, threads: &str) -> Run {
    run_in_env(
        t.path(),
        &["--format", format, "shop", "billing", "crm"],
        &[("PGLINT_THREADS", threads)],
    )
}

fn show(r: &Run) -> String {
    format!(
        "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        r.0,
        String::from_utf8_lossy(&r.1),
        String::from_utf8_lossy(&r.2)
    )
}

#[test]
fn every_format_is_the_same_on_1_2_and_7_threads() {
    let t = project();
    for format in ["json", "human", "sarif", "markdown"] {
        let one = run(&t, format, "1");
        // The run is worth comparing: findings in all three apps, the syntax error, the bad file.
        let out = String::from_utf8_lossy(&one.1);
        assert_eq!(one.0, 2, "{format}: {}", show(&one));
        for app in APPS {
            assert!(
                out.contains(&format!("{app}/0020_auto.sql")),
                "{format}: {}",
                show(&one)
            );
        }
        assert!(out.contains("syntax-error"), "{format}: {}", show(&one));
        assert!(
            String::from_utf8_lossy(&one.2).contains("billing/0012_latin1.sql"),
            "{format}: {}",
            show(&one)
        );
        for threads in ["2", "7"] {
            let other = run(&t, format, threads);
            assert!(
                other == one,
                "--format {format}: PGLINT_THREADS={threads} differs from PGLINT_THREADS=1\n\
                 === 1 thread ===\n{}\n=== {threads} threads ===\n{}",
                show(&one),
                show(&other)
            );
        }
    }
}
