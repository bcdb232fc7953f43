#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_partition: nodes go down, both sides keep posting, nodes
# come back, and every node converges to every header and every payload it
# is cleared for (DESIGN §5.4, §5.5). Then kill -9 a node several times in
# the middle of catching up a large log: it converges and fsck is clean
# (§5.3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17300
NODES=(T-CEPTOAR banking securities electricity water)
GROUPS_ARGS="--group finance=banking,securities" council_up 3 \
    T-CEPTOAR:telecom banking:banking securities:securities \
    electricity:electricity water:water
for n in "${NODES[@]}"; do node_start "$n"; done
P=(--kind incident --severity 2 --title)

# Partition: securities and water are down.
node_stop securities
node_stop water
UP1=$(post T-CEPTOAR "${P[@]}" "while they were down" --level green \
    --audience council)
UP2=$(post banking "${P[@]}" "finance only" --level amber \
    --audience group:finance)
# The other side posts too (a stopped node's CLI writes its own store).
DOWN1=$(post water "${P[@]}" "water, offline" --level green \
    --audience council)
DOWN2=$(post securities "${P[@]}" "to banking, sealed" --level red \
    --audience node:banking)
wait_for 20 "electricity holds UP1" has electricity "$UP1" readable

# Heal.
node_start securities
node_start water
for n in "${NODES[@]}"; do
    wait_for 30 "$n holds UP1" has "$n" "$UP1" readable
    wait_for 30 "$n holds DOWN1" has "$n" "$DOWN1" readable
done
wait_for 30 "securities holds UP2" has securities "$UP2" readable
for n in T-CEPTOAR electricity water; do
    wait_for 30 "$n holds UP2's header" has "$n" "$UP2" not-held
done
wait_for 30 "banking opens DOWN2" has banking "$DOWN2" readable
for n in T-CEPTOAR electricity water; do
    wait_for 30 "$n carries DOWN2 sealed" has "$n" "$DOWN2" sealed
done

# Catch-up under kill -9: electricity is down while T-CEPTOAR's log grows
# by a few thousand entries; it is killed repeatedly while catching up.
node_stop electricity
node_stop T-CEPTOAR
COUNT=${CATCHUP_COUNT:-6000}
expect 0 "$CEPTOAR_TEST_BIN/fill_store" --dir nodes/T-CEPTOAR --count "$COUNT"
node_start T-CEPTOAR
LAST=$(post T-CEPTOAR "${P[@]}" "after the bulk" --level green \
    --audience council)
for round in 1 2 3 4; do
    node_start electricity
    sleep "0.$((RANDOM % 8 + 2))"
    node_kill electricity
done
node_start electricity
wait_for 120 "electricity caught up" has electricity "$LAST" readable
node_stop electricity
expect 0 "$CLI" fsck --dir nodes/electricity
expect 0 "$CLI" audit --dir nodes/electricity
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
