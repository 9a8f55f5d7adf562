//! A private PostgreSQL server for the lock-fact tests: initdb into a fresh temp dir, a unix
//! socket in that dir (no TCP), fsync off; stopped and removed when dropped.
#![allow(dead_code)]

pub mod rules;

use std::path::{Path, PathBuf};
use std::process::Command;

use postgres::{Client, NoTls};

/// The `bin` directory of the newest PostgreSQL under `/usr/lib/postgresql/*/bin` (Debian's
/// layout), or of `initdb` on PATH.
pub fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
}

/// The build's target directory (`CARGO_TARGET_DIR`, else the one holding this test binary).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(t) if t.is_absolute() => t,
        Some(t) => Path::new(env!("CARGO_MANIFEST_DIR")).join(t),
        // target/debug/deps/lock_facts-HASH
        None => std::env::current_exe()
            .ok()
            .and_then(|e| e.ancestors().nth(3).map(Path::to_path_buf))
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target")),
    }
}

/// The majors pglint claims: the lock-fact suite runs on each.
pub const MAJORS: std::ops::RangeInclusive<u32> = 12..=18;

/// The `bin` directory of the server of each major in [`MAJORS`] that
/// scripts/install-pg-servers.sh installed (`PGLINT_PG_SERVERS`, else
/// `<target>/pg-servers/MAJOR/bin`), in order.
pub fn installed_majors() -> Vec<(u32, PathBuf)> {
    let dir = std::env::var_os("PGLINT_PG_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("pg-servers"));
    MAJORS
        .filter_map(|major| {
            let bin = dir.join(major.to_string()).join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((major, bin))
        })
        .collect()
}

pub struct Server {
    bin: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Server {
    pub fn start(bin: &Path) -> Server {
        // One directory per server: a run may start several at once (one per major).
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("pglint-lock-facts-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // initdb refuses to run as root: run the server as the `postgres` user.
        let as_postgres = is_root();
        let port = free_port();
        let server = Server {
            bin: bin.to_path_buf(),
            dir,
            port,
            as_postgres,
        };
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&server.dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown of {} to postgres failed", server.dir.display());
        }
        let data = server.dir.join("data");
        let out = server
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync")
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let opts = format!(
            "-c listen_addresses='' -k {} -p {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200 -c TimeZone=UTC \
             -c autovacuum=off -c shared_buffers=32MB",
            server.dir.display(),
            port
        );
        let out = server
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "60", "-o", &opts, "-l"])
            .arg(server.dir.join("server.log"))
            .arg("start")
            .output()
            .expect("run pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(server.dir.join("server.log")).unwrap_or_default()
        );
        server
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    pub fn connect(&self, db: &str) -> Client {
        let conf = format!(
            "host={} port={} user=postgres dbname={db} application_name=lock_facts",
            self.dir.display(),
            self.port
        );
        let mut last = None;
        for _ in 0..50 {
            match Client::connect(&conf, NoTls) {
                Ok(c) => return c,
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
        panic!("cannot connect to {db}: {last:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port number for the socket file name: free on localhost, so it clashes with nothing.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}
