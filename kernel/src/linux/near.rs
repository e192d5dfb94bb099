//! The NEAR side of a task: the `outlayer.syscall` import (the table 400–452 of
//! `crate::near::syscalls`) on the same `VmLogic` as direct mode, with its storage carried
//! out on the task's `/near/state` 9P session ([`StateKeys`]), and its gas counter the
//! task's one gas counter (WASI calls and wasm instructions are paid in the same fuel).

use super::spec::TaskContext;
use super::vfs::StateKeys;
use crate::near::{External, HostError, HostResult, VmContext};

/// Where a task's NEAR storage lives.
pub enum TaskExternal {
    /// The account mounted at `state_at`, through its 9P session.
    State(StateKeys),
    /// No account is mounted: storage syscalls end the task with `StorageError`.
    Unmounted,
}

fn unmounted() -> HostError {
    HostError::Storage("no account state is mounted in this task".into())
}

impl External for TaskExternal {
    fn storage_get(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        match self {
            TaskExternal::State(k) => k.storage_get(key),
            TaskExternal::Unmounted => Err(unmounted()),
        }
    }

    fn storage_set(&mut self, key: &[u8], value: &[u8]) -> HostResult<Option<Vec<u8>>> {
        match self {
            TaskExternal::State(k) => k.storage_set(key, value),
            TaskExternal::Unmounted => Err(unmounted()),
        }
    }

    fn storage_remove(&mut self, key: &[u8]) -> HostResult<Option<Vec<u8>>> {
        match self {
            TaskExternal::State(k) => k.storage_remove(key),
            TaskExternal::Unmounted => Err(unmounted()),
        }
    }

    fn storage_has_key(&mut self, key: &[u8]) -> HostResult<bool> {
        match self {
            TaskExternal::State(k) => k.storage_has_key(key),
            TaskExternal::Unmounted => Err(unmounted()),
        }
    }

    fn flush(&mut self) -> HostResult<()> {
        match self {
            TaskExternal::State(k) => k.flush(),
            TaskExternal::Unmounted => Ok(()),
        }
    }
}

/// The NEAR context of a task on `account` (empty when none is mounted), whose storage
/// usage is `storage_usage` and whose gas is `gas`.
pub(super) fn vm_context(
    ctx: &TaskContext,
    account: &str,
    storage_usage: u64,
    gas: u64,
) -> VmContext {
    let or_account = |id: &Option<outlayer_fs::AccountId>| {
        id.as_ref()
            .map_or_else(|| account.to_string(), |a| a.as_str().to_string())
    };
    VmContext {
        current_account_id: account.to_string(),
        signer_account_id: or_account(&ctx.signer),
        // borsh `PublicKey::ED25519` of zeros: there are no access keys here.
        signer_account_pk: vec![0; 33],
        predecessor_account_id: or_account(&ctx.predecessor),
        input: Vec::new(),
        block_height: ctx.block_height,
        block_timestamp: ctx.block_timestamp_ns,
        epoch_height: 1,
        account_balance: 0,
        account_locked_balance: 0,
        storage_usage,
        attached_deposit: ctx.attached_deposit,
        prepaid_gas: gas,
        random_seed: ctx.random_seed.to_vec(),
        view: ctx.view,
        chain_id: "outlayer".to_string(),
    }
}
