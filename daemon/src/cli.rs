//! Command-line interface (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use outlayer_kernel::Mode;

/// outlayerd: NEAR contract state in RocksDB, shown as files.
#[derive(Debug, Parser)]
#[command(name = "outlayerd", version, about, long_about = None)]
pub struct Cli {
    /// Data directory holding the RocksDB store [default: $XDG_DATA_HOME/outlayer]
    #[arg(long, global = true, env = "OUTLAYER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// What to log: a level (`error`, `warn`, `info`, `debug`, `trace`) or a tracing filter
    /// (`info,outlayer_fs=debug`) [default: $RUST_LOG, else `info,fuser=error`]
    #[arg(
        long = "log-level",
        visible_alias = "log",
        global = true,
        env = "OUTLAYER_LOG",
        value_name = "FILTER"
    )]
    pub log_level: Option<String>,

    /// Log line format: `text` (colours only on a terminal, never under journald) or
    /// `json` (one object per line)
    #[arg(
        long,
        global = true,
        env = "OUTLAYER_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mount the state at MOUNTPOINT and serve it until SIGINT/SIGTERM or unmount
    Mount(MountArgs),
    /// Serve the state over 9P2000.L without a FUSE mount, until SIGINT/SIGTERM
    Serve(ServeArgs),
    /// Unmount a state mount
    Umount(UmountArgs),
    /// Read and write contract state directly
    #[command(subcommand)]
    State(StateCommand),
    /// Deploy a contract to ACCOUNT (creating the account if needed)
    Deploy {
        /// NEAR account id
        account: String,
        /// The contract: a .wasm (at most 4 MiB), or the RPC `view_code` result holding it
        /// (alone or in its JSON-RPC response; its hash is checked)
        file: PathBuf,
    },
    /// Call a contract method; prints the outcome as one JSON object
    Call(CallArgs),
    /// Run a call in both modes from the same state (committing neither unless --commit);
    /// prints both outcomes, their times and whether they agree; exit 1 when they differ
    Compare(CompareArgs),
    /// Run a wasm32-wasip1 program on ACCOUNT's state (mounted at /near/state); commits
    /// what it wrote when it exits 0
    Run(RunArgs),
    /// Show what the store occupies: data directory, write-ahead log, last flush
    Stats {
        /// Print one JSON object instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `outlayerd completions bash >
    /// /usr/share/bash-completion/completions/outlayerd`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from this command line's definition
    Man,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

/// `outlayerd umount`.
#[derive(Debug, Args)]
pub struct UmountArgs {
    /// The mount point
    pub mountpoint: PathBuf,
    /// Detach at once even while busy (MNT_DETACH); for the mount of a daemon that died
    #[arg(long)]
    pub lazy: bool,
    /// Succeed when nothing is mounted at MOUNTPOINT
    #[arg(long)]
    pub if_mounted: bool,
}

/// `outlayerd call`.
#[derive(Debug, Args, Clone)]
pub struct CallArgs {
    /// The call.
    #[command(flatten)]
    pub call: CallOptions,
    /// Execution mode: `direct` (wasmtime with the NEAR host functions) or `linux` (a task
    /// of the guest kernel, state over 9P) [default: direct for a NEAR contract, linux for
    /// a WASI program]
    #[arg(long)]
    pub mode: Option<Mode>,
}

/// `outlayerd compare`.
#[derive(Debug, Args, Clone)]
pub struct CompareArgs {
    /// The call.
    #[command(flatten)]
    pub call: CallOptions,
    /// Commit the run of this mode (`direct` or `linux`) if it succeeds [default: neither]
    #[arg(long, value_name = "MODE")]
    pub commit: Option<Mode>,
}

/// What `call` and `compare` share: the call itself.
#[derive(Debug, Args, Clone)]
pub struct CallOptions {
    /// The contract's account
    pub account: String,
    /// The exported method
    pub method: String,
    /// Arguments as JSON [default: no arguments]
    #[arg(conflicts_with = "args_file")]
    pub args: Option<String>,
    /// Read the arguments (any bytes) from this file
    #[arg(long, value_name = "FILE")]
    pub args_file: Option<PathBuf>,
    /// A view call: no state changes, no promises, no signer
    #[arg(long)]
    pub view: bool,
    /// Signer account [default: the contract's account]
    #[arg(long, value_name = "ID")]
    pub signer: Option<String>,
    /// Predecessor account [default: the contract's account]
    #[arg(long, value_name = "ID")]
    pub predecessor: Option<String>,
    /// Attached deposit in yoctoNEAR
    #[arg(long, value_name = "YOCTO", default_value_t = 0)]
    pub deposit: u128,
    /// Prepaid gas [default and maximum: 1 PGas = 10^15]
    #[arg(long, value_name = "GAS")]
    pub gas: Option<u64>,
    /// Block height seen by the contract
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub block_height: u64,
    /// Block timestamp in ns [default: now]
    #[arg(long, value_name = "NS")]
    pub block_timestamp: Option<u64>,
    /// Wall-clock limit in seconds
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
}

/// `outlayerd run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The account whose state the program sees (it must exist)
    pub account: String,
    /// The program: a wasm32-wasip1 command module
    pub program: PathBuf,
    /// Arguments for the program (after `--`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
    /// Set an environment variable (the program sees no others)
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Mount a host directory read-write at GUEST [default: the same path]
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    /// Mount a host directory read-only
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]")]
    pub dirs_ro: Vec<String>,
    /// Where the account's state is mounted (`/` makes it the root)
    #[arg(long, value_name = "GUEST", default_value = "/near/state")]
    pub state_at: String,
    /// The program's working directory
    #[arg(long, value_name = "GUEST", default_value = "/")]
    pub cwd: String,
    /// Wall-clock limit in seconds
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Gas limit [default and maximum: 1 PGas = 10^15]
    #[arg(long, value_name = "GAS")]
    pub gas: Option<u64>,
    /// Signer account the NEAR syscalls report [default: ACCOUNT]
    #[arg(long, value_name = "ID")]
    pub signer: Option<String>,
    /// Predecessor account [default: ACCOUNT]
    #[arg(long, value_name = "ID")]
    pub predecessor: Option<String>,
    /// Block height seen by the program
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub block_height: u64,
    /// Block timestamp in ns, where the program's clock starts [default: now]
    #[arg(long, value_name = "NS")]
    pub block_timestamp: Option<u64>,
    /// Never commit, whatever the exit status
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON object (exit status, output, gas, syscalls, duration) instead of
    /// passing the program's streams through
    #[arg(long)]
    pub json: bool,
}

/// `outlayerd mount`.
#[derive(Debug, Args)]
pub struct MountArgs {
    /// Where to mount (an existing, empty directory)
    pub mountpoint: PathBuf,
    /// Refuse every change (EROFS)
    #[arg(long)]
    pub read_only: bool,
    /// Let other users access the mount (needs user_allow_other in /etc/fuse.conf)
    #[arg(long)]
    pub allow_other: bool,
    /// FUSE worker threads [default: one per core, at most 4]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Return once the mount is live and keep serving in the background (what mount(8)
    /// and /etc/fstab use); an error before that is reported and the exit status is 1
    #[arg(long, conflicts_with = "premount")]
    pub background: bool,
    /// Only mount the FUSE connection and hand it to systemd's file descriptor store, for
    /// the `mount` the unit starts next to serve (the hardened unit's ExecStartPre=+)
    #[arg(long)]
    pub premount: bool,
    #[command(flatten)]
    /// 9P listeners besides the mount
    pub ninep: NinepArgs,
    #[command(flatten)]
    /// The web console
    pub http: HttpArgs,
}

/// `outlayerd serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    /// Where to listen (default: the 9P socket in the runtime directory)
    pub ninep: NinepArgs,
    #[command(flatten)]
    /// The web console
    pub http: HttpArgs,
}

/// The web console (`daemon/src/http`).
#[derive(Debug, Args, Clone, Default)]
pub struct HttpArgs {
    /// Serve the web console on this address, e.g. 127.0.0.1:8080 (port 0 picks a free one);
    /// its URL, with the access token, is printed at start
    #[arg(long = "http", id = "http_addr", value_name = "ADDR")]
    pub addr: Option<std::net::SocketAddr>,
    /// Allow --http on an address that is not loopback (anyone who reaches it with the
    /// token controls the daemon; the Host header is then not checked)
    #[arg(long = "http-allow-remote", requires = "http_addr")]
    pub allow_remote: bool,
}

/// 9P2000.L listeners.
#[derive(Debug, Args, Clone, Default)]
pub struct NinepArgs {
    /// Serve 9P on this Unix socket (created mode 0600: its permissions are the access
    /// control) [serve's default: $XDG_RUNTIME_DIR/outlayer/9p.sock]
    #[arg(long = "9p-socket", id = "ninep_socket", value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Serve 9P on this TCP address (loopback only, e.g. 127.0.0.1:5640)
    #[arg(long = "9p-listen", id = "ninep_listen", value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Attach read-only whatever the aname says
    #[arg(long = "9p-read-only", id = "ninep_read_only")]
    pub read_only: bool,
}

/// `outlayerd state …`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List an account's keys, one file name per line
    Ls {
        /// NEAR account id
        account: String,
    },
    /// Print one value
    Get {
        /// NEAR account id
        account: String,
        /// The key
        #[command(flatten)]
        key: KeyArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Raw)]
        format: Format,
    },
    /// Write one value
    Put {
        /// NEAR account id
        account: String,
        /// The key
        #[command(flatten)]
        key: KeyArgs,
        /// The value (as text)
        #[arg(required_unless_present = "value_file", conflicts_with = "value_file")]
        value: Option<String>,
        /// Read the value from this file (`-` for stdin)
        #[arg(long, value_name = "FILE")]
        value_file: Option<PathBuf>,
    },
    /// Remove one key
    Rm {
        /// NEAR account id
        account: String,
        /// The key
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Write an account's state to stdout as NEAR's RPC `view_state` query lists it,
    /// in key order
    Export {
        /// NEAR account id
        account: String,
        /// `rpc`: one `{"values":[{"key":…,"value":…},…]}` document (the view_state
        /// result); `jsonl`: one `{"key":…,"value":…}` per line (keys and values base64)
        #[arg(long, value_enum, default_value_t = ExportFormat::Rpc)]
        format: ExportFormat,
    },
    /// Load a state file into ACCOUNT in one transaction: a view_state result, the whole
    /// JSON-RPC response around one, or JSON lines (as `export` writes them)
    Import {
        /// NEAR account id (created if needed)
        account: String,
        /// The state file (`-` for stdin)
        file: PathBuf,
        /// Also remove the account's keys that the file does not hold
        #[arg(long)]
        replace: bool,
        /// Check the file and report what would change; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Print the counts as one JSON object on stdout
        #[arg(long)]
        json: bool,
    },
}

/// Output format of `state export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The RPC view_state result: {"values":[…]}
    Rpc,
    /// JSON lines: one {"key":…,"value":…} per line
    Jsonl,
}

/// How a key is given on the command line.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The key: text, or hex / base64 with the flags below
    pub key: String,
    /// KEY is hex-encoded bytes
    #[arg(long, conflicts_with = "key_base64")]
    pub key_hex: bool,
    /// KEY is base64-encoded bytes
    #[arg(long)]
    pub key_base64: bool,
}

/// Output format of `state get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The bytes as they are
    Raw,
    /// Lower-case hex
    Hex,
    /// Standard base64
    Base64,
    /// Pretty-printed JSON (fails if the value is not JSON)
    Json,
}
