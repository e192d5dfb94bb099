#!/usr/bin/env bash
# Installs what outlayerd needs to build, run and test on Debian. Idempotent: a repeat run
# checks what is there and installs nothing.
set -euo pipefail

packages=(
  build-essential clang libclang-dev pkg-config   # librocksdb-sys (C++ and bindgen)
  fuse3                                           # fusermount3, /etc/fuse.conf
  bindfs                                          # benchmark baseline
  sqlite3 git rsync procps psmisc                 # end-to-end tests use real tools
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -e /dev/fuse ]; then
  modprobe fuse 2>/dev/null || true
  [ -e /dev/fuse ] || { echo "setup: /dev/fuse is missing and the fuse module cannot be loaded" >&2; exit 1; }
fi

# rustup installs the toolchain pinned in rust-toolchain.toml on first use.
command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }
(cd "$(dirname "$0")/.." && cargo --version >/dev/null)
