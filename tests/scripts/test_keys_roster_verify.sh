#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_roster_verify: 'roster verify' checks a chain from a trusted
# version (or the genesis) given in any order, and refuses rollbacks, gaps
# and forks, naming both sides of a fork; 'roster sign --from' shows each
# signer exactly what a change does, and at a terminal a change is never
# signed without it (nor without 'y'); a running node refuses the same
# rollback, gap and fork and keeps its roster.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18290
C=council
make_council "$C" 2 TEL:telecom BANK:banking SEC:securities GAS:gas

# sign_all FROM DRAFT SUFFIX NAME...: signatures of NAME... over DRAFT.
sign_all () {
    local from=$1 draft=$2 suffix=$3
    shift 3
    for n in "$@"; do
        "$KEYS" roster sign --from "$from" --key "$C/$n/node.key" --yes \
            --out "$n.$suffix" "$draft" >/dev/null 2>&1 \
            || fail "$n could not sign $draft"
    done
}
sigs () { local s=$1; shift; for n in "$@"; do echo "$n.$s"; done; }

# --- What a signer is shown -------------------------------------------------
"$KEYS" gen --name RAIL --sector railway --out RAIL --no-passphrase \
    --endpoint tcp://127.0.0.1:18299 >/dev/null
"$KEYS" gen --name GAS --sector gas --out GAS2 --no-passphrase >/dev/null
expect 0 "$KEYS" roster change --from "$C/roster" --add-card RAIL/node.card \
    --remove SEC --rotate GAS=GAS2/node.card --threshold 3 \
    --group energy=GAS,RAIL --out v2.draft
expect 0 "$KEYS" roster sign --from "$C/roster" --key "$C/TEL/node.key" --yes \
    --out probe.sig v2.draft
contains "Changes from version 1 to version 2:"
contains "ADDED     RAIL (railway)"
contains "REMOVED   SEC (securities)"
contains "ROTATED   GAS"
OLD_GAS=$(sed -n 's/^fingerprint: //p' "$C/GAS/node.card")
NEW_GAS=$(sed -n 's/^fingerprint: //p' GAS2/node.card)
contains "sign-key $OLD_GAS -> $NEW_GAS"
contains "threshold 2 of 4 members -> 3 of 4 members"
contains "group energy       (none) -> GAS, RAIL"
contains "RETIRED   key"
# A draft that does not follow the roster given is not signed.
expect 0 "$KEYS" roster change --from "$C/roster" --threshold 3 --out other.draft
expect 1 "$KEYS" roster sign --from v2.draft --key "$C/TEL/node.key" --yes \
    --out never.sig other.draft
contains "does not follow"
[ ! -e never.sig ] || fail "a signature was written for a draft off the chain"
pass
# Without --from a script (--yes) is warned that the change cannot be
# shown.
expect 0 "$KEYS" roster sign --key "$C/TEL/node.key" --yes --out warn.sig \
    other.draft
contains "WARNING: without --from"

# At a terminal (script(1) gives the tool a pseudo-terminal; the answer is
# typed on it): a person is never asked to sign a change it cannot see.
# at_terminal ANSWER CMD...: run CMD at a terminal, ANSWER typed; OUT gets
# what it printed and ends with the line "exit N".
at_terminal () {
    local answer=$1
    shift
    local cmd
    printf -v cmd '%q ' "$@"
    OUT=$(printf '%s\n' "$answer" \
        | script -qec "$cmd; echo \"exit \$?\"" /dev/null 2>&1)
}
at_terminal y "$KEYS" roster sign --key "$C/TEL/node.key" --out tty0.sig \
    other.draft
contains "this draft changes version 1: give that version with --from"
contains "exit 2"
lacks "Sign this roster?"
[ ! -e tty0.sig ] || fail "a change was signed at a terminal without --from"
pass
# With --from, the changes, then the question; anything but y declines.
at_terminal n "$KEYS" roster sign --from "$C/roster" --key "$C/TEL/node.key" \
    --out tty1.sig v2.draft
contains "ADDED     RAIL (railway)"
contains "Sign this roster? [y/N]"
contains "not signed"
contains "exit 2"
[ ! -e tty1.sig ] || fail "a declined signature was written"
pass
at_terminal y "$KEYS" roster sign --from "$C/roster" --key "$C/TEL/node.key" \
    --out tty1.sig v2.draft
contains "REMOVED   SEC (securities)"
contains "signed roster version 2 as TEL"
contains "exit 0"
[ -s tty1.sig ] || fail "the accepted signature was not written"
pass
# Ctrl-C at a passphrase prompt (echo off) gives the terminal its echo
# back, and the tool still dies of the signal, having written nothing.
expect 0 python3 - "$KEYS" <<'PY'
import os, pty, signal, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "gen", "--name", "X", "--sector",
                           "telecom", "--out", "sigint-key"])
seen, deadline = b"", time.time() + 10
while b"Passphrase:" not in seen and time.time() < deadline:
    seen += os.read(fd, 100)
assert b"Passphrase:" in seen, seen
assert not termios.tcgetattr(fd)[3] & termios.ECHO, "echo was on"
os.kill(pid, signal.SIGINT)
_, status = os.waitpid(pid, 0)
assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
assert termios.tcgetattr(fd)[3] & termios.ECHO, "echo left off"
assert not os.path.exists("sigint-key"), "a key was written"
print("echo restored")
PY
contains "echo restored"
# The genesis draft has nothing to change from: no --from needed.
at_terminal y "$KEYS" roster sign --key "$C/TEL/node.key" --out tty2.sig \
    "$C/roster"
contains "genesis (no previous version)"
contains "exit 0"

# A group set to no members is removed.
expect 0 "$KEYS" roster change --from v2.draft --group energy= --out nogroup.d
lacks "energy"
grep -q '^group: energy' nogroup.d && fail "the group was not removed"
pass
expect 2 "$KEYS" roster change --from v2.draft --group nosuch= --out x.d
contains "no group named \"nosuch\""

# --- A chain: v1, v2, v3; a fork of v2 --------------------------------------
expect 0 "$KEYS" roster change --from "$C/roster" --threshold 3 --out v2.d
sign_all "$C/roster" v2.d s2 TEL BANK SEC
expect 0 "$KEYS" roster combine --from "$C/roster" --out v2 v2.d \
    $(sigs s2 TEL BANK SEC)
expect 0 "$KEYS" roster change --from v2 --remove SEC --out v3.d
sign_all v2 v3.d s3 TEL BANK GAS
expect 0 "$KEYS" roster combine --from v2 --out v3 v3.d $(sigs s3 TEL BANK GAS)
expect 0 "$KEYS" roster change --from "$C/roster" --remove GAS --out v2f.d
sign_all "$C/roster" v2f.d s2f TEL BANK
expect 0 "$KEYS" roster combine --from "$C/roster" --out v2fork v2f.d \
    $(sigs s2f TEL BANK)

# Any order; from the genesis or from a trusted version. Each version's
# body hash is printed in full: the BLAKE2b-256 of the file up to its
# first signature line, which the paper log and 'roster show' hold.
body_hash () { grep -v '^signature: ' "$1" | b2sum -l 256 | cut -d' ' -f1; }
expect 0 "$KEYS" roster verify v3 "$C/roster" v2
contains "chain valid: version 3 is in force
  body hash $(body_hash v3) (as 'ceptoar roster show' prints it)"
contains "v2: version 2 valid: signed by 3 of its members (3 needed) and 3 of version 1's (2 needed); 4 members
  body hash $(body_hash v2)"
expect 0 "$KEYS" roster verify --trusted v2 v3
contains "v2: version 2 trusted as given
  body hash $(body_hash v2)"
contains "chain valid: version 3 is in force"
# Without the genesis or --trusted: say what to give.
expect 1 "$KEYS" roster verify v2 v3
contains "GAP: no genesis (version 1) was given before version 2"
contains "--trusted"
# An unsigned draft beside the real version 2 is skipped, and said.
expect 0 "$KEYS" roster verify --trusted "$C/roster" v2.d v2 v3
contains "'v2.d' is not a valid version 2"
# Rollback: older than trusted, and the trusted one replayed as new.
expect 1 "$KEYS" roster verify --trusted v2 "$C/roster"
contains "ROLLBACK: '$C/roster' is version 1, older than the trusted version 2"
expect 1 "$KEYS" roster verify --trusted v3 v2 v3
contains "ROLLBACK"
expect 1 "$KEYS" roster verify --trusted v2 v2
contains "is the trusted version 2 itself"
# Gap.
expect 1 "$KEYS" roster verify --trusted "$C/roster" v3
contains "GAP: no version 2 was given"
expect 1 "$KEYS" roster verify "$C/roster" v3
contains "GAP"
# Fork: both named.
expect 1 "$KEYS" roster verify "$C/roster" v2 v2fork v3
contains "FORK: two different version 2s are both validly signed"
contains "'v2'"
contains "'v2fork'"
expect 1 "$KEYS" roster verify --trusted v2 v2fork
contains "FORK: 'v2fork' is another version 2"

# --- Revoked keys count for nothing, offline too ---------------------------
# SEC revoked its key; a version 2 signed by SEC and BANK meets version 1's
# threshold (2) only with SEC's signature. Told the revocation (its
# certificate, or a node's notices file), combine and verify refuse it and
# say why; without it the offline tools cannot know.
expect 0 "$KEYS" revoke-cert --key "$C/SEC/node.key" --out sec.revoke
{ cat sec.revoke; echo; } > node-notices
expect 0 "$KEYS" roster change --from "$C/roster" --remove GAS --out rv.d
sign_all "$C/roster" rv.d srv SEC BANK
for n in sec.revoke node-notices; do
    expect 1 "$KEYS" roster combine --from "$C/roster" --notices "$n" \
        --out rv rv.d $(sigs srv SEC BANK)
    contains "revoked: the key $(sed -n 's/^fingerprint: //p' \
        "$C/SEC/node.card") of SEC (its own certificate)"
    contains "has 1 of 2 signatures needed from the members of version 1 (the signature of a revoked key does not count)"
    [ ! -e rv ] || fail "combine wrote a roster that needs a revoked key"
    pass
done
expect 0 "$KEYS" roster combine --from "$C/roster" --out rv rv.d \
    $(sigs srv SEC BANK)
expect 0 "$KEYS" roster verify "$C/roster" rv
expect 1 "$KEYS" roster verify --notices node-notices "$C/roster" rv
contains "the signature of a revoked key does not count"
# Notices that are not valid, or missing, are errors, never ignored.
sed 's/^name: SEC$/name: SEK/' sec.revoke > forged.revoke
expect 1 "$KEYS" roster verify --notices forged.revoke "$C/roster" rv
contains "is neither a valid notice"
expect 2 "$KEYS" roster verify --notices no-such-file "$C/roster" rv
contains "cannot read notices 'no-such-file'"

# --- The same at a running node --------------------------------------------
mkdir -p nodes logs
node_init TEL tcp://127.0.0.1:18291
node_start TEL
expect 0 "$CLI" roster apply --dir nodes/TEL v2
contains "roster version 2 in force"
cp nodes/TEL/roster in-force.v2
for bad in "$C/roster" v3-gap v2fork; do
    case $bad in
        v3-gap)
            # v3 follows v2; a v4 drafted from v3 skips a version here.
            expect 0 "$KEYS" roster change --from v3 --threshold 2 --out v4.d
            sign_all v3 v4.d s4 TEL BANK GAS
            expect 0 "$KEYS" roster combine --from v3 --out v4 v4.d \
                $(sigs s4 TEL BANK GAS)
            expect 1 "$CLI" roster apply --dir nodes/TEL v4
            contains "versions go up by exactly one"
            ;;
        v2fork)
            expect 1 "$CLI" roster apply --dir nodes/TEL v2fork
            contains "the roster chain has forked"
            ;;
        *)
            expect 1 "$CLI" roster apply --dir nodes/TEL "$bad"
            contains "not newer than the version in force (2)"
            ;;
    esac
    cmp -s nodes/TEL/roster in-force.v2 || fail "$bad changed the roster"
    pass
done
expect 0 "$CLI" roster show --dir nodes/TEL --json
contains '"version": 2'
expect 0 "$CLI" roster show --dir nodes/TEL
contains "hash       $(body_hash v2)"
node_stop TEL
echo "$TEST_NAME: $CHECKS checks passed"
