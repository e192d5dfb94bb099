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
# The other contracts, in both modes: `compare` runs a call in each from the same state and
# exits 1 if status, result, logs, gas or the resulting state differ.
"$bin" deploy demo-ft.near "$contracts/fungible_token.wasm"
"$bin" call demo-ft.near new_default_meta '{"owner_id":"demo-ft.near","total_supply":"1000"}' \
  >/dev/null 2>&1 || true                                # already initialised on a re-run
"$bin" call demo-ft.near storage_deposit '{"account_id":"bob.near"}' --deposit 1000000000000000000000000 --mode linux >/dev/null
"$bin" compare demo-ft.near ft_transfer '{"receiver_id":"bob.near","amount":"1"}' --deposit 1 --commit linux
"$bin" call demo-ft.near ft_balance_of '{"account_id":"bob.near"}' --view
"$bin" deploy demo-status.near "$contracts/status_message.wasm"
"$bin" call demo-status.near new '{}' >/dev/null 2>&1 || true  # already initialised on a re-run
"$bin" compare demo-status.near set_status '{"message":"hello from both modes"}' --commit direct
"$bin" call demo-status.near get_status '{"account_id":"demo-status.near"}' --view --mode linux
cat "$mnt/demo-status.near/STATE" | od -c | head -3
# WASI programs as contracts (linux mode): the example programs of guest/programs.
guest/build-programs.sh >/dev/null 2>&1
for p in counter_syscall counter_files counter_std; do
  "$bin" deploy "demo-${p//_/-}.near" "guest/programs/out/$p.wasm"
  "$bin" call "demo-${p//_/-}.near" increment
done
cat "$mnt/demo-counter-files.near/count"
"$bin" deploy demo-kv.near guest/programs/out/kvreport.wasm
"$bin" call demo-kv.near put --args-file <(printf 'apple=red\npear=green\n')
"$bin" call demo-kv.near report --view
set +x
echo "state is mounted at $mnt (data: ${OUTLAYER_DATA_DIR:-default data dir}); unmounting"
