//! The config loader on arbitrary text, read as `.pglint.yaml` and as a `pyproject.toml`: it
//! returns a config or a located error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = [
        pglint::config::parse(&text, ".pglint.yaml"),
        pglint::config::parse_pyproject(&text, "pyproject.toml"),
    ];
    for config in parsed.into_iter().flatten() {
        let _ = config.settings_with(pglint::rules::registry::rules(), &[], &[], None);
        let _ = config.ignores("a/0001.sql", "index-not-concurrent");
    }
});
