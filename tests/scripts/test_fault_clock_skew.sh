#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_clock_skew: four daemons whose wall clocks disagree, shifted
# with libfaketime (Debian's faketime), against the clock policy of
# docs/protocol.md 5.6:
#   A runs 2 hours ahead, B on time, C 5 minutes ahead, D a day behind.
# - An entry stamped within the allowed skew (C's) is stored everywhere
#   it is not ahead of by more than the skew.
# - An entry stamped more than the skew ahead of a node's clock (A's at
#   B, C and D; everybody's at D) is deferred there: not stored, counted
#   as "time-ahead" (not a violation), logged with how far ahead, and
#   the nodes keep replicating everything else.
# - Entries stamped in the past (D's, a day old) are stored everywhere.
# - A node whose clock went back by more than the skew behind its own
#   last entry refuses to sign (A restarted on time), with an error that
#   says why; and the stores stay fsck-clean throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18900

need_libfaketime
shifted () {    # shifted OFFSET: NODE_ENV words for a clock OFFSET away
    echo "LD_PRELOAD=$LIBFAKETIME FAKETIME=$1" \
         "FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1"
}

council_up 2 A:telecom B:banking C:electricity D:water
NODE_ENV[A]=$(shifted +2h)
NODE_ENV[C]=$(shifted +5m)
NODE_ENV[D]=$(shifted -1d)
for n in A B C D; do node_start "$n"; done

# The shift really applies to the daemon (its log lines carry its time).
expect 0 env LD_PRELOAD="$LIBFAKETIME" FAKETIME=+2h \
    FAKETIME_DONT_FAKE_MONOTONIC=1 date +%s
AHEAD=$OUT
[ $((AHEAD - $(date +%s))) -gt 7000 ] || fail "libfaketime does not" \
    "shift the clock here (+2h gave $AHEAD)"

P=(--kind incident --severity 2 --level green --audience council --title)
peer_json () {   # peer_json NODE PEER: that peer's entry in NODE's report
    "$CLI" peers --dir "nodes/$1" --json | python3 -c '
import json, sys
d = {p["name"]: p for p in json.load(sys.stdin)["peers"]}
print(json.dumps(d[sys.argv[1]]))' "$2"
}
deferred () {    # deferred NODE PEER: NODE counted time-ahead from PEER
    peer_json "$1" "$2" | python3 -c '
import json, sys
p = json.load(sys.stdin)
sys.exit(0 if p["reasons"].get("time-ahead", 0) > 0 else 1)'
}
no_violations () {   # no_violations NODE: no peer blamed at NODE
    "$CLI" peers --dir "nodes/$1" --json | python3 -c '
import json, sys
bad = [p["name"] for p in json.load(sys.stdin)["peers"] if p["violations"]]
sys.exit("violations from %s" % bad if bad else 0)'
}
post_at () {     # post_at NODE TITLE: post through NODE's daemon; id in $OUT
    expect 0 post "$1" "${P[@]}" "$2"
}

# --- 1. On time, a little ahead, a day behind ----------------------------
post_at B "B, on time"
ID_B=$OUT
post_at C "C, five minutes ahead"
ID_C=$OUT
post_at D "D, a day behind"
ID_D=$OUT
for n in A C; do wait_for 30 "$n holds B's" has "$n" "$ID_B" readable; done
for n in A B; do wait_for 30 "$n holds C's" has "$n" "$ID_C" readable; done
for n in A B C; do wait_for 30 "$n holds D's" has "$n" "$ID_D" readable; done
pass
# D, a day behind, defers B's and C's (and says its own clock may be the
# one that is wrong).
wait_for 30 "D defers B's entry" deferred D B
wait_for 30 "D defers C's entry" deferred D C
[ "$(state D "$ID_B")" = none ] || fail "D stored an entry a day ahead"
[ "$(state D "$ID_C")" = none ] || fail "D stored an entry a day ahead"
expect 0 grep -E "clock: B's entry seq 1 \(from [A-C]\) is stamped 8[0-9]{4} s ahead" \
    logs/D.log
expect 0 grep "this node's clock is behind" logs/D.log
pass

# --- 2. Two hours ahead ---------------------------------------------------
post_at A "A, two hours ahead"
ID_A=$OUT
for n in B C D; do wait_for 30 "$n defers A's entry" deferred "$n" A; done
expect 0 grep -E "clock: A's entry seq 1 \(from [A-D]\) is stamped (71|72)[0-9]{2} s ahead" \
    logs/B.log
for n in B C D; do
    [ "$(state "$n" "$ID_A")" = none ] \
        || fail "$n stored A's entry stamped two hours ahead"
done
# Deferred is not refused: no violation anywhere, and the rest still
# flows (B's second entry reaches A and C; a HEADS round later A's is
# still not asked for again at B).
post_at B "B again"
ID_B2=$OUT
for n in A C; do wait_for 30 "$n holds B's second" has "$n" "$ID_B2" readable; done
sleep 11                               # one anti-entropy round (10 s)
[ "$(state B "$ID_A")" = none ] || fail "B stored A's entry after a round"
for n in A B C D; do expect 0 no_violations "$n"; done
pass

# --- 3. A's clock is set right: it must not sign behind its last entry ---
node_stop A
NODE_ENV[A]=""
node_start A
expect 1 post A "${P[@]}" "A, clock set back"
contains "clock reads more than 10 minutes before the time of its last entry"
# Its CLI, without the daemon, refuses the same way.
node_stop A
expect 1 post A "${P[@]}" "A, clock set back, offline"
contains "clock went back"
pass

# --- 4. Nothing damaged ---------------------------------------------------
for n in B C D; do node_stop "$n"; done
for n in A B C D; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
pass
