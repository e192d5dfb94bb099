#!/usr/bin/env bash
# linux9p.sh - prove a 9P2000.L server against the Linux kernel's v9fs client.
# (tests/tests/ninep_linux.rs runs it against `outlayerd serve` with linux9p-state-suite.sh.)
#
# Boots a stock Debian bookworm kernel (6.1, linux-image-amd64) in QEMU with a
# tiny busybox initramfs, mounts a 9P server that runs on the HOST, runs a
# scripted set of file operations through the kernel client, prints the
# results as "@@" marker lines on the serial console (stdio), and powers off.
#
# Usage:
#   linux9p.sh [options] ENDPOINT     run the suite against a server you started
#   linux9p.sh [options] --spawn CMD spawn
#                                     start CMD (with {sock} = fresh unix socket), run, stop it
#   linux9p.sh [options] selftest     start diod (reference server) and run against it
#   linux9p.sh prepare                only build the initramfs (and check the tools)
#
# Output: "@@" lines from the guest (@@CHECK <set> req.<name>|ext.<name> PASS|FAIL ...),
# a summary, and a closing "N passed, N failed" line. req.* checks decide the exit status;
# ext.* (symlink, hardlink, chmod, truncate, utimes, statfs, ...) are reported only.
# Needs the packages scripts/setup.sh installs (qemu-system-x86, linux-image-amd64,
# busybox-static, kmod, cpio, xz-utils, zstd; diod for selftest); it installs nothing itself
# and stops with one line naming what is missing.
# Timing on a 2-core TCG-only host: ~2.3 s to the guest's /init, ~6 s for a full run with
# one option set, ~10 s with three; the first run adds ~10 s (KVM probe, kernel unpack).
#
# ENDPOINT (host side; only loopback / unix sockets are accepted):
#   unix:/path/to.sock | /path/to.sock | ./rel.sock
#   tcp:127.0.0.1:PORT | 127.0.0.1:PORT | localhost:PORT | [::1]:PORT
#
# Options:
#   --aname STR        attach name sent in Tattach (default: empty; selftest: export dir)
#   --opts 'A;B;..'    ';'-separated list of mount option sets; the suite runs once per
#                      set, each on its own fresh connection to ENDPOINT
#                      (default: 'cache=none'; 'version=9p2000.L' is always added)
#   --transport T      vserial (default): virtio-serial port, bridged by QEMU to ENDPOINT,
#                                         guest pipe relay + mount -o trans=fd
#                      vserial-direct:    trans=fd straight on /dev/vportNpM (fails on
#                                         kernels >= 5.10, kept to demonstrate why)
#                      tcp:               virtio-net + slirp (restrict=on) guestfwd to
#                                         ENDPOINT + mount -o trans=tcp
#   --suite FILE       guest shell script to run instead of the built-in suite; it is
#                      sourced with $M = mount point and the helpers ck/req/ext defined
#   --extra FILE       copy FILE into the guest as /extra/<name> (repeatable), e.g. a static
#                      test binary for a custom --suite
#   --accel A          auto (default: kvm if usable, else tcg) | kvm | tcg
#   --timeout SEC      whole-run timeout (default 600)
#   --boot-deadline S  give up when the guest's /init has not started after S s (default 120)
#   --check-timeout S  a guest check (or umount) running longer than S s fails, and the rest of
#                      that option set is skipped (default 60)
#   --suite-timeout S  bound on one whole suite run, per option set (default 300)
#   --log FILE         full console log (default: $CACHE/last-run.log)
#   --mem MB           guest RAM (default 512)
#   --spawn CMD        start the server yourself: CMD runs under bash in its own process
#                      group, every "{sock}" in it replaced by a fresh unix socket path;
#                      the harness waits (30 s) for the socket, runs against it, then
#                      kills that process group. ENDPOINT is then given as "spawn".
#                      Server output: $CACHE/last-server.log
#   -v                 stream the full serial console, not only the @@ lines
#   --diod-tcp PORT    selftest only: diod listens on 127.0.0.1:PORT instead of a unix socket
#
# Exit status: 0 when every required check passed in every option set, 1 when a
# check failed or the guest did not finish, 2 on usage / setup errors.
# Environment: LINUX9P_CACHE (default ~/.cache/linux9p) holds the built initramfs.
set -euo pipefail

SELF=$(readlink -f "$0")
CACHE=${LINUX9P_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linux9p}
ANAME=""; ANAME_SET=0
OPTS_LIST="cache=none"
TRANSPORT=vserial
SUITE=""
EXTRAS=()
ACCEL=auto
TIMEOUT=600
BOOT_DEADLINE=120
CHECK_TIMEOUT=60
SUITE_TIMEOUT=300
LOG=""
MEM=512
VERBOSE=0
DIOD_TCP=""
SPAWN=""
MAX_SETS=8

die() { echo "linux9p: $*" >&2; exit 2; }
say() { echo "linux9p: $*" >&2; }
now() { echo "${EPOCHREALTIME/,/.}"; }

# ---------------------------------------------------------------- arguments
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --aname) ANAME=$2; ANAME_SET=1; shift 2;;
    --opts) OPTS_LIST=$2; shift 2;;
    --transport) TRANSPORT=$2; shift 2;;
    --suite) SUITE=$(readlink -f "$2"); shift 2;;
    --extra) [ -r "$2" ] || die "cannot read $2"; EXTRAS+=("$(readlink -f "$2")"); shift 2;;
    --accel) ACCEL=$2; shift 2;;
    --timeout) TIMEOUT=$2; shift 2;;
    --boot-deadline) BOOT_DEADLINE=$2; shift 2;;
    --check-timeout) CHECK_TIMEOUT=$2; shift 2;;
    --suite-timeout) SUITE_TIMEOUT=$2; shift 2;;
    --log) LOG=$2; shift 2;;
    --mem) MEM=$2; shift 2;;
    --diod-tcp) DIOD_TCP=$2; shift 2;;
    --spawn) SPAWN=$2; shift 2;;
    -v) VERBOSE=1; shift;;
    -h|--help) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    --) shift; ARGS+=("$@"); break;;
    -*) die "unknown option $1";;
    *) ARGS+=("$1"); shift;;
  esac
done
[ ${#ARGS[@]} -eq 1 ] || die "need exactly one ENDPOINT (or 'selftest' / 'prepare'); see --help"
TARGET=${ARGS[0]}
case "$TRANSPORT" in vserial|vserial-direct|tcp) ;; *) die "bad --transport $TRANSPORT";; esac
case "$ACCEL" in auto|kvm|tcg) ;; *) die "bad --accel $ACCEL";; esac
[ -z "$SUITE" ] || [ -r "$SUITE" ] || die "cannot read suite $SUITE"
mkdir -p "$CACHE"
LOG=${LOG:-$CACHE/last-run.log}

# ---------------------------------------------------------------- host tools
# The tools this script runs, not a package list: scripts/setup.sh is the one place that
# says which Debian packages provide them.
check_tools() {
  local missing=() t
  for t in qemu-system-x86_64 cpio xz zstd modprobe gzip setsid timeout; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  [ "$TARGET" != selftest ] || command -v diod >/dev/null || missing+=(diod)
  [ -x /bin/busybox ] || missing+=(/bin/busybox)
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/setup.sh"
  # the guest has no libc: a dynamically linked busybox would never reach @@BOOTED
  if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is dynamically linked: install busybox-static (scripts/setup.sh)"; fi
  pick_kernel >/dev/null || die "no kernel with 9p modules under /lib/modules and /boot: install linux-image-amd64 (scripts/setup.sh)"
}

pick_kernel() {
  # newest installed kernel that has a /boot/vmlinuz and the 9p modules
  local k
  for k in $(ls -1 /lib/modules 2>/dev/null | sort -Vr); do
    [ -r "/boot/vmlinuz-$k" ] || continue
    ls "/lib/modules/$k"/kernel/fs/9p/9p.ko* >/dev/null 2>&1 || continue
    echo "$k"; return 0
  done
  return 1
}

# ---------------------------------------------------------------- initramfs
# Modules needed, in dependency order (resolved with modprobe --show-depends).
MODS="9p 9pnet_fd virtio_pci virtio_console virtio_net"

build_base_initramfs() {
  local kver=$1 out=$2 stage m f
  stage=$(mktemp -d "$CACHE/stage.XXXXXX")
  mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,mnt,etc,lib/modules}
  cp /bin/busybox "$stage/bin/busybox"
  mknod -m 600 "$stage/dev/console" c 5 1
  mknod -m 666 "$stage/dev/null" c 1 3
  : >"$stage/etc/modules.load"
  for m in $MODS; do
    modprobe -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}' | while read -r f; do
      local b; b=$(basename "$f")
      if ! grep -qx "$b" "$stage/etc/modules.load"; then
        case "$f" in
          *.ko) cp "$f" "$stage/lib/modules/$b";;
          *.ko.xz) xz -dc "$f" >"$stage/lib/modules/${b%.xz}"; b=${b%.xz};;
          *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/${b%.zst}"; b=${b%.zst};;
          *.ko.gz) gzip -dc "$f" >"$stage/lib/modules/${b%.gz}"; b=${b%.gz};;
          *) die "unexpected module file $f";;
        esac
        grep -qx "$b" "$stage/etc/modules.load" || echo "$b" >>"$stage/etc/modules.load"
      fi
    done
  done
  write_guest_init >"$stage/init"; chmod 755 "$stage/init"
  (cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0 | gzip -1) >"$out.$$"
  mv "$out.$$" "$out"
  rm -rf "$stage"
}

# /init of the guest (busybox sh). Per-run settings come from /etc/l9p.conf,
# which a second cpio archive (appended to the base one) provides.
write_guest_init() {
cat <<'GUEST_INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /run
up() { cut -d' ' -f1 /proc/uptime; }
echo "@@BOOTED uptime=$(up) kernel=$(uname -r)"
for m in $(cat /etc/modules.load); do insmod /lib/modules/$m || echo "@@WARN insmod $m failed"; done
. /etc/l9p.conf
echo "@@MODULES uptime=$(up)"

finish() {
  echo "@@DONE uptime=$(up)"
  sync
  poweroff -f
  echo o >/proc/sysrq-trigger
  sleep 5
}

port_dev() {   # $1 = virtio-serial port name -> /dev/vportXpY
  local p
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat $p/name 2>/dev/null)" = "$1" ] && { echo /dev/$(basename $p); return 0; }
  done
  return 1
}

. /etc/l9p-lib.sh
run_suite() { cd /; . /etc/l9p-tests.sh; }
if [ "$TRANSPORT" = tcp ]; then
  # slirp-internal addresses only; restrict=on on the host side
  ip link set lo up; ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || echo "@@WARN net setup failed"
fi
M=/mnt/9p
mkdir -p $M
i=0
IFS_SAVE=$IFS
IFS=';'; set -- $OPTS_LIST; IFS=$IFS_SAVE
[ $# -eq 0 ] && set -- ""
for set_opts in "$@"; do
  opts="version=9p2000.L"
  [ -n "$set_opts" ] && opts="$opts,$set_opts"
  [ -n "$ANAME" ] && opts="$opts,aname=$ANAME"
  echo "@@SET $i opts=$opts transport=$TRANSPORT"
  relay_pids=""
  case "$TRANSPORT" in
    vserial|vserial-direct)
      dev=$(port_dev l9p.$i) || { echo "@@CHECK $i req.mount FAIL no virtio port l9p.$i"; i=$((i+1)); continue; }
      if [ "$TRANSPORT" = vserial-direct ]; then
        exec 5<>$dev
        mount -t 9p -o "trans=fd,rfdno=5,wfdno=5,$opts" l9p $M; rc=$?
        exec 5>&-
      else
        # trans=fd needs files with ->read_iter/->write_iter (kernel_read/kernel_write since
        # 5.10); virtio ports only have ->read/->write, so relay through two FIFOs.
        # The kernel's ends must be opened read-only / write-only: the fd transport has
        # only 2 poll wait-queue slots, a FIFO opened O_RDWR takes 2 by itself, and then
        # no write-side wakeup arrives and any message > 64 KiB (pipe size) hangs.
        mkfifo /run/in.$i /run/out.$i
        exec 5<>$dev
        cat <&5 >/run/in.$i & relay_pids="$relay_pids $!"
        exec 3</run/in.$i
        cat </run/out.$i >&5 & relay_pids="$relay_pids $!"
        exec 4>/run/out.$i
        mount -t 9p -o "trans=fd,rfdno=3,wfdno=4,$opts" l9p $M; rc=$?
        exec 3<&- 4>&- 5>&-
      fi;;
    tcp)
      mount -t 9p -o "trans=tcp,port=$((5640+i)),$opts" 10.0.2.100 $M; rc=$?;;
  esac
  if [ $rc -ne 0 ]; then
    echo "@@CHECK $i req.mount FAIL rc=$rc"
    dmesg | tail -15 | sed 's/^/@@DMESG /'
    for p in $relay_pids; do kill $p 2>/dev/null; done
    i=$((i+1)); continue
  fi
  echo "@@CHECK $i req.mount PASS uptime=$(up)"
  grep " $M " /proc/mounts | sed 's/^/@@MOUNTINFO /'
  SET=$i
  t0=$(up)
  # the suite as a whole is bounded too (a custom suite may touch $M outside ck)
  run_to $SUITE_TIMEOUT run_suite 2>&1
  if [ $? -eq 124 ]; then echo "@@CHECK $i req.suite FAIL timeout ${SUITE_TIMEOUT}s"; : >/run/abort.$i; fi
  [ -e /run/abort.$i ] && ps | sed 's/^/@@PS /' && for p in $(ls /proc | grep '^[0-9]'); do
    grep -q p9_client_rpc /proc/$p/stack 2>/dev/null && echo "@@STUCK pid=$p comm=$(cat /proc/$p/comm) in p9_client_rpc"; done
  echo "@@SUITE_TIME $i $(awk -v a=$t0 -v b=$(up) 'BEGIN{printf "%.2f", b-a}')s"
  if [ -e /run/abort.$i ]; then
    echo "@@CHECK $i req.umount FAIL skipped (an earlier check timed out)"
    run_to 10 umount -f $M >/dev/null 2>&1 || umount -l $M
  elif run_to ${CHECK_TIMEOUT:-60} umount $M; then echo "@@CHECK $i req.umount PASS"
  else echo "@@CHECK $i req.umount FAIL"; run_to 10 umount -f $M >/dev/null 2>&1 || umount -l $M; fi
  for p in $relay_pids; do kill $p 2>/dev/null; done
  rm -f /run/in.$i /run/out.$i
  i=$((i+1))
done
dmesg | grep -E '9p|9P|kernel (read|write) not supported|BUG:|WARNING:|Oops|Call Trace' | sed 's/^/@@DMESG /'
finish
GUEST_INIT
}

# helpers available to every suite
write_guest_lib() {
cat <<'GUEST_LIB'
killtree() { local c; for c in $(awk -v P=$1 '$4==P{print $1}' /proc/[0-9]*/stat 2>/dev/null); do killtree $c; done; kill -9 $1 2>/dev/null; }
# run_to SECS CMD...: like CMD, but killed (with its children) after SECS; returns 124 then.
# CMD runs under a wrapper subshell: a process blocked in a 9P request whose Tflush is never
# answered cannot die (the kernel retries the flush wait), but its wrapper can, so the
# caller is released either way. Do not read run_to's output through a pipe or $(...):
# a stuck process keeps the pipe open; use a file.
run_to() {
  local t=$1; shift
  ( "$@"; exit $? ) & local pid=$!
  # the watchdog kills its own sleep when stopped, so no orphan holds the caller's output open
  ( trap 'kill $sp 2>/dev/null; exit 0' TERM; sleep $t & sp=$!; wait $sp
    [ -d /proc/$pid ] && { : >/run/to.$pid; killtree $pid; } ) >/dev/null 2>&1 & local wd=$!
  wait $pid; local rc=$?
  kill $wd 2>/dev/null
  if [ -e /run/to.$pid ]; then rm -f /run/to.$pid; return 124; fi
  return $rc
}
# ck CLASS NAME CMD...   CLASS is req (required) or ext (extra). After one check of a
# set times out, the remaining checks of that set are reported as failed, not run.
ck() {
  local cls=$1 name=$2 rc; shift 2
  if [ -e /run/abort.$SET ]; then echo "@@CHECK $SET $cls.$name FAIL skipped (an earlier check timed out)"; return; fi
  run_to ${CHECK_TIMEOUT:-60} "$@" >/run/ck.out 2>&1; rc=$?
  if [ $rc -eq 0 ]; then echo "@@CHECK $SET $cls.$name PASS"
  elif [ $rc -eq 124 ]; then echo "@@CHECK $SET $cls.$name FAIL timeout ${CHECK_TIMEOUT:-60}s"; : >/run/abort.$SET
  else echo "@@CHECK $SET $cls.$name FAIL rc=$rc"; head -5 /run/ck.out | sed 's/^/@@OUT /'; fi
}
req() { ck req "$@"; }
ext() { ck ext "$@"; }
eq() { [ "$1" = "$2" ] || { echo "got [$1] want [$2]"; return 1; }; }
show() { echo "$*" | sed 's/^/@@SHOW /'; }
dropcaches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
GUEST_LIB
}

# the built-in suite: creates everything under a fresh directory, removes it at the end
write_default_suite() {
cat <<'GUEST_SUITE'
T=$M/l9p-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
# everything that touches $M runs under ck/run_to, so a server that stops answering
# turns into failed checks instead of a hung guest
run_to $CHECK_TIMEOUT ls -la $M >/run/show.out 2>&1
[ $? -eq 124 ] && { echo "@@CHECK $SET req.first_listing FAIL timeout ${CHECK_TIMEOUT}s"; : >/run/abort.$SET; }
show "$(cat /run/show.out)"
req ls_root ls -la $M
ext seed_file_if_any sh -c "[ ! -e $M/hello.txt ] || cat $M/hello.txt"
req mkdir mkdir $T
req stat_dir eval 'eq "$(stat -c %F $T)" directory'
req create_write sh -c "echo hello > $T/a.txt"
req cat eval 'eq "$(cat $T/a.txt)" hello'
req append sh -c "echo world >> $T/a.txt"
req cat_after_append eval 'eq "$(cat $T/a.txt | tr "\n" +)" "hello+world+"'
req stat_file eval 'eq "$(stat -c "%s %F" $T/a.txt)" "12 regular file"'
req ls_dir eval 'eq "$(ls $T)" a.txt'
req mkdir_sub mkdir $T/sub
req mv_file mv $T/a.txt $T/sub/b.txt
req mv_old_gone eval '[ ! -e $T/a.txt ]'
req mv_new_content eval 'eq "$(cat $T/sub/b.txt | tr "\n" +)" "hello+world+"'
req mv_dir mv $T/sub $T/sub2
req ls_after_mv eval 'eq "$(ls $T | tr "\n" " ")" "sub2 "'
dd if=/dev/urandom of=/tmp/rand bs=1M count=1 2>/dev/null
want=$(md5sum </tmp/rand | cut -d' ' -f1)
req dd_write_1MiB dd if=/tmp/rand of=$T/big bs=1M count=1 conv=fsync
req dd_size eval 'eq "$(stat -c %s $T/big)" 1048576'
dropcaches
req dd_read_md5 eval 'eq "$(dd if=$T/big bs=64k 2>/dev/null | md5sum | cut -d" " -f1)" $want'
req dd_read_4k eval 'eq "$(dd if=$T/big bs=4k 2>/dev/null | md5sum | cut -d" " -f1)" $want'
# extras: not in the minimal list, but common for a real filesystem
ext overwrite_middle sh -c "printf XYZ | dd of=$T/big bs=1 seek=100 conv=notrunc 2>/dev/null && [ \"\$(dd if=$T/big bs=1 skip=100 count=3 2>/dev/null)\" = XYZ ]"
ext truncate eval 'truncate -s 100 $T/big && eq "$(stat -c %s $T/big)" 100'
ext chmod eval 'chmod 640 $T/big && eq "$(stat -c %a $T/big)" 640'
ext touch_mtime eval 'touch -d "2001-02-03 04:05:06" $T/big && eq "$(stat -c %Y $T/big)" 981173106'
ext symlink eval 'ln -s big $T/lnk && eq "$(readlink $T/lnk)" big'
ext hardlink eval 'ln $T/big $T/hard && eq "$(stat -c %h $T/big)" 2'
ext df_statfs sh -c "df $M >/dev/null"
ext rename_over eval 'echo new > $T/x && echo old > $T/y && mv $T/x $T/y && eq "$(cat $T/y)" new'
ext readdir_many eval 'for n in $(seq 1 60); do : > $T/f$n || exit 1; done; eq "$(ls $T | grep -c "^f[0-9]")" 60'
[ -e /run/abort.$SET ] || run_to $CHECK_TIMEOUT sh -c "rm -f $T/lnk $T/hard $T/y $T/f[0-9]*" 2>/dev/null
req rm_file rm $T/sub2/b.txt
req rm_gone eval '[ ! -e $T/sub2/b.txt ]'
req rm_big rm $T/big
req rmdir_sub rmdir $T/sub2
req rmdir_top rmdir $T
req top_gone eval '[ ! -e $T ]'
[ -e /run/abort.$SET ] || { run_to $CHECK_TIMEOUT ls -la $M >/run/show.out 2>&1; show "$(cat /run/show.out)"; }
GUEST_SUITE
}

build_run_initramfs() {  # $1 base, $2 out
  local stage; stage=$(mktemp -d "$CACHE/run.XXXXXX")
  mkdir -p "$stage/etc"
  {
    printf 'TRANSPORT=%q\n' "$TRANSPORT"
    printf 'ANAME=%q\n' "$ANAME"
    printf 'OPTS_LIST=%q\n' "$OPTS_LIST"
    printf 'CHECK_TIMEOUT=%q\n' "$CHECK_TIMEOUT"
    printf 'SUITE_TIMEOUT=%q\n' "$SUITE_TIMEOUT"
  } >"$stage/etc/l9p.conf"
  write_guest_lib >"$stage/etc/l9p-lib.sh"
  if [ -n "$SUITE" ]; then cp "$SUITE" "$stage/etc/l9p-tests.sh"; else write_default_suite >"$stage/etc/l9p-tests.sh"; fi
  if [ ${#EXTRAS[@]} -gt 0 ]; then mkdir -p "$stage/extra"; cp "${EXTRAS[@]}" "$stage/extra/"; fi
  { cat "$1"; (cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet --owner=0:0 | gzip -1); } >"$2"
  rm -rf "$stage"
}

# ---------------------------------------------------------------- endpoint
# Sets EP_KIND (unix|tcp), EP_PATH or EP_HOST/EP_PORT. Refuses non-loopback hosts.
parse_endpoint() {
  local e=$1
  case "$e" in
    unix:*) EP_KIND=unix; EP_PATH=${e#unix:};;
    /*|./*|../*) EP_KIND=unix; EP_PATH=$e;;
    tcp:*|*:*)
      e=${e#tcp:}
      EP_KIND=tcp; EP_PORT=${e##*:}; EP_HOST=${e%:*}; EP_HOST=${EP_HOST#[}; EP_HOST=${EP_HOST%]}
      case "$EP_HOST" in
        127.*|localhost|::1) ;;
        *) die "refusing non-loopback host '$EP_HOST' (use 127.0.0.1, localhost, ::1 or a unix socket)";;
      esac
      [[ "$EP_PORT" =~ ^[0-9]+$ ]] || die "bad port in endpoint '$1'";;
    *) die "cannot parse endpoint '$e'";;
  esac
  if [ "$EP_KIND" = unix ]; then
    EP_PATH=$(readlink -f "$EP_PATH")
    [ -S "$EP_PATH" ] || die "no unix socket at $EP_PATH (start the server first)"
    case "$EP_PATH" in *,*) die "socket path must not contain a comma";; esac
  fi
}

# QEMU chardev options for connection #$1
chardev_opts() {
  if [ "$EP_KIND" = unix ]; then echo "socket,id=c$1,path=$EP_PATH"
  else echo "socket,id=c$1,host=$EP_HOST,port=$EP_PORT"; fi
}
guestfwd_target() {
  if [ "$EP_KIND" = unix ]; then echo "unix:$EP_PATH"; else echo "tcp:$EP_HOST:$EP_PORT"; fi
}

# Uncompressed vmlinux (ELF with a PVH entry note): QEMU boots it directly and skips
# the in-guest xz decompression, which costs ~6 s under TCG. Falls back to the bzImage.
kernel_image() {
  local kver=$1 bz=/boot/vmlinuz-$1 out="$CACHE/vmlinux-$1" off
  if [ ! -s "$out" ]; then
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" 2>/dev/null | head -1 | cut -d: -f1 || true)
    if [ -n "$off" ] && { tail -c +$((off + 1)) "$bz" 2>/dev/null || true; } | xz -dc --single-stream >"$out.$$" 2>/dev/null \
       && LC_ALL=C head -c 4 "$out.$$" | grep -q ELF; then
      mv "$out.$$" "$out"
    else
      rm -f "$out.$$"; echo "$bz"; return
    fi
  fi
  echo "$out"
}

# KVM: /dev/kvm can exist while nested virtualisation is unusable (seen on a
# Firecracker VM: the guest stalls forever right after the real-mode setup). So
# "auto" boots the real guest once under KVM with a short boot deadline and caches
# the verdict in $CACHE/accel-verdict.
choose_accel() {
  case "$ACCEL" in tcg|kvm) echo "$ACCEL"; return;; esac
  if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then echo tcg; return; fi
  local f="$CACHE/accel-verdict"
  if [ -s "$f" ] && [ "$(head -1 "$f")" = "$(uname -r) $(stat -c %i /dev/kvm)" ]; then
    sed -n 2p "$f"; return
  fi
  echo probe
}

# launch_qemu ACCEL BOOT_DEADLINE -> sets QRC, BOOTED (0/1); streams console to $LOG
launch_qemu() {
  local accel=$1 deadline=$2 fifo qpid wpid line t_start cpu=()
  [ "$accel" = kvm ] && cpu=(-cpu host,arch-capabilities=off)
  fifo="$CACHE/console-$$.fifo"; rm -f "$fifo"; mkfifo "$fifo"
  t_start=$(now)
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" "${QARGS[@]}" </dev/null >"$fifo" 2>&1 &
  qpid=$!
  # boot watchdog: no "@@BOOTED" from the guest's /init within $deadline s -> stop qemu
  ( trap 'kill $sp 2>/dev/null; exit 0' TERM
    sleep "$deadline" & sp=$!; wait $sp
    grep -q '^@@BOOTED' "$LOG" || { echo "@@HOST_BOOT_TIMEOUT ${deadline}s accel=$accel" >>"$LOG"; kill "$qpid" 2>/dev/null; } ) &
  wpid=$!
  while IFS= read -r line; do
    line=${line%$'\r'}
    printf '%s\n' "$line" >>"$LOG"
    case "$line" in
      @@BOOTED*) printf '%s\n' "$line"
                 echo "@@HOST_BOOTED_AFTER $(awk -v a="$t_start" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}')s" | tee -a "$LOG";;
      @@*) printf '%s\n' "$line";;
      *) [ "$VERBOSE" -eq 1 ] && printf '%s\n' "$line";;
    esac
  done <"$fifo"
  QRC=0; wait "$qpid" || QRC=$?
  kill "$wpid" 2>/dev/null || true   # the watchdog may have ended already (it stopped qemu)
  wait "$wpid" 2>/dev/null || true
  rm -f "$fifo"
  BOOTED=0; grep -q '^@@BOOTED' "$LOG" && BOOTED=1
  return 0
}

# ---------------------------------------------------------------- run
run_guest() {
  local kver base runrd accel nsets i netdev t_start t_end kimg fw=()
  kver=$(pick_kernel) || die "no kernel with 9p modules under /lib/modules"
  base="$CACHE/base-$kver.cpio.gz"
  if [ ! -s "$base" ] || [ "$SELF" -nt "$base" ]; then
    say "building initramfs for $kver"
    build_base_initramfs "$kver" "$base"
  fi
  kimg=$(kernel_image "$kver")
  runrd="$CACHE/run-$$.cpio.gz"
  build_run_initramfs "$base" "$runrd"
  IFS=';' read -r -a _sets <<<"$OPTS_LIST"; nsets=${#_sets[@]}; [ "$nsets" -ge 1 ] || nsets=1
  [ "$nsets" -le $MAX_SETS ] || die "at most $MAX_SETS option sets"
  [ -r /usr/share/qemu/qboot.rom ] && fw=(-bios /usr/share/qemu/qboot.rom)

  QARGS=(-nodefaults -no-user-config -machine q35 "${fw[@]}" -m "$MEM" -smp 1
         -display none -monitor none -serial stdio -no-reboot
         -kernel "$kimg" -initrd "$runrd"
         -append "console=ttyS0 rdinit=/init panic=-1 loglevel=5 mitigations=off")
  case "$TRANSPORT" in
    vserial|vserial-direct)
      QARGS+=(-device virtio-serial-pci,id=vser)
      for ((i = 0; i < nsets; i++)); do
        QARGS+=(-chardev "$(chardev_opts $i)" -device "virtserialport,bus=vser.0,chardev=c$i,name=l9p.$i")
      done;;
    tcp)
      # restrict=on: the guest can reach nothing but the guestfwd targets
      netdev="user,id=n0,restrict=on,net=10.0.2.0/24"
      for ((i = 0; i < nsets; i++)); do
        # one forward (and so one fresh host connection) per option set; QEMU names the
        # chardev after the guest port, so the ports must differ
        netdev+=",guestfwd=tcp:10.0.2.100:$((5640 + i))-$(guestfwd_target)"
      done
      QARGS+=(-netdev "$netdev" -device virtio-net-pci,netdev=n0);;
  esac

  accel=$(choose_accel); BOOTED=0; QRC=0
  : >"$LOG"
  t_start=$(now)
  if [ "$accel" = probe ]; then
    say "kernel $kver ($(basename "$kimg")), transport=$TRANSPORT, endpoint=$TARGET_DESC, option sets=$nsets"
    say "probing KVM (boot deadline 10 s; TCG needs ~3 s here)"
    launch_qemu kvm 10
    if [ "$BOOTED" = 1 ]; then accel=kvm; else accel=tcg; fi
    printf '%s\n%s\n' "$(uname -r) $(stat -c %i /dev/kvm)" "$accel" >"$CACHE/accel-verdict"
    if [ "$accel" = tcg ]; then
      say "KVM guest did not boot; falling back to TCG (verdict cached in $CACHE/accel-verdict)"
      mv "$LOG" "$LOG.kvm-probe"; : >"$LOG"
      t_start=$(now)
    fi
  fi
  if [ "$accel" != kvm ] || [ "$BOOTED" != 1 ]; then
    say "kernel $kver ($(basename "$kimg")), accel=$accel, transport=$TRANSPORT, endpoint=$TARGET_DESC, option sets=$nsets"
    launch_qemu "$accel" "$BOOT_DEADLINE"
  fi
  t_end=$(now)
  rm -f "$runrd"
  echo "@@HOST_TOTAL $(awk -v a="$t_start" -v b="$t_end" 'BEGIN{printf "%.2f", b-a}')s qemu_rc=$QRC accel=$accel" | tee -a "$LOG"
  evaluate "$nsets"
}

evaluate() {
  local nsets=$1 rp rf ep ef done_ok
  rp=$(grep -c '^@@CHECK [0-9]* req\..* PASS' "$LOG" || true)
  rf=$(grep -c '^@@CHECK [0-9]* req\..* FAIL' "$LOG" || true)
  ep=$(grep -c '^@@CHECK [0-9]* ext\..* PASS' "$LOG" || true)
  ef=$(grep -c '^@@CHECK [0-9]* ext\..* FAIL' "$LOG" || true)
  done_ok=$(grep -c '^@@DONE' "$LOG" || true)
  local mounts; mounts=$(grep -c '^@@CHECK [0-9]* req\.mount PASS' "$LOG" || true)
  echo "linux9p: required: $rp passed, $rf failed; extra: $ep passed, $ef failed; mounts ok: $mounts/$nsets; guest finished: $([ "$done_ok" -gt 0 ] && echo yes || echo NO)"
  echo "linux9p: full console log: $LOG"
  if [ "$rf" -eq 0 ] && [ "$done_ok" -gt 0 ] && [ "$mounts" -eq "$nsets" ] && [ "$rp" -gt 0 ]; then
    echo "$((rp + ep)) passed, $((rf + ef)) failed"
    RESULT=0
  else
    echo "$((rp + ep)) passed, $((rf + ef)) failed"
    RESULT=1
  fi
}

# ---------------------------------------------------------------- selftest with diod
selftest() {
  local dir export sock dlog dpid
  dir=$(mktemp -d /tmp/linux9p-selftest.XXXXXX)
  export=$dir/export; mkdir -p "$export"; chmod 755 "$dir" "$export"
  echo "hello from host" >"$export/hello.txt"
  dlog=$dir/diod.log
  local listen
  if [ -n "$DIOD_TCP" ]; then listen=127.0.0.1:$DIOD_TCP; else listen=$dir/diod.sock; fi
  # -n: no auth; -c /dev/null: ignore /etc/diod.conf; -d 1: log decoded 9P messages
  diod -f -n -c /dev/null -t 4 -l "$listen" -e "$export" -d 1 -L "$dlog" &
  dpid=$!
  local k
  for k in $(seq 1 50); do
    if [ -n "$DIOD_TCP" ]; then (exec 3<>/dev/tcp/127.0.0.1/"$DIOD_TCP") 2>/dev/null && break
    else [ -S "$listen" ] && break; fi
    sleep 0.1
  done
  [ $ANAME_SET -eq 1 ] || ANAME=$export
  TARGET=$listen; [ -n "$DIOD_TCP" ] && TARGET=tcp:$listen
  parse_endpoint "$TARGET"; TARGET_DESC="diod@$TARGET"
  run_guest || true
  kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null || true
  cp "$dlog" "$CACHE/last-diod.log" 2>/dev/null || true
  echo "linux9p: diod protocol log: $CACHE/last-diod.log"
  # host-side view: only the seed file should be left
  local left; left=$(cd "$export" && ls -A | tr '\n' ' ')
  if [ "$left" = "hello.txt " ]; then echo "@@HOST_CHECK export_clean PASS"
  else echo "@@HOST_CHECK export_clean FAIL left: $left"; RESULT=1; fi
  echo "linux9p: 9P request counts (diod -d 1):"
  grep -oE 'P9_T[A-Z]+' "$dlog" | sort | uniq -c | sort -rn | sed 's/^/    /' || true
  rm -rf "$dir"
}

# ---------------------------------------------------------------- spawn a server
spawn_and_run() {
  [ -n "$SPAWN" ] || die "'spawn' needs --spawn CMD"
  local dir sock cmd spid k
  dir=$(mktemp -d /tmp/linux9p-spawn.XXXXXX); chmod 755 "$dir"
  sock=$dir/9p.sock
  cmd=${SPAWN//\{sock\}/$sock}
  say "spawning server: $cmd"
  setsid bash -c "$cmd" >"$CACHE/last-server.log" 2>&1 </dev/null &
  spid=$!
  for k in $(seq 1 300); do
    [ -S "$sock" ] && break
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -S "$sock" ]; then
    kill -- -"$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
    tail -20 "$CACHE/last-server.log" >&2; rm -rf "$dir"
    die "server did not create $sock (log: $CACHE/last-server.log)"
  fi
  TARGET=unix:$sock; parse_endpoint "$TARGET"; TARGET_DESC="spawned:$sock"
  run_guest || true
  kill -- -"$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
  echo "linux9p: server log: $CACHE/last-server.log"
  rm -rf "$dir"
}

RESULT=2
check_tools
case "$TARGET" in
  prepare)
    kver=$(pick_kernel)
    build_base_initramfs "$kver" "$CACHE/base-$kver.cpio.gz"
    say "ready: kernel $kver, initramfs $CACHE/base-$kver.cpio.gz"; exit 0;;
  selftest) selftest;;
  spawn) spawn_and_run;;
  *) [ -z "$SPAWN" ] || die "--spawn needs ENDPOINT 'spawn'"
     parse_endpoint "$TARGET"; TARGET_DESC=$TARGET; run_guest;;
esac
exit $RESULT
