//! The README's Django steps, followed as a user would on a fresh machine: in a git repository
//! of a Django project (tests/fixtures/readme_django/: settings that read the database from the
//! environment the README's workflow sets, the shop app of scripts/django/), whose pull request
//! adds `shop/migrations/0042_add_sku.py`, against a PostgreSQL server that is never migrated
//! (tests/pg/mod.rs):
//!
//! 1. every command of the `pglint django` section's first `sh` block, run verbatim by bash
//!    with the project's venv activated and pglint on the PATH;
//! 2. the pre-commit section's configuration through the real pre-commit (pointed at a copy of
//!    the hooks, each hook replaced by its `-system` twin: the built binary instead of a
//!    `cargo install`), with the pull request's migration staged;
//! 3. the GitHub Action section's workflow (examples/github/migrations.yml, which the README
//!    shows verbatim) in a simulated runner: its job `env:` (the service's address replaced by
//!    the test server's), its `run:` steps run by bash, its `with:` inputs mapped through
//!    action.yml's own `env:` into action.yml's own `run:` step. Simulated: the checkout (a git
//!    clone, with the workflow's fetch depth), `setup-python` (the venv), the PostgreSQL
//!    service, the cache and the build (the built binary put on the PATH, as the install step
//!    does). An expression or a step the simulation does not know fails the test, so the
//!    README cannot drift away from what is run here.
//!
//! Needs the Django venv, PostgreSQL's binaries and pre-commit (scripts/install-test-deps.sh);
//! skipped loudly without them, failing under `CI`. No network: pip runs with `--no-index`
//! (the venv already holds the pinned requirements).

mod common;
mod pg;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::{TempDir, fenced_blocks, git, target_dir};

const TEST: &str = "tests/readme_django.rs";
const PR_FILE: &str = "shop/migrations/0042_add_sku.py";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The README from `heading` (a whole line) to the next heading of the same or a higher level.
fn section(readme: &str, heading: &str) -> String {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no {heading:?}"))
        + 1;
    let body = &readme[start + heading.len() + 1..];
    // The next heading outside a fenced block (where `# ` starts a comment).
    let mut offset = 0;
    let mut fenced = false;
    for line in body.lines() {
        fenced ^= line.starts_with("```");
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !fenced && (1..=level).contains(&hashes) && line[hashes..].starts_with(' ') {
            return body[..offset].to_string();
        }
        offset += line.len() + 1;
    }
    body.to_string()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The environment the steps run with: the workflow's job `env:` (the project's database),
/// the venv activated (as `source .venv/bin/activate` does) and the built pglint on the PATH
/// (as `cargo install --path .` leaves it).
struct World {
    venv: PathBuf,
    job_env: BTreeMap<String, String>,
    path: String,
}

impl World {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", &self.path)
            .env("HOME", dir)
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .envs(&self.job_env);
        cmd
    }
}

#[test]
fn the_readme_django_steps_work_as_written() {
    let venv = match std::env::var_os("PGLINT_DJANGO_VENV") {
        Some(venv) => PathBuf::from(venv),
        None => target_dir().join("django-venv"),
    };
    if !venv.join("bin/python").exists() {
        common::skip(TEST, &format!("no Django venv in {}", venv.display()));
        return;
    }
    let Some(bin) = pg::find_bin() else {
        common::skip(TEST, "no PostgreSQL server binaries (initdb, pg_ctl)");
        return;
    };
    let Some(pre_commit) = common::test_tool("precommit-venv/bin/pre-commit", TEST) else {
        return;
    };
    let server = pg::Server::start(&bin);
    let t = TempDir::new("readme-django");
    let workflow: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(repo().join("examples/github/migrations.yml")).unwrap(),
    )
    .unwrap();
    let world = World {
        job_env: job_env(&workflow, &server),
        path: format!(
            "{}:{}:{}",
            Path::new(env!("CARGO_BIN_EXE_pglint"))
                .parent()
                .unwrap()
                .display(),
            venv.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        venv,
    };

    let (upstream, clone) = users_repository(&t, &world);
    local_commands(&world, &clone);
    pre_commit_hook(&world, &t, &clone, &pre_commit);
    // The pull request: the migration committed on a branch pushed to the repository.
    git(&clone, &["add", PR_FILE]);
    git(
        &clone,
        &[
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "Add sku to order items",
        ],
    );
    git(&clone, &["push", "-q", "origin", "add-sku"]);
    github_workflow(&world, &t, &workflow, &upstream);

    // Nothing above migrated the database, or wrote to it.
    let tables: i64 = server
        .connect("postgres")
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the database was written to");
}

/// The workflow's job `env:`, the service's address replaced by the test server's (a unix
/// socket directory and a port); the rest as written, once checked against the service.
fn job_env(workflow: &Value, server: &pg::Server) -> BTreeMap<String, String> {
    let jobs = workflow["jobs"].as_object().unwrap();
    assert_eq!(jobs.len(), 1, "one job");
    let job = jobs.values().next().unwrap();
    let service = &job["services"]["postgres"];
    assert!(
        service["image"].as_str().unwrap().starts_with("postgres:"),
        "{service}"
    );
    let mut env: BTreeMap<String, String> = job["env"]
        .as_object()
        .expect("the job's env: the project's database")
        .iter()
        .map(|(k, v)| (k.clone(), scalar(v)))
        .collect();
    // What the service container offers: the image's default user and database, the password
    // it was given, the port it publishes on localhost.
    assert_eq!(env["DATABASE_HOST"], "localhost");
    assert_eq!(env["DATABASE_USER"], "postgres");
    assert_eq!(env["DATABASE_NAME"], "postgres");
    assert_eq!(
        env["DATABASE_PASSWORD"],
        scalar(&service["env"]["POSTGRES_PASSWORD"])
    );
    let ports = service["ports"].as_array().unwrap();
    assert_eq!(
        scalar(&ports[0]),
        format!("{0}:{0}", env["DATABASE_PORT"]),
        "the service publishes the port the settings use"
    );
    env.insert("DATABASE_HOST".into(), server.dir.display().to_string());
    env.insert("DATABASE_PORT".into(), server.port.to_string());
    env
}

/// A YAML scalar as GitHub passes it to an input or the environment.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other}"),
    }
}

/// The user's repository: `origin` (a bare repository) whose `main` is the project, and a
/// clone on the branch `add-sku` with the pull request's migration written, not yet added.
fn users_repository(t: &TempDir, world: &World) -> (PathBuf, PathBuf) {
    let fixture = repo().join("tests/fixtures/readme_django");
    let seed = t.path().join("seed");
    common::copy_dir(&fixture.join("project"), &seed);
    common::copy_dir(&repo().join("scripts/django/shop"), &seed.join("shop"));
    std::fs::copy(
        repo().join("scripts/django/requirements.txt"),
        seed.join("requirements.txt"),
    )
    .unwrap();
    git(&seed, &["init", "-q", "-b", "main"]);
    git(&seed, &["add", "."]);
    git(&seed, &["commit", "-q", "-m", "the project"]);
    let upstream = t.path().join("upstream.git");
    git(t.path(), &["clone", "-q", "--bare", "seed", "upstream.git"]);
    git(t.path(), &["clone", "-q", "upstream.git", "clone"]);
    let clone = t.path().join("clone");
    git(&clone, &["checkout", "-q", "-b", "add-sku"]);
    common::copy_dir(&fixture.join("pull_request"), &clone);
    // The venv where the user keeps it, for the pre-commit configuration's --python.
    std::os::unix::fs::symlink(&world.venv, clone.join(".venv")).unwrap();
    (upstream, clone)
}

/// What each command of the README's first `pglint django` block must do here (the pull
/// request's migration untracked, so changed since `HEAD` too): its exit code, whether only
/// the pull request's file is reported, and files it must report.
fn expected(command: &str) -> (i32, bool, &'static [&'static str]) {
    const PR: &[&str] = &[PR_FILE];
    const PROJECT: &[&str] = &[PR_FILE, "shop/migrations/0004_order_status_created_idx.py"];
    match command {
        "pglint django shop/migrations/0042_add_sku.py"
        | "pglint django --changed-since origin/main"
        | "pglint django shop/migrations/*.py --changed-since HEAD" => (1, true, PR),
        "pglint django" | "pglint django --app shop" | "pglint django --fresh-database" => {
            (1, false, PROJECT)
        }
        // The locks view exits 0 (it reports, it does not judge) and has no summary line:
        // checked below that it shows the pull request's file alone.
        "pglint django --locks shop/migrations/0042_add_sku.py" => (0, false, PR),
        other => panic!(
            "the README's pglint django block has a command this walkthrough does not know: \
             {other:?}; add what it must do to `expected`"
        ),
    }
}

fn local_commands(world: &World, clone: &Path) {
    let django = section(
        &readme(),
        "## `pglint django`: lint the migration files themselves",
    );
    let blocks = fenced_blocks(&django, "sh");
    let (_, block) = blocks
        .first()
        .expect("a sh block of pglint django commands");
    let mut run = 0;
    for line in block.lines() {
        // The command, without the comment that explains it.
        let command = line.split(" #").next().unwrap().trim();
        if command.is_empty() {
            continue;
        }
        run += 1;
        let (code, only_pr, reports) = expected(command);
        let out = world
            .command("bash", clone)
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", line])
            .env("VIRTUAL_ENV", &world.venv)
            .output()
            .unwrap();
        let report = text(&out);
        assert_eq!(out.status.code(), Some(code), "{command}:\n{report}");
        for file in reports {
            assert!(
                report.contains(file),
                "{command} does not report {file}:\n{report}"
            );
        }
        assert_eq!(
            report.trim_end().ends_with(" in 1 file"),
            only_pr,
            "{command}:\n{report}"
        );
        if command.contains("--locks") {
            assert!(
                report.starts_with(&format!("{PR_FILE}\nlines are those of the SQL that"))
                    && report.matches("prints\natomic").count() == 1,
                "{command}:\n{report}"
            );
        }
        if command.contains("--fresh-database") {
            // It says which database it made; the shop's 0009 (CREATE INDEX CONCURRENTLY in an
            // atomic migration, on purpose) fails to apply there as `migrate` would: a warning.
            assert!(
                report.contains("pglint django: note: rendered on the throwaway database")
                    && !report.contains("pglint django: error"),
                "{command}:\n{report}"
            );
        } else {
            assert!(!report.contains("pglint django: "), "{command}:\n{report}");
        }
    }
    assert_eq!(run, 7, "{block}");
}

/// The README's `.pre-commit-config.yaml` (its first pre-commit block, with the Django hook of
/// the second appended to the same `hooks:` list) made runnable against a local copy of the
/// hooks, each hook replaced by its `-system` twin.
fn pre_commit_hook(world: &World, t: &TempDir, clone: &Path, pre_commit: &Path) {
    let pre = section(&readme(), "### pre-commit");
    let blocks = fenced_blocks(&pre, "yaml");
    let [(_, config), (_, django), ..] = &blocks[..] else {
        panic!("the README's pre-commit section has two yaml blocks");
    };
    let hooks = t.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        repo().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", "."]);
    git(&hooks, &["commit", "-q", "-m", "hooks"]);
    let rev = git(&hooks, &["rev-parse", "HEAD"]);
    let mut config = format!("{config}{django}");
    for (from, to) in [
        (
            "repo: https://github.com/pglint/pglint\n".to_string(),
            format!("repo: {}\n", hooks.display()),
        ),
        ("rev: <commit SHA or tag>\n".into(), format!("rev: {rev}\n")),
        ("- id: pglint\n".into(), "- id: pglint-system\n".into()),
        (
            "- id: pglint-django\n".into(),
            "- id: pglint-django-system\n".into(),
        ),
    ] {
        assert!(config.contains(&from), "{from:?} not in {config}");
        config = config.replace(&from, &to);
    }
    // Untracked: pre-commit reads it from the work tree.
    std::fs::write(clone.join(".pre-commit-config.yaml"), config).unwrap();
    git(clone, &["add", PR_FILE]);
    let out = world
        .command(pre_commit, clone)
        .arg("run")
        .env("PRE_COMMIT_HOME", t.path().join("pre-commit-home"))
        .output()
        .unwrap();
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("pglint django (installed)")
            && report.contains("Failed")
            && report.contains(PR_FILE)
            && report.contains("in 1 file"),
        "{report}"
    );
    std::fs::remove_file(clone.join(".pre-commit-config.yaml")).unwrap();
}

/// The values `${{ … }}` may take in the workflow and in action.yml; any other expression
/// fails the test.
struct Expressions {
    base_sha: String,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    inputs: BTreeMap<String, String>,
}

impl Expressions {
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("an unclosed expression") + start;
            let expr = rest[start + 3..end].trim();
            out.push_str(&self.value(expr));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, expr: &str) -> String {
        if expr == "github.event.pull_request.base.sha" {
            return self.base_sha.clone();
        }
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self.inputs.get(name).cloned().unwrap_or_else(|| {
                panic!("${{{{ {expr} }}}}: no such input");
            });
        }
        let parts: Vec<&str> = expr.split('.').collect();
        if let ["steps", id, "outputs", name] = parts[..] {
            return self
                .steps
                .get(id)
                .and_then(|outputs| outputs.get(name))
                .cloned()
                .unwrap_or_else(|| panic!("${{{{ {expr} }}}}: no such step output"));
        }
        panic!("the walkthrough does not know the expression ${{{{ {expr} }}}}");
    }
}

/// The outcome of the action's run step.
struct ActionRun {
    code: i32,
    log: String,
    summary: String,
    output: String,
}

fn github_workflow(world: &World, t: &TempDir, workflow: &Value, upstream: &Path) {
    let base_sha = git(upstream, &["rev-parse", "main"]);
    let runner = t.path().join("runner");
    std::fs::create_dir_all(&runner).unwrap();
    let workspace = runner.join("work");
    let mut exprs = Expressions {
        base_sha,
        steps: BTreeMap::new(),
        inputs: BTreeMap::new(),
    };
    let job = workflow["jobs"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let mut path = std::env::var("PATH").unwrap_or_default();
    let mut action = None;
    for step in job["steps"].as_array().unwrap() {
        let with = |key: &str| step["with"].get(key).map(scalar);
        if let Some(run) = step["run"].as_str() {
            let mut cmd = world.command("bash", &workspace);
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                .arg(exprs.expand(run))
                .env("PATH", &path)
                // The runner has no network here; the venv holds the pinned requirements.
                .env("PIP_NO_INDEX", "1")
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                cmd.env(k, exprs.expand(&scalar(v)));
            }
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{run}:\n{}", text(&out));
            continue;
        }
        let uses = step["uses"].as_str().expect("a step runs or uses");
        let (name, _) = uses.split_once('@').unwrap();
        match name {
            "actions/checkout" => {
                // fetch-depth 0 is the whole history; any other depth is a shallow clone, in
                // which the base commit is missing.
                let depth = with("fetch-depth").unwrap_or_else(|| "1".into());
                let url = format!("file://{}", upstream.display());
                let mut args = vec!["clone", "-q", "--branch", "add-sku"];
                if depth != "0" {
                    args.extend(["--depth", depth.as_str()]);
                }
                args.extend([url.as_str(), "work"]);
                git(&runner, &args);
            }
            "actions/setup-python" => {
                // Its python on the PATH, and its path as the `python-path` output.
                path = format!("{}:{path}", world.venv.join("bin").display());
                if let Some(id) = step["id"].as_str() {
                    exprs.steps.entry(id.into()).or_default().insert(
                        "python-path".into(),
                        world.venv.join("bin/python").display().to_string(),
                    );
                }
            }
            "pglint/pglint" => {
                let inputs: BTreeMap<String, String> = step["with"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), exprs.expand(&scalar(v))))
                    .collect();
                action = Some(run_action(
                    world, &runner, &workspace, &path, &exprs, inputs,
                ));
            }
            other => panic!("the walkthrough does not simulate {other}"),
        }
    }
    let run = action.expect("the workflow uses pglint");
    // The step fails on the pull request's warnings (fail-on defaults to warning), with every
    // annotation on its migration's .py, at the line of its AddField.
    assert_eq!(run.code, 1, "{}", run.log);
    let text = std::fs::read_to_string(workspace.join(PR_FILE)).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("migrations.AddField("))
        .unwrap()
        + 1;
    let annotations: Vec<&str> = run.log.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!annotations.is_empty(), "{}", run.log);
    for a in &annotations {
        assert!(
            a.contains(&format!(" file={PR_FILE},line={line},")),
            "{a}\n{}",
            run.log
        );
    }
    assert!(
        run.log.contains(&format!(
            "::warning file={PR_FILE},line={line},endLine={line},title=pglint(access-exclusive-then-slow)::"
        )) && run.log.contains(" in 1 file\n"),
        "{}",
        run.log
    );
    assert!(
        run.summary.contains(&format!("### `{PR_FILE}`")),
        "{}",
        run.summary
    );
    assert_eq!(run.output, "exit-code=1\n");
}

/// action.yml's steps with the workflow's `with:`: the cache skipped, the install step's effect
/// (the built pglint on the PATH) instead of a `cargo install`, every other step run as
/// written, with the environment action.yml maps the inputs to.
fn run_action(
    world: &World,
    runner: &Path,
    workspace: &Path,
    path: &str,
    exprs: &Expressions,
    with: BTreeMap<String, String>,
) -> ActionRun {
    let action: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(repo().join("action.yml")).unwrap())
            .unwrap();
    let declared = action["inputs"].as_object().unwrap();
    for name in with.keys() {
        assert!(
            declared.contains_key(name),
            "action.yml has no input {name}"
        );
    }
    let inputs = declared
        .iter()
        .map(|(name, input)| {
            let value = with
                .get(name)
                .cloned()
                .unwrap_or_else(|| scalar(&input["default"]));
            (name.clone(), value)
        })
        .collect();
    let exprs = Expressions {
        base_sha: exprs.base_sha.clone(),
        steps: BTreeMap::new(),
        inputs,
    };
    let summary = runner.join("step_summary.md");
    let output = runner.join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&output, "").unwrap();
    let mut path = path.to_string();
    let mut result = None;
    for step in action["runs"]["steps"].as_array().unwrap() {
        if step["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/cache@"))
        {
            continue;
        }
        let run = step["run"].as_str().expect("a run step");
        if run.contains("github-action-install.sh") {
            // Its effect: pglint on the PATH (it appends its bin folder to $GITHUB_PATH).
            let built = Path::new(env!("CARGO_BIN_EXE_pglint")).parent().unwrap();
            path = format!("{}:{path}", built.display());
            continue;
        }
        let mut cmd = world.command("bash", workspace);
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", run])
            .env("PATH", &path)
            .env("GITHUB_ACTION_PATH", repo())
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output);
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            cmd.env(k, exprs.expand(&scalar(v)));
        }
        let out = cmd.output().unwrap();
        assert!(result.is_none(), "one run step lints");
        result = Some(ActionRun {
            code: out.status.code().unwrap_or(-1),
            log: text(&out),
            summary: std::fs::read_to_string(&summary).unwrap(),
            output: std::fs::read_to_string(&output).unwrap(),
        });
    }
    result.expect("action.yml runs pglint")
}
