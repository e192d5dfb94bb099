//! outlayerd: the daemon and its CLI. `run` is `main` as a library, so tests can drive it.

pub mod cli;
pub mod config;
pub mod control;
pub mod exec_ops;
pub mod mount;
pub mod ninep;
pub mod state_ops;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine as _;
use outlayer_fs::store::Store;

use cli::{Cli, Command, Format, KeyArgs, StateCommand};
use control::client::ControlClient;
use control::protocol::{ErrorReply, Request};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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
        Command::Serve(args) => mount::serve(&data_dir, args).map_err(from_anyhow),
        Command::Umount { mountpoint } => mount::umount(mountpoint).map_err(from_anyhow),
        Command::State(cmd) => state(&data_dir, cmd),
        Command::Deploy { account, file } => deploy(&data_dir, account, file),
        Command::Call(args) => call(&data_dir, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.message.is_empty() {
                return ExitCode::from(e.exit_code);
            }
            eprintln!("outlayerd: {}", e.message);
            ExitCode::from(e.exit_code)
        }
    }
}

fn from_anyhow(e: anyhow::Error) -> ErrorReply {
    let exit_code = if e.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    };
    let message = format!("{e:#}").replace('\n', " ");
    ErrorReply {
        kind: "failed".into(),
        message,
        exit_code,
    }
}

fn usage(message: String) -> ErrorReply {
    ErrorReply {
        kind: "invalid_input".into(),
        message,
        exit_code: 2,
    }
}

/// Where `state` commands go: the daemon holding the data dir, or the store itself.
enum Target {
    Daemon(ControlClient),
    Embedded(std::sync::Arc<Store>),
}

impl Target {
    fn open(data_dir: &Path) -> Result<Self, ErrorReply> {
        if let Some(c) = ControlClient::connect(&config::control_socket(data_dir)) {
            return Ok(Target::Daemon(c));
        }
        Store::open(data_dir)
            .map(|s| Target::Embedded(std::sync::Arc::new(s)))
            .map_err(state_ops::fail)
            .map_err(|mut e| {
                e.exit_code = 1;
                e
            })
    }
}

fn state(data_dir: &Path, cmd: &StateCommand) -> Result<(), ErrorReply> {
    let mut target = Target::open(data_dir)?;
    let mut stdout = std::io::stdout().lock();
    match cmd {
        StateCommand::Ls { account } => {
            let mut print = |name: String| writeln!(stdout, "{name}").is_ok();
            match &mut target {
                Target::Embedded(store) => state_ops::ls(store, account, &mut print),
                Target::Daemon(c) => c
                    .call(
                        &Request::StateLs {
                            account: account.clone(),
                        },
                        &mut |v| {
                            if let Some(name) = v.as_str() {
                                print(name.to_string());
                            }
                        },
                    )
                    .map(drop),
            }
        }
        StateCommand::Get {
            account,
            key,
            format,
        } => {
            let key = parse_key(key)?;
            let value = match &mut target {
                Target::Embedded(store) => state_ops::get(store, account, &key)?,
                Target::Daemon(c) => {
                    let req = Request::StateGet {
                        account: account.clone(),
                        key: B64.encode(&key),
                    };
                    let v = c.call(&req, &mut |_| {})?;
                    B64.decode(v.as_str().unwrap_or_default())
                        .map_err(|e| usage(format!("daemon sent bad base64: {e}")))?
                }
            };
            print_value(&mut stdout, &value, *format)
        }
        StateCommand::Put {
            account,
            key,
            value,
            value_file,
        } => {
            let key = parse_key(key)?;
            let value = match (value, value_file) {
                (Some(v), _) => v.clone().into_bytes(),
                (None, Some(f)) => read_value_file(f)?,
                (None, None) => return Err(usage("give a VALUE or --value-file".into())),
            };
            match &mut target {
                Target::Embedded(store) => state_ops::put(store, account, &key, value),
                Target::Daemon(c) => {
                    let req = Request::StatePut {
                        account: account.clone(),
                        key: B64.encode(&key),
                        value: B64.encode(&value),
                    };
                    c.call(&req, &mut |_| {}).map(drop)
                }
            }
        }
        StateCommand::Rm { account, key } => {
            let key = parse_key(key)?;
            match &mut target {
                Target::Embedded(store) => state_ops::rm(store, account, &key),
                Target::Daemon(c) => {
                    let req = Request::StateRm {
                        account: account.clone(),
                        key: B64.encode(&key),
                    };
                    c.call(&req, &mut |_| {}).map(drop)
                }
            }
        }
    }
}

fn deploy(data_dir: &Path, account: &str, file: &Path) -> Result<(), ErrorReply> {
    let code = exec_ops::read_file(file, "contract")?;
    match Target::open(data_dir)? {
        Target::Embedded(store) => {
            exec_ops::deploy(&exec_ops::LazyExecutor::new(store), account, &code)
        }
        Target::Daemon(mut c) => {
            let req = Request::Deploy {
                account: account.to_string(),
                code: B64.encode(&code),
            };
            c.call(&req, &mut |_| {}).map(drop)
        }
    }?;
    eprintln!(
        "outlayerd: deployed {} ({} bytes) to {account}",
        file.display(),
        code.len()
    );
    Ok(())
}

fn call(data_dir: &Path, args: &cli::CallArgs) -> Result<(), ErrorReply> {
    let raw = exec_ops::read_args(args)?;
    let outcome = match Target::open(data_dir)? {
        Target::Embedded(store) => exec_ops::call(&exec_ops::LazyExecutor::new(store), args, raw)?,
        Target::Daemon(mut c) => {
            let req = Request::Call {
                call: args.clone(),
                args: B64.encode(&raw),
            };
            c.call(&req, &mut |_| {})?
        }
    };
    println!("{outcome}");
    if outcome.get("status").and_then(|s| s.as_str()) == Some("success") {
        Ok(())
    } else {
        // The outcome on stdout says what failed; the exit status says that it did.
        Err(ErrorReply {
            kind: "execution_failed".into(),
            message: String::new(),
            exit_code: 1,
        })
    }
}

fn parse_key(k: &KeyArgs) -> Result<Vec<u8>, ErrorReply> {
    if k.key_hex {
        hex::decode(&k.key).map_err(|e| usage(format!("--key-hex: {e}")))
    } else if k.key_base64 {
        B64.decode(&k.key)
            .map_err(|e| usage(format!("--key-base64: {e}")))
    } else {
        Ok(k.key.clone().into_bytes())
    }
}

fn read_value_file(f: &PathBuf) -> Result<Vec<u8>, ErrorReply> {
    let r = if f.as_os_str() == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v).map(|_| v)
    } else {
        std::fs::read(f)
    };
    r.map_err(|e| usage(format!("--value-file {}: {e}", f.display())))
}

fn print_value(out: &mut impl Write, value: &[u8], format: Format) -> Result<(), ErrorReply> {
    let r = match format {
        Format::Raw => out.write_all(value),
        Format::Hex => writeln!(out, "{}", hex::encode(value)),
        Format::Base64 => writeln!(out, "{}", B64.encode(value)),
        Format::Json => {
            let v: serde_json::Value = serde_json::from_slice(value).map_err(|e| ErrorReply {
                kind: "not_json".into(),
                message: format!("value is not JSON: {e}"),
                exit_code: 1,
            })?;
            let text = serde_json::to_string_pretty(&v).unwrap_or_default();
            writeln!(out, "{text}")
        }
    };
    r.map_err(|e| ErrorReply {
        kind: "io".into(),
        message: e.to_string(),
        exit_code: 1,
    })
}
