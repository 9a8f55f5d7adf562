//! The pre-commit hook as teams run it: `pre-commit try-repo` of this repository's
//! `.pre-commit-hooks.yaml` (the `pglint-system` hook, with the freshly built binary on PATH)
//! in a real git repository. `scripts/install-test-deps.sh` installs pre-commit into
//! `target/precommit-venv`; without it the test fails in CI and is skipped loudly elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::git;

fn target_dir() -> PathBuf {
    // <target>/debug/pglint
    Path::new(env!("CARGO_BIN_EXE_pglint"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

fn pre_commit() -> Option<PathBuf> {
    let exe = target_dir().join("precommit-venv/bin/pre-commit");
    if exe.exists() {
        return Some(exe);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "pre-commit is missing in CI: run scripts/install-test-deps.sh"
    );
    eprintln!(
        "SKIPPED tests/precommit.rs: {} not found (run scripts/install-test-deps.sh)",
        exe.display()
    );
    None
}

#[test]
fn the_pglint_system_hook_lints_staged_sql_files() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("pglint-precommit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    std::fs::write(
        dir.join("0002_bad.sql"),
        "CREATE INDEX \"shop_order_status_idx\" ON \"shop_order\" (\"status\");\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("0003_good.sql"),
        "CREATE INDEX CONCURRENTLY \"shop_order_code_idx\" ON \"shop_order\" (\"code\");\n",
    )
    .unwrap();
    git(&dir, &["add", "."]);
    let path = format!(
        "{}:{}",
        target_dir().join("debug").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |file: &str| {
        Command::new(&pre_commit)
            .args([
                "try-repo",
                env!("CARGO_MANIFEST_DIR"),
                "pglint-system",
                "--files",
                file,
            ])
            .current_dir(&dir)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.join(".cache"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let bad = run("0002_bad.sql");
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(
        out.contains("index-not-concurrent") && out.contains("Failed"),
        "{out}"
    );
    let good = run("0003_good.sql");
    let out = String::from_utf8_lossy(&good.stdout);
    assert_eq!(good.status.code(), Some(0), "{out}");
    assert!(out.contains("Passed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
