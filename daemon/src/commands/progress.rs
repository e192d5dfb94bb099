//! Progress for long work, on a terminal only: off a terminal (a pipe, a file, the
//! journal) nothing is drawn, so logs and scripts see only the result lines.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner with the elapsed time, for work of unknown length (compiling a contract);
/// `None` off a terminal. Cleared when dropped.
pub fn spinner(message: String) -> Option<Spinner> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner().with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(Spinner(bar))
}

/// A running spinner; it disappears from the terminal when dropped.
pub struct Spinner(ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
