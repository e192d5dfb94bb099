#!/usr/bin/env bash
# Sets up the machine and runs every test of the workspace against the real parts
# (RocksDB, FUSE mounts, Linux's 9P client under QEMU, external tools), then the checks the
# workspace's lints promise: rustfmt, clippy with -D warnings, and the fs crate built without
# its default features.
#
# Order: every check runs, and a failed one fails the script only at the end, so one run
# (CI has 90 minutes) reports every problem, not the first. fmt comes first because it takes
# seconds; then the tests, the longest part and the one that matters most; then clippy and
# the feature build, which reuse the build scripts and dependencies the tests compiled. The
# summary line of the tests is the last line, whatever failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/outlayer-target}"
export CARGO_TERM_COLOR=never
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()

# check NAME CMD...: runs CMD, records NAME when it fails.
check() {
  local name=$1; shift
  echo "check: $name: $*"
  "$@" || failed+=("$name ($*)")
}

check fmt cargo fmt --all --check

# tests/tests/systemd_service.rs boots a real systemd with the release binary, the one that
# scripts/install.sh installs. Warm, this rebuilds only the workspace's own crates.
check release-build cargo build --release --locked -p outlayerd

set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || failed+=("tests (cargo test exit $status)")

check clippy cargo clippy --workspace --all-targets --locked -- -D warnings
# The 9P client alone (what a guest-side build links), without RocksDB, FUSE or the server.
check fs-ninep-client cargo build -p outlayer-fs --no-default-features --features ninep-client --locked

echo
for f in "${failed[@]}"; do echo "check failed: $f"; done
# One line over every test target (cargo prints a result per target only).
awk '/^test result:/ { targets++; passed += $4; failed += $6; ignored += $8 }
     END { printf "summary: %d test targets, %d passed, %d failed, %d ignored; cargo test exit %s\n",
                  targets, passed, failed, ignored, status }' status="$status" "$log"
[ ${#failed[@]} -eq 0 ]
