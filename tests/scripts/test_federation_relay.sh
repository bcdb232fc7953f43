#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_relay: a line of nodes A - B - C - D where each node knows
# only its neighbours' endpoints. Entries of every level posted at A reach
# D through B and C (any node relays any author's entries); the RED entry
# for D is carried by B and C sealed and opened only at D (DESIGN §4, §5.5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17200
council_up 2 A:telecom B:banking C:electricity D:water
port () { case $1 in A) echo 17201 ;; B) echo 17202 ;; C) echo 17203 ;;
                    D) echo 17204 ;; esac; }
link () {
    node_set "$1" peers/"$2"/endpoint "tcp://127.0.0.1:$(port "$2")"
}
for n in A B C D; do node_set "$n" replication/connect-roster 0; done
link A B; link B A; link B C; link C B; link C D; link D C
for n in A B C D; do node_start "$n"; done

P=(--kind incident --severity 2 --title)
IDS=()
for level in clear green amber amber+strict; do
    IDS+=("$(post A "${P[@]}" "relay $level" --level "$level" \
        --audience council)")
done
RED=$(post A "${P[@]}" "relay red" --level red --audience node:D)
for id in "${IDS[@]}"; do
    wait_for 30 "D holds ${id:0:8}" has D "$id" readable
done
wait_for 30 "D opens the RED entry" has D "$RED" readable
for n in B C; do
    wait_for 30 "$n carries the RED entry sealed" has "$n" "$RED" sealed
done

# And back: D's entry reaches A through C and B.
BACK=$(post D "${P[@]}" "from the end of the line" --level green \
    --audience council)
wait_for 30 "A holds D's entry" has A "$BACK" readable

# Nobody but neighbours ever connected: A has no session with C or D.
expect 0 "$CLI" peers --dir nodes/A --json
python3 -c '
import json, sys
d = {p["name"]: p for p in json.loads(sys.argv[1])["peers"]}
assert d["B"]["connected"], d["B"]
assert not d["C"]["connected"] and not d["D"]["connected"], d
' "$OUT" || fail "A connected beyond its neighbour: $OUT"
pass
council_stop
for n in A B C D; do
    expect 0 "$CLI" audit --dir "nodes/$n"
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
