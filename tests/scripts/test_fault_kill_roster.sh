#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_kill_roster: kill -9 a node at random moments while it
# switches to a new roster version, many times. After every crash the node
# must start again on one whole version (the old or the new one, never a
# roster that does not match its pin), finish the switch, keep every
# entry (fsck), and in the end every node holds the newest version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=16400
NODES=(T-CEPTOAR banking water)
council_up 2 T-CEPTOAR:telecom banking:banking water:water
for n in "${NODES[@]}"; do node_start "$n"; done
C=council

prev="$C/roster"
ROUNDS=${KILL_ROUNDS:-5}
for round in $(seq 1 "$ROUNDS"); do
    v=$((round + 1))
    # The next version: the finance group alternates, so each differs.
    if [ $((round % 2)) = 1 ]; then group=finance=banking
    else group=finance=banking,water; fi
    "$KEYS" roster change --from "$prev" --group "$group" \
        --out "$C/v$v.draft" >/dev/null
    for n in T-CEPTOAR banking; do
        "$KEYS" roster sign --key "$C/$n/node.key" --yes \
            --out "$C/v$v.$n.sig" "$C/v$v.draft" >/dev/null 2>&1
    done
    "$KEYS" roster combine --from "$prev" --out "$C/roster.v$v" \
        "$C/v$v.draft" "$C/v$v.T-CEPTOAR.sig" "$C/v$v.banking.sig" \
        >/dev/null 2>&1
    prev="$C/roster.v$v"
    ID=$(post water --kind incident --severity 1 --level green \
        --audience council --title "round $round")
    # Apply at water and kill it at a random moment (0 to 40 ms later).
    "$CLI" roster apply --dir nodes/water "$prev" >/dev/null 2>&1 &
    apply=$!
    sleep "0.0$((RANDOM % 5))"
    node_kill water
    wait "$apply" 2>/dev/null || true
    # It starts again, on one whole version.
    node_start water
    got=$(roster_version water)
    [ "$got" = $((v - 1)) ] || [ "$got" = "$v" ] \
        || fail "round $round: water came back on version $got"
    pass
    # Finish the switch if the crash came first (or the others bring it).
    [ "$got" = "$v" ] || "$CLI" roster apply --dir nodes/water "$prev" \
        >/dev/null 2>&1 || true
    for n in "${NODES[@]}"; do
        wait_for 60 "round $round: $n on version $v" at_version "$n" "$v"
    done
    [ "$(state water "$ID")" = readable ] || fail "round $round: lost $ID"
    pass
done
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
