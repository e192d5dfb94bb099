//! Promise actions other than function calls: transfer, create account, deploy, stake,
//! access keys, delete account. Each appends to a receipt created by `promises.rs`, pays the
//! action's fees (send burnt now, execution reserved) and is prohibited in views.

use super::errors::{HostError, HostResult};
use super::gas::{ext, fees};
use super::memory::Mem;
use super::promises::{sha256_hex, Action, Permission};
use super::{External, VmLogic};

/// Comma-separated method names as nearcore splits them: none for empty input, and
/// `EmptyMethodName` for an empty name among others.
fn split_method_names(names: &[u8]) -> HostResult<Vec<&[u8]>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    names
        .split(|&b| b == b',')
        .map(|n| {
            if n.is_empty() {
                Err(HostError::EmptyMethodName)
            } else {
                Ok(n)
            }
        })
        .collect()
}

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

    /// `promise_batch_action_add_key_with_function_call(promise, pk, nonce, allowance_ptr,
    /// receiver_id, method_names)`: allowance 0 is unlimited; names are comma-separated, and
    /// an empty name among them is `EmptyMethodName`. The per-byte fee counts every name plus
    /// one (nearcore's null-terminated length); names are checked as UTF-8 after the fees.
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
        let allowance = self.read_u128(mem, allowance_ptr)?;
        let receiver_id = self.read_account_id(mem, recv_len, recv_ptr)?;
        let names = self.mem_or_reg(mem, names_len, names_ptr)?;
        let names = split_method_names(&names)?;
        let r = self.receipt_of(p)?;
        let sir = self.is_sir(r);
        let name_bytes = names.iter().map(|n| n.len() as u64 + 1).sum();
        self.pay_fee(sir, fees::ADD_FUNCTION_CALL_KEY, 1)?;
        self.pay_fee(sir, fees::ADD_FUNCTION_CALL_KEY_PER_BYTE, name_bytes)?;
        let method_names = names
            .into_iter()
            .map(|n| String::from_utf8(n.to_vec()).map_err(|_| HostError::BadUtf8))
            .collect::<HostResult<Vec<_>>>()?;
        let permission = Permission::FunctionCall {
            allowance: (allowance > 0).then(|| allowance.to_string()),
            receiver_id,
            method_names,
        };
        let action = Action::AddKey {
            public_key,
            nonce,
            permission,
        };
        self.push_action(r, action)
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
