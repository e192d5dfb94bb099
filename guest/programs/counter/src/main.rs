//! Increments `count` with the NEAR storage syscalls (through `near-guest`), logs it, and
//! reads it back as the file `/near/state/count`.

fn main() {
    let current = near_guest::storage::read(b"count")
        .ok()
        .flatten()
        .and_then(|v| String::from_utf8(v).ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    let next = (current + 1).to_string();
    if let Err(e) = near_guest::storage::write(b"count", next.as_bytes()) {
        near_guest::panic(&format!("storage_write failed: {e:?}"));
    }
    near_guest::log(&format!("count = {next}"));
    let file = std::fs::read_to_string("/near/state/count").unwrap_or_default();
    println!("{} {current} -> {file}", near_guest::current_account_id());
}
