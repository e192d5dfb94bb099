#!/usr/bin/env bash
# systemd-vm.sh - boots a real systemd (Debian bookworm, Debian's kernel, QEMU) with an
# outlayerd binary and this repository's units and installer, and runs checks in it.
# (tests/tests/systemd_service.rs runs it with tests/scripts/systemd-guest.sh.)
#
# Usage: systemd-vm.sh --binary PATH [--guest SCRIPT] [--accel auto|kvm|tcg]
#                      [--timeout SEC] [--log FILE] [-v]
#
# What happens:
#   1. The root file system image: tests/scripts/systemd-rootfs.sh, cached as
#      $CACHE/rootfs-<hash of that script>.img (1-3 minutes once; older images are removed).
#   2. A busybox initramfs that loads the kernel's virtio, ext4 and fuse modules and
#      switches to the image (cached per kernel and per version of this script).
#   3. A payload disk: the binary, the repository's scripts/install.sh and systemd/ and the
#      guest script (default tests/scripts/systemd-guest.sh). The image's runner unit runs
#      the guest script once systemd is up, its output on the serial console, then powers
#      off. The image is used through a throw-away overlay, so every run starts clean.
#   4. "@@" lines of the console are printed as they come; the full console goes to the
#      log (default $CACHE/last-run.log).
#
# Exit status: 0 when the guest script exited 0 ("@@GUEST_EXIT 0") and printed no
# "@@CHECK ... FAIL" line; 1 otherwise (or when the guest did not finish in time); 2 on
# usage or setup errors. Without a usable /dev/kvm the guest runs under TCG (slower, never
# skipped); the verdict of a KVM probe is cached in $CACHE/accel-verdict.
# Needs root and what scripts/setup.sh installs (qemu-system-x86, qemu-utils,
# linux-image-amd64, busybox-static, kmod, cpio, mmdebstrap, e2fsprogs).
# Environment: OUTLAYER_SYSTEMD_CACHE (default ~/.cache/outlayer-systemd).
set -euo pipefail

SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${OUTLAYER_SYSTEMD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/outlayer-systemd}
BINARY=""
GUEST=$HERE/systemd-guest.sh
ACCEL=auto
TIMEOUT=900
LOG=""
VERBOSE=0

die() { echo "systemd-vm: $*" >&2; exit 2; }
say() { echo "systemd-vm: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=$(readlink -f "$2"); shift 2;;
    --guest) GUEST=$(readlink -f "$2"); shift 2;;
    --accel) ACCEL=$2; shift 2;;
    --timeout) TIMEOUT=$2; shift 2;;
    --log) LOG=$2; shift 2;;
    -v) VERBOSE=1; shift;;
    -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) die "unknown argument $1 (see --help)";;
  esac
done
[ -n "$BINARY" ] && [ -x "$BINARY" ] || die "--binary must name an executable outlayerd"
[ -r "$GUEST" ] || die "cannot read guest script $GUEST"
case "$ACCEL" in auto|kvm|tcg) ;; *) die "bad --accel $ACCEL";; esac
[ "$(id -u)" = 0 ] || die "needs root (it builds a root file system)"
missing=()
for t in qemu-system-x86_64 qemu-img mmdebstrap mke2fs cpio gzip modprobe flock timeout strip; do
  command -v "$t" >/dev/null || missing+=("$t")
done
[ -x /bin/busybox ] || missing+=(/bin/busybox)
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/setup.sh"
if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is dynamically linked: install busybox-static (scripts/setup.sh)"; fi
mkdir -p "$CACHE"
LOG=${LOG:-$CACHE/last-run.log}

# ------------------------------------------------------------------ root file system
ROOTFS=$CACHE/rootfs-$(sha256sum "$HERE/systemd-rootfs.sh" | cut -c1-16).img
exec 9>"$CACHE/.lock"
flock 9   # one builder at a time; a second run waits, then finds the image
if [ ! -s "$ROOTFS" ]; then
  say "building the root file system (once; cached as $ROOTFS)"
  find "$CACHE" -maxdepth 1 -name 'rootfs-*.img' -delete
  t0=$SECONDS
  "$HERE/systemd-rootfs.sh" "$ROOTFS" || die "building the root file system failed"
  say "root file system built in $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------------ kernel and initramfs
KVER=$(ls -1 /lib/modules 2>/dev/null | sort -Vr | while read -r k; do
  [ -r "/boot/vmlinuz-$k" ] && [ -e "/lib/modules/$k/kernel/fs/fuse/fuse.ko" ] && { echo "$k"; break; }
done)
[ -n "$KVER" ] || die "no kernel with /boot/vmlinuz and the fuse module: install linux-image-amd64 (scripts/setup.sh)"
KERNEL=/boot/vmlinuz-$KVER
INITRD=$CACHE/initrd-$KVER.cpio.gz
MODULES="virtio_pci virtio_blk crc32c_generic ext4 fuse autofs4"

build_initrd() {
  local stage m f b
  stage=$(mktemp -d "$CACHE/initrd-stage.XXXXXX")
  mkdir -p "$stage"/{bin,dev,proc,sys,newroot,etc,lib/modules}
  cp /bin/busybox "$stage/bin/busybox"
  mknod -m 600 "$stage/dev/console" c 5 1
  : >"$stage/etc/modules.load"
  for m in $MODULES; do
    for f in $(modprobe -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'); do
      b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
      grep -qx "$b" "$stage/etc/modules.load" && continue
      case "$f" in
        *.ko) cp "$f" "$stage/lib/modules/$b";;
        *.ko.xz) xz -dc "$f" >"$stage/lib/modules/$b";;
        *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/$b";;
        *.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$b";;
        *) die "unexpected module file $f";;
      esac
      echo "$b" >>"$stage/etc/modules.load"
    done
  done
  # Modules loaded here stay loaded after switch_root: the image has no /lib/modules.
  cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "@@INITRD uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /etc/modules.load); do insmod /lib/modules/$m 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o rw,noatime /dev/vda /newroot; then
  echo "@@CHECK root_mount FAIL"; poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
  chmod 755 "$stage/init"
  (cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0 | gzip -1) >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$stage"
}
if [ ! -s "$INITRD" ] || [ "$SELF" -nt "$INITRD" ]; then build_initrd; fi
flock -u 9

# ------------------------------------------------------------------ this run's disks
RUN=$(mktemp -d "$CACHE/run.XXXXXX")
QPID=""
cleanup() {
  [ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
qemu-img create -q -f qcow2 -F raw -b "$ROOTFS" "$RUN/root.qcow2"
mkdir -p "$RUN/payload/repo/scripts"
# Stripped here: the release binary's line tables make it ~20 times larger.
strip --strip-debug -o "$RUN/payload/outlayerd" "$BINARY"
cp "$GUEST" "$RUN/payload/guest.sh"
chmod 755 "$RUN/payload/guest.sh"
cp "$REPO/scripts/install.sh" "$RUN/payload/repo/scripts/"
cp -r "$REPO/systemd" "$RUN/payload/repo/systemd"
size_mb=$(( $(du -sm "$RUN/payload" | cut -f1) + 32 ))
mke2fs -q -t ext4 -L payload -d "$RUN/payload" "$RUN/payload.img" "${size_mb}M"
rm -rf "$RUN/payload"

# ------------------------------------------------------------------ boot
# KVM when it works: a guest that never reaches the initramfs under KVM (nested
# virtualisation that is present but broken) means TCG from then on, for this kernel.
choose_accel() {
  local key verdict
  [ "$ACCEL" != auto ] && { echo "$ACCEL"; return; }
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
  key="$(uname -r) $(stat -c %i /dev/kvm)"
  if [ -r "$CACHE/accel-verdict" ] && [ "$(head -1 "$CACHE/accel-verdict")" = "$key" ]; then
    tail -1 "$CACHE/accel-verdict"; return
  fi
  echo probe
}

# boot ACCEL DEADLINE: runs the guest; returns 3 when it did not reach the initramfs (within
# DEADLINE seconds: the guest is then stopped).
boot() {
  local accel=$1 deadline=$2 cpu=(-cpu max) start tailpid rc
  # arch-capabilities=off: some hosts' KVM refuses that MSR and QEMU aborts.
  [ "$accel" = kvm ] && cpu=(-cpu host,arch-capabilities=off)
  : >"$LOG"
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" \
    -nodefaults -no-user-config -machine q35 -m 1024 -smp 2 \
    -display none -monitor none -serial "file:$LOG" -no-reboot \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3 systemd.show_status=false mitigations=off" \
    -drive "file=$RUN/root.qcow2,if=virtio,format=qcow2" \
    -drive "file=$RUN/payload.img,if=virtio,format=raw,readonly=on" \
    </dev/null >>"$RUN/qemu.err" 2>&1 &
  QPID=$!
  if [ "$VERBOSE" = 1 ]; then tail -n +1 -f --pid="$QPID" "$LOG" &
  else tail -n +1 -f --pid="$QPID" "$LOG" | grep --line-buffered -a '^@@' & fi
  tailpid=$!
  start=$SECONDS
  while kill -0 "$QPID" 2>/dev/null; do
    if ! grep -qa '^@@INITRD' "$LOG" && [ $((SECONDS - start)) -ge "$deadline" ]; then
      kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null || true; QPID=""
      wait "$tailpid" 2>/dev/null || true
      return 3
    fi
    sleep 0.5
  done
  rc=0; wait "$QPID" || rc=$?; QPID=""
  wait "$tailpid" 2>/dev/null || true
  say "qemu exited ($rc) after $((SECONDS - start)) s, accel=$accel"
  grep -qa '^@@INITRD' "$LOG" || return 3
}

accel=$(choose_accel)
say "kernel $KVER, image $(basename "$ROOTFS"), accel=$accel"
if [ "$accel" = probe ]; then
  if boot kvm 20; then accel=kvm; else accel=tcg; fi
  printf '%s\n%s\n' "$(uname -r) $(stat -c %i /dev/kvm)" "$accel" >"$CACHE/accel-verdict"
  [ "$accel" = kvm ] || { say "KVM guest did not start; using TCG"; boot tcg 120 || true; }
else
  boot "$accel" 120 || say "the guest did not reach its initramfs in 120 s"
fi
[ -s "$RUN/qemu.err" ] && sed 's/^/qemu: /' "$RUN/qemu.err" >&2

# ------------------------------------------------------------------ verdict
tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"
fails=$(grep -ca '^@@CHECK .* FAIL' "$LOG" || true)
passes=$(grep -ca '^@@CHECK .* PASS' "$LOG" || true)
echo "systemd-vm: $passes passed, $fails failed; full console: $LOG"
if grep -qax '@@GUEST_EXIT 0' "$LOG" && [ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]; then
  exit 0
fi
grep -qa '^@@GUEST_EXIT' "$LOG" || echo "systemd-vm: the guest did not finish (timeout ${TIMEOUT}s?)"
exit 1
