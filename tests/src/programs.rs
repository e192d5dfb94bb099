//! The linux-mode test programs (`guest/programs/`), built once per test process by
//! `guest/build-programs.sh` (cached outside the clone).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `guest/programs/out`, after building every program.
pub fn programs_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let script = root.join("guest/build-programs.sh");
        let status = Command::new(&script)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(status.success(), "{} failed", script.display());
        root.join("guest/programs/out")
    })
}

/// The built program `<name>.wasm`.
pub fn program_path(name: &str) -> PathBuf {
    let p = programs_dir().join(format!("{name}.wasm"));
    assert!(
        p.is_file(),
        "{} is missing after build-programs.sh",
        p.display()
    );
    p
}
