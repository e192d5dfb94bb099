//! A task's standard streams: host-side readers and writers, so output streams out as the
//! guest writes it (each write is flushed) and input is read as the guest asks. Output is
//! capped per stream: past the cap a write fails with `FBIG` and the task fails with
//! `OutputLimitExceeded`.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
}

impl Stdio {
    /// Streams over the host's reader and writers, each output capped at `cap` bytes.
    pub fn new(
        stdin: Box<dyn Read + Send>,
        stdout: Box<dyn Write + Send>,
        stderr: Box<dyn Write + Send>,
        cap: u64,
    ) -> Self {
        let out = |sink| Mutex::new(Output { sink, written: 0 });
        Stdio {
            stdin: Mutex::new(stdin),
            stdout: out(stdout),
            stderr: out(stderr),
            cap,
            cap_hit: AtomicBool::new(false),
        }
    }

    /// Reads from stdin, blocking until some bytes or the end (0) come.
    pub fn read(&self, buf: &mut [u8]) -> FsResult<usize> {
        let mut input = self.stdin.lock();
        loop {
            match input.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return r.map_err(Errno::from),
            }
        }
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
        out.sink.write_all(data).map_err(Errno::from)?;
        out.sink.flush().map_err(Errno::from)?;
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
}
