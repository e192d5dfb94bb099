//! outlayerd: the daemon and its CLI. `run` is `main` as a library, so tests can drive it.
//!
//! `api` is the request API every front end shares; `commands` is the CLI's use of it,
//! `control` the daemon's socket for it, `http` the web console over it. `mount` and `serve` start the daemon (`daemon`).

pub mod api;
pub mod background;
pub mod cli;
pub mod cli_docs;
pub mod commands;
pub mod config;
pub mod control;
pub mod daemon;
pub mod fstab;
pub mod http;
pub mod logging;
pub mod mount;
pub mod ninep;
pub mod serve;
pub mod service;

use std::process::ExitCode;

use api::ApiError;
use cli::{Cli, Command};

/// Bad input from the command line: reported on one line, exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs one command; returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(config::default_data_dir);
    let result = match &cli.command {
        Command::Mount(args) => mount::run(&data_dir, args).map_err(from_anyhow),
        Command::Serve(args) => serve::run(&data_dir, args).map_err(from_anyhow),
        Command::Umount(args) => mount::unmount(args).map_err(from_anyhow),
        Command::Completions { shell } => cli_docs::completions(*shell).map_err(from_anyhow),
        Command::Man => cli_docs::man().map_err(from_anyhow),
        Command::State(cmd) => commands::state::run(&data_dir, cmd),
        Command::Deploy { account, file } => commands::deploy::run(&data_dir, account, file),
        Command::Call(args) => commands::call::run(&data_dir, args),
        Command::Compare(args) => commands::compare::run(&data_dir, args),
        Command::Stats { json } => commands::stats::run(&data_dir, *json),
        Command::Run(args) => match commands::run::run(&data_dir, args) {
            Ok(status) => return status,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("outlayerd: {}", e.message);
            }
            ExitCode::from(e.exit_code)
        }
    }
}

/// A daemon start-up error: usage errors exit 2, everything else 1, on one line.
fn from_anyhow(e: anyhow::Error) -> ApiError {
    let message = format!("{e:#}").replace('\n', " ");
    if e.downcast_ref::<UsageError>().is_some() {
        ApiError::invalid(message)
    } else {
        ApiError::failed(message)
    }
}
