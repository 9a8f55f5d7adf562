//! Differential: arbitrary text parsed by reading libpg_query's C tree directly must give the
//! tree (or the error) the protobuf path gives.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data) {
        assert_ne!(pglint::parse::raw_tree_agrees(sql), Some(false), "{sql:?}");
    }
});
