//! Execution modes: the ways a call can run over the same state and the same NEAR logic.

use serde::{Deserialize, Serialize};

/// How a call runs. Each mode has its runner in [`crate::executor`]; the outcome names the
/// mode it ran in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The contract's wasm runs in wasmtime with the NEAR host ABI (`env.*`), the way
    /// nearcore runs it.
    #[default]
    Direct,
    /// The contract runs as a task of the guest kernel: its host functions are the kernel's
    /// NEAR syscalls and its state is files under `/near/state`, reached over 9P. A WASI
    /// program deployed as a contract runs in this mode only.
    Linux,
}

impl Mode {
    /// The mode's name, as in outcomes and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Direct => "direct",
            Mode::Linux => "linux",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "direct" => Ok(Mode::Direct),
            "linux" => Ok(Mode::Linux),
            other => Err(format!(
                "unknown execution mode {other:?} (known: direct, linux)"
            )),
        }
    }
}
