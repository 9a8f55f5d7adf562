//! Parsing without the protobuf round trip.
//!
//! `pg_query::parse` has libpg_query encode its C parse tree to protobuf and then decodes it
//! in Rust; on Django migrations that encoding and decoding is about 70 % of its time and
//! Postgres's grammar about 15 %. Here we call libpg_query's own `pg_query_raw_parse` and copy
//! the C tree straight into pg_query's protobuf structs, so the checks see exactly the trees
//! they always saw. The converters in `generated.rs` are written by `scripts/gen-raw-tree.py`
//! from libpg_query's field-by-field output definitions and the C compiler's struct layouts,
//! which is why Cargo.toml pins pg_query exactly.
//!
//! Anything unusual (a tag it does not know, a string that is not UTF-8, a tree deeper than
//! prost would decode) returns `None`, and the caller parses the text again the protobuf way,
//! so those inputs behave as before. The unit tests compare both paths on every SQL file in
//! the repository.

mod generated;
mod read;

use std::ffi::{CStr, c_char, c_int, c_void};

use pg_query::protobuf;

use super::ffi::{ParseFailure, PgQueryError};
use read::{Ctx, Fallback};

#[repr(C)]
struct ParsetreeAndError {
    tree: *const u8,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_enter_memory_context() -> *mut c_void;
    fn pg_query_exit_memory_context(ctx: *mut c_void);
    fn pg_query_raw_parse(input: *const c_char, parser_options: c_int) -> ParsetreeAndError;
    fn pg_query_free_error(error: *mut PgQueryError);
    fn free(p: *mut c_void);
}

/// Parses NUL-terminated SQL; `None` when the tree must be read the protobuf way instead.
pub fn parse(input: &CStr) -> Option<Result<protobuf::ParseResult, ParseFailure>> {
    // SAFETY: the memory context is entered and left on this thread around the parse; the C
    // tree lives in that context and is only read before it is left; the error and stderr
    // buffer are malloc'd by libpg_query and freed exactly once here.
    unsafe {
        let ctx = pg_query_enter_memory_context();
        let result = pg_query_raw_parse(input.as_ptr(), 0);
        let out = if result.error.is_null() {
            convert(result.tree).ok().map(Ok)
        } else {
            let failure = ParseFailure::from_c(&*result.error);
            pg_query_free_error(result.error);
            Some(Err(failure))
        };
        if !result.stderr_buffer.is_null() {
            free(result.stderr_buffer.cast());
        }
        pg_query_exit_memory_context(ctx);
        out
    }
}

/// The raw statements of a parse (`List *` of `RawStmt`), as `pg_query_nodes_to_protobuf`
/// would write them.
unsafe fn convert(tree: *const u8) -> Result<protobuf::ParseResult, Fallback> {
    let mut ctx = Ctx::new();
    let stmts = unsafe { read::cells(tree) }?
        .map(|raw| {
            if unsafe { read::at::<u32>(raw, 0) } != generated::T_RAWSTMT {
                return Err(Fallback);
            }
            unsafe { generated::raw_stmt(&mut ctx, raw) }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(protobuf::ParseResult {
        version: generated::PG_VERSION_NUM,
        stmts,
    })
}

#[cfg(test)]
mod tests;
