#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_roster: the roster changes while the council runs.
# Version 2 admits water: applied at ONE node, it travels over replication
# to every node; water's node starts and catches up with exactly what it is
# cleared for. Version 3 removes securities: every node switches, cuts it
# and refuses it; what securities posts afterwards reaches nobody.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17500
NODES=(T-CEPTOAR banking securities electricity)
GROUPS_ARGS="--group finance=banking,securities" council_up 3 \
    T-CEPTOAR:telecom banking:banking securities:securities \
    electricity:electricity
for n in "${NODES[@]}"; do node_start "$n"; done
P=(--kind incident --severity 2 --title)
GREEN=$(post banking "${P[@]}" "before water joined" --level green \
    --audience council)
AMBER=$(post banking "${P[@]}" "finance only" --level amber \
    --audience group:finance)
for n in "${NODES[@]}"; do
    wait_for 20 "$n holds GREEN" has "$n" "$GREEN" readable
done

# Ceremony for version 2: water's keys, the change, threshold signatures.
C=council
"$KEYS" gen --name water --sector water --out "$C/water" \
    --endpoint tcp://127.0.0.1:17509 --no-passphrase >/dev/null
expect 0 "$KEYS" roster change --from "$C/roster" --add-card \
    "$C/water/node.card" --out "$C/v2.draft"
contains "version 2"
for n in T-CEPTOAR banking electricity; do
    "$KEYS" roster sign --key "$C/$n/node.key" --yes --out "$C/v2.$n.sig" \
        "$C/v2.draft" >/dev/null 2>&1
done
# Two signatures are below the threshold of 3: refused.
expect 1 "$KEYS" roster combine --from "$C/roster" --out "$C/v2.short" \
    "$C/v2.draft" "$C/v2.T-CEPTOAR.sig" "$C/v2.banking.sig"
expect 0 "$KEYS" roster combine --from "$C/roster" --out "$C/roster.v2" \
    "$C/v2.draft" "$C/v2.T-CEPTOAR.sig" "$C/v2.banking.sig" \
    "$C/v2.electricity.sig"

# A roster that does not verify is refused by the node.
expect 1 "$CLI" roster apply --dir nodes/T-CEPTOAR "$C/v2.draft"
# Applied at one node only; the others get it by replication.
expect 0 "$CLI" roster apply --dir nodes/T-CEPTOAR "$C/roster.v2"
for n in "${NODES[@]}"; do
    wait_for 30 "$n switches to version 2" at_version "$n" 2
done
node_init water tcp://127.0.0.1:17509 "$C/roster" "$C/roster.v2"
node_start water
wait_for 30 "water catches up GREEN" has water "$GREEN" readable
wait_for 30 "water holds AMBER's header only" has water "$AMBER" not-held
WATER=$(post water "${P[@]}" "hello from water" --level green \
    --audience council)
for n in "${NODES[@]}"; do
    wait_for 20 "$n holds water's entry" has "$n" "$WATER" readable
done

# Version 3 removes securities (signed by 3 of the 5 members of v2, and
# 3 of the 4 of v3).
expect 0 "$KEYS" roster change --from "$C/roster.v2" --remove securities \
    --group finance=banking --out "$C/v3.draft"
for n in T-CEPTOAR banking water; do
    "$KEYS" roster sign --key "$C/$n/node.key" --yes --out "$C/v3.$n.sig" \
        "$C/v3.draft" >/dev/null 2>&1
done
expect 0 "$KEYS" roster combine --from "$C/roster.v2" --out "$C/roster.v3" \
    "$C/v3.draft" "$C/v3.T-CEPTOAR.sig" "$C/v3.banking.sig" \
    "$C/v3.water.sig"
expect 0 "$CLI" roster apply --dir nodes/water "$C/roster.v3"
for n in T-CEPTOAR banking electricity water; do
    wait_for 30 "$n switches to version 3" at_version "$n" 3
done
# securities is cut: nobody reports a session with it any more, and what
# it posts now reaches no one.
LATE=$(post securities "${P[@]}" "after removal" --level green \
    --audience council)
sleep 3
for n in T-CEPTOAR banking electricity water; do
    [ "$(state "$n" "$LATE")" = none ] \
        || fail "$n accepted an entry from a removed member"
    pass
    expect 0 "$CLI" peers --dir "nodes/$n" --json
    lacks '"name": "securities"'
done
council_stop
for n in T-CEPTOAR banking electricity water; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
