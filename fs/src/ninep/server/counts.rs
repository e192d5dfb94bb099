//! Requests served by every 9P session of the process (sockets and in-process sessions of
//! guest tasks alike), by message type: one atomic per type, for `outlayerd stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ninep::Tmessage;

static SERVED: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];

/// Counts one request of type `code`.
#[inline]
pub(super) fn count(code: u8) {
    SERVED[usize::from(code)].fetch_add(1, Ordering::Relaxed);
}

/// Requests served so far, by message name (`Twalk`, ...), in type-code order; only the
/// types served.
pub fn messages_served() -> Vec<(&'static str, u64)> {
    (0..=u8::MAX)
        .filter_map(|code| {
            let n = SERVED[usize::from(code)].load(Ordering::Relaxed);
            let name = Tmessage::type_name(code)?;
            (n > 0).then_some((name, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_name() {
        let walk = Tmessage::Walk(Default::default()).msg_type();
        let before = messages_served()
            .into_iter()
            .find(|(n, _)| *n == "Twalk")
            .map_or(0, |(_, c)| c);
        count(walk);
        count(walk);
        let after = messages_served()
            .into_iter()
            .find(|(n, _)| *n == "Twalk")
            .map_or(0, |(_, c)| c);
        assert!(after >= before + 2, "{before} -> {after}");
    }
}
