//! Byte spans inside one source file, and their conversion to 1-based lines and columns.

/// A half-open byte range `[start, end)` into the text of one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Shifts a span found inside a slice that starts at `offset` of the file.
    pub fn offset_by(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Line starts of one file, built once so every lookup is a binary search
/// (miette's default source rescans the file from the top for every label).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// 0-based lines holding a non-ASCII byte, ascending. On any other line a column is a byte
    /// difference, so a column costs the same on a megabyte-long line as on a short one.
    non_ascii: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // memchr finds the line ends and `is_ascii` checks a line a word at a time: a loop
        // over every byte was 2 % of a run's instructions.
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut non_ascii = Vec::new();
        let mut line_start = 0;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            if !bytes[line_start..nl].is_ascii() {
                non_ascii.push(starts.len() - 1);
            }
            line_start = nl + 1;
            starts.push(line_start);
        }
        if !bytes[line_start..].is_ascii() {
            non_ascii.push(starts.len() - 1);
        }
        LineIndex { starts, non_ascii }
    }

    /// 0-based index of the line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = if self.non_ascii.binary_search(&line).is_ok() {
            text[start..offset].chars().count() + 1
        } else {
            offset - start + 1
        };
        LineCol {
            line: line + 1,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_after_multibyte_text() {
        let text = "-- ☃ ünï\nSELECT ☃, x;\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.line_col(text, x),
            LineCol {
                line: 2,
                column: 11
            }
        );
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(
            idx.line_col(text, text.len()),
            LineCol { line: 3, column: 1 }
        );
    }

    #[test]
    fn columns_on_ascii_and_non_ascii_lines_agree_with_counting_characters() {
        let text = "a ü b\nplain x\n☃☃ y\nlast ü z";
        let idx = LineIndex::new(text);
        for offset in 0..=text.len() {
            let mut at = offset;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let expected = LineCol {
                line: text[..at].matches('\n').count() + 1,
                column: text[line_start..at].chars().count() + 1,
            };
            assert_eq!(idx.line_col(text, offset), expected, "offset {offset}");
        }
    }

    #[test]
    fn crlf_lines_are_counted_once() {
        let text = "a;\r\nb;\r\n";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.line_col(text, text.find('b').unwrap()),
            LineCol { line: 2, column: 1 }
        );
    }
}
