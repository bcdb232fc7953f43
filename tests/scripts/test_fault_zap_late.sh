#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_zap_late: a node whose ZAP handler is not running yet when its
# ROUTER accepts connections (docs/protocol.md 13.3, 13.12 "Who may
# talk"). libzmq then admits ANY CurveZMQ client: the handshake of a key
# outside the roster succeeds. The node must still give it nothing: every
# frame's User-Id (set only by ZAP) is checked, and a frame without a
# member's is dropped and counted (`unauthenticated` in peers).
#
# ceptoard never runs without ZAP (node_transport starts zauth before any
# socket exists), so the window is made in test builds of the daemon
# (tests/CMakeLists.txt): ceptoard_zap_late starts zauth 6 s late;
# ceptoard_zap_late_nocheck also takes a frame without a User-Id to come
# from whoever its HELLO claims to be. The production ceptoard contains
# neither (nm, strings).
#   1. positive control (nocheck): the stranger, claiming to be banking,
#      gets HELLO, HEADS and the node's entry with its plaintext: the
#      window is real, and only the User-Id check closes it;
#   2. the same stranger against ceptoard_zap_late: its handshake succeeds
#      in the window, it sends HELLO/HEADS/WANT every second, before and
#      after zauth starts, on that connection, and nothing at all comes
#      back; a NULL-mechanism client in the window gets nothing either;
#      every frame is counted as unauthenticated and logged;
#   3. once zauth runs, a new connection of the stranger is refused at the
#      handshake (ZAP 400), and the members replicate with the node both
#      ways; fsck and audit clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18850
TEST_BIN=${CEPTOAR_TEST_BIN:-$CEPTOAR_BIN/../tests}
HOSTILE=$TEST_BIN/hostile_peer
ZAP_LATE=$TEST_BIN/ceptoard_zap_late
NO_CHECK=$TEST_BIN/ceptoard_zap_late_nocheck
for b in "$HOSTILE" "$ZAP_LATE" "$NO_CHECK"; do
    [ -x "$b" ] || fail "not built: $b"
done
PRODUCTION=$DAEMON

# The fault is in the test builds only. hook_strings / hook_symbols FILE:
# how many of its strings / symbols belong to the fault injection.
hook_strings () {
    strings "$1" | grep -c "FAULT INJECTION" || true
}
hook_symbols () {
    nm "$1" 2>/dev/null | grep -c "s_fault_" || true
}
for b in "$PRODUCTION" "$CEPTOAR_BIN/../node/libceptoar_node.a"; do
    [ -f "$b" ] || fail "not built: $b"
    [ "$(hook_strings "$b")" -eq 0 ] \
        || fail "$b contains the fault injection's strings"
    [ "$(hook_symbols "$b")" -eq 0 ] \
        || fail "$b contains fault injection symbols"
    pass
done
# ... and the check would see them.
[ "$(hook_strings "$ZAP_LATE")" -gt 0 ] \
    || fail "the check cannot see the hook: $ZAP_LATE lacks its strings"
[ "$(hook_symbols "$NO_CHECK")" -gt 0 ] \
    || fail "the check cannot see the hook: $NO_CHECK lacks its symbols"
pass

TARGET=T-CEPTOAR
NODES=(T-CEPTOAR banking electricity)
council_up 2 T-CEPTOAR:telecom banking:banking electricity:electricity
TARGET_ENDPOINT=tcp://127.0.0.1:$((PORT_BASE + 1))
expect 0 "$KEYS" gen --name stranger --sector telecom --out stranger \
    --endpoint "tcp://127.0.0.1:$((PORT_BASE + 9))" --no-passphrase
P=(--kind early-warning --severity 1 --title)
# Something to steal (posted while the daemon is down: the CLI writes the
# store itself).
SECRET=$(post "$TARGET" "${P[@]}" "for members only" --level green \
    --audience council)

# window ATTACK LOG ARGS...: hostile_peer with the stranger's key against
# the target, in the background (it waits for the node to listen).
window () {
    local attack=$1 log=$2
    shift 2
    "$HOSTILE" --key stranger/node.key \
        --server-card "council/$TARGET/node.card" \
        --endpoint "$TARGET_ENDPOINT" --roster council/roster \
        --attack "$attack" "$@" > "$log" 2>&1 &
}

# start_with BINARY NAME: node_start with another daemon binary.
start_with () {
    DAEMON=$1 node_start "$2"
}

# --- 1. Positive control: no User-Id check, the stranger gets the data.
window zap-window control.log --claim banking --duration 3000
CONTROL=$!
start_with "$NO_CHECK" "$TARGET"
set +e
wait "$CONTROL"
rc=$?
set -e
OUT=$(cat control.log)
[ "$rc" -eq 1 ] || { echo "$OUT" >&2; fail "control: hostile_peer exit $rc"; }
contains "ok: the handshake succeeded"
contains "reply HELLO"
contains "reply HEADS"
contains "reply ENTRIES"
contains "item id=$SECRET payload=plaintext"
contains "FAIL: nothing came back"
node_stop "$TARGET"
grep -q "FAULT INJECTION (test build): no ZAP handler" "logs/$TARGET.log" \
    || fail "the control ran without its fault"
pass
mv "logs/$TARGET.log" "logs/$TARGET-control.log"

# --- 2. The real check: ZAP late, User-Id checked.
window zap-window window.log --claim banking --after zap-started \
    --duration 2000
STRANGER=$!
NULL_OUT=null.log
"$HOSTILE" --key council/banking/node.key \
    --server-card "council/$TARGET/node.card" \
    --endpoint "$TARGET_ENDPOINT" --attack null-mechanism \
    > "$NULL_OUT" 2>&1 &
NULL_CLIENT=$!
start_with "$ZAP_LATE" "$TARGET"
grep -q "FAULT INJECTION (test build): no ZAP handler" "logs/$TARGET.log" \
    || fail "$TARGET runs without the fault"
wait_for 30 "$TARGET starts its ZAP handler" \
    grep -q "FAULT INJECTION (test build): ZAP handler started" \
    "logs/$TARGET.log"
touch zap-started
set +e
wait "$STRANGER"
rc=$?
wait "$NULL_CLIENT"
null_rc=$?
set -e
OUT=$(cat window.log)
[ "$rc" -eq 0 ] || { echo "$OUT" >&2; fail "the stranger got something"; }
contains "event HANDSHAKE_SUCCEEDED"
contains "ok: the handshake succeeded"
contains "ok: nothing came back"
lacks "reply "
lacks "item id="
SENT=$(sed -n 's/^sent \([0-9]*\) frames (\([0-9]*\) before.*/\1/p' <<< "$OUT")
BEFORE=$(sed -n 's/^sent \([0-9]*\) frames (\([0-9]*\) before.*/\2/p' \
    <<< "$OUT")
[ -n "$SENT" ] && [ "$BEFORE" -gt 0 ] && [ "$SENT" -gt "$BEFORE" ] \
    || fail "the stranger did not talk both before and after ZAP: $SENT/$BEFORE"
pass
OUT=$(cat "$NULL_OUT")
[ "$null_rc" -eq 0 ] || { echo "$OUT" >&2; fail "NULL client: exit $null_rc"; }
contains "nothing came back"
lacks "reply "
kill -0 "${NODE_PID[$TARGET]}" || fail "$TARGET died"

# Every frame the stranger sent reached the replication engine and was
# dropped there as unauthenticated (a frame the NULL client queued never
# passes its handshake).
unauthenticated () {
    "$CLI" peers --dir "nodes/$TARGET" --json | python3 -c '
import json, sys
print(json.load(sys.stdin).get("unauthenticated", -1))'
}
counted () {
    [ "$(unauthenticated)" = "$SENT" ]
}
wait_for 30 "$TARGET counts the stranger's $SENT frames" counted
grep -q "dropped a frame from a key that is not a member's ($SENT so far)" \
    "logs/$TARGET.log" || fail "$TARGET did not log the dropped frames"
pass
expect 0 "$CLI" peers --dir "nodes/$TARGET"
contains "unauthenticated connections refused: $SENT"

# --- 3. With zauth running: a new stranger connection is refused at the
# handshake, and the members replicate normally.
expect 0 "$HOSTILE" --key stranger/node.key \
    --server-card "council/$TARGET/node.card" \
    --endpoint "$TARGET_ENDPOINT" --attack non-member
echo "$OUT" > refused.log
contains "event HANDSHAKE_FAILED_AUTH 400"
contains "nothing came back"
node_start banking
node_start electricity
for n in banking electricity; do
    wait_for 30 "$n holds the target's entry" has "$n" "$SECRET" readable
done
AFTER=$(post "$TARGET" "${P[@]}" "after the window" --level amber \
    --audience node:banking)
BACK=$(post electricity "${P[@]}" "from a member" --level green \
    --audience council)
wait_for 30 "banking holds the entry after the window" \
    has banking "$AFTER" readable
wait_for 30 "electricity holds its header" has electricity "$AFTER" not-held
wait_for 30 "$TARGET holds electricity's entry" has "$TARGET" "$BACK" readable
expect 0 "$CLI" peers --dir "nodes/$TARGET" --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["unauthenticated"] == int(sys.argv[2]), d["unauthenticated"]
names = sorted(p["name"] for p in d["peers"])
assert names == ["banking", "electricity"], names
for p in d["peers"]:
    assert p["connected"] and not p["violations"], p
' "$OUT" "$SENT" || fail "$TARGET: peers after the window: $OUT"
pass
if grep -q "bad frame" "logs/$TARGET.log"; then
    fail "$TARGET decoded a frame from the stranger"
fi
pass

council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
echo "$TEST_NAME: the stranger sent $SENT frames ($BEFORE before zauth" \
     "started), none answered"
finish
