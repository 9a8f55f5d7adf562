//! The config loader on arbitrary YAML: it returns a config or a located error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = pglint::config::parse(&text, ".pglint.yaml") {
        let _ = config.settings_with(pglint::rules::registry::rules(), &[], &[], None);
        let _ = config.ignores("a/0001.sql", "index-not-concurrent");
    }
});
