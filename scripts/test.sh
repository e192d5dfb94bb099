#!/usr/bin/env bash
# Sets up the machine and runs every test of the workspace against the real parts
# (RocksDB, FUSE mounts, external tools).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/outlayer-target}"
export CARGO_TERM_COLOR=never
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One line over every test target (cargo prints a result per target only).
awk '/^test result:/ { targets++; passed += $4; failed += $6; ignored += $8 }
     END { printf "\nsummary: %d test targets, %d passed, %d failed, %d ignored; cargo test exit %s\n",
                  targets, passed, failed, ignored, status }' status="$status" "$log"
exit "$status"
