//! Why a NEAR execution stops: host errors (nearcore's `HostError`, raised by host functions)
//! and the other failure kinds of an outcome, each named as nearcore names it.

/// A host-function error. Every one aborts the execution (nearcore turns them into traps);
/// the variant name is the outcome's `error.kind`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// `panic`, `panic_utf8`, `abort`, or near-sdk's `env::panic_str`.
    #[error("Smart contract panicked: {0}")]
    GuestPanic(String),
    /// Prepaid gas exhausted.
    #[error("Exceeded the prepaid gas.")]
    GasExceeded,
    /// `max_gas_burnt` exhausted.
    #[error("Exceeded the maximum amount of gas allowed to burn per contract.")]
    GasLimitExceeded,
    /// A host function a view call may not use.
    #[error("{0} is not allowed in view calls")]
    ProhibitedInView(String),
    /// `read_register` of a register never written.
    #[error("Accessed invalid register id: {0}")]
    InvalidRegisterId(u64),
    /// A pointer range outside linear memory, or a register limit.
    #[error("Accessed memory outside the bounds.")]
    MemoryAccessViolation,
    /// Invalid UTF-8.
    #[error("String encoding is bad UTF-8 sequence.")]
    BadUtf8,
    /// Invalid UTF-16.
    #[error("String encoding is bad UTF-16 sequence.")]
    BadUtf16,
    /// More than `max_number_logs` logs.
    #[error("The number of logs will exceed the limit 100")]
    NumberOfLogsExceeded,
    /// More than `max_total_log_length` bytes of logs.
    #[error("The length of a log message {0} exceeds the limit 16384")]
    TotalLogLengthExceeded(u64),
    /// A storage key over 2048 bytes.
    #[error("The length of a storage key {0} exceeds the limit 2048")]
    KeyLengthExceeded(u64),
    /// A storage value over 4 MiB.
    #[error("The length of a storage value {0} exceeds the limit 4194304")]
    ValueLengthExceeded(u64),
    /// A return value over 4 MiB.
    #[error("The length of a returned data {0} exceeds the limit 4194304")]
    ReturnedValueLengthExceeded(u64),
    /// Not a valid account id.
    #[error("VM Logic returned an invalid account id")]
    InvalidAccountId,
    /// A promise index that does not exist.
    #[error("{0} does not correspond to existing promises")]
    InvalidPromiseIndex(u64),
    /// A promise-result index out of range.
    #[error("Accessed invalid promise result index: {0}")]
    InvalidPromiseResultIndex(u64),
    /// Actions appended to a `promise_and` result.
    #[error("Actions can only be appended to non-joint promise.")]
    CannotAppendActionToJointPromise,
    /// `promise_return` of a `promise_and` result.
    #[error("Returning joint promise is currently prohibited")]
    CannotReturnJointPromise,
    /// More than 1024 promises.
    #[error("Exceeded the maximum number of promises within a function call: {0}")]
    NumberPromisesExceeded(u64),
    /// Attached deposits beyond the account balance.
    #[error("Exceeded the account balance.")]
    BalanceExceeded,
    /// A function-call action without a method name.
    #[error("Tried to call an empty method name")]
    EmptyMethodName,
    /// A malformed public key in an action.
    #[error("VM Logic provided an invalid public key")]
    InvalidPublicKey,
    /// u128/u64 arithmetic overflow.
    #[error("Integer overflow.")]
    IntegerOverflow,
    /// A deprecated host function (`storage_iter_*`).
    #[error("Attempted to call deprecated host function {0}")]
    Deprecated(String),
    /// Bad `ecrecover` input.
    #[error("ECDSA recover error: {0}")]
    EcRecoverError(String),
    /// Bad `ed25519_verify` input.
    #[error("ED25519 signature verification error: {0}")]
    Ed25519VerifyInvalidInput(String),
    /// Code in a deploy action over `max_contract_size`.
    #[error(
        "The size of a contract code in DeployContract action {size} exceeds the limit {limit}"
    )]
    ContractSizeExceeded {
        /// The code's size.
        size: u64,
        /// `max_contract_size`.
        limit: u64,
    },
    /// A code hash that is not 32 bytes.
    #[error("contract code hash is malformed")]
    ContractCodeHashMalformed,
    /// Bad `p256_verify` input.
    #[error("P256 signature verification error: {0}")]
    P256VerifyInvalidInput(String),
    /// Bad `ml_dsa_verify` input.
    #[error("ML-DSA-65 signature verification error: {0}")]
    MlDsaVerifyInvalidInput(String),
    /// Bad `alt_bn128_*` input.
    #[error("AltBn128 invalid input: {0}")]
    AltBn128InvalidInput(String),
    /// Bad `bls12381_*` input.
    #[error("BLS12-381 invalid input: {0}")]
    Bls12381InvalidInput(String),
    /// A host function this runtime does not implement (see `crate::near` docs for the list).
    #[error("unsupported host function {0}: not implemented by outlayer's direct mode")]
    Unsupported(&'static str),
    /// The state store failed (RocksDB); not a contract error.
    #[error("storage error: {0}")]
    Storage(String),
    /// A failure that the syscall convention returns to the guest as `-errno` (a storage
    /// operation refused by the task's filesystem, say); under `env` it aborts like the rest.
    #[error("system error: {}", std::io::Error::from_raw_os_error(*.0))]
    Errno(i32),
}

impl HostError {
    /// The outcome's `error.kind`: nearcore's variant name.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::GuestPanic(_) => "GuestPanic",
            HostError::GasExceeded => "GasExceeded",
            HostError::GasLimitExceeded => "GasLimitExceeded",
            HostError::ProhibitedInView(_) => "ProhibitedInView",
            HostError::InvalidRegisterId(_) => "InvalidRegisterId",
            HostError::MemoryAccessViolation => "MemoryAccessViolation",
            HostError::BadUtf8 => "BadUTF8",
            HostError::BadUtf16 => "BadUTF16",
            HostError::NumberOfLogsExceeded => "NumberOfLogsExceeded",
            HostError::TotalLogLengthExceeded(_) => "TotalLogLengthExceeded",
            HostError::KeyLengthExceeded(_) => "KeyLengthExceeded",
            HostError::ValueLengthExceeded(_) => "ValueLengthExceeded",
            HostError::ReturnedValueLengthExceeded(_) => "ReturnedValueLengthExceeded",
            HostError::InvalidAccountId => "InvalidAccountId",
            HostError::InvalidPromiseIndex(_) => "InvalidPromiseIndex",
            HostError::InvalidPromiseResultIndex(_) => "InvalidPromiseResultIndex",
            HostError::CannotAppendActionToJointPromise => "CannotAppendActionToJointPromise",
            HostError::CannotReturnJointPromise => "CannotReturnJointPromise",
            HostError::NumberPromisesExceeded(_) => "NumberPromisesExceeded",
            HostError::BalanceExceeded => "BalanceExceeded",
            HostError::EmptyMethodName => "EmptyMethodName",
            HostError::InvalidPublicKey => "InvalidPublicKey",
            HostError::IntegerOverflow => "IntegerOverflow",
            HostError::Deprecated(_) => "Deprecated",
            HostError::EcRecoverError(_) => "ECRecoverError",
            HostError::Ed25519VerifyInvalidInput(_) => "Ed25519VerifyInvalidInput",
            HostError::P256VerifyInvalidInput(_) => "P256VerifyInvalidInput",
            HostError::ContractSizeExceeded { .. } => "ContractSizeExceeded",
            HostError::ContractCodeHashMalformed => "ContractCodeHashMalformed",
            HostError::AltBn128InvalidInput(_) => "AltBn128InvalidInput",
            HostError::MlDsaVerifyInvalidInput(_) => "MlDsaVerifyInvalidInput",
            HostError::Bls12381InvalidInput(_) => "BLS12381InvalidInput",
            HostError::Unsupported(_) => "UnsupportedHostFunction",
            HostError::Storage(_) => "StorageError",
            HostError::Errno(_) => "Errno",
        }
    }

    /// What the syscall convention returns to the guest instead of aborting: `Some(errno)`
    /// for a bad argument the guest can handle (EFAULT bad pointer, EINVAL bad length or
    /// name, EFBIG value too large, EPERM a change in a view call, EILSEQ bad UTF-8), `None`
    /// for what ends the call in every convention (gas, panics, limits, broken storage).
    pub fn errno(&self) -> Option<i32> {
        Some(match self {
            HostError::MemoryAccessViolation => libc::EFAULT,
            HostError::KeyLengthExceeded(_)
            | HostError::InvalidAccountId
            | HostError::InvalidPromiseIndex(_)
            | HostError::EmptyMethodName
            | HostError::InvalidRegisterId(_) => libc::EINVAL,
            HostError::ValueLengthExceeded(_) => libc::EFBIG,
            HostError::ProhibitedInView(_) => libc::EPERM,
            HostError::BadUtf8 | HostError::BadUtf16 => libc::EILSEQ,
            HostError::Errno(e) => *e,
            _ => return None,
        })
    }

    /// The outcome's `error.message`: for a panic the contract's text verbatim.
    pub fn message(&self) -> String {
        match self {
            HostError::GuestPanic(m) => m.clone(),
            e => e.to_string(),
        }
    }
}

/// Result of a host function.
pub type HostResult<T> = Result<T, HostError>;
