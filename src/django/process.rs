//! Running the helper process: the request on its stdin, the answer on a pipe of pglint's own
//! (fd [`ANSWER_FD`] in the child), its stdout and stderr kept together for error messages, and
//! a deadline after which it is killed.
//!
//! Why not the answer on stdout: the helper runs the project's code (settings, `ready()`,
//! `atexit` handlers, C extensions) in its own process, and whatever that prints reaches fd 1
//! whatever the helper does with `sys.stdout`. Nothing in the child opens fd 3 but the helper,
//! which takes its number from the environment (and removes it before importing the project),
//! makes it non-inheritable and closes it once the answer is written: project code can only
//! write there on purpose. A temporary file would do as well, but needs a private directory
//! made and removed on every path, the timeout's included; a pipe disappears with the process.
//!
//! Every pipe is read (or written) by a thread of its own from before the child starts, so a
//! chatty project cannot fill one and block while pglint waits on another.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The answer pipe's number in the child.
pub const ANSWER_FD: RawFd = 3;
/// The environment variable that tells the helper [`ANSWER_FD`].
pub const ANSWER_FD_ENV: &str = "PGLINT_ANSWER_FD";

/// How much of the end of the child's output is kept (the error messages show its last lines).
const TAIL_BYTES: usize = 64 * 1024;
/// How long the pipes may take to reach end of file once the child is gone: a process it
/// started may still hold them.
const GRACE: Duration = Duration::from_secs(1);
/// How long the child has, after SIGTERM at the deadline, to clean up before it is killed: the
/// helper drops its throwaway database (`--fresh-database`) then.
const TERM_GRACE: Duration = Duration::from_secs(10);
/// How often the child is polled for having exited (std has no wait with a timeout).
const POLL: Duration = Duration::from_millis(20);

/// How the child ended.
#[derive(Debug)]
pub struct Ran {
    /// `None`: still running at the deadline, and killed.
    pub status: Option<ExitStatus>,
    /// All it wrote on the answer pipe; `None` when the pipe failed or did not reach end of file
    /// by the deadline (or the child was killed).
    pub answer: Option<Vec<u8>>,
    /// The end of its stdout and stderr, interleaved as written.
    pub output: Vec<u8>,
}

/// Runs `cmd` (its stdio is replaced) with `input` on stdin, within `timeout`.
pub fn run(mut cmd: Command, input: Vec<u8>, timeout: Duration) -> io::Result<Ran> {
    let (stdin_r, mut stdin_w) = io::pipe()?;
    let (mut answer_r, answer_w) = io::pipe()?;
    let (output_r, output_w) = io::pipe()?;
    cmd.stdin(stdin_r)
        .stdout(output_w.try_clone()?)
        .stderr(output_w)
        .env(ANSWER_FD_ENV, ANSWER_FD.to_string());
    let fd = answer_w.as_raw_fd();
    // SAFETY: runs in the forked child before exec and only calls dup2 / fcntl, which are
    // async-signal-safe, on a descriptor open in the child (std's pipes are close-on-exec, so
    // it is inherited only through this copy).
    unsafe {
        cmd.pre_exec(move || pass_fd(fd, ANSWER_FD));
    }

    // The threads start before the child: if one cannot, nothing is left running. Each ends at
    // end of file (or a broken pipe), which comes once the parent's copies below are dropped.
    let (answer_tx, answer_rx) = mpsc::channel();
    spawn(move || {
        let mut bytes = Vec::new();
        let _ = answer_tx.send(answer_r.read_to_end(&mut bytes).ok().map(|_| bytes));
    })?;
    let tail = Arc::new(Mutex::new(Vec::new()));
    let (output_tx, output_rx) = mpsc::channel();
    let kept = Arc::clone(&tail);
    spawn(move || {
        keep_tail(output_r, &kept);
        let _ = output_tx.send(());
    })?;
    spawn(move || {
        let _ = stdin_w.write_all(&input);
    })?;

    let spawned = cmd.spawn();
    // The parent's write ends: while open, the readers would never see end of file.
    drop(cmd);
    drop(answer_w);
    let mut child = spawned?;

    // Durations, not an Instant plus the timeout: any number of seconds is accepted.
    let start = Instant::now();
    let left = || timeout.saturating_sub(start.elapsed());
    let status = loop {
        let waited = child.try_wait();
        if let Ok(Some(status)) = waited {
            break Some(status);
        }
        if waited.is_err() {
            let _ = child.kill();
            let _ = child.wait();
            waited?;
            break None;
        }
        if left().is_zero() {
            stop(&mut child);
            break None;
        }
        thread::sleep(POLL.min(left()));
    };
    // A killed helper's answer is not read: it may be cut short.
    let answer = match status {
        Some(_) => answer_rx.recv_timeout(left().max(GRACE)).ok().flatten(),
        None => None,
    };
    let _ = output_rx.recv_timeout(GRACE);
    let output = tail.lock().map(|t| t.clone()).unwrap_or_default();
    Ok(Ran {
        status,
        answer,
        output,
    })
}

/// Ends the child at the deadline: SIGTERM (the helper's handler unwinds to its cleanup; with
/// none, it ends at once), then SIGKILL after [`TERM_GRACE`].
fn stop(child: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a plain system call; the child has not been waited for, so its pid is still
        // its own.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let start = Instant::now();
        while start.elapsed() < TERM_GRACE {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(POLL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn spawn(f: impl FnOnce() + Send + 'static) -> io::Result<()> {
    thread::Builder::new().spawn(f).map(drop)
}

/// Makes `fd` the child's `to`, inherited through exec. dup2 onto another number makes a copy
/// without close-on-exec; a pipe that already has that number keeps its flag, so it is cleared.
fn pass_fd(fd: RawFd, to: RawFd) -> io::Result<()> {
    // SAFETY: plain system calls on descriptor numbers; no memory is touched.
    let r = unsafe {
        if fd == to {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, to)
        }
    };
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Reads `from` to its end, keeping at least the last [`TAIL_BYTES`] in `tail`.
fn keep_tail(mut from: impl Read, tail: &Mutex<Vec<u8>>) {
    let mut chunk = [0u8; 8192];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let Ok(mut tail) = tail.lock() else { return };
        tail.extend_from_slice(&chunk[..n]);
        // Cut in big steps, not on every chunk.
        if tail.len() > 2 * TAIL_BYTES {
            let cut = tail.len() - TAIL_BYTES;
            tail.drain(..cut);
        }
    }
}
