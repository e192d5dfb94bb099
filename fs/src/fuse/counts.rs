//! FUSE requests served by every mount of the process, by operation: one atomic per
//! operation, for `outlayerd stats`.

use std::sync::atomic::{AtomicU64, Ordering};

/// The operations counted, as `Fs::guarded` names them.
const OPS: [&str; 21] = [
    "lookup",
    "forget",
    "getattr",
    "setattr",
    "mknod",
    "mkdir",
    "unlink",
    "rmdir",
    "rename",
    "open",
    "read",
    "write",
    "flush",
    "release",
    "fsync",
    "opendir",
    "readdir",
    "releasedir",
    "fsyncdir",
    "statfs",
    "create",
];

static SERVED: [AtomicU64; OPS.len()] = [const { AtomicU64::new(0) }; OPS.len()];

/// Counts one request of operation `op` (an operation not in the table is not counted).
pub(super) fn count(op: &str) {
    if let Some(i) = OPS.iter().position(|o| *o == op) {
        SERVED[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// Requests served so far, by operation; only the operations served.
pub fn operations_served() -> Vec<(&'static str, u64)> {
    OPS.iter()
        .zip(&SERVED)
        .filter_map(|(op, n)| {
            let n = n.load(Ordering::Relaxed);
            (n > 0).then_some((*op, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_by_name() {
        let of = |name| {
            operations_served()
                .into_iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, c)| c)
        };
        let before = of("statfs");
        count("statfs");
        count("no_such_op");
        assert!(of("statfs") > before);
    }
}
