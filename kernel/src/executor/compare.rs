//! `compare`: one call in both modes from the same pre-state, each in its own transaction,
//! and whether they agree: status, result, logs, gas, receipts, error and resulting state.

use std::time::Instant;

use serde::Serialize;

use super::{CallRequest, Executor, Finish, StateWrites};
use crate::mode::Mode;
use crate::outcome::Outcome;

/// One mode's run.
#[derive(Debug, Serialize)]
pub struct Timed {
    /// What the call returned.
    pub outcome: Outcome,
    /// Wall time of the call, µs.
    pub wall_us: f64,
    /// Keys the call changed (new value in hex, or `null` when removed), in key order.
    #[serde(serialize_with = "writes_hex")]
    pub writes: StateWrites,
}

fn writes_hex<S: serde::Serializer>(w: &StateWrites, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut map = s.serialize_map(Some(w.len()))?;
    for (k, v) in w {
        map.serialize_entry(&hex(k), &v.as_deref().map(hex))?;
    }
    map.end()
}

/// What `compare` found.
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// The call in direct mode.
    pub direct: Timed,
    /// The call in linux mode.
    pub linux: Timed,
    /// Linux mode's wall time over direct mode's.
    pub ratio: f64,
    /// Whether every compared field agrees.
    pub agree: bool,
    /// Each compared field and whether the modes agree on it, in the order compared.
    pub fields: Vec<(&'static str, bool)>,
    /// The first field that differs, with both values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<String>,
    /// The mode whose run was committed, if one was asked for and it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed: Option<Mode>,
}

/// The outcome's fields compared (as JSON), before the resulting state.
const FIELDS: [&str; 7] = [
    "status",
    "result_base64",
    "logs",
    "gas_burnt",
    "gas_used",
    "receipts",
    "error",
];

impl Executor {
    /// Runs `req` in both modes from the same pre-state and compares them. Neither run
    /// commits, unless `commit` names one: that one runs second, from the same pre-state,
    /// and commits if it succeeds.
    pub fn compare(&self, req: &CallRequest, commit: Option<Mode>) -> Comparison {
        let run = |mode: Mode| {
            let mut r = req.clone();
            r.mode = Some(mode);
            let mut writes = StateWrites::new();
            let finish = Finish {
                commit: commit == Some(mode),
                writes: Some(&mut writes),
            };
            let start = Instant::now();
            let outcome = self.execute(&r, finish);
            let wall_us = start.elapsed().as_secs_f64() * 1e6;
            Timed {
                outcome,
                wall_us,
                writes,
            }
        };
        let (direct, linux) = match commit {
            Some(Mode::Direct) => {
                let linux = run(Mode::Linux);
                (run(Mode::Direct), linux)
            }
            _ => {
                let direct = run(Mode::Direct);
                (direct, run(Mode::Linux))
            }
        };
        let json = |o: &Outcome| serde_json::to_value(o).unwrap_or_default();
        let (dj, lj) = (json(&direct.outcome), json(&linux.outcome));
        let mut fields = Vec::new();
        let mut first_difference = None;
        let mut check = |name: &'static str, same: bool, show: &dyn Fn() -> (String, String)| {
            if !same && first_difference.is_none() {
                let (a, b) = show();
                first_difference = Some(format!("{name}: direct {a}, linux {b}"));
            }
            fields.push((name, same));
        };
        for name in FIELDS {
            let (a, b) = (&dj[name], &lj[name]);
            check(name, a == b, &|| (a.to_string(), b.to_string()));
        }
        // Raw bytes decide; the message shows them as text where they are.
        check("state", direct.writes == linux.writes, &|| {
            let show = |t: &Timed| format!("{:?}", shown(&t.writes));
            (show(&direct), show(&linux))
        });
        let agree = fields.iter().all(|(_, same)| *same);
        let committed = commit.filter(|m| {
            let t = if *m == Mode::Direct { &direct } else { &linux };
            t.outcome.is_success() && !req.view
        });
        Comparison {
            ratio: linux.wall_us / direct.wall_us.max(f64::MIN_POSITIVE),
            direct,
            linux,
            agree,
            fields,
            first_difference,
            committed,
        }
    }
}

/// The writes as text, for a message.
fn shown(w: &StateWrites) -> Vec<(String, Option<String>)> {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    w.iter()
        .map(|(k, v)| (show(k), v.as_deref().map(show)))
        .collect()
}
