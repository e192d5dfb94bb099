//! NEAR's own JSON forms of state and code, as its RPC answers them, read and written.
//!
//! State comes as the `view_state` query result `{"values":[{"key":b64,"value":b64},…]}`
//! (which may also carry `block_height`, `block_hash` and `proof`), as the whole JSON-RPC
//! response around it, or as JSON lines, one `{"key":b64,"value":b64}` per line. A
//! document is read as a stream: entries reach the caller one at a time while the parser
//! walks the `values` array, so a million-key file never becomes one `serde_json::Value`.
//! Code comes as the `view_code` result `{"code_base64":…,"hash":…}`.

use std::fmt;
use std::io::{BufRead, Read};

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sha2::Digest;

use super::ApiError;
use outlayer_fs::store::{MAX_KEY_LEN, MAX_VALUE_LEN};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Where an entry sits in its file, for messages: its index in `values`, or its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// `values[i]` of a document.
    Item(u64),
    /// Line `n` (from 1) of a JSON-lines file.
    Line(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Item(i) => write!(f, "values[{i}]"),
            Position::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// One entry as a `view_state` result lists it: the form `state export` writes.
pub(crate) fn entry_json(key: &[u8], value: &[u8]) -> String {
    // Base64 needs no JSON escaping.
    format!(
        r#"{{"key":"{}","value":"{}"}}"#,
        B64.encode(key),
        B64.encode(value)
    )
}

/// An entry as written, before decoding. Other fields (older nodes put a `proof` in each
/// entry) are ignored.
#[derive(Deserialize)]
struct RawEntry {
    key: String,
    value: String,
}

impl RawEntry {
    /// The decoded key and value, checked against NEAR's limits.
    fn decode(self, at: Position) -> Result<(Vec<u8>, Vec<u8>), String> {
        let key = B64
            .decode(&self.key)
            .map_err(|e| format!("{at}: the key is not base64: {e}"))?;
        if key.len() > MAX_KEY_LEN {
            return Err(format!(
                "{at}: the key is {} bytes, over NEAR's {MAX_KEY_LEN}-byte limit",
                key.len()
            ));
        }
        // Refused before decoding: a huge string says enough.
        if self.value.len() > base64_len(MAX_VALUE_LEN) {
            return Err(value_too_big(at, self.value.len() / 4 * 3));
        }
        let value = B64
            .decode(&self.value)
            .map_err(|e| format!("{at}: the value is not base64: {e}"))?;
        if value.len() > MAX_VALUE_LEN {
            return Err(value_too_big(at, value.len()));
        }
        Ok((key, value))
    }
}

fn value_too_big(at: Position, len: usize) -> String {
    format!("{at}: the value is {len} bytes, over NEAR's {MAX_VALUE_LEN}-byte limit")
}

/// Length of the padded base64 text of `n` bytes.
const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The longest line a valid JSON-lines entry can take (longest key and value, some space).
const MAX_LINE: u64 = (base64_len(MAX_KEY_LEN) + base64_len(MAX_VALUE_LEN) + 1024) as u64;

/// What the caller does with each entry; its error ends the read and is returned as it is.
pub(crate) type OnEntry<'a> = dyn FnMut(Position, Vec<u8>, Vec<u8>) -> Result<(), ApiError> + 'a;

/// Reads a state file in any of the three forms, handing each entry to `on_entry` in file
/// order. `name` names the file in messages. Bad input is an `invalid` error naming the
/// entry (or line) and what is wrong with it; a read error is a failure.
pub(crate) fn read_state(
    input: &mut impl BufRead,
    name: &str,
    on_entry: &mut OnEntry<'_>,
) -> Result<(), ApiError> {
    let lines = is_json_lines(input).map_err(|e| read_error(name, e))?;
    if lines {
        read_lines(input, name, on_entry)
    } else {
        read_document(input, name, on_entry)
    }
}

fn read_error(name: &str, e: std::io::Error) -> ApiError {
    named(name, ApiError::failed(e.to_string()))
}

/// True when the input starts like a JSON-lines entry: an object whose first field is
/// `key` or `value`. Only looks at what is buffered; a document never starts that way.
fn is_json_lines(input: &mut impl BufRead) -> std::io::Result<bool> {
    let buf = input.fill_buf()?;
    let mut rest = buf.iter().skip_while(|b| b.is_ascii_whitespace());
    if rest.next() != Some(&b'{') {
        return Ok(false);
    }
    let mut rest = rest.skip_while(|b| b.is_ascii_whitespace());
    if rest.next() != Some(&b'"') {
        return Ok(false);
    }
    let field: Vec<u8> = rest.take_while(|&&b| b != b'"').copied().collect();
    Ok(field == b"key" || field == b"value")
}

/// JSON lines: one entry per line, blank lines allowed.
fn read_lines(
    input: &mut impl BufRead,
    name: &str,
    on_entry: &mut OnEntry<'_>,
) -> Result<(), ApiError> {
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        let len = input
            .by_ref()
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| read_error(name, e))?;
        if len == 0 {
            return Ok(());
        }
        let at = Position::Line(n);
        if len as u64 == MAX_LINE && line.last() != Some(&b'\n') {
            return Err(ApiError::invalid(format!(
                "{name}: {at} is longer than any entry within NEAR's limits"
            )));
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let raw: RawEntry = serde_json::from_slice(&line).map_err(|e| {
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            ApiError::invalid(format!(
                "{name}: {at}, column {}: not an entry {{\"key\":…,\"value\":…}}: {message}",
                e.column()
            ))
        })?;
        let (key, value) = raw
            .decode(at)
            .map_err(|e| ApiError::invalid(format!("{name}: {e}")))?;
        on_entry(at, key, value).map_err(|e| named(name, e))?;
    }
    Ok(())
}

/// `failure` with the file's name in front.
fn named(name: &str, failure: ApiError) -> ApiError {
    ApiError {
        message: format!("{name}: {}", failure.message),
        ..failure
    }
}

/// A `view_state` result, or a JSON-RPC response around one, read as a stream.
fn read_document(
    input: &mut impl BufRead,
    name: &str,
    on_entry: &mut OnEntry<'_>,
) -> Result<(), ApiError> {
    let mut walk = Walk {
        on_entry,
        failure: None,
        found_values: false,
        next_index: 0,
        broken_entry: None,
    };
    let mut de = serde_json::Deserializer::from_reader(input);
    let parsed = Object(&mut walk)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    // The walk's own failure says more than the parser's view of it (which only knows
    // that the visitor gave up).
    if let Some(failure) = walk.failure {
        return Err(named(name, failure));
    }
    if let Err(e) = parsed {
        return Err(if e.is_io() {
            ApiError::failed(format!("{name}: {e}"))
        } else {
            let at = walk
                .broken_entry
                .map(|at| format!(" at {at}"))
                .unwrap_or_default();
            ApiError::invalid(format!("{name}: not a view_state result{at}: {e}"))
        });
    }
    if !walk.found_values {
        return Err(ApiError::invalid(format!(
            "{name}: no \"values\" array: not a view_state result (or its JSON-RPC response)"
        )));
    }
    Ok(())
}

/// The state of a document walk, shared by the visitors of its nested objects.
struct Walk<'w, 'f> {
    on_entry: &'w mut OnEntry<'f>,
    /// Why the walk stopped, when the reason is not the parser's.
    failure: Option<ApiError>,
    found_values: bool,
    /// Index of the next entry of `values`.
    next_index: u64,
    /// The entry the parser failed in, if it failed in one.
    broken_entry: Option<Position>,
}

impl Walk<'_, '_> {
    /// Stops the walk with `failure` (the parser's error only unwinds it).
    fn fail<E: de::Error>(&mut self, failure: ApiError) -> E {
        let e = E::custom(&failure.message);
        self.failure = Some(failure);
        e
    }
}

/// A result object or a JSON-RPC response: `values` is walked, `result` entered, `error`
/// reported, anything else skipped.
struct Object<'a, 'w, 'f>(&'a mut Walk<'w, 'f>);

impl<'de> DeserializeSeed<'de> for Object<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.0;
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                "values" => {
                    walk.found_values = true;
                    map.next_value_seed(Values(&mut *walk))?;
                }
                "result" => map.next_value_seed(Object(&mut *walk))?,
                "error" => {
                    let error: serde_json::Value = map.next_value()?;
                    let message = format!("the RPC answered an error: {}", rpc_error(&error));
                    return Err(walk.fail(ApiError::invalid(message)));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The `values` array: each entry decoded and handed on as soon as it is read.
struct Values<'a, 'w, 'f>(&'a mut Walk<'w, 'f>);

impl<'de> DeserializeSeed<'de> for Values<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Values<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of {\"key\":…,\"value\":…} entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let walk = self.0;
        loop {
            let at = Position::Item(walk.next_index);
            let raw = match seq.next_element::<RawEntry>() {
                Ok(Some(raw)) => raw,
                Ok(None) => return Ok(()),
                Err(e) => {
                    walk.broken_entry = Some(at);
                    return Err(e);
                }
            };
            walk.next_index += 1;
            let (key, value) = raw
                .decode(at)
                .map_err(|m| walk.fail(ApiError::invalid(m)))?;
            if let Err(failure) = (walk.on_entry)(at, key, value) {
                return Err(walk.fail(failure));
            }
        }
    }
}

/// An RPC error object in one line: its cause and message when it has the usual fields.
fn rpc_error(error: &serde_json::Value) -> String {
    let text = |p: &str| error.pointer(p).and_then(serde_json::Value::as_str);
    let detail = text("/data").or_else(|| text("/message"));
    let mut line = match (text("/cause/name").or_else(|| text("/name")), detail) {
        (Some(cause), Some(detail)) => format!("{cause}: {detail}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => match error.as_str() {
            Some(s) => s.to_string(),
            None => error.to_string(),
        },
    };
    if line.len() > 500 {
        let cut = (0..=500)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        line.truncate(cut);
        line.push('…');
    }
    line
}

/// Contract code as `deploy` was given it: a wasm module as it is, or an RPC `view_code`
/// result (alone or in its JSON-RPC response) decoded, its `hash` checked when present.
/// Anything else passes through for the engine to refuse.
pub(crate) fn contract_code(file: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    let first = file.iter().find(|b| !b.is_ascii_whitespace());
    if file.starts_with(b"\0asm") || first != Some(&b'{') {
        return Ok(file);
    }
    let doc: serde_json::Value = serde_json::from_slice(&file).map_err(|e| {
        ApiError::invalid(format!(
            "the code is neither wasm nor a view_code result: {e}"
        ))
    })?;
    let result = doc.get("result").unwrap_or(&doc);
    if let Some(error) = doc.get("error").or_else(|| result.get("error")) {
        return Err(ApiError::invalid(format!(
            "the RPC answered an error: {}",
            rpc_error(error)
        )));
    }
    let b64 = result
        .get("code_base64")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid("the code is neither wasm nor a view_code result (no code_base64)")
        })?;
    let code = B64
        .decode(b64)
        .map_err(|e| ApiError::invalid(format!("view_code: code_base64 is not base64: {e}")))?;
    if let Some(hash) = result.get("hash") {
        let want = hash
            .as_str()
            .ok_or_else(|| ApiError::invalid("view_code: hash is not a string"))?;
        let got = bs58::encode(sha2::Sha256::digest(&code)).into_string();
        if got != want {
            return Err(ApiError::invalid(format!(
                "view_code: the code's sha256 is {got}, not the hash {want} the result gives"
            )));
        }
    }
    Ok(code)
}

/// Counts the bytes read through it (the progress of an import).
pub(crate) struct Counted<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Counted<R> {
    /// Wraps `inner`; `count` grows with every read.
    pub(crate) fn new(inner: R, count: std::rc::Rc<std::cell::Cell<u64>>) -> Self {
        Counted { inner, count }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
#[path = "near_formats_tests.rs"]
mod tests;
