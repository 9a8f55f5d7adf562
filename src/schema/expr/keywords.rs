//! Postgres's keyword table, read from the libpg_query linked into `pg_query`, so that an
//! identifier is quoted exactly when the deparser's `quote_identifier` would quote it.
//!
//! The declarations mirror pg_query 18.1.0's `common/kwlookup.h` and `common/keywords.h`
//! (Cargo.toml pins that exact version).

use std::ffi::{c_char, c_int, c_void};

/// `ScanKeywordList` from `common/kwlookup.h`.
#[repr(C)]
struct ScanKeywordList {
    kw_string: *const c_char,
    kw_offsets: *const u16,
    hash: Option<unsafe extern "C" fn(*const c_void, usize) -> c_int>,
    num_keywords: c_int,
    max_kw_len: c_int,
}

/// `SCANKEYWORDS_NUM_KEYWORDS`: the entries of `parser/kwlist.h` in pg_query 18.1.0.
const NUM_KEYWORDS: usize = 494;

/// `UNRESERVED_KEYWORD` from `common/keywords.h`: the only category left unquoted.
const UNRESERVED_KEYWORD: u8 = 0;

/// Identifiers are copied into a NUL-terminated buffer this long; longer ones are left to
/// the deparser (Postgres truncates identifiers to 63 bytes anyway).
const MAX_IDENT: usize = 64;

unsafe extern "C" {
    static ScanKeywords: ScanKeywordList;
    static ScanKeywordCategories: [u8; NUM_KEYWORDS];
    fn ScanKeywordLookup(str: *const c_char, keywords: *const ScanKeywordList) -> c_int;
}

/// Whether `ident` is a keyword that `quote_identifier` quotes (any but an unreserved one).
/// `None` when that cannot be told here: an identifier too long for the buffer, one holding
/// a NUL, or a keyword table that does not have the expected size.
pub(super) fn is_quoted_keyword(ident: &str) -> Option<bool> {
    let bytes = ident.as_bytes();
    if bytes.len() >= MAX_IDENT || bytes.contains(&0) {
        return None;
    }
    let mut buf = [0u8; MAX_IDENT];
    buf[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `ScanKeywords` is an initialised constant of libpg_query; reading a field of it
    // has no side effect.
    let num_keywords = unsafe { ScanKeywords.num_keywords };
    if usize::try_from(num_keywords).ok()? != NUM_KEYWORDS {
        return None;
    }
    // SAFETY: `buf` is NUL-terminated (it is longer than `ident` and zeroed); the lookup is a
    // pure perfect-hash search of the constant table and keeps no pointer.
    let kwnum = unsafe { ScanKeywordLookup(buf.as_ptr().cast(), &raw const ScanKeywords) };
    let Ok(index) = usize::try_from(kwnum) else {
        return Some(false);
    };
    // SAFETY: the table holds `NUM_KEYWORDS` categories (checked above against the list's
    // own count) and the lookup returns an index below that count.
    let category = unsafe { ScanKeywordCategories.get(index).copied() }?;
    Some(category != UNRESERVED_KEYWORD)
}
