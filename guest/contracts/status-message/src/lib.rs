//! `status-message`: one status message per account, in a `LookupMap`.

use near_sdk::store::LookupMap;
use near_sdk::borsh::BorshSerialize;
use near_sdk::{env, log, near, AccountId, BorshStorageKey, PanicOnDefault};

#[derive(BorshSerialize, BorshStorageKey)]
#[borsh(crate = "near_sdk::borsh")]
enum Key {
    Records,
}

/// The contract state: messages by account.
#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct StatusMessage {
    records: LookupMap<AccountId, String>,
}

#[near]
impl StatusMessage {
    /// An empty map.
    #[init]
    pub fn new() -> Self {
        Self { records: LookupMap::new(Key::Records) }
    }

    /// Sets the caller's (predecessor's) message.
    pub fn set_status(&mut self, message: String) {
        let account_id = env::predecessor_account_id();
        log!("{} set_status with message {}", account_id, message);
        self.records.insert(account_id, message);
    }

    /// The message of `account_id`, if any.
    pub fn get_status(&self, account_id: AccountId) -> Option<String> {
        self.records.get(&account_id).cloned()
    }

    /// Removes the caller's message; returns whether there was one.
    pub fn clear_status(&mut self) -> bool {
        let account_id = env::predecessor_account_id();
        self.records.remove(&account_id).is_some()
    }
}
