//! Promise actions other than function calls: transfer, create account, deploy (own and
//! global contracts), stake, access keys, delete account. Each appends to a receipt created by `promises.rs`, pays the
//! action's fees (send burnt now, execution reserved) and is prohibited in views.

use super::errors::{HostError, HostResult};
use super::gas::{ext, fees};
use super::memory::Mem;
use super::promises::{sha256_hex, Action, Permission};
use super::{External, VmLogic};
use crate::engine::MAX_CONTRACT_SIZE;

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

fn use_global_fees() -> (fees::Fee, fees::Fee) {
    (
        fees::USE_GLOBAL_CONTRACT,
        fees::USE_GLOBAL_CONTRACT_PER_BYTE,
    )
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
        let code = self.read_code(mem, code_len, code_ptr)?;
        let action = Action::DeployContract {
            code_len: code.len() as u64,
            code_sha256: sha256_hex(&code),
        };
        let fees = (fees::DEPLOY_CONTRACT, fees::DEPLOY_CONTRACT_PER_BYTE);
        self.append_sized_action(p, fees, code.len() as u64, action)
    }

    fn deploy_global(
        &mut self,
        mem: &Mem<'_>,
        p: u64,
        code_len: u64,
        code_ptr: u64,
        deploy_mode: &'static str,
    ) -> HostResult<()> {
        let code = self.read_code(mem, code_len, code_ptr)?;
        let action = Action::DeployGlobalContract {
            code_len: code.len() as u64,
            code_sha256: sha256_hex(&code),
            deploy_mode,
        };
        let fees = (
            fees::DEPLOY_GLOBAL_CONTRACT,
            fees::DEPLOY_GLOBAL_CONTRACT_PER_BYTE,
        );
        self.append_sized_action(p, fees, code.len() as u64, action)
    }

    /// `promise_batch_action_use_global_contract(promise, code_hash_len, code_hash_ptr)`:
    /// the receiver runs the global contract with this 32-byte code hash.
    pub fn promise_batch_action_use_global_contract(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        hash_len: u64,
        hash_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_use_global_contract")?;
        let hash = self.mem_or_reg(mem, hash_len, hash_ptr)?;
        if hash.len() != 32 {
            return Err(HostError::ContractCodeHashMalformed);
        }
        let action = Action::UseGlobalContract {
            code_sha256: Some(hex::encode(&hash)),
            account_id: None,
        };
        self.append_sized_action(p, use_global_fees(), hash.len() as u64, action)
    }

    /// `promise_batch_action_use_global_contract_by_account_id(promise, account_id_len,
    /// account_id_ptr)`: the receiver runs the global contract that account deployed.
    pub fn promise_batch_action_use_global_contract_by_account_id(
        &mut self,
        mem: &mut Mem<'_>,
        p: u64,
        id_len: u64,
        id_ptr: u64,
    ) -> HostResult<()> {
        self.begin_action("promise_batch_action_use_global_contract_by_account_id")?;
        let account_id = self.read_account_id(mem, id_len, id_ptr)?;
        let len = account_id.len() as u64;
        let action = Action::UseGlobalContract {
            code_sha256: None,
            account_id: Some(account_id),
        };
        self.append_sized_action(p, use_global_fees(), len, action)
    }

    /// Contract code for a deploy action, at most `max_contract_size` bytes.
    fn read_code(&mut self, mem: &Mem<'_>, len: u64, ptr: u64) -> HostResult<Vec<u8>> {
        let code = self.mem_or_reg(mem, len, ptr)?;
        let limit = MAX_CONTRACT_SIZE as u64;
        if code.len() as u64 > limit {
            let size = code.len() as u64;
            return Err(HostError::ContractSizeExceeded { size, limit });
        }
        Ok(code)
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

    /// The end of an action with a size: its base fee, its per-byte fee for `bytes`, appended
    /// to promise `p`'s receipt.
    fn append_sized_action(
        &mut self,
        p: u64,
        (base, per_byte): (fees::Fee, fees::Fee),
        bytes: u64,
        action: Action,
    ) -> HostResult<()> {
        let r = self.receipt_of(p)?;
        let sir = self.is_sir(r);
        self.pay_fee(sir, base, 1)?;
        self.pay_fee(sir, per_byte, bytes)?;
        self.push_action(r, action)
    }

    /// The common end: pay the action's fee `n` times (cheaper when the receipt goes to this
    /// account) and append it to promise `p`'s receipt.
    fn append_action(&mut self, p: u64, fee: fees::Fee, n: u64, action: Action) -> HostResult<()> {
        let r = self.receipt_of(p)?;
        self.pay_fee(self.is_sir(r), fee, n)?;
        self.push_action(r, action)
    }
}

/// The two `promise_batch_action_deploy_global_contract*` host functions: the same action,
/// told apart by how other accounts will name the code.
macro_rules! deploy_global_contract {
    ($($(#[$doc:meta])* $name:ident => $mode:literal;)*) => {
        impl<E: External> VmLogic<E> {
            $(
                $(#[$doc])*
                pub fn $name(
                    &mut self,
                    mem: &mut Mem<'_>,
                    p: u64,
                    code_len: u64,
                    code_ptr: u64,
                ) -> HostResult<()> {
                    self.begin_action(stringify!($name))?;
                    self.deploy_global(mem, p, code_len, code_ptr, $mode)
                }
            )*
        }
    };
}

deploy_global_contract! {
    /// `promise_batch_action_deploy_global_contract(promise, code_len, code_ptr)`: deploys
    /// code others use by its hash.
    promise_batch_action_deploy_global_contract => "CodeHash";
    /// `promise_batch_action_deploy_global_contract_by_account_id(promise, code_len,
    /// code_ptr)`: deploys code others use by naming the deploying account.
    promise_batch_action_deploy_global_contract_by_account_id => "AccountId";
}
