#!/bin/bash
# systemd-guest.sh - the checks tests/scripts/systemd-vm.sh runs inside the booted Debian
# (as root, under its systemd, output on the serial console). The payload disk is at
# /payload: the outlayerd binary, the repository's scripts/install.sh and systemd/.
#
# Prints "@@CHECK <name> PASS|FAIL" per check (with "@@OUT" lines of what a failing one
# printed), "@@SHOW" lines worth keeping (the security table), and exits non-zero when a
# check failed.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
P=/payload
M=/near/state
DATA=/var/lib/outlayer
failed=0

ck() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "@@CHECK $name PASS"
  else
    echo "@@CHECK $name FAIL"
    printf '%s\n' "$out" | tail -20 | sed 's/^/@@OUT /'
    failed=1
  fi
}
eq() { [ "$1" = "$2" ] || { echo "got [$1], want [$2]"; return 1; }; }
cli() { outlayerd --data-dir "$DATA" "$@"; }
journal() { journalctl -u outlayerd -o cat --no-pager; }

echo "@@GUEST_START uptime=$(cut -d' ' -f1 /proc/uptime) systemd=$(systemctl --version | head -1)"

# --- install: the repository's installer, as a user would run it
ck install env OUTLAYERD_BIN=$P/outlayerd PREFIX=/usr/local $P/repo/scripts/install.sh
ck version sh -c 'outlayerd --version | grep -Eq "^outlayerd [0-9]+\.[0-9]+\.[0-9]+"'
ck man_page man -w outlayerd
man_renders() {
  local page
  page=$(MANWIDTH=80 man -P cat outlayerd 2>&1) || { echo "$page"; return 1; }
  grep -q "OUTLAYERD MOUNT" <<<"$page" || { echo "$page" | head; return 1; }
}
ck man_page_renders man_renders
bash_completes() {
  # shellcheck disable=SC1091
  . /usr/share/bash-completion/bash_completion
  _completion_loader outlayerd
  COMP_WORDS=(outlayerd mo); COMP_CWORD=1; COMP_LINE="outlayerd mo"; COMP_POINT=${#COMP_LINE}
  complete -p outlayerd >/dev/null && _outlayerd outlayerd mo outlayerd
  [[ " ${COMPREPLY[*]} " == *" mount "* ]] || { echo "completions of 'mo': ${COMPREPLY[*]}"; return 1; }
}
ck bash_completion bash_completes
ck mount_helper test "$(readlink /sbin/mount.fuse.outlayerd)" = /usr/local/bin/outlayerd
UNIT=/usr/local/lib/systemd/system/outlayerd.service
verify_clean() {
  local out
  out=$(systemd-analyze verify "$UNIT" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
}
ck analyze_verify_clean verify_clean

# --- start: active only once the mount is served
ck start systemctl start outlayerd
ck mounted_when_active mountpoint -q $M
ck fs_type eq "$(findmnt -n -o FSTYPE $M)" fuse.outlayerd
ck serves_when_active ls -la $M
ck empty_at_first eq "$(ls -A $M)" ""
ck type_notify eq "$(systemctl show -p Type --value outlayerd)" notify
ck status_text eq "$(systemctl show -p StatusText --value outlayerd)" "serving $DATA on $M"
ready_after_mount() {
  # The daemon's "mounted" line comes before systemd's "Started" line of the same start.
  local j m s
  j=$(journal)
  m=$(printf '%s\n' "$j" | grep -n 'outlayerd::mount: mounted' | tail -1 | cut -d: -f1)
  s=$(printf '%s\n' "$j" | grep -n '^Started outlayerd' | tail -1 | cut -d: -f1)
  [ -n "$m" ] && [ -n "$s" ] && [ "$m" -lt "$s" ] || { printf '%s\n' "$j"; return 1; }
}
ck ready_after_mount ready_after_mount

# --- a file written on the mount survives a restart
ck write sh -c "mkdir $M/svc.near && printf kept >$M/svc.near/greeting"
ck cli_through_control_socket eq "$(cli state get svc.near greeting)" kept
ck restart systemctl restart outlayerd
ck mounted_after_restart mountpoint -q $M
ck survives_restart eq "$(cat $M/svc.near/greeting 2>&1)" kept

# --- the journal has the daemon's lines, without colours or its own timestamps
ck journal_has_daemon_lines sh -c 'journalctl -u outlayerd -o cat --no-pager | grep -q "outlayerd::mount: mounted"'
no_escapes() { ! journal | grep -q $'\e'; }
ck journal_no_ansi no_escapes
no_timestamps() { ! journal | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'; }
ck journal_no_timestamps no_timestamps

# --- stop unmounts, cleanly
ck stop systemctl stop outlayerd
ck stop_unmounts sh -c "! mountpoint -q $M"
ck stopped_inactive eq "$(systemctl is-active outlayerd)" inactive
ck stopped_cleanly eq "$(systemctl show -p Result --value outlayerd)" success
ck state_after_stop eq "$(cli state get svc.near greeting)" kept

# --- a crashed daemon: its mount is detached, systemd restarts it, the data is there
ck start_again systemctl start outlayerd
ck kill9 sh -c "kill -9 \$(systemctl show -p MainPID --value outlayerd)"
restarted() {
  local i
  for i in $(seq 1 60); do
    [ "$(systemctl is-active outlayerd)" = active ] && [ "$(systemctl show -p NRestarts --value outlayerd)" -ge 1 ] \
      && [ "$(cat $M/svc.near/greeting 2>/dev/null)" = kept ] && return 0
    sleep 0.5
  done
  systemctl status outlayerd --no-pager; return 1
}
ck restarted_after_crash restarted
ck stop_after_crash systemctl stop outlayerd
ck unmounted_after_crash sh -c "! mountpoint -q $M"

# --- settings from /etc/outlayer/outlayerd.conf: another mountpoint, a 9P socket, read-only
cat >/etc/outlayer/outlayerd.conf <<'EOF'
OUTLAYER_MOUNTPOINT=/srv/near
OUTLAYER_MOUNT_OPTIONS=--read-only --9p-socket /run/outlayer/9p.sock
EOF
ck start_configured systemctl start outlayerd
ck configured_mountpoint eq "$(cat /srv/near/svc.near/greeting 2>&1)" kept
ck ninep_socket_when_active test -S /run/outlayer/9p.sock
ck read_only sh -c "! printf x >/srv/near/svc.near/other 2>/dev/null"
ck stop_configured systemctl stop outlayerd
ck configured_unmounted sh -c "! mountpoint -q /srv/near"

# --- the exposure score, for the README
systemd-analyze security outlayerd.service --no-pager 2>&1 | sed 's/^/@@SHOW /'
echo "@@EXPOSURE $(systemd-analyze security outlayerd.service --no-pager 2>&1 | tail -1)"
journal | tail -40 | sed 's/^/@@JOURNAL /'
exit $failed
