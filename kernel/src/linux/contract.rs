//! A NEAR contract as a task of the guest kernel (linux mode): the same deployed
//! `wasm32-unknown-unknown` code as direct mode, its `env` imports served as the kernel's
//! NEAR syscalls (each counted under its number, [`crate::near::imports::IMPORT_NUMBERS`]),
//! with the one `VmLogic` of both modes; only the way to state differs: storage is carried
//! out on the task's `/near/state` 9P session, bound to the call's transaction.
//!
//! A contract imports nothing but `env`, so the task has no descriptors, tree or WASI
//! table to set up: its state session is all it reaches.

use std::sync::Arc;

use outlayer_fs::store::{SharedTxn, Store};

use super::clock::TaskClock;
use super::kernel::{mount_state, Kernel};
use super::near::TaskExternal;
use super::spec::{StateBinding, TaskError};
use super::stats::RunningTask;
use crate::near::{HostState, NearView, VmLogic};

/// A contract call running as a task: what its wasmtime `Store` holds.
pub struct ContractTask {
    near: HostState<TaskExternal>,
    running: RunningTask,
}

impl NearView for ContractTask {
    type Ext = TaskExternal;

    fn near(&mut self) -> &mut HostState<TaskExternal> {
        &mut self.near
    }

    #[inline]
    fn host_call(&mut self, nr: u32) {
        self.running.syscall(nr);
    }
}

impl ContractTask {
    /// The task for the execution `logic` (whose storage is a [`Kernel::contract_state`]).
    pub fn new(kernel: &Kernel, logic: VmLogic<TaskExternal>) -> Self {
        ContractTask {
            near: HostState::new(logic),
            running: kernel.task_started(),
        }
    }

    /// The execution, to finish once the call has run.
    pub fn into_logic(self) -> VmLogic<TaskExternal> {
        self.near.logic
    }
}

impl Kernel {
    /// The state of a contract call's task: a 9P session on `txn`'s account, bound to `txn`
    /// (the call's one transaction, which the caller commits or drops), stamping what it
    /// writes with the block's time as direct mode does.
    pub fn contract_state(
        &self,
        store: Arc<Store>,
        txn: SharedTxn,
        block_timestamp_ns: u64,
    ) -> Result<TaskExternal, TaskError> {
        let clock = Arc::new(TaskClock::new(block_timestamp_ns));
        let mounted = mount_state(StateBinding::Shared { store, txn }, &clock, false, false)?;
        Ok(TaskExternal::State(mounted.mount.keys()))
    }
}
