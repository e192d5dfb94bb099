//! `outlayerd state ls|get|put|rm`: keys and values parsed from the command line, output in
//! the format asked for (`export` and `import` are in `state_io`).

use std::io::Write;
use std::path::Path;

use base64::Engine as _;

use super::{no_items, state_io, Backend};
use crate::api::{ApiError, ErrorKind, StateGet, StateLs, StatePut, StateRm};
use crate::cli::{Format, KeyArgs, StateCommand};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Runs one `state` subcommand.
pub fn run(data_dir: &Path, cmd: &StateCommand) -> Result<(), ApiError> {
    let mut stdout = std::io::stdout().lock();
    match cmd {
        StateCommand::Ls { account } => {
            let req = StateLs {
                account: account.clone(),
            };
            let mut print = |name: String| writeln!(stdout, "{name}").is_ok();
            Backend::open(data_dir)?.send(req, &mut print)
        }
        StateCommand::Get {
            account,
            key,
            format,
        } => {
            let req = StateGet {
                account: account.clone(),
                key: parse_key(key)?,
            };
            let value = Backend::open(data_dir)?.send(req, &mut no_items)?;
            print_value(&mut stdout, &value.0, *format)
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
                (None, None) => return Err(ApiError::invalid("give a VALUE or --value-file")),
            };
            let req = StatePut {
                account: account.clone(),
                key,
                value,
            };
            Backend::open(data_dir)?.send(req, &mut no_items)
        }
        StateCommand::Export { account, format } => state_io::export(data_dir, account, *format),
        StateCommand::Import {
            account,
            file,
            replace,
            dry_run,
            json,
        } => state_io::import(
            data_dir,
            &state_io::ImportArgs {
                account,
                file,
                replace: *replace,
                dry_run: *dry_run,
                json: *json,
            },
        ),
        StateCommand::Rm { account, key } => {
            let req = StateRm {
                account: account.clone(),
                key: parse_key(key)?,
            };
            Backend::open(data_dir)?.send(req, &mut no_items)
        }
    }
}

fn parse_key(k: &KeyArgs) -> Result<Vec<u8>, ApiError> {
    if k.key_hex {
        hex::decode(&k.key).map_err(|e| ApiError::invalid(format!("--key-hex: {e}")))
    } else if k.key_base64 {
        B64.decode(&k.key)
            .map_err(|e| ApiError::invalid(format!("--key-base64: {e}")))
    } else {
        Ok(k.key.clone().into_bytes())
    }
}

fn read_value_file(f: &Path) -> Result<Vec<u8>, ApiError> {
    let r = if f.as_os_str() == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v).map(|_| v)
    } else {
        std::fs::read(f)
    };
    r.map_err(|e| ApiError::invalid(format!("--value-file {}: {e}", f.display())))
}

fn print_value(out: &mut impl Write, value: &[u8], format: Format) -> Result<(), ApiError> {
    let r = match format {
        Format::Raw => out.write_all(value),
        Format::Hex => writeln!(out, "{}", hex::encode(value)),
        Format::Base64 => writeln!(out, "{}", B64.encode(value)),
        Format::Json => {
            let v: serde_json::Value = serde_json::from_slice(value).map_err(|e| {
                ApiError::new(ErrorKind::NotJson, format!("value is not JSON: {e}"))
            })?;
            let text = serde_json::to_string_pretty(&v).unwrap_or_default();
            writeln!(out, "{text}")
        }
    };
    r.map_err(|e| ApiError::new(ErrorKind::Io, e.to_string()))
}
