use super::*;

/// An entry as `read_state` hands it on.
type Entry = (Position, Vec<u8>, Vec<u8>);

/// Reads `text` as a state file; the entries, or the error's message.
fn read(text: &str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut input = std::io::BufReader::new(text.as_bytes());
    read_state(&mut input, "f", &mut |at, k, v| {
        out.push((at, k, v));
        Ok(())
    })
    .map_err(|e| e.message)?;
    Ok(out)
}

fn b64(b: &[u8]) -> String {
    B64.encode(b)
}

#[test]
fn the_three_forms_give_the_same_entries() {
    let (k1, v1, k2, v2) = (b"STATE".as_slice(), b"\x01\x02", b"\xff\x00k", b"");
    let entries = format!(
        r#"{{"key":"{}","value":"{}"}},{{"key":"{}","value":"{}","proof":[]}}"#,
        b64(k1),
        b64(v1),
        b64(k2),
        b64(v2)
    );
    let result =
        format!(r#"{{"block_height":7,"values":[{entries}],"proof":["AA=="],"block_hash":"x"}}"#);
    let rpc = format!(r#"{{"jsonrpc":"2.0","result":{result},"id":"dontcare"}}"#);
    let lines = format!(
        "{}\n\n{}\n",
        entry_json(k1, v1),
        entry_json(k2, v2).replace("{\"key\"", "{ \"key\"")
    );
    let want = vec![(k1.to_vec(), v1.to_vec()), (k2.to_vec(), v2.to_vec())];
    for text in [&result, &rpc, &lines] {
        let got = read(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let kv: Vec<_> = got.iter().map(|(_, k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(kv, want, "{text}");
    }
    let at: Vec<_> = read(&lines).expect("lines").iter().map(|e| e.0).collect();
    assert_eq!(at, [Position::Line(1), Position::Line(3)]);
    let at: Vec<_> = read(&rpc).expect("rpc").iter().map(|e| e.0).collect();
    assert_eq!(at, [Position::Item(0), Position::Item(1)]);
    assert_eq!(read(r#"{"values":[]}"#).expect("empty"), []);
}

#[test]
fn bad_entries_are_named() {
    let good = entry_json(b"a", b"1");
    let long_key = entry_json(&[b'k'; MAX_KEY_LEN + 1], b"v");
    let cases = [
        (
            format!(r#"{{"values":[{good},{{"key":"!!","value":""}}]}}"#),
            "f: values[1]: the key is not base64",
        ),
        (
            format!(r#"{{"values":[{good},{good},{long_key}]}}"#),
            "f: values[2]: the key is 2049 bytes, over NEAR's 2048-byte limit",
        ),
        (format!("{good}\n{long_key}\n"), "f: line 2: the key is 2049 bytes"),
        (
            format!("{good}\n{{\"key\":\"YQ==\",\"value\":\"%%\"}}"),
            "f: line 2: the value is not base64",
        ),
        (
            format!("{good}\n{{\"key\":\"YQ==\"}}\n"),
            "f: line 2, column 14: not an entry {\"key\":…,\"value\":…}: missing field `value`",
        ),
        (
            format!(r#"{{"values":[{good},{good}"#),
            "f: not a view_state result at values[2]: EOF while parsing a list at line 1 column 70",
        ),
        (
            format!(r#"{{"values":[{good},{{"key":"YQ=="#),
            "f: not a view_state result at values[1]: EOF while parsing",
        ),
        (
            r#"{"block_height":1}"#.to_string(),
            "f: no \"values\" array",
        ),
        (
            r#"{"jsonrpc":"2.0","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_ACCOUNT"},"data":"account x.near does not exist"},"id":1}"#.to_string(),
            "the RPC answered an error: UNKNOWN_ACCOUNT: account x.near does not exist",
        ),
        (
            r#"{"result":{"error":"wasm execution failed","logs":[]}}"#.to_string(),
            "the RPC answered an error: wasm execution failed",
        ),
        (format!(r#"{{"values":[{good}]}} x"#), "trailing characters"),
    ];
    for (text, want) in cases {
        let e = read(&text).expect_err(&text);
        assert!(e.contains(want), "{text}:\n  got  {e}\n  want {want}");
    }
}

#[test]
fn a_line_longer_than_any_entry_is_refused_without_reading_it_all() {
    let line = format!("{{\"key\":\"{}", "A".repeat(MAX_LINE as usize + 10));
    let e = read(&line).expect_err("too long");
    assert!(e.contains("line 1 is longer than any entry"), "{e}");
}

#[test]
fn view_code_results_are_checked_and_decoded() {
    let code = b"\0asm\x01\0\0\0".to_vec();
    assert_eq!(contract_code(code.clone()).expect("wasm"), code);
    let hash = bs58::encode(sha2::Sha256::digest(&code)).into_string();
    let result = format!(r#"{{"code_base64":"{}","hash":"{hash}"}}"#, b64(&code));
    assert_eq!(contract_code(result.clone().into()).expect("result"), code);
    let rpc = format!(r#"{{"jsonrpc":"2.0","result":{result},"id":0}}"#);
    assert_eq!(contract_code(rpc.into()).expect("rpc"), code);
    let no_hash = format!(r#" {{"code_base64":"{}"}}"#, b64(&code));
    assert_eq!(contract_code(no_hash.into()).expect("no hash"), code);
    let wrong = result.replace(&hash, "11111111111111111111111111111111");
    let e = contract_code(wrong.into()).expect_err("wrong hash");
    assert!(e.message.contains("not the hash 1111"), "{}", e.message);
    let e = contract_code(br#"{"error":{"message":"Server error"}}"#.to_vec()).expect_err("err");
    assert!(e.message.contains("RPC answered an error: Server error"));
    let e = contract_code(br#"{"code":1}"#.to_vec()).expect_err("no code");
    assert!(e.message.contains("no code_base64"), "{}", e.message);
}
