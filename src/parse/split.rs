//! Cutting a file into statement pieces without losing any text.
//!
//! `split_with_parser` is exact (it understands `BEGIN ATOMIC` bodies) but fails on the first
//! syntax error; `split_with_scanner` survives errors but silently drops keyword-less junk
//! (`SELEC 2;`). So: parser split first, scanner split as the fallback, and in both cases every
//! gap between pieces is checked, so that no text is skipped without a finding.

use pg_query::NodeEnum;

use super::{Comment, SyntaxError, ffi, scanner_cost};
use crate::span::Span;

pub enum Piece {
    /// Text to parse on its own.
    Sql(Span),
    /// A statement already parsed with the whole file; the tree's locations are file offsets.
    Parsed(Span, Box<NodeEnum>),
    Error {
        span: Span,
        error: SyntaxError,
    },
}

pub struct Pieces {
    pub statements: Vec<Piece>,
    pub comments: Vec<Comment>,
}

/// Splits `text`, parsing it whole when that succeeds: the common case, a file that is all
/// valid SQL, then costs one parse instead of a split and a parse per statement.
pub fn split_and_parse(text: &str) -> Pieces {
    if let Some((run, openers)) = scanner_cost::quadratic_run(text) {
        return split_before_costly_run(text, run, openers);
    }
    if text.contains('\0') || !meta_commands(text).is_empty() {
        return split(text);
    }
    let Ok(tree) = ffi::parse(text) else {
        // A syntax error (or a tree too deep to decode) somewhere: split, then parse each
        // statement on its own so the error stays with its statement.
        return split(text);
    };
    let statements = tree.stmts.into_iter().map(|raw| {
        let start = usize::try_from(raw.stmt_location)
            .unwrap_or(0)
            .min(text.len());
        let end = match usize::try_from(raw.stmt_len) {
            Ok(0) | Err(_) => text.len(),
            Ok(len) => (start + len).min(text.len()),
        };
        (Span::new(start, end), raw.stmt.and_then(|n| n.node))
    });
    pieces(text, statements)
}

pub fn split(text: &str) -> Pieces {
    // The C API takes NUL-terminated strings: split a copy with NULs blanked (same byte
    // offsets); parsing the piece itself later reports the NUL as a syntax error. psql
    // meta-command lines are blanked too and reported on their own.
    let meta = meta_commands(text);
    if !text.contains('\0') && meta.is_empty() {
        return split_blanked(text, text);
    }
    let mut bytes = text.replace('\0', " ").into_bytes();
    for span in &meta {
        bytes[span.start..span.end].fill(b' ');
    }
    // Meta-commands are blanked whole lines, so no multi-byte character was cut.
    let blanked = String::from_utf8(bytes).unwrap_or_else(|_| text.replace('\0', " "));
    let mut out = split_blanked(&blanked, &blanked);
    for span in meta {
        let message = "psql meta-commands are not SQL: the server cannot run this line".to_string();
        out.statements.push(Piece::Error {
            span,
            error: SyntaxError { message, at: span },
        });
    }
    out.statements.sort_by_key(|p| match p {
        Piece::Sql(span) | Piece::Parsed(span, _) | Piece::Error { span, .. } => span.start,
    });
    out
}

/// Lines that start with a backslash command (`\\connect db`, `\\i file`): psql runs them and
/// the server never sees them; they end at the end of the line, not at a `;`.
fn meta_commands(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('\\') && trimmed[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            out.push(Span::new(
                start + (line.len() - trimmed.len()),
                start + line.trim_end().len(),
            ));
        }
        start += line.len();
    }
    out
}

fn split_blanked(text: &str, scan_text: &str) -> Pieces {
    let spans = match pg_query::split_with_parser(scan_text) {
        Ok(pieces) => offsets(scan_text, &pieces),
        Err(_) => match pg_query::split_with_scanner(scan_text) {
            Ok(pieces) => offsets(scan_text, &pieces),
            Err(_) => return split_unscannable(text, scan_text),
        },
    };
    pieces(text, spans.into_iter().map(|span| (span, None)))
}

/// Statement spans (with their trees when parsed already) and the text between them, in
/// order, as pieces: spans trimmed of comments and `;`, comments recorded, junk in the gaps
/// reported.
fn pieces(text: &str, spans: impl Iterator<Item = (Span, Option<NodeEnum>)>) -> Pieces {
    let mut out = Pieces {
        statements: Vec::new(),
        comments: Vec::new(),
    };
    let mut pos = 0;
    for (span, node) in spans {
        let span = Span::new(span.start.max(pos), span.end.max(pos));
        gap(text, Span::new(pos, span.start), &mut out);
        let start = skip_trivia(text, span, Some(&mut out.comments));
        let trimmed = Span::new(start, trim_end(text, Span::new(start, span.end)));
        if !trimmed.is_empty() {
            out.statements.push(match node {
                Some(node) => Piece::Parsed(trimmed, Box::new(node)),
                None => Piece::Sql(trimmed),
            });
        }
        pos = span.end;
    }
    gap(text, Span::new(pos, text.len()), &mut out);
    out
}

fn offsets(text: &str, pieces: &[&str]) -> Vec<Span> {
    let base = text.as_ptr() as usize;
    pieces
        .iter()
        .map(|p| {
            let start = p.as_ptr() as usize - base;
            Span::new(start, start + p.len())
        })
        .collect()
}

/// Text between pieces: white space, `;` and comments are fine; anything else was skipped by
/// the splitter and is reported with the parser's own message.
fn gap(text: &str, span: Span, out: &mut Pieces) {
    let mut pos = span.start;
    while pos < span.end {
        pos = skip_trivia(text, Span::new(pos, span.end), Some(&mut out.comments));
        if pos >= span.end {
            return;
        }
        // Junk runs to the next `;` (or the end of the gap).
        let end = text[pos..span.end].find(';').map_or(span.end, |i| pos + i);
        let junk = Span::new(pos, trim_end(text, Span::new(pos, end)));
        out.statements.push(Piece::Error {
            span: junk,
            error: junk_error(text, junk),
        });
        pos = end;
    }
}

fn junk_error(text: &str, span: Span) -> SyntaxError {
    let sql = &text[span.start..span.end];
    match ffi::parse(sql) {
        Err(f) => SyntaxError {
            at: f
                .cursor_char
                .map_or(span, |c| char_pos_to_span(sql, c).offset_by(span.start)),
            message: f.message,
        },
        Ok(_) => SyntaxError {
            message: "the statement could not be split from its neighbours".into(),
            at: span,
        },
    }
}

/// The scanner itself failed (an unterminated quote, comment or dollar quote): everything from
/// the statement holding the error to the end of the file is one error; the text before it is
/// split and linted as usual.
fn split_unscannable(text: &str, scan_text: &str) -> Pieces {
    // Where the construct that never closes opens. Parsing the whole text is no guide: it
    // stops at the first *syntax* error, which may lie in an earlier, complete statement.
    let open_at = unterminated_at(scan_text.as_bytes());
    let (mut out, broken_start) = split_up_to(text, open_at);
    let broken = &scan_text[broken_start..];
    let failure = ffi::parse(broken).err();
    let message = failure
        .as_ref()
        .map_or("the text cannot be tokenized".to_string(), |f| {
            f.message.clone()
        });
    let err_at = failure.and_then(|f| f.cursor_char).map_or(open_at, |c| {
        broken_start + char_pos_to_span(broken, c).start
    });
    let at = Span::new(
        err_at,
        (err_at + next_char_len(text, err_at)).min(text.len()),
    );
    push_rest_as_error(text, broken_start, SyntaxError { message, at }, &mut out);
    out
}

/// A run of comment openers the scanner would take minutes over (see [`scanner_cost`]): the
/// text before its statement is linted, the rest of the file is one error.
fn split_before_costly_run(text: &str, run: Span, openers: usize) -> Pieces {
    let (mut out, broken_start) = split_up_to(text, run.start);
    let message = format!(
        "{openers} comment openers (`/*`) in one run of {} operator characters: PostgreSQL's scanner takes time quadratic in such a run, so pglint does not parse from this statement on",
        run.len()
    );
    let first = text[run.start..run.end]
        .find("/*")
        .map_or(run.start, |i| run.start + i);
    let at = Span::new(first, first + 2);
    push_rest_as_error(text, broken_start, SyntaxError { message, at }, &mut out);
    out
}

/// Pieces of the text before `open_at`, where something that cannot be parsed begins, and
/// where the statement holding it starts.
fn split_up_to(text: &str, open_at: usize) -> (Pieces, usize) {
    // Split the text before it; its last piece is the start of the broken statement unless a
    // `;` ends that piece before the construct opens.
    let mut out = match open_at {
        0 => Pieces {
            statements: Vec::new(),
            comments: Vec::new(),
        },
        _ => split(&text[..open_at]),
    };
    let ends_before = |span: Span| text[span.end..open_at].contains(';');
    let broken_start = match out.statements.last() {
        Some(Piece::Sql(span) | Piece::Parsed(span, _) | Piece::Error { span, .. })
            if !ends_before(*span) =>
        {
            let start = span.start;
            out.statements.pop();
            start
        }
        _ => skip_trivia(text, Span::new(0, open_at), None)
            .max(text[..open_at].rfind(';').map_or(0, |i| i + 1))
            .min(open_at),
    };
    let broken_start = skip_trivia(text, Span::new(broken_start, open_at), None);
    (out, broken_start)
}

/// Everything from `start` to the end of the file as one error piece.
fn push_rest_as_error(text: &str, start: usize, error: SyntaxError, out: &mut Pieces) {
    let span = Span::new(start, trim_end(text, Span::new(start, text.len())));
    out.statements.push(Piece::Error { span, error });
}

/// The offset where the first quote, quoted identifier, block comment or dollar quote that
/// never closes opens (0 when none is found, which the callers treat as "from the start").
/// A light copy of the Postgres lexer's rules for those tokens only.
fn unterminated_at(b: &[u8]) -> usize {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                if depth_left(b, i) {
                    return i;
                }
                i = block_comment_end(b, i, b.len());
            }
            q @ (b'\'' | b'"') => {
                // E'...' strings take backslash escapes.
                let escapes = q == b'\''
                    && i > 0
                    && matches!(b[i - 1], b'e' | b'E')
                    && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_'));
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => return i,
                        Some(&b'\\') if escapes => j += 2,
                        Some(&c) if c == q => {
                            if b.get(j + 1) == Some(&q) {
                                j += 2;
                            } else {
                                break;
                            }
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
            }
            b'$' if i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') => {
                let tag_len = b[i + 1..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80))
                    .unwrap_or(b.len() - i - 1);
                let after = i + 1 + tag_len;
                if b.get(after) != Some(&b'$') || b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    continue;
                }
                let tag = &b[i..=after];
                match b[after + 1..].windows(tag.len()).position(|w| w == tag) {
                    Some(p) => i = after + 1 + p + tag.len(),
                    None => return i,
                }
            }
            _ => i += 1,
        }
    }
    0
}

/// Whether the block comment opening at `start` is still open at the end of `b`.
fn depth_left(b: &[u8], start: usize) -> bool {
    let mut depth = 0usize;
    let mut pos = start;
    while pos + 1 < b.len() {
        match (b[pos], b[pos + 1]) {
            (b'/', b'*') => {
                depth += 1;
                pos += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                pos += 2;
                if depth == 0 {
                    return false;
                }
            }
            _ => pos += 1,
        }
    }
    true
}

/// Skips white space, `;` and comments from `span.start`; returns where real text begins.
/// Comments are recorded when `comments` is given.
pub fn skip_trivia(text: &str, span: Span, mut comments: Option<&mut Vec<Comment>>) -> usize {
    let bytes = text.as_bytes();
    let mut pos = span.start;
    while pos < span.end {
        match bytes[pos] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b';' | b'\0' => pos += 1,
            b'-' if bytes.get(pos + 1) == Some(&b'-') => {
                let end = text[pos..span.end].find('\n').map_or(span.end, |i| pos + i);
                if let Some(c) = comments.as_deref_mut() {
                    let body = text[pos + 2..end].trim();
                    c.push(Comment {
                        span: Span::new(pos, trim_end(text, Span::new(pos, end))),
                        text: body.into(),
                    });
                }
                pos = end;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, pos, span.end);
                if let Some(c) = comments.as_deref_mut() {
                    let inner_end = if end >= pos + 4 && text[..end].ends_with("*/") {
                        end - 2
                    } else {
                        end
                    };
                    c.push(Comment {
                        span: Span::new(pos, end),
                        text: text[pos + 2..inner_end].trim().into(),
                    });
                }
                pos = end;
            }
            _ => break,
        }
    }
    pos.min(span.end)
}

/// End of a (possibly nested, as in Postgres) block comment starting at `start`.
fn block_comment_end(bytes: &[u8], start: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    let mut pos = start;
    while pos + 1 < limit {
        match (bytes[pos], bytes[pos + 1]) {
            (b'/', b'*') => {
                depth += 1;
                pos += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                pos += 2;
                if depth == 0 {
                    return pos;
                }
            }
            _ => pos += 1,
        }
    }
    limit
}

fn trim_end(text: &str, span: Span) -> usize {
    span.start
        + text[span.start..span.end]
            .trim_end_matches(|c: char| c.is_whitespace() || c == ';')
            .len()
}

/// Trims leading comments and white space and the trailing `;` off a statement span.
pub fn trim_statement(text: &str, span: Span) -> Span {
    let start = skip_trivia(text, span, None);
    Span::new(start, trim_end(text, Span::new(start, span.end)).max(start))
}

fn next_char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8)
}

/// Turns Postgres's 1-based character cursor into the byte span of the token it points at.
pub fn char_pos_to_span(sql: &str, cursor_char: usize) -> Span {
    let Some((start, _)) = sql.char_indices().nth(cursor_char.saturating_sub(1)) else {
        return Span::new(sql.len(), sql.len());
    };
    let rest = &sql[start..];
    let first_len = rest.chars().next().map_or(0, char::len_utf8);
    let token_len = rest
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, ';' | ',' | '(' | ')'))
        .map_or(rest.len(), |(i, _)| i);
    Span::new(start, start + token_len.max(first_len))
}
