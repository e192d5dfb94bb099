#!/usr/bin/env bash
# systemd-rootfs.sh OUT.img - builds the root file system the systemd test boots
# (tests/scripts/systemd-vm.sh): Debian bookworm from Debian's own packages (mmdebstrap),
# with systemd, dbus and fuse3, as a raw ext4 image.
#
# The image holds nothing of outlayerd: the test copies the binary, the units and its
# checks in on a second disk (the "payload") at every run. What the image does hold is a
# runner unit that mounts that disk, runs its guest.sh with the serial console as output,
# and powers the machine off. systemd-vm.sh caches the image under a hash of this file, so
# editing the recipe here is what rebuilds it.
#
# Needs mmdebstrap and e2fsprogs (scripts/setup.sh) and root (device nodes, ownership).
# Takes ~1-3 minutes (mostly downloads); the image is ~1 GiB sparse, ~300 MB used.
# Environment: OUTLAYER_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

out=${1:?usage: systemd-rootfs.sh OUT.img}
mirror=${OUTLAYER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=systemd,systemd-sysv,dbus,fuse3,util-linux,procps,man-db,bash-completion,binutils

for tool in mmdebstrap mke2fs; do
  command -v "$tool" >/dev/null || { echo "systemd-rootfs: missing $tool: run scripts/setup.sh" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "systemd-rootfs: needs root (device nodes, file ownership)" >&2; exit 2; }

stage=$(mktemp -d "${out%/*}/rootfs-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The runner: the payload disk's guest.sh, its output on the serial console, then power off
# (whatever it did, so a failing check never leaves the VM running until the timeout).
cat >"$stage/outlayer-test-runner.service" <<'UNIT'
[Unit]
Description=outlayerd systemd test: run the checks on the payload disk
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c "mkdir -p /payload && mount -o ro /dev/vdb /payload && /payload/guest.sh; echo @@GUEST_EXIT $?"
ExecStartPost=/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT

mmdebstrap --quiet --variant=minbase --include="$packages" \
  --customize-hook='echo outlayer-test >"$1/etc/hostname"' \
  --customize-hook='echo "/dev/vda / ext4 rw,noatime 0 1" >"$1/etc/fstab"' \
  --customize-hook="cp '$stage/outlayer-test-runner.service' \"\$1/etc/systemd/system/\"" \
  --customize-hook='chroot "$1" systemctl enable outlayer-test-runner.service' \
  --customize-hook='chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_reap.service' \
  --customize-hook='rm -rf "$1/var/cache/apt/archives" "$1/var/lib/apt/lists"/* "$1/usr/share/doc" "$1/usr/share/locale"' \
  bookworm "$stage/root" "$mirror"

# A file system made from the directory as it is (no loop mount needed); sparse on disk.
rm -f "$out.tmp"
mke2fs -q -t ext4 -L outlayer-root -d "$stage/root" "$out.tmp" 1G
mv "$out.tmp" "$out"
