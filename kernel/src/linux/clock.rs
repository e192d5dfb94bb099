//! A task's time and randomness, both functions of its context only.
//!
//! Time: the realtime clock starts at the block timestamp and both clocks advance by
//! [`NS_PER_FUEL`] per unit of fuel the task has burnt (about one wasm instruction), plus
//! whatever it slept: sleeping (`poll_oneoff` on a clock) advances the clock at once instead
//! of waiting. Randomness: ChaCha20 seeded with the task's 32-byte seed, one stream shared by
//! `random_get` and `/dev/urandom` in the order the task asks.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Nanoseconds the task's clocks advance per unit of fuel burnt.
pub const NS_PER_FUEL: u64 = 1;

/// The resolution both clocks report.
pub(super) const CLOCK_RESOLUTION_NS: u64 = 1;

/// The task's clocks.
#[derive(Debug)]
pub struct TaskClock {
    realtime_start: u64,
    /// Nanoseconds of execution (from fuel), monotonic.
    executed: AtomicU64,
    /// Nanoseconds slept.
    slept: AtomicU64,
}

impl TaskClock {
    /// Clocks whose realtime starts at `realtime_start_ns` (the block timestamp).
    pub fn new(realtime_start_ns: u64) -> Self {
        TaskClock {
            realtime_start: realtime_start_ns,
            executed: AtomicU64::new(0),
            slept: AtomicU64::new(0),
        }
    }

    /// Records that the task has burnt `fuel` in all so far.
    pub fn set_fuel_burnt(&self, fuel: u64) {
        self.executed
            .fetch_max(fuel.saturating_mul(NS_PER_FUEL), Ordering::Relaxed);
    }

    /// Advances the clocks by `ns` slept.
    pub fn sleep(&self, ns: u64) {
        let _ = self
            .slept
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                Some(s.saturating_add(ns))
            });
    }

    /// The monotonic clock: nanoseconds since the task started.
    pub fn monotonic(&self) -> u64 {
        self.executed
            .load(Ordering::Relaxed)
            .saturating_add(self.slept.load(Ordering::Relaxed))
    }

    /// The realtime clock: nanoseconds since the Unix epoch.
    pub fn realtime(&self) -> u64 {
        self.realtime_start.saturating_add(self.monotonic())
    }

    /// The realtime clock when the task started.
    pub fn start(&self) -> u64 {
        self.realtime_start
    }
}

/// The task's random stream.
pub struct TaskRandom {
    rng: Mutex<ChaCha20Rng>,
}

impl TaskRandom {
    /// A stream determined by `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        TaskRandom {
            rng: Mutex::new(ChaCha20Rng::from_seed(seed)),
        }
    }

    /// Fills `buf` with the next bytes of the stream.
    pub fn fill(&self, buf: &mut [u8]) {
        self.rng.lock().fill_bytes(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_advance_with_fuel_and_sleep_only() {
        let c = TaskClock::new(1_000);
        assert_eq!((c.monotonic(), c.realtime()), (0, 1_000));
        c.set_fuel_burnt(50);
        c.set_fuel_burnt(20); // never backwards
        c.sleep(5);
        assert_eq!((c.monotonic(), c.realtime()), (55, 1_055));
    }

    #[test]
    fn the_seed_alone_decides_the_stream() {
        let (a, b, other) = (
            TaskRandom::new([7; 32]),
            TaskRandom::new([7; 32]),
            TaskRandom::new([8; 32]),
        );
        let mut x = [0u8; 16];
        let mut y = [0u8; 16];
        let mut z = [0u8; 16];
        a.fill(&mut x);
        b.fill(&mut y);
        other.fill(&mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        a.fill(&mut y);
        assert_ne!(x, y, "the stream moves on");
    }
}
