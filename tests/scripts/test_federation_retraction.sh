#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_retraction: a retraction posted at the author's node
# purges the payload on every node that held it, including a node that was
# down when it was posted; headers stay so chains still verify. A
# "retraction" reference from another author purges nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17700
NODES=(T-CEPTOAR banking securities water)
GROUPS_ARGS="--group finance=banking,securities" council_up 2 \
    T-CEPTOAR:telecom banking:banking securities:securities water:water
for n in "${NODES[@]}"; do node_start "$n"; done
P=(--kind incident --severity 2 --title)
AMBER=$(post banking "${P[@]}" "wrong attribution" --level amber \
    --audience group:finance)
GREEN=$(post banking "${P[@]}" "wrong IoC list" --level green \
    --audience council)
KEEP=$(post T-CEPTOAR "${P[@]}" "not banking's to retract" --level green \
    --audience council)
for n in "${NODES[@]}"; do
    wait_for 20 "$n holds GREEN" has "$n" "$GREEN" readable
    wait_for 20 "$n holds KEEP" has "$n" "$KEEP" readable
done
wait_for 20 "securities holds AMBER" has securities "$AMBER" readable

node_stop securities
node_stop water
post banking "${P[@]}" "retracted: wrong attribution" --level amber \
    --audience group:finance --ref "retraction:$AMBER" >/dev/null
post banking "${P[@]}" "retracted: wrong IoCs" --level green \
    --audience council --ref "retraction:$GREEN" >/dev/null
# banking cannot retract T-CEPTOAR's entry: an ordinary reference.
post banking "${P[@]}" "pretends to retract" --level green \
    --audience council --ref "retraction:$KEEP" >/dev/null
wait_for 20 "T-CEPTOAR purges GREEN" has T-CEPTOAR "$GREEN" not-held
wait_for 20 "banking purges its own GREEN" has banking "$GREEN" not-held
wait_for 20 "banking purges AMBER" has banking "$AMBER" not-held

node_start securities
node_start water
wait_for 30 "securities purges AMBER" has securities "$AMBER" not-held
for n in securities water; do
    wait_for 30 "$n purges GREEN" has "$n" "$GREEN" not-held
done
for n in "${NODES[@]}"; do
    [ "$(state "$n" "$KEEP")" = readable ] \
        || fail "$n purged an entry its author never retracted"
    pass
    expect 0 "$CLI" show --dir "nodes/$n" "$GREEN"
    contains "RETRACTED"
done
sleep 2
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
