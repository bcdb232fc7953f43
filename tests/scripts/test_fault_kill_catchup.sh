#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_kill_catchup: kill -9 a node again and again, at random
# moments, while it catches up 100 000 entries that ask for delivery
# receipts (DESIGN §5.3 "never lose"):
# - after every kill (until it has caught up), every entry its log said
#   it stored (ceptoard --verbose logs "stored ID" only after the
#   commit) is in its store, and fsck is clean;
# - in the end it holds everything, and the author holds its receipts for
#   every one of the 100 000 entries: a receipt owed (queued in the same
#   transaction as the payload) survives a kill between storing the
#   payload and posting the receipt.
# CEPTOAR_KILL_ROUNDS (default 10) sets the most kills; at least two must
# land mid catch-up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18960
FILL="$CEPTOAR_TEST_BIN/fill_store"
ROUNDS=${CEPTOAR_KILL_ROUNDS:-10}
TOTAL=100000

council_up 1 A:telecom B:banking
# Stamped a millisecond apart, in the past, so that "the newest" entry
# is the one with the highest seq.
BASE_MS=$(( $(date +%s) * 1000 - 2 * TOTAL ))
expect 0 "$FILL" --dir nodes/A --count "$TOTAL" --body-bytes 100 --receipt \
    --timestamp-ms "$BASE_MS"
node_start A

# held_seq: the highest seq of A's chain in B's store. A chain is held
# from seq 1 without a gap, so B holds exactly A's entries 1..held_seq.
held_seq () {
    "$CLI" list --dir nodes/B --author A --limit 1 --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
print(e[0]["seq"] if e else 0)'
}
# logged_count: how many distinct entries of A B's log says it stored
# (ids on whole lines only: the last line may have been cut by the kill).
# They too are A's entries 1..n (stored in chain order), so none of them
# is lost exactly when n <= held_seq.
logged_count () {
    sed -n 's/.*stored \([0-9a-f]\{16\}\) from A.*/\1/p' logs/B.log \
        | sort -u | wc -l
}

DAEMON_ARGS=--verbose
mid=0
for round in $(seq 1 "$ROUNDS"); do
    node_start B
    sleep "0.$((RANDOM % 9 + 1))"
    node_kill B
    held=$(held_seq)
    logged=$(logged_count)
    [ "$logged" -le "$held" ] \
        || fail "round $round: B logged $logged entries as stored, holds $held"
    expect 0 "$CLI" fsck --dir nodes/B
    echo "$TEST_NAME: kill $round: B held A's 1..$held, had logged $logged" >&2
    [ "$held" -gt 0 ] && [ "$held" -lt "$TOTAL" ] && mid=$((mid + 1))
    [ "$held" -lt "$TOTAL" ] || break      # caught up: nothing left to cut
done
# Kills must have landed mid catch-up, not all before it began or after
# it ended (else this test proves nothing); a fast build may finish the
# catch-up before the last rounds.
[ "$mid" -ge 2 ] || fail "only $mid of the kills landed mid catch-up"
pass

node_start B
all_held () { [ "$(held_seq)" -eq "$TOTAL" ]; }
wait_for 120 "B holds all $TOTAL entries" all_held
# Every entry confirmed exactly as asked: the author holds B's receipts
# listing all of them.
confirmed () {
    "$CLI" list --dir nodes/A --author B --kind receipt --json 2>/dev/null \
        | python3 -c '
import json, sys
ids = set()
for e in json.load(sys.stdin):
    lines = e["body"].split("\n")
    assert lines[0] == "ceptoar-receipt: 1", lines[0]
    ids.update(l.split(" ")[1] for l in lines[1:] if l)
print(len(ids))'
}
all_confirmed () { [ "$(confirmed)" -eq "$TOTAL" ]; }
wait_for 120 "A holds B's receipts for all $TOTAL entries" all_confirmed
pass
council_stop
for n in A B; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
pass
finish
