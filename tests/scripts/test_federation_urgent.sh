#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_urgent: an urgent entry overtakes a bulk catch-up
# (protocol.md 5.4: the urgent flag means "deliver ahead of bulk
# traffic"). A council of A, B and C; A's store holds 100 000 of C's
# entries (severity 0, not urgent; C never runs). A and B start, and B
# catches C's chain up from A. As soon as B has stored some of it, A posts
# a severity-4 entry (urgent by its payload) through its daemon. Once B
# holds all 100 001 entries, B's own arrival order (follow's rows) must
# show the urgent entry stored before C's last entry, seq 100000. Ordering
# only, never time; the figures go to stderr.
#
# CEPTOAR_URGENT_RELAYED=1 (not the default; a measurement for the urgent
# lane, protocol.md 13.9.6): the urgent entry is posted at a fourth
# member, D, which only A knows; B and D connect to A alone. B then gets
# it from A's HEADS and a WANT to A, the peer that is serving the bulk,
# not from its author's push. The same ordering is required.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18480
FILL="${CEPTOAR_TEST_BIN:-$CEPTOAR_BIN/../tests}/fill_store"
[ -x "$FILL" ] || fail "fill_store not built ($FILL)"
BULK=100000
note () { echo "$TEST_NAME: $*" >&2; }
now_ms () { date +%s%3N; }

RELAYED=${CEPTOAR_URGENT_RELAYED:-0}
if [ "$RELAYED" = 1 ]; then
    AUTHOR=D
    council_up 2 A:telecom B:banking C:electricity D:water
    for n in B D; do
        node_set "$n" replication/connect-roster 0
        node_set "$n" peers/A/endpoint tcp://127.0.0.1:18481
    done
else
    AUTHOR=A
    council_up 2 A:telecom B:banking C:electricity
fi

# C's chain, signed with C's key, straight into A's stopped store.
t0=$(now_ms)
[ "$("$FILL" --dir nodes/A --count "$BULK" --key council/C/node.key \
    --severity 0)" = "$BULK" ] || fail "fill_store did not post $BULK"
pass
note "fill_store: $BULK entries of C in $(( $(now_ms) - t0 )) ms"

node_start A
node_start B
[ "$AUTHOR" = A ] || node_start "$AUTHOR"
t0=$(now_ms)
# The first of C's entries stored at B: the catch-up is under way. (A
# follow that ends at its first entry is the cheapest look at the store.)
timeout 120 "$CLI" follow --dir nodes/B --from-start --author C --count 1 \
    --interval 10 --no-bell > /dev/null 2>&1 \
    || fail "B stored nothing of C's within 120 s"
pass
started=$(now_ms)
URGENT=$(post "$AUTHOR" --kind incident --severity 4 --level green \
    --audience council --title "Severity 4 during a bulk catch-up")
[ ${#URGENT} -eq 64 ] || fail "post printed no id: $URGENT"
pass
posted=$(now_ms)
expect 0 "$CLI" show --dir "nodes/$AUTHOR" "$URGENT" --json
contains '"urgent": true'

# B's arrival order, once it holds everything.
# B holds C's bulk, the urgent entry, and its own delivery receipt for
# the urgent entry (severity 4 asks for one; protocol.md 13.9.7); when D
# posted it, also the header of A's receipt to D.
WANT=$((BULK + 2 + RELAYED))
timeout 300 "$CLI" follow --dir nodes/B --from-start --count "$WANT" \
    --interval 50 --json > arrivals.json 2> follow.err \
    || fail "B did not hold all $WANT entries within 300 s: \
$(tail -1 follow.err)"
pass
done_ms=$(now_ms)
RESULT=$(python3 - arrivals.json "$URGENT" "$BULK" <<'PY'
import json, sys
path, urgent, bulk = sys.argv[1], sys.argv[2], int(sys.argv[3])
urgent_row = last_row = None
c_rows = []
for line in open(path):
    e = json.loads(line)
    if e["id"] == urgent:
        urgent_row = e["row"]
    elif e["author"] == "C":
        c_rows.append(e["row"])
        if e["seq"] == bulk:
            last_row = e["row"]
assert urgent_row is not None and last_row is not None, "entries missing"
assert len(c_rows) == bulk, len(c_rows)
before = sum(1 for r in c_rows if r < urgent_row)
print(urgent_row, last_row, before)
PY
) || fail "cannot read B's arrival order"
read -r urgent_row last_row before <<< "$RESULT"
note "B: C's first entries stored $((started - t0)) ms after the daemons" \
     "started; the post took $((posted - started)) ms; all $((BULK + 1))" \
     "held $((done_ms - t0)) ms after the start"
note "B stored the urgent entry (posted at $AUTHOR) at row $urgent_row, when it held $before" \
     "of C's $BULK entries ($((BULK - before)) still to come); C's seq" \
     "$BULK is at row $last_row"
[ "$urgent_row" -lt "$last_row" ] \
    || fail "the urgent entry (row $urgent_row) did not overtake the bulk" \
            "catch-up: C's seq $BULK came first (row $last_row)"
pass
council_stop
finish
