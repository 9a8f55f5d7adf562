//! A [`miette::SourceCode`] over a [`SourceFile`] that uses its [`LineIndex`]: the source of
//! every diagnostic pglint prints (findings, configuration files, undecodable input). miette
//! never reads it directly: `snippet::clip` reads the labels' lines from it and hands
//! miette a clipped, inert copy.
//!
//! miette's own `SourceCode for str` rescans the text from offset 0 for every label it reads,
//! which costs seconds for a thousand findings in a multi-megabyte file (and splits lines on a
//! lone `\r` too). This one finds the lines around a span with two binary searches.
//!
//! [`LineIndex`]: crate::span::LineIndex

use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::SourceFile;

/// A source file as miette reads it; cheap to clone.
#[derive(Debug, Clone)]
pub struct IndexedSource {
    file: Arc<SourceFile>,
}

impl IndexedSource {
    pub fn new(file: Arc<SourceFile>) -> Self {
        IndexedSource { file }
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// The byte range of 0-based line `line`, without its line break (`\n` or `\r\n`).
    fn line_end(&self, line: usize) -> usize {
        let lines = &self.file.lines;
        let text = self.file.text.as_bytes();
        let mut end = if line + 1 < lines.line_count() {
            lines.line_start(line + 1) - 1
        } else {
            text.len()
        };
        if end > lines.line_start(line) && text[end - 1] == b'\r' {
            end -= 1;
        }
        end
    }
}

impl SourceCode for IndexedSource {
    /// Returns whole lines: those of the span plus `before` and `after` lines of context.
    /// `line()` is the 0-based first line returned and `column()` the 0-based character
    /// column of the span's start (0 when context lines precede it), `line_count()` the number
    /// of lines returned.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = &self.file.text;
        let lines = &self.file.lines;
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let start_line = lines.line_of(start);
        // A span ending right after a line break ends on that line, not the next.
        let end_line = lines.line_of(end.saturating_sub(1).max(start));
        let first = start_line.saturating_sub(before);
        let last = (end_line + after).min(lines.line_count() - 1);
        let from = lines.line_start(first);
        let to = self.line_end(last).max(end);
        let column = if first == start_line {
            text.get(lines.line_start(start_line)..start)
                .map_or(0, |s| s.chars().count())
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.text_name().to_owned(),
            &text.as_bytes()[from..to],
            (from, to - from).into(),
            first,
            column,
            last - first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &IndexedSource, at: (usize, usize), before: usize, after: usize) -> Snapshot {
        let c = src.read_span(&at.into(), before, after).unwrap();
        Snapshot {
            data: std::str::from_utf8(c.data()).unwrap().to_string(),
            offset: c.span().offset(),
            line: c.line(),
            column: c.column(),
            line_count: c.line_count(),
            name: c.name().map(str::to_string),
        }
    }

    #[derive(Debug, PartialEq)]
    struct Snapshot {
        data: String,
        offset: usize,
        line: usize,
        column: usize,
        line_count: usize,
        name: Option<String>,
    }

    #[test]
    fn reads_the_lines_around_a_span() {
        let text = "BEGIN;\n-- ☃ ünï\nALTER TABLE t ADD x int;\nCOMMIT;\n";
        let src = IndexedSource::new(SourceFile::new("m.sql", text));
        let at = text.find("ADD").unwrap();
        assert_eq!(
            read(&src, (at, 3), 1, 1),
            Snapshot {
                data: "-- ☃ ünï\nALTER TABLE t ADD x int;\nCOMMIT;".into(),
                offset: 7,
                line: 1,
                column: 0,
                line_count: 3,
                name: Some("m.sql".into()),
            }
        );
        let snow = text.find('ü').unwrap();
        let got = read(&src, (snow, 2), 0, 0);
        assert_eq!((got.line, got.column, got.line_count), (1, 5, 1));
        assert_eq!(got.data, "-- ☃ ünï");
    }

    #[test]
    fn empty_span_at_end_of_file_and_crlf() {
        let text = "a;\r\nb;";
        let src = IndexedSource::new(SourceFile::new("m.sql", text));
        let got = read(&src, (text.len(), 0), 1, 1);
        assert_eq!(got.data, "a;\r\nb;");
        assert_eq!((got.line, got.line_count), (0, 2));
        // The first line comes back without its `\r\n`.
        assert_eq!(read(&src, (0, 1), 0, 0).data, "a;");
        assert!(src.read_span(&(text.len(), 1).into(), 0, 0).is_err());
    }

    #[test]
    fn a_span_ending_with_its_newline_stays_on_its_line() {
        let text = "a;\nb;\nc;\n";
        let src = IndexedSource::new(SourceFile::new("m.sql", text));
        let got = read(&src, (0, 3), 0, 0);
        assert_eq!((got.line, got.line_count), (0, 1));
        // The span itself is always inside the returned data.
        assert_eq!(got.data, "a;\n");
    }

    #[test]
    fn deep_offsets_in_a_big_file() {
        let mut text = String::new();
        for i in 0..50_000 {
            text.push_str(&format!("ALTER TABLE t{i} ADD COLUMN c{i} integer;\n"));
        }
        let src = IndexedSource::new(SourceFile::new("big.sql", text.clone()));
        let at = text.find("t49999 ").unwrap();
        let got = read(&src, (at, 6), 1, 1);
        assert_eq!(got.line, 49_998);
        assert_eq!(got.line_count, 3);
        assert!(got.data.starts_with("ALTER TABLE t49998 "));
        assert!(got.data.ends_with("integer;\n") || got.data.ends_with(';'));
        let got = read(&src, (at, 6), 0, 0);
        assert_eq!((got.line, got.column), (49_999, 12));
    }
}
