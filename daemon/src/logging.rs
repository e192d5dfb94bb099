//! Log set-up: what to log (`--log-level`, `OUTLAYER_LOG`, `RUST_LOG`) and how (`text` or
//! `json`), on stderr. Colours only on a terminal; under journald (`JOURNAL_STREAM`) no
//! colours and no timestamps, which the journal records itself.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// The filter when neither `--log-level`/`OUTLAYER_LOG` nor `RUST_LOG` says otherwise.
pub const DEFAULT_FILTER: &str = "info,fuser=error";

/// Where log lines go, which decides how they look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sink {
    /// stderr is a terminal.
    pub terminal: bool,
    /// stderr is the journal (systemd set `JOURNAL_STREAM`).
    pub journal: bool,
    /// The user asked for no colours (`NO_COLOR`).
    pub no_color: bool,
}

impl Sink {
    /// This process's stderr.
    pub fn stderr() -> Self {
        Sink {
            terminal: std::io::stderr().is_terminal(),
            journal: std::env::var_os("JOURNAL_STREAM").is_some(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }

    /// Colours: only for a person at a terminal.
    pub fn ansi(self) -> bool {
        self.terminal && !self.journal && !self.no_color
    }
}

/// The filter: `level` (the flag or `OUTLAYER_LOG`), else `RUST_LOG`, else the default.
pub fn filter(level: Option<&str>) -> Result<EnvFilter, String> {
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let spec = level
        .map(str::to_owned)
        .or(rust_log)
        .unwrap_or_else(|| DEFAULT_FILTER.to_owned());
    EnvFilter::try_new(&spec).map_err(|e| format!("invalid log filter {spec:?}: {e}"))
}

/// Installs the global subscriber; an invalid filter is an error for the caller to report.
pub fn init(level: Option<&str>, format: LogFormat) -> Result<(), String> {
    let filter = filter(level)?;
    let sink = Sink::stderr();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(sink.ansi());
    let installed = match (format, sink.journal) {
        (LogFormat::Json, _) => builder.json().try_init(),
        (LogFormat::Text, true) => builder.without_time().try_init(),
        (LogFormat::Text, false) => builder.try_init(),
    };
    installed.map_err(|e| format!("cannot set up logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_on_a_terminal_outside_the_journal() {
        let tty = Sink {
            terminal: true,
            journal: false,
            no_color: false,
        };
        assert!(tty.ansi());
        assert!(!Sink {
            terminal: false,
            ..tty
        }
        .ansi());
        assert!(!Sink {
            journal: true,
            ..tty
        }
        .ansi());
        assert!(!Sink {
            no_color: true,
            ..tty
        }
        .ansi());
    }

    #[test]
    fn a_bad_filter_is_an_error_naming_it() {
        let e = filter(Some("info,=[")).expect_err("not a filter");
        assert!(e.contains("info,=["), "{e}");
        assert!(filter(Some("debug")).is_ok());
        assert!(filter(Some("info,outlayer_fs=trace")).is_ok());
    }
}
