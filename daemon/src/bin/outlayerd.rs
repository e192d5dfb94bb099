//! The `outlayerd` binary: parse arguments, set up logging, run.

use std::process::ExitCode;

use clap::Parser;
use outlayerd::fstab;

/// A clap error on one line: the message and its details, without usage and hints.
fn one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.trim_start_matches("error: "));
        }
    }
    parts.join(" ")
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Started as mount(8)'s helper (`mount -t fuse.outlayerd`, /etc/fstab).
    let helper = args.first().is_some_and(|a| fstab::invoked_as_helper(a));
    if helper {
        match fstab::translate(&args[1..]) {
            Ok(fstab::HelperCall::Mount(translated)) => args = translated,
            Ok(fstab::HelperCall::Fake) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{}: {e}", fstab::HELPER_NAME);
                return ExitCode::from(1);
            }
        }
    }
    let cli = match outlayerd::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: print as clap does.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("outlayerd: {}", one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    if let Err(e) = outlayerd::logging::init(cli.log_level.as_deref(), cli.log_format) {
        eprintln!("outlayerd: {e}");
        return ExitCode::from(2);
    }
    let status = outlayerd::run(cli);
    if helper && status != ExitCode::SUCCESS {
        // mount(8)'s status for "mount failure".
        return ExitCode::from(32);
    }
    status
}
