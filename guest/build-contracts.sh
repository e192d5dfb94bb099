#!/usr/bin/env bash
# Builds the test contracts of guest/contracts/ for wasm32-unknown-unknown, as cargo-near does
# (`--cfg near` routes near-sdk panics to `panic_utf8`; `-s` strips symbols), and copies them to
# $OUT_DIR (default: guest/contracts/out/<name>.wasm, names with `_`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ws="$here/contracts"
out="${OUT_DIR:-$ws/out}"
target_dir="${CONTRACTS_TARGET_DIR:-${CARGO_TARGET_DIR:-$ws/target}-contracts}"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

cd "$ws"
RUSTFLAGS='--cfg near -C link-arg=-s' CARGO_TARGET_DIR="$target_dir" \
    cargo build --target wasm32-unknown-unknown --release --locked "$@"
mkdir -p "$out"
for c in counter fungible_token status_message probe; do
    cp "$target_dir/wasm32-unknown-unknown/release/$c.wasm" "$out/$c.wasm"
done
echo "contracts in $out"
