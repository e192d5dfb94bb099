#!/usr/bin/env bash
# Builds the linux-mode test and example programs of guest/programs/ for wasm32-wasip1 and
# copies them to $OUT_DIR (default: guest/programs/out/<name>.wasm): the Rust ones with
# cargo, the C ones (guest/programs/c/*.c, plain wasi-libc; guest/programs/c-syscall/*.c,
# with the NEAR syscalls) with Debian's clang and wasi-libc (scripts/setup.sh installs
# them). Build products are cached outside the clone, beside the cargo target directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ws="$here/programs"
out="${OUT_DIR:-$ws/out}"
target_dir="${PROGRAMS_TARGET_DIR:-${CARGO_TARGET_DIR:-$ws/target}-programs}"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
    rustup target add wasm32-wasip1
fi
mkdir -p "$out"

cd "$ws"
# SQLite (rusqlite's bundled C) compiles with Debian's clang against wasi-libc.
export CC_wasm32_wasip1="${CC_wasm32_wasip1:-clang}"
export CFLAGS_wasm32_wasip1="${CFLAGS_wasm32_wasip1:---target=wasm32-wasi --sysroot=/usr}"
export AR_wasm32_wasip1="${AR_wasm32_wasip1:-llvm-ar}"
CARGO_TARGET_DIR="$target_dir" cargo build --target wasm32-wasip1 --release --locked "$@"
for p in conformance probe counter counter_std sqlite-app; do
    cp "$target_dir/wasm32-wasip1/release/$p.wasm" "$out/$p.wasm"
done

# C with nothing but wasi-libc: one program per file; rebuilt when the source is newer than
# the module.
for src in "$ws"/c/*.c; do
    name="$(basename "$src" .c)"
    if [ ! -e "$out/$name.wasm" ] || [ "$src" -nt "$out/$name.wasm" ]; then
        clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -o "$out/$name.wasm" "$src"
    fi
done
# uutils coreutils, from its crates.io source, as a real program for the tests on state.
# Built once per machine (several minutes) into the cache beside the target directory; the
# build tree is removed afterwards, the binary kept.
coreutils_root="$target_dir/coreutils-root"
if [ ! -s "$coreutils_root/bin/coreutils.wasm" ]; then
    cargo install coreutils --version 0.12.0 --locked --target wasm32-wasip1 \
        --no-default-features --features feat_wasm \
        --root "$coreutils_root" --target-dir "$target_dir/coreutils-build"
    rm -rf "$target_dir/coreutils-build"
fi
cp "$coreutils_root/bin/coreutils.wasm" "$out/coreutils.wasm"

# The design note's C example, compiled unchanged with our headers and syscall().
near_src=("$ws"/c-near/*.c "$here"/lib/near_syscall.c)
if [ ! -e "$out/increment_counter.wasm" ] || [ -n "$(find "${near_src[@]}" "$here"/include \
        -newer "$out/increment_counter.wasm" 2>/dev/null)" ]; then
    clang --target=wasm32-wasi --sysroot=/usr -O2 -I "$here/include" \
        -o "$out/increment_counter.wasm" "${near_src[@]}"
fi
# C contracts on the NEAR syscalls: one program per file, each linked with the syscall()
# library; rebuilt when the source, the library or a header is newer than the module.
for src in "$ws"/c-syscall/*.c; do
    name="$(basename "$src" .c)"
    if [ ! -e "$out/$name.wasm" ] || [ -n "$(find "$src" "$here"/lib/near_syscall.c \
            "$here"/include -newer "$out/$name.wasm" 2>/dev/null)" ]; then
        clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -I "$here/include" \
            -o "$out/$name.wasm" "$src" "$here"/lib/near_syscall.c
    fi
done
echo "programs in $out"
