//! The promise API: receipts a call creates (receiver, actions, deposits, gas) are recorded in
//! the outcome rather than executed, and `promise_result*` answer as for a top-level call.

use serde::Serialize;

use super::abi::Bytes;
use super::errors::{HostError, HostResult};
use super::gas::{ext, fees, Gas};
use super::memory::Mem;
use super::{External, VmLogic};

/// `max_promises_per_function_call_action`.
pub const MAX_PROMISES: usize = 1_024;

/// A receipt created by the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The account it is sent to.
    pub receiver_id: String,
    /// Indices (in the outcome's `receipts`) whose results this receipt waits for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<u64>,
    /// The actions, in order.
    pub actions: Vec<Action>,
    /// Where refunds go, when set by `promise_set_refund_to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_to: Option<String>,
}

/// Permission of an added access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum Permission {
    /// Full access.
    FullAccess,
    /// Function calls to `receiver_id` (any method when `method_names` is empty).
    FunctionCall {
        /// Gas allowance in yoctoNEAR; `None` is unlimited.
        allowance: Option<String>,
        /// The only receiver it may call.
        receiver_id: String,
        /// Methods it may call.
        method_names: Vec<String>,
    },
}

/// One action of a receipt. Amounts are decimal yoctoNEAR strings (u128 does not fit JSON
/// numbers); public keys are `"ed25519:<hex>"` / `"secp256k1:<hex>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
#[allow(missing_docs)]
pub enum Action {
    CreateAccount,
    DeployContract {
        code_len: u64,
        code_sha256: String,
    },
    FunctionCall {
        method_name: String,
        /// The arguments parsed as JSON, when they are JSON.
        args: Option<serde_json::Value>,
        args_base64: String,
        deposit: String,
        gas: Gas,
        gas_weight: u64,
    },
    Transfer {
        deposit: String,
    },
    Stake {
        stake: String,
        public_key: String,
    },
    AddKey {
        public_key: String,
        nonce: u64,
        permission: Permission,
    },
    DeleteKey {
        public_key: String,
    },
    DeleteAccount {
        beneficiary_id: String,
    },
    DeployGlobalContract {
        code_len: u64,
        code_sha256: String,
        /// How other accounts name it: `"CodeHash"` or `"AccountId"` (this account).
        deploy_mode: &'static str,
    },
    UseGlobalContract {
        /// The global contract's code hash (hex), when named by hash.
        #[serde(skip_serializing_if = "Option::is_none")]
        code_sha256: Option<String>,
        /// The account that deployed it, when named by account.
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<String>,
    },
}

/// The inputs of a function-call action.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    /// The method name.
    pub method: Bytes,
    /// The arguments.
    pub args: Bytes,
    /// The attached deposit, 16 little-endian bytes.
    pub amount: Bytes,
    /// The gas given to the call.
    pub gas: Gas,
}

impl FunctionCall {
    /// The `env` convention: method and arguments are "memory or register", the amount a
    /// u128 in memory.
    pub(crate) fn env(
        m_len: u64,
        m_ptr: u64,
        a_len: u64,
        a_ptr: u64,
        amount_ptr: u64,
        gas: Gas,
    ) -> Self {
        FunctionCall {
            method: Bytes::env(m_len, m_ptr),
            args: Bytes::env(a_len, a_ptr),
            amount: Bytes::Memory {
                ptr: amount_ptr,
                len: 16,
            },
            gas,
        }
    }
}

/// A promise index names one receipt or, after `promise_and`, several.
#[derive(Debug, Clone)]
pub(crate) enum Promise {
    Receipt(u64),
    Joint(Vec<u64>),
}

pub(super) fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

fn fee(sir: bool, f: fees::Fee) -> (Gas, Gas) {
    (if sir { f.0 } else { f.1 }, f.2)
}

impl<E: External> VmLogic<E> {
    /// An account id from memory or a register (`utf8_decoding_*` charged, validated).
    pub(crate) fn read_account_id(
        &mut self,
        mem: &Mem<'_>,
        len: u64,
        ptr: u64,
    ) -> HostResult<String> {
        self.read_account_id_from(mem, Bytes::env(len, ptr))
    }

    /// An account id input, paid as nearcore pays it (the read, then UTF-8 decoding).
    pub(crate) fn read_account_id_from(&mut self, mem: &Mem<'_>, id: Bytes) -> HostResult<String> {
        let b = self.read_bytes(mem, id)?;
        self.gas.burn(ext::UTF8_DECODING_BASE)?;
        self.gas.pay_per(ext::UTF8_DECODING_BYTE, b.len() as u64)?;
        let s = String::from_utf8(b).map_err(|_| HostError::InvalidAccountId)?;
        outlayer_fs::AccountId::new(&s).map_err(|_| HostError::InvalidAccountId)?;
        Ok(s)
    }

    pub(super) fn read_public_key(
        &mut self,
        mem: &Mem<'_>,
        len: u64,
        ptr: u64,
    ) -> HostResult<String> {
        let b = self.mem_or_reg(mem, len, ptr)?;
        match (b.first(), b.len()) {
            (Some(0), 33) => Ok(format!("ed25519:{}", hex::encode(&b[1..]))),
            (Some(1), 65) => Ok(format!("secp256k1:{}", hex::encode(&b[1..]))),
            _ => Err(HostError::InvalidPublicKey),
        }
    }

    /// Burns the send fee and reserves the execution fee of an action.
    pub(super) fn pay_fee(&mut self, sir: bool, f: fees::Fee, n: u64) -> HostResult<()> {
        let (send, exec) = fee(sir, f);
        self.gas
            .pay_action(send.saturating_mul(n), exec.saturating_mul(n))
    }

    fn new_receipt(&mut self, receiver_id: String, depends_on: Vec<u64>) -> HostResult<u64> {
        if self.receipts.len() >= MAX_PROMISES {
            return Err(HostError::NumberPromisesExceeded(
                self.receipts.len() as u64 + 1,
            ));
        }
        let sir = receiver_id == self.ctx.current_account_id;
        let (send, exec) = fee(sir, fees::ACTION_RECEIPT_CREATION);
        let mut burn = send;
        for d in &depends_on {
            let dep_sir = self.receipts.get(*d as usize).map(|r| &r.receiver_id)
                == Some(&self.ctx.current_account_id);
            // Both creation and execution of data receipts count as burnt, as in nearcore.
            let (dsend, dexec) = fee(dep_sir, fees::DATA_RECEIPT_CREATION_BASE);
            burn = burn.saturating_add(dsend).saturating_add(dexec);
        }
        self.gas.pay_action(burn, exec)?;
        self.receipts.push(Receipt {
            receiver_id,
            depends_on,
            actions: Vec::new(),
            refund_to: None,
        });
        let idx = self.receipts.len() as u64 - 1;
        self.promises.push(Promise::Receipt(idx));
        Ok(self.promises.len() as u64 - 1)
    }

    /// The receipt a promise index names, for appending an action (joint promises can't).
    pub(super) fn receipt_of(&self, promise_idx: u64) -> HostResult<usize> {
        match self.promises.get(promise_idx as usize) {
            Some(Promise::Receipt(r)) => Ok(*r as usize),
            Some(Promise::Joint(_)) => Err(HostError::CannotAppendActionToJointPromise),
            None => Err(HostError::InvalidPromiseIndex(promise_idx)),
        }
    }

    pub(super) fn push_action(&mut self, receipt: usize, action: Action) -> HostResult<()> {
        let r = self
            .receipts
            .get_mut(receipt)
            .ok_or(HostError::InvalidPromiseIndex(receipt as u64))?;
        r.actions.push(action);
        Ok(())
    }

    pub(super) fn is_sir(&self, receipt: usize) -> bool {
        self.receipts.get(receipt).map(|r| &r.receiver_id) == Some(&self.ctx.current_account_id)
    }

    /// Takes `amount` from the balance. As nearcore, 1 yocto attached from a zero balance
    /// (near-sdk's "one yocto" security deposits) is not deducted.
    pub(super) fn deduct(&mut self, amount: u128) -> HostResult<()> {
        if amount == 1 && self.balance == 0 {
            return Ok(());
        }
        self.balance = self
            .balance
            .checked_sub(amount)
            .ok_or(HostError::BalanceExceeded)?;
        Ok(())
    }

    /// A receipt to `account` with one function call: a new one, or (`after`) one that
    /// waits for that promise. Returns the promise index (`promise_create`/`promise_then`).
    pub fn call_promise(
        &mut self,
        mem: &mut Mem<'_>,
        after: Option<u64>,
        account: Bytes,
        call: FunctionCall,
    ) -> HostResult<u64> {
        let p = self.new_batch(mem, after, account)?;
        self.add_function_call(mem, p, call, 0)?;
        Ok(p)
    }

    /// `promise_and(promise_idx_ptr, count)`: a joint promise over u64 LE indices.
    pub fn promise_and(&mut self, mem: &mut Mem<'_>, ptr: u64, count: u64) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_and")?;
        self.gas.burn(ext::PROMISE_AND_BASE)?;
        let bytes = count.checked_mul(8).ok_or(HostError::IntegerOverflow)?;
        self.gas.pay_per(ext::PROMISE_AND_PER_PROMISE, bytes)?;
        let raw = self.read_mem(mem, ptr, bytes)?;
        let mut receipts = Vec::new();
        for c in raw.chunks_exact(8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            let idx = u64::from_le_bytes(a);
            match self.promises.get(idx as usize) {
                Some(Promise::Receipt(r)) => receipts.push(*r),
                Some(Promise::Joint(rs)) => receipts.extend_from_slice(rs),
                None => return Err(HostError::InvalidPromiseIndex(idx)),
            }
        }
        self.promises.push(Promise::Joint(receipts));
        Ok(self.promises.len() as u64 - 1)
    }

    /// An empty receipt to `account`: new, or (`after`) waiting for that promise
    /// (`promise_batch_create`/`promise_batch_then`).
    pub fn new_batch(
        &mut self,
        mem: &mut Mem<'_>,
        after: Option<u64>,
        account: Bytes,
    ) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view(match after {
            None => "promise_batch_create",
            Some(_) => "promise_batch_then",
        })?;
        let account = self.read_account_id_from(mem, account)?;
        let deps = match after {
            None => Vec::new(),
            Some(idx) => match self.promises.get(idx as usize) {
                Some(Promise::Receipt(r)) => vec![*r],
                Some(Promise::Joint(rs)) => rs.clone(),
                None => return Err(HostError::InvalidPromiseIndex(idx)),
            },
        };
        self.new_receipt(account, deps)
    }

    /// `promise_set_refund_to(promise, account_id_len, account_id_ptr)`.
    pub fn promise_set_refund_to(
        &mut self,
        mem: &mut Mem<'_>,
        promise_idx: u64,
        acc_len: u64,
        acc_ptr: u64,
    ) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_set_refund_to")?;
        let account = self.read_account_id(mem, acc_len, acc_ptr)?;
        let r = self.receipt_of(promise_idx)?;
        if let Some(r) = self.receipts.get_mut(r) {
            r.refund_to = Some(account);
        }
        Ok(())
    }

    /// Appends a function call to promise `promise_idx`; unused gas is shared among
    /// weighted calls at the end of a successful call.
    pub fn add_function_call(
        &mut self,
        mem: &mut Mem<'_>,
        promise_idx: u64,
        call: FunctionCall,
        gas_weight: u64,
    ) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_batch_action_function_call")?;
        let amount = self.read_u128_from(mem, call.amount)?;
        let method = self.read_bytes(mem, call.method)?;
        if method.is_empty() {
            return Err(HostError::EmptyMethodName);
        }
        let args = self.read_bytes(mem, call.args)?;
        let method_name = String::from_utf8(method).map_err(|_| HostError::BadUtf8)?;
        let r = self.receipt_of(promise_idx)?;
        let sir = self.is_sir(r);
        self.pay_fee(sir, fees::FUNCTION_CALL, 1)?;
        let n = (method_name.len() + args.len()) as u64;
        self.pay_fee(sir, fees::FUNCTION_CALL_PER_BYTE, n)?;
        self.gas.pay_action(0, call.gas)?;
        self.deduct(amount)?;
        use base64::Engine as _;
        let action = Action::FunctionCall {
            method_name,
            args: serde_json::from_slice(&args).ok(),
            args_base64: base64::engine::general_purpose::STANDARD.encode(&args),
            deposit: amount.to_string(),
            gas: call.gas,
            gas_weight,
        };
        self.push_action(r, action)
    }

    /// `promise_results_count()`: 0 for a top-level call.
    pub fn promise_results_count(&mut self, _m: &mut Mem<'_>) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_results_count")?;
        Ok(0)
    }

    /// `promise_result(result_idx, register_id)`: a top-level call has no results, so every
    /// index is invalid.
    pub fn promise_result(&mut self, _m: &mut Mem<'_>, idx: u64, _reg: u64) -> HostResult<u64> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_result")?;
        Err(HostError::InvalidPromiseResultIndex(idx))
    }

    /// `promise_return(promise)`: the call's result becomes that receipt's result.
    pub fn promise_return(&mut self, _m: &mut Mem<'_>, p: u64) -> HostResult<()> {
        self.gas.burn(ext::BASE)?;
        self.not_in_view("promise_return")?;
        self.gas.burn(ext::PROMISE_RETURN)?;
        match self.promises.get(p as usize) {
            Some(Promise::Receipt(r)) => {
                self.return_data = super::logs::ReturnData::ReceiptIndex(*r);
                Ok(())
            }
            Some(Promise::Joint(_)) => Err(HostError::CannotReturnJointPromise),
            None => Err(HostError::InvalidPromiseIndex(p)),
        }
    }

    /// Shares the unused prepaid gas among function calls with a weight, as nearcore does
    /// at the end of a successful call; the last weighted call gets the rounding remainder.
    pub(crate) fn distribute_unused_gas(&mut self) {
        let unused = self.gas.prepaid().saturating_sub(self.gas.used());
        let total: u128 = self.weighted().map(|(_, w)| u128::from(w)).sum();
        if unused == 0 || total == 0 {
            return;
        }
        let mut given: Gas = 0;
        let slots: Vec<_> = self.weighted().collect();
        let last = slots.len().saturating_sub(1);
        for (n, ((r, a), w)) in slots.into_iter().enumerate() {
            let share = if n == last {
                unused - given
            } else {
                (u128::from(unused) * u128::from(w) / total) as Gas
            };
            given += share;
            if let Some(Action::FunctionCall { gas, .. }) =
                self.receipts.get_mut(r).and_then(|x| x.actions.get_mut(a))
            {
                *gas = gas.saturating_add(share);
            }
        }
    }

    /// (receipt, action) positions and weights of weighted function calls.
    fn weighted(&self) -> impl Iterator<Item = ((usize, usize), u64)> + '_ {
        self.receipts.iter().enumerate().flat_map(|(r, rec)| {
            rec.actions
                .iter()
                .enumerate()
                .filter_map(move |(a, act)| match act {
                    Action::FunctionCall { gas_weight, .. } if *gas_weight > 0 => {
                        Some(((r, a), *gas_weight))
                    }
                    _ => None,
                })
        })
    }
}
