//! Throughput benchmark (plain harness, no timed assertions): `cargo bench --bench throughput`.
//!
//! Corpus: `scripts/gen-bench-corpus.py` writes it under the target dir on first use (or set
//! `PGLINT_BENCH_CORPUS` to a directory it wrote). Reports, for the generated Django-shaped
//! corpus and the contrib-apps fixtures:
//! - in-process, one thread: `pg_query::parse` per file (the floor), pglint's split + parse,
//!   the full lint with every rule on (parse + replay + rules), each format's rendering, and
//!   linearity (the first half of the corpus against all of it);
//! - the release binary (`--format json`, every rule on) with `PGLINT_THREADS` 1 and 2, under
//!   `/usr/bin/time -f %M` for peak memory; squawk and eugene on the same files when on PATH
//!   (or `SQUAWK=/path/to/squawk`, `EUGENE=/path/to/eugene`), in interleaved rounds of the
//!   same run;
//! - the "nothing quadratic" inputs (`gen-bench-corpus.py stress`).
//!
//! `PGLINT_BENCH_QUICK=1` skips the external runs.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pglint::cli::Format;
use pglint::finding::{Level, Summary};
use pglint::rules::{Engine, Settings, registry};
use pglint::source::SourceFile;

// The binary's allocator, so that in-process figures are those of the shipped program.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct File {
    name: String,
    text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

fn generate(kind: &str, dir: &Path, extra: &[&str]) {
    if dir.join(".done").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let status = Command::new("python3")
        .arg(root().join("scripts/gen-bench-corpus.py"))
        .arg(kind)
        .arg(dir)
        .args(extra)
        .status()
        .expect("python3 runs scripts/gen-bench-corpus.py");
    assert!(status.success());
    std::fs::write(dir.join(".done"), "").unwrap();
}

fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort_by(|a, b| pglint::source::natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn read(paths: &[PathBuf]) -> Vec<File> {
    paths
        .iter()
        .map(|p| File {
            name: p.display().to_string(),
            text: std::fs::read_to_string(p).unwrap(),
        })
        .collect()
}

fn all_rules() -> Engine {
    Engine::new(Settings::every_rule(Level::Warning))
}

/// Best of `runs` wall times.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.unwrap())
}

fn rate(what: &str, d: Duration, bytes: usize, stmts: usize) {
    let s = d.as_secs_f64();
    println!(
        "| {what} | {:.3} s | {:.1} MB/s | {:.0}k stmts/s |",
        s,
        bytes as f64 / 1e6 / s,
        stmts as f64 / 1e3 / s
    );
}

fn parse_floor(files: &[File]) -> usize {
    files
        .iter()
        .map(|f| match pg_query::parse(&f.text, 0) {
            Ok(tree) => black_box(tree.protobuf.stmts.len()),
            Err(_) => 0,
        })
        .sum()
}

/// The floor on `threads` cores: files dealt out in turn, each parsed whole.
fn parse_floor_parallel(files: &[File], threads: usize) -> usize {
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    files
                        .iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|f| match pg_query::parse(&f.text, 0) {
                            Ok(tree) => black_box(tree.protobuf.stmts.len()),
                            Err(_) => 0,
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    })
}

fn split_and_parse(files: &[File]) -> usize {
    files
        .iter()
        .map(|f| {
            let m = pglint::parse::parse_file(SourceFile::new(f.name.clone(), f.text.clone()));
            black_box(m.statements.len())
        })
        .sum()
}

fn full_lint(engine: &Engine, files: &[File]) -> Vec<pglint::finding::Finding> {
    let migrations = files.iter().map(|f| {
        (
            pglint::parse::parse_file(SourceFile::new(f.name.clone(), f.text.clone())),
            true,
        )
    });
    pglint::lint::lint_migrations(engine, &pglint::config::Config::default(), migrations).0
}

/// Returns the floor on one thread and on two.
fn in_process(label: &str, files: &[File], runs: usize) -> (Duration, Duration) {
    let engine = all_rules();
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let (_, stmts) = best(1, || split_and_parse(files));
    println!(
        "\n### {label}: {} files, {:.2} MB, {stmts} statements (in-process, one thread, best of {runs})\n",
        files.len(),
        bytes as f64 / 1e6
    );
    println!("| step | time | MB/s | statements/s |\n|---|---:|---:|---:|");
    let (floor, _) = best(runs, || parse_floor(files));
    rate("`pg_query::parse` per file (floor)", floor, bytes, stmts);
    let (floor2, _) = best(runs, || parse_floor_parallel(files, 2));
    rate(
        "`pg_query::parse` per file, 2 threads (floor on 2 cores)",
        floor2,
        bytes,
        stmts,
    );
    let (split, _) = best(runs, || split_and_parse(files));
    rate(
        "pglint parse (whole file; per statement after a syntax error)",
        split,
        bytes,
        stmts,
    );
    let (lint, findings) = best(runs, || full_lint(&engine, files));
    rate("full lint, every rule on", lint, bytes, stmts);
    let summary = Summary::count(files.len(), &findings);
    for format in [
        Format::Json,
        Format::Compact,
        Format::Human,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ] {
        let (d, out) = best(runs, || {
            let mut out = Vec::with_capacity(1 << 20);
            pglint::report::render(format, &findings, &summary, &mut out).unwrap();
            out
        });
        let s = d.as_secs_f64();
        println!(
            "| render `{format:?}` ({} findings, {:.1} MB out) | {s:.3} s | {:.1} MB/s in | {:.0}k findings/s |",
            findings.len(),
            out.len() as f64 / 1e6,
            bytes as f64 / 1e6 / s,
            findings.len() as f64 / 1e3 / s
        );
    }
    println!(
        "\nfull lint / `pg_query::parse` floor = {:.2}x; full lint / pglint parse = {:.2}x",
        lint.as_secs_f64() / floor.as_secs_f64(),
        lint.as_secs_f64() / split.as_secs_f64()
    );
    if files.len() >= 1000 {
        let half = &files[..files.len() / 2];
        let (h, _) = best(runs, || full_lint(&engine, half));
        let half_bytes: usize = half.iter().map(|f| f.text.len()).sum();
        println!(
            "linearity: first half ({:.2} MB) {:.3} s, all ({:.2} MB) {:.3} s: {:.2}x time for {:.2}x input",
            half_bytes as f64 / 1e6,
            h.as_secs_f64(),
            bytes as f64 / 1e6,
            lint.as_secs_f64(),
            lint.as_secs_f64() / h.as_secs_f64(),
            bytes as f64 / half_bytes as f64
        );
    }
    (floor, floor2)
}

/// Runs a command under `/usr/bin/time -f %M`; wall time and peak RSS in MB (10^6 bytes).
fn timed(cmd: &mut Command) -> (f64, f64, Option<i32>) {
    let mut time = Command::new("/usr/bin/time");
    time.arg("-f")
        .arg("%M")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => time.env(k, v),
            None => time.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        time.current_dir(dir);
    }
    let start = Instant::now();
    let out = time.output().expect("/usr/bin/time runs");
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kb: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(f64::NAN);
    // KiB → MB (10^6 bytes).
    (wall, kb * 1024.0 / 1e6, out.status.code())
}

/// Rounds of the same commands, interleaved: this machine's speed drifts by up to a third
/// between runs, and interleaving lets the drift hit every command alike.
const ROUNDS: usize = 5;

fn external(label: &str, dir: &Path, bytes: usize, stmts: usize, floors: (Duration, Duration)) {
    let bin = env!("CARGO_BIN_EXE_pglint");
    let config = target_dir().join("bench-all-rules.yaml");
    let mut yaml = String::from("rules:\n");
    for rule in registry::rules() {
        yaml.push_str(&format!("  {}: warning\n", rule.id));
    }
    std::fs::write(&config, yaml).unwrap();
    let pglint = |threads: &str| {
        let mut cmd = Command::new(bin);
        cmd.arg("--config")
            .arg(&config)
            .args(["--format", "json", "--fail-on", "never"])
            .arg(dir)
            .env("PGLINT_THREADS", threads)
            .stdout(std::process::Stdio::null());
        cmd
    };
    let mut runs: Vec<(String, Command)> = vec![
        ("pglint, `PGLINT_THREADS=1`".into(), pglint("1")),
        ("pglint, `PGLINT_THREADS=2`".into(), pglint("2")),
    ];
    // The peers lint each file on its own; both are given every file (eugene does not look
    // into sub-directories, so it gets the app directories).
    let files = sql_files(dir);
    let app_dirs: Vec<PathBuf> = {
        let mut dirs: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        dirs.dedup();
        dirs
    };
    let peers: [(&str, &str, Vec<String>, Vec<PathBuf>); 2] = [
        (
            "squawk",
            "SQUAWK",
            vec!["--reporter".into(), "json".into()],
            files.clone(),
        ),
        (
            "eugene",
            "EUGENE",
            vec!["lint".into(), "-f".into(), "json".into(), "-a".into()],
            app_dirs,
        ),
    ];
    let mut missing = Vec::new();
    for (name, var, args, paths) in peers {
        let exe = std::env::var(var).unwrap_or_else(|_| name.into());
        let Ok(version) = Command::new(&exe).arg("--version").output() else {
            missing.push(format!(
                "| {name} not found (set {var}=/path/to/{name}) | | | | | |"
            ));
            continue;
        };
        let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
        let mut cmd = Command::new(&exe);
        cmd.args(&args)
            .args(&paths)
            .stdout(std::process::Stdio::null());
        runs.push((
            format!("{version} `{}` (its default rules)", args.join(" ")),
            cmd,
        ));
    }
    println!(
        "\n### {label}: release binary, `--format json`, every rule on ({:.2} MB, {stmts} statements; best of {ROUNDS} interleaved rounds)\n",
        bytes as f64 / 1e6
    );
    println!(
        "| run | time | MB/s | statements/s | peak RSS | RSS / input |\n|---|---:|---:|---:|---:|---:|"
    );
    let mut best: Vec<(f64, f64)> = vec![(f64::INFINITY, 0.0); runs.len()];
    for _ in 0..ROUNDS {
        for (i, (_, cmd)) in runs.iter_mut().enumerate() {
            let (wall, rss, _) = timed(cmd);
            if wall < best[i].0 {
                best[i] = (wall, rss);
            }
        }
    }
    for ((label, _), (wall, rss)) in runs.iter().zip(&best) {
        println!(
            "| {label} | {wall:.2} s | {:.1} | {:.0}k | {rss:.0} MB | {:.1}x |",
            bytes as f64 / 1e6 / wall,
            stmts as f64 / 1e3 / wall,
            rss / (bytes as f64 / 1e6)
        );
    }
    for line in missing {
        println!("{line}");
    }
    let (one, two) = (best[0].0, best[1].0);
    println!("| 2 threads speed-up over 1 | {:.2}x | | | | |", one / two);
    println!(
        "\nbinary (process start, reading, every rule, JSON written) / in-process `pg_query::parse` floor: \
         1 thread {:.2}x the 1-thread floor; 2 threads {:.2}x the 1-thread floor, {:.2}x the 2-thread floor\n",
        one / floors.0.as_secs_f64(),
        two / floors.0.as_secs_f64(),
        two / floors.1.as_secs_f64()
    );
    for ((label, _), (wall, _)) in runs.iter().zip(&best).skip(2) {
        let name = label.split_whitespace().next().unwrap_or_default();
        println!(
            "pglint is {:.2}x {name}'s speed with 2 threads, {:.2}x with 1",
            wall / two,
            wall / one
        );
    }
}

fn stress(dir: &Path) {
    let engine = all_rules();
    println!("\n### Nothing quadratic (in-process, one thread, full lint, every rule on)\n");
    println!(
        "| input | size | statements | time | MB/s | statements/s |\n|---|---:|---:|---:|---:|---:|"
    );
    for path in sql_files(dir) {
        let files = read(std::slice::from_ref(&path));
        let bytes = files[0].text.len();
        let stmts = split_and_parse(&files);
        let (d, _) = best(2, || full_lint(&engine, &files));
        let s = d.as_secs_f64();
        println!(
            "| {} | {:.2} MB | {stmts} | {s:.3} s | {:.1} | {:.0}k |",
            path.file_name().unwrap().to_string_lossy(),
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / s,
            stmts as f64 / 1e3 / s
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored. Without it
    // (`cargo test --all-targets` runs bench targets too) this is not a benchmark run.
    if !std::env::args().any(|a| a == "--bench") {
        println!("throughput: a benchmark; run it with `cargo bench --bench throughput`");
        return;
    }
    let quick = std::env::var_os("PGLINT_BENCH_QUICK").is_some();
    let corpus = std::env::var_os("PGLINT_BENCH_CORPUS").map_or_else(
        || {
            let dir = target_dir().join("bench-corpus");
            generate("corpus", &dir, &[]);
            dir
        },
        PathBuf::from,
    );
    let stress_dir = target_dir().join("bench-stress");
    generate("stress", &stress_dir, &[]);
    println!("## machine\n");
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "{cpu}, {} cores available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let files = read(&sql_files(&corpus));
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let stmts = split_and_parse(&files);
    let floors = in_process("generated corpus", &files, 2);

    let contrib = read(&sql_files(&root().join("tests/fixtures/django")));
    in_process("Django contrib apps fixtures", &contrib, 5);

    if !quick {
        external("generated corpus", &corpus, bytes, stmts, floors);
    }
    stress(&stress_dir);

    let dump = root().join("tests/fixtures/pg_dump/gitlab.sql");
    let dump = std::env::var_os("PGLINT_BENCH_DUMP").map_or(dump, PathBuf::from);
    if let Ok(text) = std::fs::read_to_string(&dump) {
        let engine = all_rules();
        let f = [File {
            name: dump.display().to_string(),
            text,
        }];
        let n = split_and_parse(&f);
        // As `--schema`: parsed and replayed into the catalog, not reported.
        let (seed, _) = best(3, || {
            let m =
                pglint::parse::parse_file(SourceFile::new(f[0].name.clone(), f[0].text.clone()));
            pglint::lint::lint_migrations(&engine, &pglint::config::Config::default(), [(m, false)])
        });
        let (d, _) = best(2, || full_lint(&engine, &f));
        println!(
            "\nschema seeding: {} ({n} statements, {:.1} MB): loaded as `--schema` (parse + replay) in {:.3} s; linted as a migration with every rule on in {:.3} s",
            dump.display(),
            f[0].text.len() as f64 / 1e6,
            seed.as_secs_f64(),
            d.as_secs_f64()
        );
    }
}
