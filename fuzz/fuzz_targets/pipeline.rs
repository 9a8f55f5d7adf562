//! The whole lint pipeline on arbitrary bytes as a migration file.
#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static ENGINE: LazyLock<pglint::rules::Engine> = LazyLock::new(common::all_rules);

fuzz_target!(|data: &[u8]| {
    common::lint_bytes(&ENGINE, data);
});
