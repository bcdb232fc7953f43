#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_nonmember: a key that is not in the roster, and a client
# with no CurveZMQ at all, get nothing from a running node (docs/protocol.md
# 13.3, 13.12 "Who may talk"): ZAP refuses the stranger's handshake, the
# NULL mechanism never completes one, no frame reaches the replication
# engine (`ceptoar peers`: nothing unauthenticated, no member blamed), and
# the node keeps replicating with its members meanwhile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17900
HOSTILE="${CEPTOAR_TEST_BIN:-$CEPTOAR_BIN/../tests}/hostile_peer"
[ -x "$HOSTILE" ] || fail "hostile_peer not built ($HOSTILE)"

TARGET=T-CEPTOAR
NODES=(T-CEPTOAR banking electricity)
council_up 2 T-CEPTOAR:telecom banking:banking electricity:electricity
for n in "${NODES[@]}"; do node_start "$n"; done
TARGET_ENDPOINT=tcp://127.0.0.1:17901

# A stranger: a well-formed key and card, in no roster.
expect 0 "$KEYS" gen --name stranger --sector telecom --out stranger \
    --endpoint tcp://127.0.0.1:17909 --no-passphrase

# stranger_attack NAME: hostile_peer must see nothing at all come back.
stranger_attack () {
    expect 0 "$HOSTILE" --key stranger/node.key \
        --server-card "council/$TARGET/node.card" \
        --endpoint "$TARGET_ENDPOINT" --roster council/roster --attack "$1"
    echo "$OUT" > "attack-$1.log"
    contains "nothing came back"
    lacks "reply "
    kill -0 "${NODE_PID[$TARGET]}" || fail "$TARGET died during $1"
    pass
}

# The stranger over CURVE: ZAP refuses the handshake (libzmq tells the
# client: status 400).
stranger_attack non-member
contains "event HANDSHAKE_FAILED_AUTH 400"
lacks "event HANDSHAKE_SUCCEEDED"
# A member's own key without CURVE (NULL mechanism): the CURVE server
# never completes the handshake either.
expect 0 "$HOSTILE" --key council/banking/node.key \
    --server-card "council/$TARGET/node.card" \
    --endpoint "$TARGET_ENDPOINT" --attack null-mechanism
echo "$OUT" > attack-null-mechanism.log
contains "nothing came back"
lacks "reply "
lacks "event HANDSHAKE_SUCCEEDED"
# And the stranger without CURVE.
stranger_attack null-mechanism

# Meanwhile, and afterwards, the members replicate as before.
P=(--kind early-warning --severity 1 --title)
ID=$(post "$TARGET" "${P[@]}" "after the strangers" --level green \
    --audience council)
for n in banking electricity; do
    wait_for 30 "$n holds the entry" has "$n" "$ID" readable
done
BACK=$(post banking "${P[@]}" "from a member" --level green \
    --audience council)
wait_for 30 "$TARGET holds banking's entry" has "$TARGET" "$BACK" readable

# No frame of theirs reached replication: nothing unauthenticated, and no
# member was blamed for what strangers sent.
expect 0 "$CLI" peers --dir "nodes/$TARGET" --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["running"], d
assert d.get("unauthenticated", 0) == 0, d.get("unauthenticated")
names = sorted(p["name"] for p in d["peers"])
assert names == ["banking", "electricity"], names
for p in d["peers"]:
    assert not p["violations"], p
' "$OUT" || fail "$TARGET: peers after the strangers: $OUT"
pass
# The strangers never got as far as the replication engine, so nothing of
# theirs was decoded or logged as a frame.
if grep -q "bad frame" "logs/$TARGET.log"; then
    fail "$TARGET decoded a frame from a stranger"
fi
pass

council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
