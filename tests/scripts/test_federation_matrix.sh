#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_matrix: five real ceptoard processes on 127.0.0.1, each
# with its own store, full mesh. Every level x audience combination is
# posted at two nodes; every node must end with every header, the payload
# exactly where the audience allows it (plaintext only inside the
# audience, RED sealed everywhere and readable only by its recipient and
# author), and `ceptoar audit` clean everywhere (DESIGN §5.1, §5.4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17100
NODES=(T-CEPTOAR banking securities electricity water)
GROUPS_ARGS="--group finance=banking,securities" council_up 3 \
    T-CEPTOAR:telecom banking:banking securities:securities \
    electricity:electricity water:water
for n in "${NODES[@]}"; do node_start "$n"; done

P=(--kind early-warning --severity 2 --title)
CLEAR=$(post T-CEPTOAR "${P[@]}" clear --level clear --audience council)
GREEN=$(post T-CEPTOAR "${P[@]}" green --level green --audience council)
AMBER=$(post T-CEPTOAR "${P[@]}" amber --level amber --audience group:finance)
STRICT=$(post T-CEPTOAR "${P[@]}" strict --level amber+strict \
    --audience node:electricity)
RED=$(post T-CEPTOAR "${P[@]}" red --level red --audience node:banking)
# And from a finance node: AMBER among finance, RED to two named nodes.
BAMBER=$(post banking "${P[@]}" bamber --level amber --audience group:finance)
BRED=$(post banking "${P[@]}" red-secret-7f3a9c2e51 --level red \
    --audience node:securities,water)

# expect_state ID readable|sealed|not-held NODE...
expect_state () {
    local id=$1 want=$2
    shift 2
    for n in "$@"; do
        wait_for 20 "$n holds ${id:0:8} as $want" has "$n" "$id" "$want"
    done
}
expect_state "$CLEAR" readable "${NODES[@]}"
expect_state "$GREEN" readable "${NODES[@]}"
expect_state "$AMBER" readable T-CEPTOAR banking securities
expect_state "$AMBER" not-held electricity water
expect_state "$STRICT" readable T-CEPTOAR electricity
expect_state "$STRICT" not-held banking securities water
expect_state "$RED" readable T-CEPTOAR banking
expect_state "$RED" sealed securities electricity water
expect_state "$BAMBER" readable banking securities
expect_state "$BAMBER" not-held T-CEPTOAR electricity water
expect_state "$BRED" readable banking securities water
expect_state "$BRED" sealed T-CEPTOAR electricity

# Give stray payload requests time to be (wrongly) answered, then audit
# the stores while the nodes run, and again after a clean stop.
sleep 1
for n in "${NODES[@]}"; do
    expect 0 "$CLI" audit --dir "nodes/$n"
    expect 0 "$CLI" peers --dir "nodes/$n" --json
    # Nobody disclosed wrongly, so no node counts a violation.
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
bad = [p["name"] for p in d["peers"] if p["violations"]]
sys.exit(1 if bad or not d["running"] else 0)' "$OUT" \
        || fail "$n: violations or not running: $OUT"
    pass
done
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" audit --dir "nodes/$n"
    expect 0 "$CLI" fsck --dir "nodes/$n"
    # The RED plaintext is in no store but its recipients'... and even
    # there only sealed: the title never appears in any data file.
    if grep -q "red-secret-7f3a9c2e51" "nodes/$n/store/data.mdb"; then
        fail "$n: RED title found in the store file"
    fi
    pass
done
finish
