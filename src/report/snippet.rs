//! What miette is given to draw: a [`Snippet`], the lines around a diagnostic's labels with
//! long lines clipped and input made inert, and the labels remapped into it.
//!
//! miette lays a label out with `{:width$}` and a width past 65,535 columns panics
//! (`Formatting argument out of range`), so a finding far along a long line (minified SQL,
//! one-line INSERTs, a binary file) would take the whole run down. And it prints the source
//! lines as they are, so a `\r` or `\x1b` in a comment near a finding would reach the terminal
//! and the CI runner. [`clip`] is the one way source reaches miette: it reads the labels'
//! lines (with their context) from the diagnostic's source and builds a small text of its own:
//! - a line of up to [`WHOLE_LINE`] characters is kept whole (so ordinary output does not
//!   change), a longer one is cut to windows of [`MARGIN`] characters around each label end
//!   on it, with `…` where text was left out;
//! - characters [`inert`] escapes are shown escaped.
//!
//! The snippet still reports the true line numbers, and the true column of each label's
//! start for the `[file:line:column]` header.

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::inert;

/// Lines of context above and below a label: what [`clip`] reads and what the handler shows.
pub const CONTEXT_LINES: usize = 1;
/// A line of at most this many characters is shown whole. miette gives every character at
/// most 4 columns (a tab) and an escape takes at most 8, so even then a label stays far from
/// the 65,535 limit.
const WHOLE_LINE: usize = 4096;
/// Characters kept on each side of a label's start and end on a longer line (fewer when many
/// label ends share the line, so the kept text stays about [`WHOLE_LINE`] long).
const MARGIN: usize = 60;
/// Labels drawn at most per diagnostic: each may add a window to a clipped line, and miette's
/// drawing grows with their square. No rule comes near it.
const MAX_LABELS: usize = 100;
/// Marks text left out of a clipped line.
const ELLIPSIS: char = '…';

/// The text miette reads for one diagnostic; see the module documentation.
#[derive(Debug)]
pub struct Snippet {
    name: Option<String>,
    text: String,
    lines: Vec<Line>,
    /// (snippet offset of a label's start, the true 0-based column there), sorted.
    columns: Vec<(usize, usize)>,
}

/// One line of the snippet.
#[derive(Debug)]
struct Line {
    /// Where its text starts and ends (before its `\n`) in the snippet.
    start: usize,
    end: usize,
    /// The true 0-based line number.
    number: usize,
    /// Lines of one region are consecutive in the source; a read never crosses regions.
    region: usize,
}

/// One source line as read through the diagnostic's source.
struct SourceLine<'a> {
    /// Its offset in the source.
    start: usize,
    /// Its text, without the line break.
    text: &'a str,
    /// The offset after its line break, when the read showed one.
    end: Option<usize>,
}

/// A label's end or start: the byte in its line's text, or past the text (in or after the
/// line break).
#[derive(Clone, Copy)]
enum At {
    Text(usize),
    Break,
    AfterBreak,
}

/// Where a label starts or ends: the index of its line in the lines read (in order of line
/// number), and the place in it.
type Place = (usize, At);

/// Where a label end landed: ((index of its line in the lines read, byte in its text),
/// offset in the snippet).
type Placed = ((usize, usize), usize);

/// The lines of `labels` in `source` (their context included), clipped and made inert, and
/// the labels remapped into them, their texts made inert too. Labels whose place cannot be
/// read are left out; `None` when none can be.
pub fn clip(
    source: &dyn SourceCode,
    labels: &[LabeledSpan],
) -> Option<(Snippet, Vec<LabeledSpan>)> {
    let reads: Vec<(&LabeledSpan, Box<dyn SpanContents<'_> + '_>)> = labels
        .iter()
        .take(MAX_LABELS)
        .filter_map(|l| {
            let read = source.read_span(l.inner(), CONTEXT_LINES, CONTEXT_LINES);
            Some((l, read.ok()?))
        })
        .collect();
    // (number, line), in order of number and so of offset.
    let mut lines: Vec<(usize, SourceLine<'_>)> =
        Vec::with_capacity(reads.len() * (1 + 2 * CONTEXT_LINES));
    for (_, read) in &reads {
        add_lines(&mut lines, read.as_ref());
    }
    merge_lines(&mut lines);
    let ends: Vec<(&LabeledSpan, Place, Place)> = reads
        .iter()
        .filter_map(|(l, _)| {
            let start = locate(&lines, l.offset())?;
            let end = locate(&lines, l.offset() + l.len())?;
            Some((*l, start, end))
        })
        .collect();
    if ends.is_empty() {
        return None;
    }
    let name = reads
        .iter()
        .find_map(|(_, r)| r.name())
        .map(|n| inert::text(n).into_owned());
    let (mut snippet, placed) = write_lines(name, &lines, &ends);
    // A span reaching into a line break is drawn one column past the line's text, as miette
    // draws it from the source; one starting there stays on its line.
    let offset_of = |(line, at): Place, is_end: bool| -> Option<usize> {
        let text_len = lines[line].1.text.len();
        match at {
            At::Text(i) => placed_at(&placed, (line, i)),
            At::Break if !is_end => placed_at(&placed, (line, text_len)),
            At::Break | At::AfterBreak => placed_at(&placed, (line, text_len)).map(|o| o + 1),
        }
    };
    let mut remapped = Vec::with_capacity(ends.len());
    for (label, start, end) in ends {
        let from = offset_of(start, false);
        let to = if label.is_empty() {
            from
        } else {
            offset_of(end, true)
        };
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let text = lines[start.0].1.text;
        let column = match start.1 {
            At::Text(i) => char_count(&text[..i]),
            At::Break | At::AfterBreak => char_count(text),
        };
        snippet.columns.push((from, column));
        let label_text = label.label().map(|t| inert::text(t).into_owned());
        let span = SourceSpan::from((from, to.max(from) - from));
        remapped.push(if label.primary() {
            LabeledSpan::new_primary_with_span(label_text, span)
        } else {
            LabeledSpan::new_with_span(label_text, span)
        });
    }
    snippet.columns.sort_unstable();
    Some((snippet, remapped))
}

/// The snippet's text and lines (no columns yet): every line read, whole or clipped around
/// the label ends on it; and where each label end landed, by (index in `lines`, byte in its
/// text), sorted for [`placed_at`].
fn write_lines(
    name: Option<String>,
    lines: &[(usize, SourceLine<'_>)],
    ends: &[(&LabeledSpan, Place, Place)],
) -> (Snippet, Vec<Placed>) {
    // (index in `lines`, byte in its text) of every label end, sorted, each once.
    let mut points: Vec<(usize, usize)> = Vec::with_capacity(2 * ends.len());
    for &(_, start, end) in ends {
        for (line, at) in [start, end] {
            let text_len = lines[line].1.text.len();
            points.push((
                line,
                match at {
                    At::Text(i) => i,
                    At::Break | At::AfterBreak => text_len,
                },
            ));
        }
    }
    points.sort_unstable();
    points.dedup();
    let mut snippet = Snippet {
        name,
        // The lines whole, the usual case, so the text is not grown line by line.
        text: String::with_capacity(lines.iter().map(|(_, l)| l.text.len() + 1).sum()),
        lines: Vec::with_capacity(lines.len()),
        columns: Vec::with_capacity(ends.len()),
    };
    let mut placed = Vec::with_capacity(points.len());
    let mut next_point = 0;
    let mut region = 0;
    for (index, (number, line)) in lines.iter().enumerate() {
        if index > 0 && lines[index - 1].0 + 1 != *number {
            region += 1;
        }
        // This line's points: the next run of `points`.
        let count = points[next_point..]
            .iter()
            .take_while(|&&(l, _)| l == index)
            .count();
        let here = &points[next_point..next_point + count];
        next_point += count;
        let start = snippet.text.len();
        write_line(&mut snippet.text, line.text, here, |i, offset| {
            // As a map would: a later place of the same byte replaces the earlier one.
            match placed.last_mut() {
                Some((key, value)) if *key == (index, i) => *value = offset,
                _ => placed.push(((index, i), offset)),
            }
        });
        snippet.lines.push(Line {
            start,
            end: snippet.text.len(),
            number: *number,
            region,
        });
        snippet.text.push('\n');
    }
    (snippet, placed)
}

/// Where the label end at (index in `lines`, byte in its text) landed in the snippet.
fn placed_at(placed: &[Placed], key: (usize, usize)) -> Option<usize> {
    placed
        .binary_search_by_key(&key, |&(k, _)| k)
        .ok()
        .map(|i| placed[i].1)
}

/// Adds the lines of one read (whole lines from `read.line()` on, `read.line_count()` of
/// them, split on `\n`), numbered; [`merge_lines`] puts them in order once all are read.
fn add_lines<'a>(lines: &mut Vec<(usize, SourceLine<'a>)>, read: &(dyn SpanContents<'a> + 'a)) {
    let Ok(data) = std::str::from_utf8(read.data()) else {
        return;
    };
    let mut start = read.span().offset();
    let mut rest = data;
    for number in read.line()..read.line() + read.line_count() {
        let (piece, end) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], Some(start + i + 1)),
            None => (rest, None),
        };
        lines.push((
            number,
            SourceLine {
                start,
                text: piece.strip_suffix('\r').unwrap_or(piece),
                end,
            },
        ));
        match end {
            Some(end) => {
                rest = &rest[end - start..];
                start = end;
            }
            None => break,
        }
    }
}

/// Sorts the lines read by number and keeps one of each: the first read of it, with the
/// first line break any read showed (reads of several labels overlap). A few lines per
/// diagnostic, so a sorted `Vec` rather than a map.
fn merge_lines(lines: &mut Vec<(usize, SourceLine<'_>)>) {
    // Stable: the lines of one number stay in the order they were read.
    lines.sort_by_key(|&(number, _)| number);
    lines.dedup_by(|later, first| {
        let same = later.0 == first.0;
        if same {
            first.1.end = first.1.end.or(later.1.end);
        }
        same
    });
}

/// The line (index in `lines`) and place of a source offset: in the last line starting at or
/// before it.
fn locate(lines: &[(usize, SourceLine<'_>)], offset: usize) -> Option<Place> {
    let index = lines
        .partition_point(|(_, l)| l.start <= offset)
        .checked_sub(1)?;
    let line = &lines[index].1;
    let i = offset - line.start;
    let at = if i <= line.text.len() {
        let mut i = i;
        while !line.text.is_char_boundary(i) {
            i -= 1;
        }
        At::Text(i)
    } else if line.end.is_some_and(|end| offset < end) {
        At::Break
    } else {
        At::AfterBreak
    };
    Some((index, at))
}

/// Writes one line's text, whole or clipped around `points` (of this line, sorted by byte
/// of the text, each kept), inert; tells `place` where each point's byte landed in `out`.
fn write_line(
    out: &mut String,
    text: &str,
    points: &[(usize, usize)],
    mut place: impl FnMut(usize, usize),
) {
    let whole = char_count_up_to(text, WHOLE_LINE + 1) <= WHOLE_LINE;
    if whole && inert::unchanged(text) {
        // Nearly every line: shown whole and nothing in it escaped, so copied at once and
        // each point lands at its byte. (`out` ends with the line break before, or is empty,
        // so no `##` there joins a `[` of this line.)
        let base = out.len();
        out.push_str(text);
        for &(_, p) in points {
            place(p, base + p);
        }
        return;
    }
    let bytes: Vec<usize> = points.iter().map(|&(_, p)| p).collect();
    let windows = if whole {
        vec![(0, text.len())]
    } else {
        windows(text, &bytes)
    };
    let mut points = bytes.iter().copied().peekable();
    let mut last = 0;
    for (from, to) in windows {
        if from > last {
            out.push(ELLIPSIS);
        }
        // The text between consecutive points goes out in pieces, so each point's place is
        // known; `escape_into` guards across the pieces.
        let mut at = from;
        while let Some(&p) = points.peek().filter(|&&p| p <= to) {
            // Every point lies in a window of its own; `max` only keeps a slip from panicking.
            let p = p.max(at);
            inert::escape_into(out, &text[at..p], |_| false);
            place(p, out.len());
            points.next();
            at = p;
        }
        inert::escape_into(out, &text[at..to], |_| false);
        last = to;
    }
    if last < text.len() {
        out.push(ELLIPSIS);
    }
}

/// The byte ranges of a long line to show: [`MARGIN`] characters (fewer when the points are
/// many) on each side of every point, merged; the line's start when it has no point.
fn windows(text: &str, points: &[usize]) -> Vec<(usize, usize)> {
    let margin = (WHOLE_LINE / (2 * points.len().max(1))).clamp(1, MARGIN);
    let mut ranges: Vec<(usize, usize)> = if points.is_empty() {
        vec![(0, forward(text, 0, 2 * margin))]
    } else {
        points
            .iter()
            .map(|&p| (back(text, p, margin), forward(text, p, margin)))
            .collect()
    };
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// The byte `n` characters before `at` (or 0).
fn back(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte `n` characters after `at` (or the end).
fn forward(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The number of characters in `s`, counting no further than `limit`.
fn char_count_up_to(s: &str, limit: usize) -> usize {
    if s.len() <= limit {
        return char_count(s);
    }
    s.chars().take(limit).count()
}

impl SourceCode for Snippet {
    /// Whole lines as the source read them: those of the span plus `before` and `after`
    /// lines of context within its region, `line()` the true number of the first, `column()`
    /// the true column of the span's start when no context line precedes it.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > self.text.len() || self.lines.is_empty() {
            return Err(MietteError::OutOfBounds);
        }
        let line_of = |offset: usize| {
            self.lines
                .partition_point(|l| l.start <= offset)
                .saturating_sub(1)
        };
        let start_line = line_of(start);
        // A span ending right after a line break ends on that line, not the next.
        let end_line = line_of(end.saturating_sub(1).max(start));
        let region = self.lines[start_line].region;
        let first = (start_line.saturating_sub(before)..=start_line)
            .find(|&i| self.lines[i].region == region)
            .unwrap_or(start_line);
        let last = (end_line..=(end_line + after).min(self.lines.len() - 1))
            .rev()
            .find(|&i| self.lines[i].region == self.lines[end_line].region)
            .unwrap_or(end_line);
        let from = self.lines[first].start;
        let to = self.lines[last].end.max(end);
        let column = if first == start_line {
            match self.columns.binary_search_by_key(&start, |&(at, _)| at) {
                Ok(i) => self.columns[i].1,
                Err(_) => char_count(&self.text[from..start]),
            }
        } else {
            0
        };
        let data = &self.text.as_bytes()[from..to];
        let span = (from, to - from).into();
        let (line, count) = (self.lines[first].number, last - first + 1);
        Ok(Box::new(match &self.name {
            Some(name) => {
                MietteSpanContents::new_named(name.clone(), data, span, line, column, count)
            }
            None => MietteSpanContents::new(data, span, line, column, count),
        }))
    }
}

#[cfg(test)]
mod tests;
