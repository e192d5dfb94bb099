//! A task's standard streams: host-side readers and writers, so output streams out as the
//! guest writes it (each write is flushed) and input is read as the guest asks. Output is
//! capped per stream: past the cap a write fails with `FBIG` and the task fails with
//! `OutputLimitExceeded`.
//!
//! The guest always sees blocking streams: when the host side is a non-blocking pipe or
//! socket (`WouldBlock`), the call waits and retries, until the task's deadline (then it
//! answers `AGAIN`, and the timeout ends the task as soon as the guest runs again).

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::errno::{Errno, FsResult};

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    /// fd 1, `/dev/stdout`.
    Stdout,
    /// fd 2, `/dev/stderr`.
    Stderr,
}

struct Output {
    sink: Box<dyn Write + Send>,
    written: u64,
}

/// The task's stdin, stdout and stderr.
pub struct Stdio {
    stdin: Mutex<Box<dyn Read + Send>>,
    stdout: Mutex<Output>,
    stderr: Mutex<Output>,
    cap: u64,
    cap_hit: AtomicBool,
    deadline: Instant,
}

/// How long a blocked stream waits before trying again.
const RETRY: Duration = Duration::from_millis(1);

/// Runs `op` until it neither is interrupted nor would block, or `deadline` passes.
fn blocking<T>(deadline: Instant, mut op: impl FnMut() -> std::io::Result<T>) -> FsResult<T> {
    loop {
        match op() {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(Errno::AGAIN);
                }
                std::thread::sleep(RETRY);
            }
            r => return r.map_err(Errno::from),
        }
    }
}

impl Stdio {
    /// Streams over the host's reader and writers, each output capped at `cap` bytes,
    /// waiting on a blocked host stream until `deadline` at most.
    pub fn new(
        stdin: Box<dyn Read + Send>,
        stdout: Box<dyn Write + Send>,
        stderr: Box<dyn Write + Send>,
        cap: u64,
        deadline: Instant,
    ) -> Self {
        let out = |sink| Mutex::new(Output { sink, written: 0 });
        Stdio {
            stdin: Mutex::new(stdin),
            stdout: out(stdout),
            stderr: out(stderr),
            cap,
            cap_hit: AtomicBool::new(false),
            deadline,
        }
    }

    /// Reads from stdin, blocking until some bytes or the end (0) come.
    pub fn read(&self, buf: &mut [u8]) -> FsResult<usize> {
        let mut input = self.stdin.lock();
        blocking(self.deadline, || input.read(buf))
    }

    /// Writes all of `data` to `stream` and flushes it.
    pub fn write(&self, stream: OutputStream, data: &[u8]) -> FsResult<usize> {
        let mut out = match stream {
            OutputStream::Stdout => self.stdout.lock(),
            OutputStream::Stderr => self.stderr.lock(),
        };
        if out.written.saturating_add(data.len() as u64) > self.cap {
            self.cap_hit.store(true, Ordering::Relaxed);
            return Err(Errno::FBIG);
        }
        let mut done = 0;
        while done < data.len() {
            done += blocking(self.deadline, || out.sink.write(&data[done..]))?;
        }
        blocking(self.deadline, || out.sink.flush())?;
        out.written += data.len() as u64;
        Ok(data.len())
    }

    /// Whether a write was refused for the cap.
    pub fn cap_hit(&self) -> bool {
        self.cap_hit.load(Ordering::Relaxed)
    }

    /// Flushes both outputs (at the task's end).
    pub fn flush(&self) {
        let _ = self.stdout.lock().sink.flush();
        let _ = self.stderr.lock().sink.flush();
    }
}

/// A writer into shared memory, to capture a task's output (tests, `--json`).
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// An empty capture.
    pub fn new() -> Self {
        Capture::default()
    }

    /// What was written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().clone()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_capped_per_stream() {
        let (out, err) = (Capture::new(), Capture::new());
        let io = Stdio::new(
            Box::new(&b"in"[..]),
            Box::new(out.clone()),
            Box::new(err.clone()),
            4,
            Instant::now(),
        );
        assert_eq!(io.write(OutputStream::Stdout, b"abc"), Ok(3));
        assert_eq!(io.write(OutputStream::Stdout, b"de"), Err(Errno::FBIG));
        assert!(io.cap_hit());
        assert_eq!(io.write(OutputStream::Stderr, b"wxyz"), Ok(4));
        assert_eq!(
            (out.bytes(), err.bytes()),
            (b"abc".to_vec(), b"wxyz".to_vec())
        );
        let mut buf = [0u8; 8];
        assert_eq!(io.read(&mut buf), Ok(2));
        assert_eq!(io.read(&mut buf), Ok(0));
    }

    /// A reader that would block `waits` times before answering.
    struct Shy {
        waits: usize,
        data: &'static [u8],
    }

    impl Read for Shy {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.waits > 0 {
                self.waits -= 1;
                return Err(ErrorKind::WouldBlock.into());
            }
            let n = self.data.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_non_blocking_host_side_looks_blocking_until_the_deadline() {
        let io = |shy, deadline| {
            let (out, err) = (Box::new(Capture::new()), Box::new(Capture::new()));
            Stdio::new(Box::new(shy), out, err, 9, deadline)
        };
        let mut buf = [0u8; 8];
        let later = Instant::now() + Duration::from_secs(60);
        let waits = io(
            Shy {
                waits: 3,
                data: b"late",
            },
            later,
        );
        assert_eq!(waits.read(&mut buf), Ok(4));
        let stuck = io(
            Shy {
                waits: usize::MAX,
                data: b"",
            },
            Instant::now(),
        );
        assert_eq!(stuck.read(&mut buf), Err(Errno::AGAIN));
    }
}
