use std::fmt;

use miette::{Diagnostic, LabeledSpan, SourceCode};

use crate::report::human::Styling;
use crate::report::printable;
use crate::report::source_code::IndexedSource;
use crate::source::SourceFile;

/// A label: (start, len, text, primary).
type Label = (usize, usize, Option<&'static str>, bool);

/// A diagnostic over one file.
#[derive(Debug)]
struct Shown {
    source: IndexedSource,
    labels: Vec<Label>,
}

impl Shown {
    fn new(text: &str, labels: &[Label]) -> Self {
        Shown {
            source: IndexedSource::new(SourceFile::new("m.sql", text)),
            labels: labels.to_vec(),
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("message")
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().map(
            |&(at, len, text, primary)| {
                let text = text.map(str::to_string);
                if primary {
                    LabeledSpan::new_primary_with_span(text, (at, len))
                } else {
                    LabeledSpan::new_with_span(text, (at, len))
                }
            },
        )))
    }
}

/// What pglint prints for `d`.
fn printed(d: &dyn Diagnostic) -> String {
    let mut out = String::new();
    printable::render(&Styling::Plain.handler(), d, &mut out).unwrap();
    out
}

/// What miette prints when it reads the source itself.
fn miettes(d: &dyn Diagnostic) -> String {
    let mut out = String::new();
    Styling::Plain.handler().render_report(&mut out, d).unwrap();
    out
}

/// On ordinary text the snippet is the source: the output is what miette draws from the
/// source itself, whatever the labels' shapes.
#[test]
fn ordinary_text_is_drawn_as_miette_draws_the_source() {
    let at = |text: &str, s: &str| text.find(s).unwrap();
    let sql = "BEGIN;\n-- ☃ ünï\nALTER TABLE t ADD x int;\n\tCREATE INDEX i ON t (a);\nCOMMIT;\n";
    let crlf = "BEGIN;\r\nCREATE INDEX i\r\n  ON t (a);\r\nCOMMIT;\r\n";
    let wide = format!("SELECT 1;\nCREATE TABLE t ({});\n", "c int, ".repeat(500));
    let far = format!("{}\n\n\n\n\nSELECT 2;\n", "SELECT 1;\n".repeat(30));
    let cases: Vec<(&str, Vec<Label>)> = vec![
        (sql, vec![(at(sql, "ADD"), 3, Some("here"), true)]),
        (
            sql,
            vec![
                (at(sql, "CREATE"), 6, None, true),
                (at(sql, "(a)"), 3, Some("cols"), false),
            ],
        ),
        // Several lines, and a span ending with its line break.
        (
            sql,
            vec![(
                at(sql, "ALTER"),
                at(sql, "COMMIT") - at(sql, "ALTER"),
                Some("all"),
                true,
            )],
        ),
        (sql, vec![(0, 7, Some("begin"), true)]),
        // Empty spans: at the start, mid-line, at the end of the text.
        (
            sql,
            vec![
                (0, 0, Some("start"), true),
                (at(sql, "int"), 0, Some("mid"), false),
            ],
        ),
        (sql, vec![(sql.len() - 1, 0, Some("end"), true)]),
        (sql, vec![(at(sql, "ü"), 2, Some("ü"), true)]),
        (
            crlf,
            vec![
                (at(crlf, "i\r"), 1, Some("i"), true),
                (at(crlf, "(a)"), 3, Some("a"), false),
            ],
        ),
        (
            crlf,
            vec![(
                at(crlf, "CREATE"),
                at(crlf, "COMMIT") - at(crlf, "CREATE"),
                Some("x"),
                true,
            )],
        ),
        (
            crlf,
            vec![(at(crlf, "i\r"), 2, Some("into the break"), true)],
        ),
        (
            &wide,
            vec![(at(&wide, "c int") + 3000, 5, Some("far along"), true)],
        ),
        // Labels far apart: two snippets.
        (
            &far,
            vec![
                (0, 6, Some("one"), true),
                (at(&far, "SELECT 2"), 8, Some("two"), false),
            ],
        ),
        (
            "a;\nb;",
            vec![(5, 0, Some("end without a line break"), true)],
        ),
        ("", vec![(0, 0, Some("empty"), true)]),
    ];
    for (text, labels) in cases {
        let d = Shown::new(text, &labels);
        assert_eq!(printed(&d), miettes(&d), "{text:?} {labels:?}");
    }
}

/// A label past column 65,535 makes miette panic when it reads the source itself; the
/// snippet shows a window around it, with the true line and column in the header.
#[test]
fn a_label_far_along_a_long_line_is_drawn_in_a_window() {
    let text = format!(
        "SELECT 1;\nSELECT '{}'; CREATE INDEX i ON t (a);\nCOMMIT;\n",
        "x".repeat(70_000)
    );
    let at = text.find("CREATE").unwrap();
    let d = Shown::new(&text, &[(at, 6, Some("here"), true)]);
    let out = printed(&d);
    assert!(out.contains("[m.sql:2:70012]"), "{out}");
    for line in out.lines() {
        assert!(line.chars().count() < 300, "{line}");
    }
    let shown = out.lines().find(|l| l.contains("CREATE INDEX")).unwrap();
    assert!(shown.starts_with(" 2 │ …xxx"), "{shown}");
    assert!(shown.ends_with("'; CREATE INDEX i ON t (a);"), "{shown}");
    // The underline sits under CREATE.
    let under = out.lines().find(|l| l.contains('┬')).unwrap();
    let column = |l: &str, s: &str| l[..l.find(s).unwrap()].chars().count();
    assert_eq!(column(under, "─"), column(shown, "CREATE"), "{out}");
}

/// A label wider than a window is shown by its two ends, the middle left out.
#[test]
fn a_long_label_keeps_its_ends() {
    let text = format!("INSERT INTO t VALUES ('{}');\n", "y".repeat(100_000));
    let d = Shown::new(&text, &[(0, text.len() - 1, Some("all of it"), true)]);
    let out = printed(&d);
    let shown = out.lines().find(|l| l.contains("INSERT")).unwrap();
    assert!(shown.contains("yyy…yyy"), "{shown}");
    assert!(shown.ends_with("');"), "{shown}");
    assert!(out.contains("all of it"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() < 400), "{out}");
}

/// Control characters and `##[` in the lines around a label are shown escaped, and the
/// underline follows the escaped text.
#[test]
fn source_lines_are_inert() {
    let text = "-- \r::warning::x ##[add-mask]y \x1b[2J\nCREATE INDEX \"a\u{202e}b\" ON t (a);\n";
    let at = text.find("\"a").unwrap();
    let d = Shown::new(
        text,
        &[(at, "\"a\u{202e}b\"".len(), Some("name\r::x"), true)],
    );
    let out = printed(&d);
    assert!(!out.contains(['\r', '\x1b', '\u{202e}']), "{out:?}");
    assert!(!out.contains("##["), "{out}");
    assert!(
        out.contains("-- \\r::warning::x ##\\x5badd-mask]y \\x1b[2J"),
        "{out}"
    );
    assert!(out.contains("name\\r::x"), "{out}");
    let shown = out.lines().find(|l| l.contains("CREATE")).unwrap();
    assert!(shown.contains("\"a\\u{202e}b\""), "{shown}");
    let under = out.lines().find(|l| l.contains('┬')).unwrap();
    let column = |l: &str, s: &str| l[..l.find(s).unwrap()].chars().count();
    assert_eq!(column(under, "─"), column(shown, "\"a"), "{out}");
    assert_eq!(
        under.matches('─').count() + 1,
        "\"a\\u{202e}b\"".len(),
        "{out}"
    );
}

/// Whatever the lines and labels, drawing never panics: long lines of tabs, wide characters,
/// escapes and line breaks, with many labels anywhere.
#[test]
fn drawing_never_panics() {
    let pieces = [
        "\t", "漢", "x", " ", "\r", "\n", "\r\n", "\x1b", "é", "##[", "\u{2028}",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for round in 0..40 {
        let mut text = String::new();
        let length = [10, 5_000, 70_000, 200_000][round % 4];
        while text.len() < length {
            let piece = pieces[next(pieces.len())];
            let repeat = if next(8) == 0 {
                1 + next(20_000)
            } else {
                1 + next(5)
            };
            for _ in 0..repeat.min(length) {
                if piece.contains('\n') && next(50) != 0 {
                    continue;
                }
                text.push_str(piece);
            }
        }
        let boundary = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let count = [1, 3, 150][round % 3];
        // One label near the end: far along the line when the text is one long line.
        let end = boundary(text.len() * 9 / 10);
        let labels: Vec<_> = std::iter::once((end, 0, Some("near the end"), true))
            .chain((0..count).map(|i| {
                let a = boundary(next(text.len() + 1));
                let b = boundary(a + next(text.len() - a + 1).min([0, 10, 100_000][i % 3]));
                (a, b - a, Some("label"), false)
            }))
            .collect();
        let d = Shown::new(&text, &labels);
        let out = printed(&d);
        assert!(out.contains("message"), "round {round}");
        let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            widest < 40_000,
            "round {round}: a line of {widest} characters"
        );
    }
}
