//! `counter`: the design note's counter, a u64 kept under near-sdk's `STATE` key.

use near_sdk::serde::Serialize;
use near_sdk::{env, log, near, require, AccountId};

/// The contract state: one counter.
#[near(contract_state)]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

/// What `get_info` answers.
#[derive(Serialize)]
#[serde(crate = "near_sdk::serde")]
pub struct Info {
    count: u64,
    is_zero: bool,
    is_even: bool,
    contract: AccountId,
    signer: AccountId,
}

#[near]
impl Counter {
    /// Starts at `count` (0 when absent).
    #[init]
    pub fn new(count: Option<u64>) -> Self {
        Self { count: count.unwrap_or(0) }
    }

    /// Adds one and returns the new value.
    pub fn increment(&mut self) -> u64 {
        self.increment_by(1)
    }

    /// Adds `amount` (panics on overflow) and returns the new value.
    pub fn increment_by(&mut self, amount: u64) -> u64 {
        let Some(n) = self.count.checked_add(amount) else {
            env::panic_str("counter overflow");
        };
        self.count = n;
        log!("count = {}", self.count);
        self.count
    }

    /// Subtracts one; panics when the counter is already zero.
    pub fn decrement(&mut self) -> u64 {
        require!(self.count > 0, "counter cannot go below zero");
        self.count -= 1;
        log!("count = {}", self.count);
        self.count
    }

    /// Back to zero.
    pub fn reset(&mut self) {
        self.count = 0;
        log!("count reset");
    }

    /// Sets the counter to `count`.
    pub fn set_count(&mut self, count: u64) {
        self.count = count;
        log!("count = {}", self.count);
    }

    /// The current value.
    pub fn get_count(&self) -> u64 {
        self.count
    }

    /// True when the counter is zero.
    pub fn is_zero(&self) -> bool {
        self.count == 0
    }

    /// True when the counter is even.
    pub fn is_even(&self) -> bool {
        self.count % 2 == 0
    }

    /// The counter with who asked (reads the signer, so it is not callable as a view).
    pub fn get_info(&self) -> Info {
        Info {
            count: self.count,
            is_zero: self.count == 0,
            is_even: self.count % 2 == 0,
            contract: env::current_account_id(),
            signer: env::signer_account_id(),
        }
    }
}
