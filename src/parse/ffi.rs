//! A thin call into libpg_query that keeps the error position.
//!
//! `pg_query::parse` drops `cursorpos` from the C error; without it a syntax error could only
//! point at the whole statement. libpg_query is linked into the `pg_query` rlib, so we declare
//! the C functions ourselves. The struct layouts mirror pg_query 18.1.0's `pg_query.h`, which
//! is why Cargo.toml pins that exact version. The tree is read straight from C where the
//! layouts are known (`super::raw`), and through protobuf otherwise.

use std::ffi::{CStr, CString, c_char, c_int};

use pg_query::protobuf;
use prost::Message;

#[repr(C)]
pub(super) struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        parser_options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
}

/// The depth at which prost refuses to decode a tree (its default recursion limit).
pub const MAX_TREE_DEPTH: usize = 100;

/// A parse failure as Postgres reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub message: String,
    /// 1-based character position in the input, when Postgres gives one.
    pub cursor_char: Option<usize>,
}

impl ParseFailure {
    /// The message and position of libpg_query's error.
    pub(super) fn from_c(err: &PgQueryError) -> Self {
        // SAFETY: libpg_query always sets `message` to a NUL-terminated string.
        let message = unsafe { CStr::from_ptr(err.message) }
            .to_string_lossy()
            .into_owned();
        let cursor_char = usize::try_from(err.cursorpos).ok().filter(|&p| p > 0);
        ParseFailure {
            message,
            cursor_char,
        }
    }
}

/// Parses SQL text (which must not contain NUL bytes) into its raw statements.
pub fn parse(sql: &str) -> Result<protobuf::ParseResult, ParseFailure> {
    let input = CString::new(sql).map_err(|e| ParseFailure {
        message: "the text contains a NUL byte".into(),
        cursor_char: Some(sql[..e.nul_position()].chars().count() + 1),
    })?;
    #[cfg(all(target_pointer_width = "64", not(windows)))]
    if let Some(result) = super::raw::parse(&input) {
        return result;
    }
    parse_protobuf(&input)
}

/// The protobuf way: libpg_query encodes the tree, prost decodes it.
pub(super) fn parse_protobuf(input: &CStr) -> Result<protobuf::ParseResult, ParseFailure> {
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the result is
    // read before it is freed exactly once below.
    let result = unsafe { pg_query_parse_protobuf_opts(input.as_ptr(), 0) };
    let out = if result.error.is_null() {
        let data = unsafe {
            std::slice::from_raw_parts(result.parse_tree.data as *const u8, result.parse_tree.len)
        };
        protobuf::ParseResult::decode(data).map_err(|e| ParseFailure {
            // prost stops at 100 nested messages (about 15 to 50 levels of SQL nesting); the
            // limit also keeps pglint's own recursive walks of the tree within the stack.
            message: if e.to_string().contains("recursion limit") {
                format!(
                    "the statement nests too deeply for pglint to analyse (more than {MAX_TREE_DEPTH} nested nodes in its parse tree); Postgres may accept it, but pglint cannot check it"
                )
            } else {
                format!("cannot decode the parse tree: {e}")
            },
            cursor_char: None,
        })
    } else {
        Err(ParseFailure::from_c(unsafe { &*result.error }))
    };
    unsafe { pg_query_free_protobuf_parse_result(result) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_keeps_the_character_position() {
        let err = parse("SELECT ☃ FROM t WHERE;").unwrap_err();
        assert!(err.message.contains("syntax error"), "{err:?}");
        // "SELECT ☃ FROM t WHERE" is 21 characters; the error is at the ";" (character 22).
        assert_eq!(err.cursor_char, Some(22));
    }

    #[test]
    fn valid_sql_gives_statements() {
        let tree = parse("SELECT 1; SELECT 2").unwrap();
        assert_eq!(tree.stmts.len(), 2);
    }
}
