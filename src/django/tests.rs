use std::path::Path;

use super::*;

#[test]
fn migration_files_are_recognised() {
    assert!(is_migration_file(Path::new("shop/migrations/0002_x.py")));
    assert!(!is_migration_file(Path::new("shop/migrations/__init__.py")));
    assert!(!is_migration_file(Path::new("shop/models.py")));
    assert!(!is_migration_file(Path::new("shop/migrations/0002_x.sql")));
}

fn op(describe: &str, line: Option<usize>) -> helper::OperationLine {
    helper::OperationLine {
        describe: describe.to_string(),
        line,
        column: line.map(|_| 9),
    }
}

fn answer_for(ops: Vec<helper::OperationLine>) -> MigrationSql {
    MigrationSql {
        app: "shop".into(),
        name: "0002_x".into(),
        path: None,
        display: "shop/migrations/0002_x.py".into(),
        target: true,
        sql: None,
        error: None,
        line: Some(7),
        column: Some(1),
        operations: ops,
    }
}

const SQL: &str = "BEGIN;\n--\n-- Add field sku to product\n--\nALTER TABLE \"p\" ADD COLUMN \"sku\" int NULL;\n--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL\n--\n-- Create index x on field(s) sku of model product\n--\nCREATE INDEX \"x\" ON \"p\" (\"sku\");\nCOMMIT;\n";

/// The operations of [`SQL`], one by one; the RunPython's place is not known.
fn sql_operations() -> Vec<helper::OperationLine> {
    vec![
        op("Add field sku to product", Some(12)),
        op("Raw Python operation", None),
        op("Create index x on field(s) sku of model product", Some(20)),
    ]
}

fn at(line: usize, column: usize) -> Option<LineCol> {
    Some(LineCol { line, column })
}

#[test]
fn kth_header_gets_the_kth_operation_place() {
    let mut m = parse::parse_file(SourceFile::new("shop/migrations/0002_x.py", SQL));
    let a = answer_for(sql_operations());
    attach_places(&mut m, &a);
    let got: Vec<_> = m.operations.iter().map(|o| o.source_at).collect();
    assert_eq!(got, [at(12, 9), None, at(20, 9)]);
    // The describe text stays Django's: the place is reported beside it, not inside it.
    assert_eq!(&*m.operations[0].describe, "Add field sku to product");
}

#[test]
fn every_offset_of_the_sql_maps_to_a_place_in_the_py() {
    let mut m = parse::parse_file(SourceFile::new("shop/migrations/0002_x.py", SQL));
    let a = answer_for(sql_operations());
    attach_places(&mut m, &a);
    let file = &m.file;
    let g = file.generated.as_ref().expect("generated");
    assert_eq!(g.sql_name, "sqlmigrate shop 0002_x");
    let place = |needle: &str| file.place(SQL.find(needle).unwrap());
    // Before any operation (BEGIN): the Migration class.
    assert_eq!(Some(place("BEGIN")), at(7, 1));
    assert_eq!(Some(place("ALTER TABLE")), at(12, 9));
    // Under an operation with no known place: the one before it.
    assert_eq!(Some(place("THIS OPERATION")), at(12, 9));
    assert_eq!(Some(place("CREATE INDEX")), at(20, 9));
    assert_eq!(Some(place("COMMIT")), at(20, 9));
}

#[test]
fn headers_that_do_not_line_up_match_by_text() {
    let mut m = parse::parse_file(SourceFile::new("m.py", SQL));
    let a = answer_for(vec![
        op("Something the SQL lost", Some(5)),
        op("Add field sku to product", Some(12)),
        op("Raw Python operation", None),
        op("Create index x on field(s) sku of model product", Some(20)),
    ]);
    attach_places(&mut m, &a);
    assert_eq!(m.operations[0].source_at, at(12, 9));
    assert_eq!(m.operations[1].source_at, None);
    assert_eq!(m.operations[2].source_at, at(20, 9));
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Targets under the repository's root (no such files: paths are compared, not read).
fn targets_for(shown: &[&str]) -> Vec<Target> {
    shown
        .iter()
        .map(|s| Target {
            shown: s.to_string(),
            canonical: Path::new(ROOT).join(s),
        })
        .collect()
}

fn abs(shown: &str) -> String {
    Path::new(ROOT).join(shown).display().to_string()
}

/// A migration entry of an answer, as the helper writes it.
fn entry(app: &str, shown: &str, target: bool) -> serde_json::Value {
    let name = Path::new(shown).file_stem().unwrap().to_str().unwrap();
    serde_json::json!({
        "app": app, "name": name, "module": "m", "path": abs(shown), "display": shown,
        "target": target, "sql": "", "error": null, "operations": [],
    })
}

fn parsed(error: Option<&str>, unresolved: &[&str], migrations: Vec<serde_json::Value>) -> Answer {
    let unresolved: Vec<_> = unresolved
        .iter()
        .map(|s| serde_json::json!({"path": abs(s), "error": "not a migration"}))
        .collect();
    serde_json::from_value(serde_json::json!({
        "error": error, "django": "5.2", "unresolved": unresolved, "skipped": [],
        "migrations": migrations,
    }))
    .unwrap()
}

const A: &str = "shop/migrations/0002_a.py";
const B: &str = "shop/migrations/0003_b.py";
const C: &str = "shop/models.py";

#[test]
fn a_complete_answer_has_no_gaps() {
    let targets = targets_for(&[A, B, C]);
    let answer = parsed(
        None,
        &[C],
        vec![
            entry("shop", "shop/migrations/0001_initial.py", false),
            entry("shop", A, true),
            entry("shop", B, true),
        ],
    );
    assert_eq!(answer::gaps(&answer, &targets), Vec::<String>::new());
}

#[test]
fn a_target_the_plan_skips_is_answered_and_noted_not_linted() {
    let targets = targets_for(&[A, B]);
    let mut answer = parsed(None, &[], vec![entry("shop", B, true)]);
    answer.skipped.push(helper::Skipped {
        path: abs(A),
        reason: "Django's plan uses shop.0001_squashed_0002_a, which replaces it, instead".into(),
    });
    assert_eq!(answer::gaps(&answer, &targets), Vec::<String>::new());
    let (mut errors, mut warnings, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let migrations = to_migrations(answer, &targets, &mut errors, &mut warnings, &mut notes);
    assert!(
        errors.is_empty() && warnings.is_empty(),
        "{errors:?} {warnings:?}"
    );
    assert_eq!(
        notes,
        [format!(
            "{A}: not linted: Django's plan uses shop.0001_squashed_0002_a, which replaces it, \
             instead"
        )]
    );
    assert_eq!(migrations.len(), 1);
    // Skipped for a file that was not asked: the answer is wrong.
    let mut answer = parsed(
        None,
        &[],
        vec![entry("shop", A, true), entry("shop", B, true)],
    );
    answer.skipped.push(helper::Skipped {
        path: abs(C),
        reason: "replaced".into(),
    });
    assert_eq!(answer::gaps(&answer, &targets).len(), 1);
}

#[test]
fn context_that_cannot_render_is_a_warning_and_a_target_an_error() {
    let targets = targets_for(&[B]);
    let failed = |shown: &str, target: bool| {
        let mut e = entry("shop", shown, target);
        e["sql"] = serde_json::Value::Null;
        e["error"] = "sqlmigrate shop x failed: ValueError: Found wrong number (0)".into();
        e
    };
    let answer = parsed(None, &[], vec![failed(A, false), entry("shop", B, true)]);
    let (mut errors, mut warnings, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let migrations = to_migrations(answer, &targets, &mut errors, &mut warnings, &mut notes);
    assert!(
        errors.is_empty() && notes.is_empty(),
        "{errors:?} {notes:?}"
    );
    assert_eq!(
        warnings,
        [format!(
            "{A}: cannot render its SQL (sqlmigrate shop x failed: ValueError: Found wrong number \
             (0)): replayed as nothing, so the findings after it may miss what it changes"
        )]
    );
    assert_eq!(migrations.len(), 1);
    assert!(migrations[0].1, "the target is still linted");
    // The target itself: an error.
    let answer = parsed(None, &[], vec![failed(B, true)]);
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    to_migrations(answer, &targets, &mut errors, &mut warnings, &mut notes);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        errors,
        [format!(
            "{B}: sqlmigrate shop x failed: ValueError: Found wrong number (0)"
        )]
    );
}

#[test]
fn a_target_missing_from_the_answer_is_named() {
    let targets = targets_for(&[A, B]);
    let answer = parsed(
        None,
        &[],
        vec![entry("shop", A, false), entry("shop", B, true)],
    );
    assert_eq!(
        answer::gaps(&answer, &targets),
        [format!(
            "{A}: the Django helper's answer has nothing for this migration: it was not linted"
        )]
    );
    // An empty answer misses them all.
    let empty = parsed(None, &[], vec![]);
    assert_eq!(answer::gaps(&empty, &targets).len(), 2);
    // Unless the helper says why it stopped.
    let stopped = parsed(Some("cannot load the Django settings"), &[], vec![]);
    assert!(answer::gaps(&stopped, &targets).is_empty());
}

#[test]
fn answers_that_were_not_asked_are_named() {
    let targets = targets_for(&[A]);
    let answer = parsed(
        None,
        &[C],
        vec![entry("shop", A, true), entry("shop", B, true)],
    );
    assert_eq!(
        answer::gaps(&answer, &targets),
        [
            format!(
                "{}: the Django helper answered for this file, which was not asked",
                abs(C)
            ),
            format!(
                "{B}: the Django helper answered for migration shop.0003_b, which was not asked"
            ),
        ]
    );
}

#[test]
fn a_target_answered_twice_or_by_another_migration_is_an_error() {
    let targets = targets_for(&[A]);
    let twice = parsed(None, &[A], vec![entry("shop", A, true)]);
    assert_eq!(
        answer::gaps(&twice, &targets),
        [format!(
            "{A}: the Django helper answered 2 times for this migration"
        )]
    );
    let mut other = entry("shop", A, true);
    other["name"] = "0009_other".into();
    let renamed = parsed(None, &[], vec![other]);
    assert_eq!(
        answer::gaps(&renamed, &targets),
        [format!(
            "{A}: the Django helper answered with migration shop.0009_other, which is not this \
             file's"
        )]
    );
}

#[test]
fn an_answer_without_its_lists_is_malformed() {
    for text in ["{}", r#"{"error": null, "migrations": []}"#, "[]", ""] {
        assert!(serde_json::from_str::<Answer>(text).is_err(), "{text}");
    }
    let m = serde_json::json!({"app": "a", "name": "n", "path": null, "display": "d",
        "target": true, "sql": null, "error": null});
    let without_operations = serde_json::json!({"unresolved": [], "migrations": [m]});
    assert!(serde_json::from_value::<Answer>(without_operations).is_err());
}

/// `sh -c SCRIPT` through the helper's plumbing.
#[cfg(unix)]
fn sh(script: &str, input: &str, timeout: std::time::Duration) -> process::Ran {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script);
    process::run(cmd, input.as_bytes().to_vec(), timeout).unwrap()
}

#[cfg(unix)]
#[test]
fn the_answer_is_what_fd_3_gets_and_stdout_is_only_output() {
    let ran = sh(
        r#"test "$PGLINT_ANSWER_FD" = 3 || exit 9
           echo '{"fake": 1}'; cat >&3; echo '{}' >&2"#,
        "the request",
        std::time::Duration::from_secs(30),
    );
    assert_eq!(ran.status.and_then(|s| s.code()), Some(0));
    assert_eq!(ran.answer.as_deref(), Some(&b"the request"[..]));
    assert_eq!(ran.output, b"{\"fake\": 1}\n{}\n");
}

#[cfg(unix)]
#[test]
fn output_larger_than_a_pipe_does_not_block_the_answer() {
    // 1 MiB on each of stdout and stderr before the answer: pipes hold 64 KiB.
    let ran = sh(
        "yes | head -c 1048576; yes | head -c 1048576 >&2; echo done >&3",
        "",
        std::time::Duration::from_secs(30),
    );
    assert_eq!(ran.answer.as_deref(), Some(&b"done\n"[..]));
    assert!(ran.output.len() >= 64 * 1024 && ran.output.len() <= 2 * 128 * 1024);
}

#[cfg(unix)]
#[test]
fn a_child_past_the_timeout_is_killed() {
    let started = std::time::Instant::now();
    let ran = sh(
        "echo started; exec sleep 30",
        "",
        std::time::Duration::from_millis(300),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(ran.status.is_none() && ran.answer.is_none());
    assert_eq!(ran.output, b"started\n");
}

/// At the deadline the child gets SIGTERM first, and time to clean up (the helper drops its
/// throwaway database then); it still counts as killed, and its answer is not read.
#[cfg(unix)]
#[test]
fn a_child_past_the_timeout_may_clean_up_after_sigterm() {
    let started = std::time::Instant::now();
    let ran = sh(
        r#"trap 'echo cleaned up; echo partial >&3; exit 0' TERM
           echo started; sleep 30 & wait"#,
        "",
        std::time::Duration::from_millis(300),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(ran.status.is_none() && ran.answer.is_none());
    assert_eq!(ran.output, b"started\ncleaned up\n");
}

fn connected(server_version: Option<u32>, lock_timeout: Option<&str>) -> helper::Connection {
    helper::Connection {
        alias: "default".into(),
        server_version,
        lock_timeout: lock_timeout.map(str::to_string),
        lock_timeout_from: lock_timeout
            .map(|_| "DATABASES['default']['OPTIONS']['options']".into()),
    }
}

fn assume_set(settings: &crate::rules::Settings) -> bool {
    settings
        .options
        .get("missing-lock-timeout")
        .is_some_and(|o| o.bool("assume_set"))
}

#[test]
fn a_lock_timeout_on_the_connection_turns_missing_lock_timeout_off() {
    let config = config::Config::default();
    let mut settings = config.settings(&[], &[], None).unwrap();
    let notes = connection::apply(&mut settings, &config, None, &connected(None, Some("5s")));
    assert!(assume_set(&settings));
    assert_eq!(
        notes,
        [
            "lock_timeout is 5s on the connection to the database `default` \
          (DATABASES['default']['OPTIONS']['options']): missing-lock-timeout is off"
        ]
    );
    // None set: nothing changes, nothing is said.
    let mut settings = config.settings(&[], &[], None).unwrap();
    let notes = connection::apply(&mut settings, &config, None, &connected(Some(15), None));
    assert!(!assume_set(&settings) && notes.is_empty(), "{notes:?}");
    // The rule turned off: nothing to say.
    let mut settings = config
        .settings(&[], &["missing-lock-timeout".into()], None)
        .unwrap();
    let notes = connection::apply(&mut settings, &config, None, &connected(None, Some("5s")));
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn the_configured_assume_set_wins_over_the_connection() {
    for configured in [false, true] {
        let mut config = config::Config::default();
        config.options.insert(
            "missing-lock-timeout".into(),
            vec![(
                "assume_set".into(),
                crate::rules::decl::OptionValue::Bool(configured),
            )],
        );
        let mut settings = config.settings(&[], &[], None).unwrap();
        let notes = connection::apply(&mut settings, &config, None, &connected(None, Some("5s")));
        assert_eq!(assume_set(&settings), configured);
        assert!(notes.is_empty(), "{notes:?}");
    }
    // Another option of the rule configured: the connection still sets assume_set.
    let mut config = config::Config::default();
    config.options.insert(
        "missing-lock-timeout".into(),
        vec![(
            "per_file".into(),
            crate::rules::decl::OptionValue::Bool(true),
        )],
    );
    let mut settings = config.settings(&[], &[], None).unwrap();
    connection::apply(&mut settings, &config, None, &connected(None, Some("5s")));
    assert!(assume_set(&settings));
    assert!(settings.options["missing-lock-timeout"].bool("per_file"));
}

#[test]
fn the_servers_version_is_pg_version_unless_one_is_given() {
    let config = config::Config::default();
    let mut settings = config.settings(&[], &[], None).unwrap();
    let notes = connection::apply(&mut settings, &config, None, &connected(Some(17), None));
    assert_eq!(settings.pg_version, 17);
    assert_eq!(
        notes,
        [
            "the database `default` runs PostgreSQL 17: the rules follow PostgreSQL 17 (set \
          pg_version, or --pg-version, to choose)"
        ]
    );
    // The default already: nothing said.
    let mut settings = config.settings(&[], &[], None).unwrap();
    let notes = connection::apply(
        &mut settings,
        &config,
        None,
        &connected(Some(crate::rules::DEFAULT_PG_VERSION), None),
    );
    assert!(notes.is_empty(), "{notes:?}");
    // Newer than pglint knows: the newest it knows.
    let mut settings = config.settings(&[], &[], None).unwrap();
    let notes = connection::apply(&mut settings, &config, None, &connected(Some(99), None));
    assert_eq!(settings.pg_version, config::MAX_PG_VERSION);
    assert!(notes[0].contains("the nearest pglint knows"), "{notes:?}");
    // --pg-version, or the configuration's pg_version, wins.
    let mut settings = config.settings(&[], &[], Some(13)).unwrap();
    let notes = connection::apply(&mut settings, &config, Some(13), &connected(Some(17), None));
    assert_eq!(settings.pg_version, 13);
    assert!(notes.is_empty(), "{notes:?}");
    let mut configured = config::Config::default();
    configured.pg_version = Some(14);
    let mut settings = configured.settings(&[], &[], None).unwrap();
    let notes = connection::apply(&mut settings, &configured, None, &connected(Some(17), None));
    assert_eq!(settings.pg_version, 14);
    assert!(notes.is_empty(), "{notes:?}");
}
