#!/usr/bin/env bash
# Shell tools against a live outlayerd mount: ls cat echo cp mv rm mkdir rmdir truncate stat,
# each followed by an assertion. Usage: fuse_shell.sh MOUNTPOINT [DATA_DIR]
# (DATA_DIR enables cross-checks with `outlayerd state`, taken from $OUTLAYERD).
# Prints "N passed, M failed" and exits non-zero when anything failed.
set -u
MNT=${1:?usage: fuse_shell.sh MOUNTPOINT [DATA_DIR]}
DATA=${2:-}
OUTLAYERD=${OUTLAYERD:-outlayerd}
pass=0
fail=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok; else bad "$d"; fi; }
# eq DESCRIPTION EXPECTED ACTUAL
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected [$2] got [$3]"; fi; }
# fails DESCRIPTION COMMAND...: passes when the command fails.
fails() { local d=$1; shift; if "$@" 2>/dev/null; then bad "$d (succeeded)"; else ok; fi; }

A="$MNT/shell.near"

# mkdir / ls
check "mkdir account" mkdir "$A"
fails "mkdir invalid account" mkdir "$MNT/Not_An_Account"
eq "ls root" "shell.near" "$(ls "$MNT")"
check "mkdir -p nested" mkdir -p "$A/d1/d2/d3"
eq "ls nested" "d2" "$(ls "$A/d1")"

# echo / cat
echo hello > "$A/greeting"
eq "echo > then cat" "hello" "$(cat "$A/greeting")"
echo world >> "$A/greeting"
eq "echo >> appends" "$(printf 'hello\nworld')" "$(cat "$A/greeting")"
echo 5 > "$A/count"
eq "echo overwrites" "5" "$(cat "$A/count")"
echo 42 > "$A/count"
eq "echo overwrites again" "42" "$(cat "$A/count")"
eq "ls keys" "$(printf 'count\nd1\ngreeting')" "$(ls "$A")"
eq "ls -a has dot entries" "$(printf '.\n..\ncount\nd1\ngreeting')" "$(ls -a "$A")"

# stat
eq "stat size (count)" "3" "$(stat -c %s "$A/count")"
eq "stat mode file" "644" "$(stat -c %a "$A/count")"
eq "stat mode dir" "755" "$(stat -c %a "$A/d1")"
eq "stat type file" "regular file" "$(stat -c %F "$A/count")"
eq "stat type dir" "directory" "$(stat -c %F "$A/d1")"
eq "stat owner" "$(id -u)" "$(stat -c %u "$A/count")"
touch -d "2001-09-09 01:46:40 UTC" "$A/count"
eq "touch -d sets mtime" "1000000000" "$(stat -c %Y "$A/count")"
eq "content kept by touch" "42" "$(cat "$A/count")"

# cp
head -c 100000 /dev/urandom > "$WORK/blob"
check "cp in" cp "$WORK/blob" "$A/blob"
check "cp in content" cmp -s "$WORK/blob" "$A/blob"
check "cp within mount" cp "$A/blob" "$A/d1/blob2"
check "cp within content" cmp -s "$WORK/blob" "$A/d1/blob2"
check "cp out" cp "$A/d1/blob2" "$WORK/back"
check "cp out content" cmp -s "$WORK/blob" "$WORK/back"
mkdir -p "$WORK/tree/x/y"; echo one > "$WORK/tree/x/1"; echo two > "$WORK/tree/x/y/2"
check "cp -r" cp -r "$WORK/tree" "$A/tree"
eq "cp -r content" "two" "$(cat "$A/tree/x/y/2")"

# mv
check "mv file" mv "$A/greeting" "$A/d1/greeting"
fails "mv source gone" test -e "$A/greeting"
eq "mv content" "$(printf 'hello\nworld')" "$(cat "$A/d1/greeting")"
echo old > "$A/target"
check "mv replaces" mv "$A/count" "$A/target"
eq "mv replaced content" "42" "$(cat "$A/target")"
check "mv dir" mv "$A/tree" "$A/d1/tree"
eq "mv dir content" "one" "$(cat "$A/d1/tree/x/1")"
mkdir "$MNT/other.near"
check "mv across accounts (cp+rm fallback)" mv "$A/target" "$MNT/other.near/t"
eq "mv across content" "42" "$(cat "$MNT/other.near/t")"

# truncate
check "truncate shrink" truncate -s 3 "$A/blob"
eq "truncate size" "3" "$(stat -c %s "$A/blob")"
check "truncate grow" truncate -s 10 "$A/blob"
eq "truncate zeros" "00000000000000" "$(tail -c 7 "$A/blob" | od -An -tx1 | tr -d ' \n')"
fails "truncate past 4 MiB" truncate -s 4194305 "$A/blob"
eq "size unchanged after EFBIG" "10" "$(stat -c %s "$A/blob")"

# rm / rmdir
fails "rmdir non-empty" rmdir "$A/d1"
check "rm file" rm "$A/blob"
fails "rm gone" test -e "$A/blob"
check "rm -r" rm -r "$A/d1"
fails "rm -r gone" test -e "$A/d1"
mkdir "$A/empty"
check "rmdir empty" rmdir "$A/empty"
fails "rmdir gone" test -e "$A/empty"
check "rm rest" rm -f "$MNT/other.near/t"
check "rmdir account" rmdir "$MNT/other.near"

# errors
fails "ln -s" ln -s target "$A/link"
echo x > "$A/x"
fails "ln" ln "$A/x" "$A/hard"
fails "mkfifo" mkfifo "$A/fifo"
fails "cat missing" cat "$A/missing"
fails "non-canonical name" touch "$A/%41"

# cross-check with the CLI
if [ -n "$DATA" ]; then
    echo cli > "$A/fromshell"
    eq "state get" "cli" "$("$OUTLAYERD" --data-dir "$DATA" state get shell.near fromshell)"
    "$OUTLAYERD" --data-dir "$DATA" state put shell.near fromcli "put by cli"
    eq "state put then cat" "put by cli" "$(cat "$A/fromcli")"
    "$OUTLAYERD" --data-dir "$DATA" state put shell.near fromcli "tiny"
    eq "shrinking put then cat" "tiny" "$(cat "$A/fromcli")"
    eq "shrinking put then stat" "4" "$(stat -c %s "$A/fromcli")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
