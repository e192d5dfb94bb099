//! The counter contract with nothing but `std`: the key `count` is the file
//! `/near/state/count` (decimal text), run under outlayerd's program convention — the
//! method is `argv[1]`, its arguments come on stdin, its context in `NEAR_*` variables, its
//! result goes to stdout and each stderr line is a log line; exit 0 commits what it wrote,
//! any other status drops it. No NEAR crate: the same program runs on any WASI runtime or,
//! built for the host, on Linux with a `/near/state` directory.
//!
//! | method | stdin | stdout | logs |
//! |---|---|---|---|
//! | `increment`, `decrement` | — | the new count | `count = N` |
//! | `add` | `{"amount": N}` (a number or a decimal string) | the new count | `count = N` |
//! | `get_count` | — | the count (0 while the file does not exist) | — |
//! | `reset` | — | nothing | `count = 0` |
//! | `whoami` | — | every `NEAR_*` variable, as a JSON object | — |
//!
//! Exit status: 0 done, 1 refused or failed (nothing is committed), 2 unknown method.

use std::io::{ErrorKind, Read};
use std::process::ExitCode;

const COUNT: &str = "/near/state/count";

/// What a method prints on success, or why it fails.
type Outcome = Result<Option<String>, String>;

fn main() -> ExitCode {
    let method = std::env::args().nth(1).unwrap_or_default();
    let outcome = match method.as_str() {
        "get_count" => load().map(|c| Some(c.to_string())),
        "increment" => update(|c| c.checked_add(1), "count would overflow"),
        "decrement" => update(|c| c.checked_sub(1), "count is already 0"),
        "add" => amount().and_then(|n| update(|c| c.checked_add(n), "count would overflow")),
        "reset" => store(0).map(|()| None),
        "whoami" => Ok(Some(whoami())),
        _ => {
            eprintln!(
                "counter_std: unknown method {method:?} \
                 (increment, decrement, add, get_count, reset, whoami)"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(printed) => {
            if let Some(text) = printed {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        // A contract's panic: the reason is logged and the status drops the call's writes.
        Err(why) => {
            eprintln!("counter_std: {method}: {why}");
            ExitCode::FAILURE
        }
    }
}

fn load() -> Result<u64, String> {
    match std::fs::read_to_string(COUNT) {
        // Digits only (`parse` would take "+5"): anything else is not a count we wrote,
        // and going on would overwrite it.
        Ok(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().map_err(|_| format!("{COUNT}: out of range"))
        }
        Ok(_) => Err(format!("{COUNT}: not a decimal number")),
        // Never written: a fresh counter starts at 0.
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
        Err(e) => Err(format!("{COUNT}: {e}")),
    }
}

fn store(count: u64) -> Result<(), String> {
    // In a view call /near/state is read-only and this fails (EROFS): so must the call.
    std::fs::write(COUNT, count.to_string()).map_err(|e| format!("{COUNT}: {e}"))?;
    eprintln!("count = {count}");
    Ok(())
}

/// Stores `change(count)`, or fails with `refusal` when that is `None`.
fn update(change: impl FnOnce(u64) -> Option<u64>, refusal: &str) -> Outcome {
    let count = change(load()?).ok_or(refusal)?;
    store(count)?;
    Ok(Some(count.to_string()))
}

/// `add`'s argument. NEAR clients send large integers as strings (JSON numbers lose
/// precision past 2^53 in JavaScript), so both forms are taken.
fn amount() -> Result<u64, String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("stdin: {e}"))?;
    let args: serde_json::Value =
        serde_json::from_str(&input).map_err(|e| format!("arguments: {e}"))?;
    match &args["amount"] {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "expected {{\"amount\": N}} with N a u64, got {}",
            input.trim()
        )
    })
}

/// The call's context as the convention passes it; the program sees no other variables,
/// so this is all of them (in name order: `serde_json`'s map is sorted).
fn whoami() -> String {
    let context: serde_json::Map<String, serde_json::Value> = std::env::vars()
        .filter(|(k, _)| k.starts_with("NEAR_"))
        .map(|(k, v)| (k, v.into()))
        .collect();
    serde_json::Value::Object(context).to_string()
}
