#!/usr/bin/env bash
# Sets up the machine and runs every test of the workspace against the real parts
# (RocksDB, FUSE mounts, external tools).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/outlayer-target}"
export CARGO_TERM_COLOR=never
cargo test --workspace --locked --no-fail-fast
