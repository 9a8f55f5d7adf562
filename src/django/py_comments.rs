//! `# pglint: ignore[rule] reason` comments in a migration `.py` file, where Django developers
//! write: each covers the findings of the operation right after it (only blank lines and other
//! comments between), `# pglint: ignore-file[rule]` those of the whole migration. The
//! suppression itself is [`crate::suppress`]'s.

use crate::parse::PyComment;

/// The `# pglint:` comments of `py`, each with the operation line it precedes
/// (`operation_lines`: the 1-based `.py` lines where the operations start).
pub fn read(py: &str, operation_lines: &[usize]) -> Vec<PyComment> {
    let lines: Vec<&str> = py.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(body) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let text = body.trim();
        if !text.starts_with("pglint") {
            continue;
        }
        // The next line that is neither blank nor a comment.
        let next = lines[i + 1..]
            .iter()
            .position(|l| {
                let t = l.trim_start();
                !t.is_empty() && !t.starts_with('#')
            })
            .map(|k| i + 1 + k + 1);
        out.push(PyComment {
            text: text.to_string(),
            line: i + 1,
            operation_line: next.filter(|n| operation_lines.contains(n)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::read;

    const PY: &str = "from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        # pglint: ignore[index-not-concurrent] the table holds 40 rows
        migrations.AddField(
            model_name='order',
            name='ref',
            field=models.CharField(max_length=20, db_index=True),
        ),
        # pglint: ignore-file[drop-column]

        # an ordinary comment
        migrations.RemoveField(model_name='order', name='legacy'),
        # pglint: ignore[drop-column] nothing after it
    ]
";

    #[test]
    fn each_comment_covers_the_operation_after_it() {
        let found = read(PY, &[7, 15]);
        let got: Vec<(usize, Option<usize>, &str)> = found
            .iter()
            .map(|c| (c.line, c.operation_line, c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    6,
                    Some(7),
                    "pglint: ignore[index-not-concurrent] the table holds 40 rows"
                ),
                (12, Some(15), "pglint: ignore-file[drop-column]"),
                (16, None, "pglint: ignore[drop-column] nothing after it"),
            ]
        );
    }
}
