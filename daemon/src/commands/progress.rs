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

/// A bar of bytes done for work of `total` bytes (a spinner when the size is unknown), or a
/// hidden one off a terminal or when `total` is under `from` (too quick to be worth one).
pub fn bytes(label: &str, total: Option<u64>, from: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total.is_some_and(|s| s < from) {
        return ProgressBar::hidden();
    }
    match total {
        Some(size) => ProgressBar::new(size).with_style(
            ProgressStyle::with_template(&format!(
                "{label} {{bytes}}/{{total_bytes}} [{{wide_bar}}] {{msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&format!("{label} {{spinner}} {{bytes}} {{msg}}"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}
