//! Promise actions other than function calls: transfer, create account, deploy, stake,
//! access keys, delete account. Each appends to a receipt created by `promises.rs`, pays the
//! action's fees (send burnt now, execution reserved) and is prohibited in views.

use super::errors::{HostError, HostResult};
use super::gas::{ext, fees};
use super::memory::Mem;
use super::promises::{sha256_hex, Action, Permission};
use super::{External, VmLogic};

impl<E: External> VmLogic<E> {
    /// `promise_batch_action_transfer(promise, amount_ptr)`.
    pub fn promise_batch_action_transfer(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        amount_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_transfer")?;
        let amount = self.read_u128(mem, amount_ptr)?;
        let r = self.receipt_of(p)?;
        self.pay_fee(self.is_sir(r), fees::TRANSFER, 1)?;
        self.deduct(amount)?;
        self.push_action(
            r,
            Action::Transfer {
                deposit: amount.to_string(),
            },
        )
    }

    /// `promise_batch_action_create_account(promise)`.
    pub fn promise_batch_action_create_account(
        &mut self,
        _m: &mut Mem<'_>,
        p: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_create_account")?;
        self.append_action(p, fees::CREATE_ACCOUNT, 1, Action::CreateAccount)
    }

    /// `promise_batch_action_deploy_contract(promise, code_len, code_ptr)`.
    pub fn promise_batch_action_deploy_contract(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        code_len: u64,
        code_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_deploy_contract")?;
        let code = self.mem_or_reg(mem, code_len, code_ptr)?;
        let r = self.receipt_of(p)?;
        let sir = self.is_sir(r);
        self.pay_fee(sir, fees::DEPLOY_CONTRACT, 1)?;
        self.pay_fee(sir, fees::DEPLOY_CONTRACT_PER_BYTE, code.len() as u64)?;
        let action = Action::DeployContract {
            code_len: code.len() as u64,
            code_sha256: sha256_hex(&code),
        };
        self.push_action(r, action)
    }

    /// `promise_batch_action_stake(promise, amount_ptr, public_key_len, public_key_ptr)`.
    pub fn promise_batch_action_stake(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        amount_ptr: u64,
        pk_len: u64,
        pk_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_stake")?;
        let amount = self.read_u128(mem, amount_ptr)?;
        let public_key = self.read_public_key(mem, pk_len, pk_ptr)?;
        self.append_action(
            p,
            fees::STAKE,
            1,
            Action::Stake {
                stake: amount.to_string(),
                public_key,
            },
        )
    }

    /// `promise_batch_action_add_key_with_full_access(promise, pk_len, pk_ptr, nonce)`.
    pub fn promise_batch_action_add_key_with_full_access(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        pk_len: u64,
        pk_ptr: u64,
        nonce: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_add_key_with_full_access")?;
        let public_key = self.read_public_key(mem, pk_len, pk_ptr)?;
        self.append_action(
            p,
            fees::ADD_FULL_ACCESS_KEY,
            1,
            Action::AddKey {
                public_key,
                nonce,
                permission: Permission::FullAccess,
            },
        )
    }

    /// Reads a function-call key permission (allowance 0 = unlimited; names comma-separated).
    #[allow(clippy::too_many_arguments)]
    fn read_permission(
        &mut self,
        mem: &Mem<'_>,
        allowance_ptr: u64,
        recv_len: u64,
        recv_ptr: u64,
        names_len: u64,
        names_ptr: u64,
    ) -> HostResult<Permission> {
        let allowance = self.read_u128(mem, allowance_ptr)?;
        let receiver_id = self.read_account_id(mem, recv_len, recv_ptr)?;
        let names = self.mem_or_reg(mem, names_len, names_ptr)?;
        let names = String::from_utf8(names).map_err(|_| HostError::BadUtf8)?;
        let method_names = names
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>();
        let allowance = (allowance > 0).then(|| allowance.to_string());
        Ok(Permission::FunctionCall {
            allowance,
            receiver_id,
            method_names,
        })
    }

    /// `promise_batch_action_add_key_with_function_call(promise, pk, nonce, allowance_ptr,
    /// receiver_id, method_names)`. Fee: the full-access key fee (the per-byte part of
    /// nearcore's function-call-key fee is not modelled).
    #[allow(clippy::too_many_arguments)]
    pub fn promise_batch_action_add_key_with_function_call(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        pk_len: u64,
        pk_ptr: u64,
        nonce: u64,
        allowance_ptr: u64,
        recv_len: u64,
        recv_ptr: u64,
        names_len: u64,
        names_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_add_key_with_function_call")?;
        let public_key = self.read_public_key(mem, pk_len, pk_ptr)?;
        let permission =
            self.read_permission(mem, allowance_ptr, recv_len, recv_ptr, names_len, names_ptr)?;
        self.append_action(
            p,
            fees::ADD_FULL_ACCESS_KEY,
            1,
            Action::AddKey {
                public_key,
                nonce,
                permission,
            },
        )
    }

    /// `promise_batch_action_delete_key(promise, pk_len, pk_ptr)`.
    pub fn promise_batch_action_delete_key(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        pk_len: u64,
        pk_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_delete_key")?;
        let public_key = self.read_public_key(mem, pk_len, pk_ptr)?;
        self.append_action(p, fees::DELETE_KEY, 1, Action::DeleteKey { public_key })
    }

    /// `promise_batch_action_delete_account(promise, beneficiary_len, beneficiary_ptr)`.
    pub fn promise_batch_action_delete_account(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        b_len: u64,
        b_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_delete_account")?;
        let beneficiary_id = self.read_account_id(mem, b_len, b_ptr)?;
        self.append_action(
            p,
            fees::DELETE_ACCOUNT,
            1,
            Action::DeleteAccount { beneficiary_id },
        )
    }

    /// The common start of every `promise_batch_action_*`: the base cost, and no actions in
    /// a view call.
    fn begin_action(&mut self, name: &'static str) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view(name)
    }

    /// The common end: pay the action's fee `n` times (cheaper when the receipt goes to this
    /// account) and append it to promise `p`'s receipt.
    fn append_action(&mut self, p: u64, fee: fees::Fee, n: u64, action: Action) -> HostResult<()> {
        let r = self.receipt_of(p)?;
        self.pay_fee(self.is_sir(r), fee, n)?;
        self.push_action(r, action)
    }
}
