//! Requests and their payloads. One struct per request kind; [`Request`] tags them with
//! `op` so a request is one flat JSON object (`{"op":"state_get","account":…,"key":…}`).

use serde::{Deserialize, Serialize};

use super::serde_text::{base64, u128_text};

/// Declares [`Request`] with one variant per payload, and `From<payload>` for each.
macro_rules! requests {
    ($($(#[$doc:meta])* $variant:ident($payload:ident),)*) => {
        /// Any request, as it travels between front ends and handlers.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum Request {
            $($(#[$doc])* $variant($payload),)*
        }

        $(impl From<$payload> for Request {
            fn from(r: $payload) -> Self {
                Request::$variant(r)
            }
        })*
    };
}

requests! {
    /// Is anyone there.
    Ping(Ping),
    /// List an account's keys.
    StateLs(StateLs),
    /// Read one value.
    StateGet(StateGet),
    /// Write one value.
    StatePut(StatePut),
    /// Remove one key.
    StateRm(StateRm),
    /// Stream an account's state as NEAR's RPC lists it.
    StateExport(StateExport),
    /// Load an account's state from NEAR's RPC formats, in one transaction.
    StateImport(StateImport),
    /// Deploy contract code.
    Deploy(Deploy),
    /// Run a contract method.
    Call(CallSpec),
    /// Run a contract method in both modes and compare.
    Compare(CompareSpec),
    /// Report the store's disk use.
    Stats(Stats),
    /// Run a WASI program on an account's state (linux mode).
    Run(RunSpec),
    /// List accounts with their key counts and storage usage, a page at a time.
    Accounts(Accounts),
    /// Create an empty account.
    AccountCreate(AccountCreate),
    /// One page of an account's keys, by prefix, after a cursor.
    StateKeys(StateKeys),
    /// One key by its file name: its bytes, value and metadata.
    StateKey(StateKey),
}

/// `accounts`: a page of accounts in id order (see `handler::accounts`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Accounts {
    /// Start after this account id (the previous page's `next`).
    #[serde(default)]
    pub after: Option<String>,
    /// Accounts per page [default and maximum: 1000].
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `account_create`: creates an empty account (an error if it exists).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountCreate {
    /// NEAR account id.
    pub account: String,
}

/// `state_keys`: a page of an account's keys in key order, with their names and sizes
/// (see `handler::state_keys`). Seeks to the cursor: a page costs the same on any account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateKeys {
    /// NEAR account id.
    pub account: String,
    /// Only keys whose file name starts with this (`%XX` escapes are read as their byte).
    #[serde(default)]
    pub prefix: String,
    /// The previous page's `next` cursor.
    #[serde(default)]
    pub after: Option<String>,
    /// Keys per page [default: 100, maximum: 1000].
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `state_key`: one key named by its file name (`names` codec, short or long form).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateKey {
    /// NEAR account id.
    pub account: String,
    /// The key's file name.
    pub name: String,
}

/// `compare`: `call` in both modes from the same pre-state (see `Executor::compare`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompareSpec {
    /// The call (its `mode` is ignored: both run).
    #[serde(flatten)]
    pub call: CallSpec,
    /// Commit this mode's run if it succeeds [default: neither].
    #[serde(default)]
    pub commit: Option<outlayer_kernel::Mode>,
}

/// `stats`: what the daemon's store occupies (see `handler::stats`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {}

/// `ping`: answered with `"pong"`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ping {}

/// `state_ls`: streams the names of an account's keys (flat: every `/` shows as `%2F`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateLs {
    /// NEAR account id.
    pub account: String,
}

/// `state_get`: the value of one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateGet {
    /// NEAR account id.
    pub account: String,
    /// The key.
    #[serde(with = "base64")]
    pub key: Vec<u8>,
}

/// `state_put`: writes one value, creating the account if needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatePut {
    /// NEAR account id.
    pub account: String,
    /// The key.
    #[serde(with = "base64")]
    pub key: Vec<u8>,
    /// The value.
    #[serde(with = "base64")]
    pub value: Vec<u8>,
}

/// `state_rm`: removes one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateRm {
    /// NEAR account id.
    pub account: String,
    /// The key.
    #[serde(with = "base64")]
    pub key: Vec<u8>,
}

/// `state_export`: streams an account's keys and values in key order, one item per key:
/// the entry as a `view_state` result lists it, `{"key":"<base64>","value":"<base64>"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateExport {
    /// NEAR account id.
    pub account: String,
}

/// `state_import`: loads a state file (a `view_state` result, the JSON-RPC response around
/// one, or JSON lines) into an account as one transaction, checking every entry first;
/// streams progress items (see `handler::ImportProgress`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateImport {
    /// NEAR account id (created if needed).
    pub account: String,
    /// Remove the account's keys the file does not hold.
    #[serde(default)]
    pub replace: bool,
    /// Check and count, write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// How messages name the file.
    #[serde(default = "default_file_name")]
    pub name: String,
    /// The file's bytes, for callers that cannot pass a descriptor. A large state is
    /// better passed as [`StateImport::file`]: it is read as a stream, never held whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Bytes>,
    /// The open file (or pipe) to read: the CLI's own, or the one its client passed over
    /// the control socket (`SCM_RIGHTS`).
    #[serde(skip)]
    pub file: Option<std::sync::Arc<std::os::fd::OwnedFd>>,
}

fn default_file_name() -> String {
    "the state file".into()
}

/// `deploy`: installs contract code on an account, creating the account if needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deploy {
    /// NEAR account id.
    pub account: String,
    /// The wasm module, or an RPC `view_code` result holding it (its hash is checked).
    #[serde(with = "base64")]
    pub code: Vec<u8>,
}

/// `call`: runs one method of a deployed contract. Optional fields default as NEAR would
/// for a call the account makes to itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallSpec {
    /// The contract's account.
    pub account: String,
    /// The exported method.
    pub method: String,
    /// Arguments (usually JSON), passed as they are.
    #[serde(with = "base64", default)]
    pub args: Vec<u8>,
    /// A view call: no state changes, no promises, no signer.
    #[serde(default)]
    pub view: bool,
    /// Signer account [default: the contract's account].
    #[serde(default)]
    pub signer: Option<String>,
    /// Predecessor account [default: the contract's account].
    #[serde(default)]
    pub predecessor: Option<String>,
    /// Attached deposit, yoctoNEAR.
    #[serde(with = "u128_text", default)]
    pub deposit: u128,
    /// Prepaid gas [default and maximum: 1 PGas].
    #[serde(default)]
    pub gas: Option<u64>,
    /// Block height seen by the contract.
    #[serde(default = "default_block_height")]
    pub block_height: u64,
    /// Block timestamp in ns [default: when the call runs].
    #[serde(default)]
    pub block_timestamp: Option<u64>,
    /// The account's balance before the call, yoctoNEAR (the store tracks none).
    #[serde(with = "u128_text", default)]
    pub balance: u128,
    /// Wall-clock limit in seconds.
    #[serde(default = "default_timeout")]
    pub timeout: f64,
    /// How the call runs [default: the code's own mode: direct for a NEAR contract, linux
    /// for a WASI program].
    #[serde(default)]
    pub mode: Option<outlayer_kernel::Mode>,
}

fn default_block_height() -> u64 {
    1
}

fn default_timeout() -> f64 {
    outlayer_kernel::DEFAULT_TIMEOUT.as_secs_f64()
}

impl CallSpec {
    /// A change call of `method` on `account` with every option at its default.
    pub fn new(account: impl Into<String>, method: impl Into<String>, args: Vec<u8>) -> Self {
        CallSpec {
            account: account.into(),
            method: method.into(),
            args,
            view: false,
            signer: None,
            predecessor: None,
            deposit: 0,
            gas: None,
            block_height: default_block_height(),
            block_timestamp: None,
            balance: 0,
            timeout: default_timeout(),
            mode: None,
        }
    }
}

/// `run`: runs a `wasm32-wasip1` program as a task of the guest kernel, with the account's
/// state at `/near/state` (see `handler::run`). Optional fields default as `outlayerd run`'s
/// options do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunSpec {
    /// The account whose state the program sees (it must exist).
    pub account: String,
    /// The program's name, its `argv[0]`.
    pub program: String,
    /// The module.
    #[serde(with = "base64")]
    pub code: Vec<u8>,
    /// Arguments after `argv[0]`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables, `NAME=VALUE`; nothing else is set.
    #[serde(default)]
    pub env: Vec<String>,
    /// Host directories to mount.
    #[serde(default)]
    pub dirs: Vec<DirSpec>,
    /// Where the state is mounted [default: /near/state].
    #[serde(default)]
    pub state_at: Option<String>,
    /// The working directory [default: /].
    #[serde(default)]
    pub cwd: Option<String>,
    /// Wall-clock limit in seconds [default: 30].
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Gas limit [default and maximum: 1 PGas].
    #[serde(default)]
    pub gas: Option<u64>,
    /// Signer account the NEAR syscalls report [default: the account].
    #[serde(default)]
    pub signer: Option<String>,
    /// Predecessor account [default: the account].
    #[serde(default)]
    pub predecessor: Option<String>,
    /// Block height seen by the program.
    #[serde(default = "default_block_height")]
    pub block_height: u64,
    /// Block timestamp in ns: the program's clock starts there [default: now].
    #[serde(default)]
    pub block_timestamp: Option<u64>,
    /// Never commit.
    #[serde(default)]
    pub dry_run: bool,
    /// The standard streams to use, when the caller hands over its own (the CLI's, or
    /// those passed over the control socket); without them stdin is empty and the output
    /// is captured into the report.
    #[serde(skip)]
    pub stdio: Option<std::sync::Arc<super::stdio::Stdio>>,
}

/// A host directory for `run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirSpec {
    /// The host directory (absolute).
    pub host: String,
    /// Where the program sees it.
    pub guest: String,
    /// Writes refused.
    #[serde(default)]
    pub read_only: bool,
}

/// A binary result (a stored value), base64 on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bytes(#[serde(with = "base64")] pub Vec<u8>);

impl Request {
    /// The descriptors that travel with this request over the control socket: `run`'s
    /// standard streams, `state_import`'s file.
    pub fn fds(&self) -> &[std::os::fd::OwnedFd] {
        match self {
            Request::Run(r) => r.stdio.as_ref().map_or(&[], |s| &s.fds()[..]),
            Request::StateImport(r) => r.file.as_deref().map_or(&[], std::slice::from_ref),
            _ => &[],
        }
    }

    /// Gives the request the descriptors its client passed with it: three for `run`, one
    /// for `state_import`, none for anything else.
    pub fn with_fds(self, fds: Vec<std::os::fd::OwnedFd>) -> Result<Self, super::ApiError> {
        use std::sync::Arc;
        let mut fds = fds.into_iter();
        let req = match (self, fds.len()) {
            (req, 0) => req,
            (Request::Run(mut run), 3) => {
                let fds = [fds.next(), fds.next(), fds.next()];
                if let [Some(i), Some(o), Some(e)] = fds {
                    run.stdio = Some(Arc::new(super::stdio::Stdio::from_fds([i, o, e])));
                }
                Request::Run(run)
            }
            (Request::StateImport(mut import), 1) => {
                import.file = fds.next().map(Arc::new);
                Request::StateImport(import)
            }
            _ => {
                return Err(super::ApiError::new(
                    super::ErrorKind::BadRequest,
                    "descriptors are passed only with `run` (stdin, stdout, stderr) and \
                     `state_import` (the file)",
                ))
            }
        };
        Ok(req)
    }
}
