//! The API without a front end: wire shapes, defaults, and the handlers over a real store.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use outlayer_fs::store::Store;
use serde_json::json;

use super::*;

/// A store in a fresh directory, removed on drop.
struct TempStore {
    dir: PathBuf,
    ctx: Option<Context>,
}

impl TempStore {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "outlayerd-api-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Arc::new(Store::open(&dir).unwrap());
        TempStore {
            dir,
            ctx: Some(Context::new(store)),
        }
    }

    fn run<H: Handler>(&self, req: H) -> Result<H::Output, ApiError> {
        self.ctx.as_ref().unwrap().run(req, &mut |_| true)
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        // The store must close before its directory goes.
        self.ctx = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn get(account: &str, key: &[u8]) -> StateGet {
    StateGet {
        account: account.into(),
        key: key.to_vec(),
    }
}

#[test]
fn requests_are_flat_json_with_base64_bytes() {
    let req = Request::from(get("a.near", &[0, 1]));
    let wire = json!({"op": "state_get", "account": "a.near", "key": "AAE="});
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
    assert_eq!(
        serde_json::to_value(Request::Ping(Ping {})).unwrap(),
        json!({"op": "ping"})
    );
    let bad =
        serde_json::from_value::<Request>(json!({"op": "state_get", "account": "a", "key": "!"}));
    assert!(bad.unwrap_err().to_string().contains("not base64"));
}

#[test]
fn a_call_needs_only_account_and_method() {
    let v = json!({"op": "call", "account": "c.near", "method": "get"});
    let Request::Call(spec) = serde_json::from_value(v).unwrap() else {
        panic!("not a call");
    };
    let defaults = CallSpec::new("c.near", "get", Vec::new());
    assert_eq!(
        serde_json::to_value(&spec).unwrap(),
        serde_json::to_value(&defaults).unwrap()
    );
    assert_eq!(
        (spec.block_height, spec.timeout, spec.deposit),
        (1, 30.0, 0)
    );
    // More yoctoNEAR than a u64 holds survives the trip.
    let spec = CallSpec {
        deposit: 10u128.pow(30),
        ..defaults
    };
    let back: Request =
        serde_json::from_value(serde_json::to_value(Request::from(spec)).unwrap()).unwrap();
    assert!(matches!(back, Request::Call(c) if c.deposit == 10u128.pow(30)));
}

#[test]
fn state_handlers_over_a_store() {
    let t = TempStore::new();
    let put = |key: &[u8], value: &[u8]| StatePut {
        account: "a.near".into(),
        key: key.to_vec(),
        value: value.to_vec(),
    };
    t.run(put(b"k", b"v")).unwrap();
    t.run(put(b"a/b", b"w")).unwrap();
    assert_eq!(t.run(get("a.near", b"k")).unwrap(), Bytes(b"v".to_vec()));

    let mut names = Vec::new();
    let ls = StateLs {
        account: "a.near".into(),
    };
    t.ctx
        .as_ref()
        .unwrap()
        .run(ls, &mut |n| {
            names.push(n);
            true
        })
        .unwrap();
    assert_eq!(names, ["a%2Fb", "k"]);

    let rm = || StateRm {
        account: "a.near".into(),
        key: b"k".to_vec(),
    };
    t.run(rm()).unwrap();
    let e = t.run(rm()).unwrap_err();
    assert_eq!((e.kind, e.exit_code), (ErrorKind::NotFound, 1));
    assert_eq!(e.kind.as_str(), "not_found");
    let e = t.run(get("Not_Valid!", b"k")).unwrap_err();
    assert_eq!((e.kind, e.exit_code), (ErrorKind::InvalidInput, 2));
}

#[test]
fn dispatch_answers_in_json() {
    let t = TempStore::new();
    let ctx = t.ctx.as_ref().unwrap();
    let req = |v| serde_json::from_value::<Request>(v).unwrap();
    let put = json!({"op": "state_put", "account": "a.near", "key": "aw==", "value": "dg=="});
    assert_eq!(dispatch(ctx, req(put), &mut |_| true).unwrap(), json!(null));
    let got = json!({"op": "state_get", "account": "a.near", "key": "aw=="});
    assert_eq!(
        dispatch(ctx, req(got), &mut |_| true).unwrap(),
        json!("dg==")
    );
    let ping = json!({"op": "ping"});
    assert_eq!(
        dispatch(ctx, req(ping), &mut |_| true).unwrap(),
        json!("pong")
    );
}

#[test]
fn calls_are_checked_before_anything_runs() {
    let t = TempStore::new();
    let e = t
        .run(CallSpec::new("nobody.near", "m", Vec::new()))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Failed);
    assert!(e.message.contains("does not exist"), "{e}");
    for spec in [
        CallSpec {
            gas: Some(0),
            ..CallSpec::new("c.near", "m", Vec::new())
        },
        CallSpec {
            timeout: f64::NAN,
            ..CallSpec::new("c.near", "m", Vec::new())
        },
        CallSpec {
            timeout: 1e300,
            ..CallSpec::new("c.near", "m", Vec::new())
        },
        CallSpec {
            signer: Some("BAD".into()),
            ..CallSpec::new("c.near", "m", Vec::new())
        },
    ] {
        let e = t.run(spec).unwrap_err();
        assert_eq!((e.kind, e.exit_code), (ErrorKind::InvalidInput, 2), "{e}");
    }
}
