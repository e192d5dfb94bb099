#!/usr/bin/env bash
# Installs what outlayerd needs to build, run and test on Debian. Idempotent: a repeat run
# checks what is there and installs nothing. This is the project's one list of system
# packages: the tests and their harnesses check for what they use and name this script
# when something is missing; nothing may rely on a package installed by hand.
set -euo pipefail

packages=(
  build-essential clang libclang-dev pkg-config   # librocksdb-sys (C++ and bindgen)
  fuse3                                           # fusermount3, /etc/fuse.conf
  bindfs diod                                     # benchmark baselines (FUSE, 9P)
  sqlite3 git rsync procps psmisc                 # end-to-end tests use real tools
  # guest/build-programs.sh: C test programs for linux mode, built with Debian's clang
  # for wasm32-wasi against wasi-libc (wasm-ld is in lld, the builtins in libclang-rt).
  lld llvm wasi-libc libclang-rt-14-dev-wasm32       # llvm: llvm-ar for C in Rust crates (SQLite)
  # tests/scripts/linux9p.sh: Debian's own kernel under QEMU mounts our 9P server with the
  # kernel's v9fs client; busybox-static is the guest's userland (the dynamic busybox
  # cannot run in an initramfs without libc), kmod resolves the 9p modules' dependencies,
  # cpio/xz-utils/zstd build the initramfs and unpack the kernel image and modules.
  qemu-system-x86 linux-image-amd64 busybox-static kmod cpio xz-utils zstd
  # tests/tests/web_console.rs: the web console in Debian's Chromium, driven by
  # playwright-core (npm ci into ~/.cache/outlayer-npm by the test, from tests/web's lock).
  # Node and npm come from Debian unless a Node with its npm is already there (NodeSource's
  # nodejs package ships npm and conflicts with Debian's npm): see below the list.
  chromium
  # tests/scripts/systemd-vm.sh: a real systemd (Debian bookworm made by mmdebstrap from
  # Debian's packages, e2fsprogs makes its ext4 image) booted under QEMU with the same
  # kernel; qemu-utils' qemu-img gives every run a throw-away overlay of the cached image.
  mmdebstrap qemu-utils e2fsprogs
)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}" >&2
  # DPkg::Lock::Timeout: another apt on the machine makes us wait, not fail.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  log=$(mktemp)
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install \
      -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "setup: apt-get install ${missing[*]} failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

if [ ! -e /dev/fuse ]; then
  modprobe fuse 2>/dev/null || true
  [ -e /dev/fuse ] || { echo "setup: /dev/fuse is missing and the fuse module cannot be loaded" >&2; exit 1; }
fi

# rustup installs the toolchain pinned in rust-toolchain.toml on first use; test.sh also
# needs its rustfmt and clippy components.
command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }
cd "$(dirname "$0")/.."
cargo --version >/dev/null
# Linux-mode test programs are wasm32-wasip1 (guest/build-programs.sh).
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
for c in rustfmt clippy; do
  cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1 \
    || { echo "setup: the toolchain has no $c (add it to rust-toolchain.toml components)" >&2; exit 1; }
done
