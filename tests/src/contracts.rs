//! The test contracts of `guest/contracts` (near-sdk), built on first use.
//!
//! The one copy for the workspace. It is a module of the `outlayer-tests` library, and
//! `kernel/tests/direct.rs` includes this file with `#[path]` rather than depend on
//! `outlayer-tests`, which depends on the kernel through `outlayerd` (why:
//! `tests/src/lib.rs`). So it uses only std.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Directory of the built contracts, `guest/contracts/out`. The first caller in a test
/// process runs `guest/build-contracts.sh` (a no-op of about a second when they are up to
/// date), so tests never run stale builds.
pub fn contracts_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Every crate of the workspace sits one level below its root.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let script = root.join("guest/build-contracts.sh");
        let status = Command::new(&script)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            status.success(),
            "{} failed: the contracts must build",
            script.display()
        );
        root.join("guest/contracts/out")
    })
}

/// The built contract `<name>.wasm` (`name` with `_`, as build-contracts.sh writes it).
pub fn contract_path(name: &str) -> PathBuf {
    let p = contracts_dir().join(format!("{name}.wasm"));
    assert!(
        p.is_file(),
        "{} is missing after guest/build-contracts.sh",
        p.display()
    );
    p
}
