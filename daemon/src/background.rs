//! `outlayerd mount --background`: the caller returns once the mount is live, or with the
//! daemon's error if it fails before that; the daemon goes on in a session of its own.
//!
//! The fork comes first, before any thread exists (the store, FUSE and tokio start
//! threads), and the child reports over a pipe: `ready`, or the error. A child that dies
//! without a word closes the pipe, which the caller reports too.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::AsRawFd as _;

use anyhow::{bail, Context as _};
use nix::unistd::ForkResult;

/// What `serve` calls once the mount is live.
pub type OnReady<'a> = &'a mut dyn FnMut(&str);

/// Runs `serve` in a detached child; returns when it called its ready callback (`Ok`) or
/// failed before (its error). Paths `serve` uses must be absolute: the child leaves the
/// working directory (so it keeps no directory busy).
pub fn detach(serve: impl FnOnce(OnReady) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let (read_end, write_end) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("creating a pipe")?;
    // SAFETY: no other thread exists yet (see the module comment), so the child may run
    // any code, not only async-signal-safe functions.
    match unsafe { nix::unistd::fork() }.context("fork")? {
        ForkResult::Parent { child } => {
            drop(write_end);
            let mut report = String::new();
            File::from(read_end)
                .read_to_string(&mut report)
                .context("reading the daemon's report")?;
            if report == "ready" {
                return Ok(());
            }
            // It failed and exits (or has exited): reap it.
            let _ = nix::sys::wait::waitpid(child, None);
            if report.is_empty() {
                bail!("the daemon exited before the mount was live");
            }
            bail!("{report}")
        }
        ForkResult::Child => {
            drop(read_end);
            let code = run_child(File::from(write_end), serve);
            std::process::exit(code)
        }
    }
}

fn run_child(report: File, serve: impl FnOnce(OnReady) -> anyhow::Result<()>) -> i32 {
    let report = RefCell::new(Some(report));
    if let Err(e) = leave_the_caller() {
        send(&report, &format!("{e:#}"));
        return 1;
    }
    let result = serve(&mut |_status| {
        send(&report, "ready");
        quiet_stderr();
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            let message = format!("{e:#}").replace('\n', " ");
            if report.borrow().is_some() {
                send(&report, &message);
            } else {
                tracing::error!("{message}");
            }
            1
        }
    }
}

/// Writes the one report, closing the pipe.
fn send(report: &RefCell<Option<File>>, message: &str) {
    if let Some(mut pipe) = report.borrow_mut().take() {
        let _ = pipe.write_all(message.as_bytes());
    }
}

/// A session of its own (no signals from the caller's terminal), `/` as the working
/// directory, stdin and stdout on /dev/null.
fn leave_the_caller() -> anyhow::Result<()> {
    nix::unistd::setsid().context("setsid")?;
    std::env::set_current_dir("/").context("chdir /")?;
    let null = File::options().read(true).write(true).open("/dev/null")?;
    for fd in [libc::STDIN_FILENO, libc::STDOUT_FILENO] {
        // SAFETY: dup2 onto a standard descriptor this process owns.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } < 0 {
            return Err(std::io::Error::last_os_error()).context("redirecting to /dev/null");
        }
    }
    Ok(())
}

/// Once detached, log lines go to the journal when stderr is one (a mount run by systemd),
/// and nowhere otherwise: the caller's terminal is not the daemon's.
fn quiet_stderr() {
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        return;
    }
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // SAFETY: as above.
        unsafe { libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO) };
    }
}
