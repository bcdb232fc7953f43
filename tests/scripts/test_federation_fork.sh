#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_fork: an author key signs two different entries with the
# same sequence number (here: a node restored from an old backup posts
# again). Every node ends with both signed headers as evidence, the
# author's chain frozen, and `ceptoar peers` showing the fork (DESIGN §4,
# §5.6).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17600
NODES=(T-CEPTOAR banking electricity)
council_up 2 T-CEPTOAR:telecom banking:banking electricity:electricity
for n in "${NODES[@]}"; do node_start "$n"; done
P=(--kind incident --severity 1 --level green --audience council --title)
FIRST=$(post banking "${P[@]}" "first")
for n in "${NODES[@]}"; do
    wait_for 20 "$n holds FIRST" has "$n" "$FIRST" readable
done
node_stop banking
cp -a nodes/banking backup
node_start banking
ONE=$(post banking "${P[@]}" "the entry everyone saw")
for n in T-CEPTOAR electricity; do
    wait_for 20 "$n holds ONE" has "$n" "$ONE" readable
done
# The operator restores the old backup and posts: same seq, another entry.
node_stop banking
rm -rf nodes/banking
mv backup nodes/banking
OTHER=$(post banking "${P[@]}" "a different entry at the same seq")
[ "$ONE" != "$OTHER" ] || fail "the two entries should differ"
node_start banking

has_fork () {
    "$CLI" peers --dir "nodes/$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(f["author"] == "banking" and f["seq"] == 2
                  for f in d["forks"]) else 1)'
}
for n in "${NODES[@]}"; do
    wait_for 30 "$n records the fork" has_fork "$n"
done
# Frozen: banking's next entry is accepted by nobody.
expect 1 post banking "${P[@]}" "after the fork"
sleep 1
for n in T-CEPTOAR electricity; do
    expect 0 "$CLI" peers --dir "nodes/$n"
    contains "FORK"
    grep -q "FORK" "logs/$n.log" || fail "$n did not log the fork"
    pass
done
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
