#!/usr/bin/env bash
# The main job on the embedded default store: build, mount the state, work with it as
# files and through the CLI, deploy and call a contract on it, unmount. Mountpoint: $1, else $OUTLAYER_MOUNT, else /near/state.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/outlayer-target}"
# The same (debug) build the tests use, so the two README commands share one compile;
# `cargo build --release -p outlayerd` gives the fast binary.
cargo build --locked -p outlayerd
guest/build-contracts.sh >/dev/null
bin="$CARGO_TARGET_DIR/debug/outlayerd"
contracts=guest/contracts/out
mnt="${1:-${OUTLAYER_MOUNT:-/near/state}}"
mkdir -p "$mnt"

"$bin" mount "$mnt" &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null' EXIT
for _ in $(seq 100); do
  [ "$(stat -c %d "$mnt")" != "$(stat -c %d "$mnt/..")" ] && break
  sleep 0.1
done

set -x
mkdir -p "$mnt/counter.near"
echo 5 > "$mnt/counter.near/count"
cat "$mnt/counter.near/count"
"$bin" state put counter.near count 6            # through the daemon's control socket
cat "$mnt/counter.near/count"                    # the next read sees it
"$bin" state put counter.near --key-hex 00ff01 binary
ls -la "$mnt/counter.near"
"$bin" state ls counter.near
# A real near-sdk contract on the same state: its writes are files at once.
"$bin" deploy demo-counter.near "$contracts/counter.wasm"
"$bin" call demo-counter.near new '{}' >/dev/null || true   # already initialised on a re-run
"$bin" call demo-counter.near increment
"$bin" call demo-counter.near increment_by '{"amount": 5}'
od -An -tu8 "$mnt/demo-counter.near/STATE"             # the contract's state, as a file
# The same contract in linux mode: a task of the guest kernel, its state over 9P.
"$bin" call demo-counter.near increment --mode linux
"$bin" call demo-counter.near get_count --view
"$bin" call demo-counter.near decrement --view || true  # a change in a view: ProhibitedInView
set +x
echo "state is mounted at $mnt (data: ${OUTLAYER_DATA_DIR:-default data dir}); unmounting"
