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

fn put(t: &TempStore, account: &str, key: &[u8], value: &[u8]) {
    t.run(StatePut {
        account: account.into(),
        key: key.to_vec(),
        value: value.to_vec(),
    })
    .unwrap();
}

fn keys(t: &TempStore, prefix: &str, after: Option<String>, limit: usize) -> KeyPage {
    t.run(StateKeys {
        account: "a.near".into(),
        prefix: prefix.into(),
        after,
        limit: Some(limit),
    })
    .unwrap()
}

#[test]
fn key_pages_follow_the_cursor_through_every_key_once() {
    let t = TempStore::new();
    let store = t.ctx.as_ref().unwrap().store().clone();
    let a = outlayer_fs::AccountId::new("a.near").unwrap();
    let mut txn = store.begin(&a).unwrap();
    for i in 0..2500u32 {
        txn.put(format!("k{i:05}").as_bytes(), vec![1; 3]).unwrap();
    }
    txn.put(b"x\xff\0", vec![]).unwrap();
    txn.commit().unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = keys(&t, "", after, 1000);
        assert_eq!(page.total, 2501);
        seen.extend(page.keys.iter().map(|k| k.name.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 2501, "every key once");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in key order");
    assert_eq!(seen.last().unwrap(), "x%FF%00", "names, not raw bytes");
    // A prefix narrows; an escape is its byte; a cursor from another search starts at the
    // prefix.
    let page = keys(&t, "k0249", None, 100);
    assert_eq!(page.keys.len(), 10);
    assert_eq!(keys(&t, "x%ff", None, 100).keys[0].name, "x%FF%00");
    let early = keys(&t, "", None, 1).next;
    assert_eq!(keys(&t, "k02", early, 5).keys[0].name, "k02000");
    let bad = t.run(StateKeys {
        account: "a.near".into(),
        prefix: String::new(),
        after: Some("not a cursor!".into()),
        limit: None,
    });
    assert_eq!(bad.unwrap_err().kind, ErrorKind::InvalidInput);
}

#[test]
fn accounts_list_key_counts_usage_and_code_a_page_at_a_time() {
    let t = TempStore::new();
    put(&t, "b.near", b"k1", b"v");
    put(&t, "b.near", b"k2", b"vv");
    t.run(AccountCreate {
        account: "a.near".into(),
    })
    .unwrap();
    let again = t.run(AccountCreate {
        account: "a.near".into(),
    });
    assert_eq!(again.unwrap_err().kind, ErrorKind::AlreadyExists);
    let page = t.run(Accounts::default()).unwrap();
    let ids: Vec<_> = page.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(ids, ["a.near", "b.near"]);
    assert_eq!((page.accounts[0].keys, page.accounts[1].keys), (0, 2));
    let b = &page.accounts[1];
    assert_eq!(b.storage_usage, 100 + (2 + 1 + 40) + (2 + 2 + 40));
    assert!(b.code.is_none());
    let first = t
        .run(Accounts {
            after: None,
            limit: Some(1),
        })
        .unwrap();
    assert_eq!(first.next.as_deref(), Some("a.near"));
    let second = t
        .run(Accounts {
            after: first.next,
            limit: Some(1),
        })
        .unwrap();
    assert_eq!(second.accounts[0].account, "b.near");
    assert_eq!(second.next, None);
}

#[test]
fn a_key_is_found_by_its_file_name_long_or_short() {
    let t = TempStore::new();
    let long = vec![b'L'; 300];
    put(&t, "a.near", &long, b"far");
    put(&t, "a.near", b"bin\0", &[0xff]);
    let by_name = |name: &str| {
        t.run(StateKey {
            account: "a.near".into(),
            name: name.into(),
        })
    };
    let v = by_name("bin%00").unwrap();
    assert_eq!(
        (v.key.as_str(), v.value.as_str(), v.size),
        ("YmluAA==", "/w==", 1)
    );
    let long_name = outlayer_fs::names::encode(&long);
    assert!(long_name.contains("%~"), "{long_name}");
    let v = by_name(&long_name).unwrap();
    assert_eq!(v.value, "ZmFy");
    assert_eq!(by_name("bin%0").unwrap_err().kind, ErrorKind::InvalidInput);
    assert_eq!(by_name("nothing").unwrap_err().kind, ErrorKind::NotFound);
}
