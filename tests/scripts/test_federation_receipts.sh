#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_receipts: four real daemons. Delivery receipts are signed
# entries that each receiver posts on its own, go to the author only, and
# scale: a catch-up of 3000 entries that ask for receipts costs each
# receiver a few receipts, not 3000; entries that do not ask get none; a
# node outside an entry's audience confirms nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
FILL="$CEPTOAR_TEST_BIN/fill_store"

PORT_BASE=18600 GROUPS_ARGS="--group finance=A,B" council_up 2 \
    A:banking B:securities C:telecom D:water

# receipts NAME AUTHOR: "RECEIPTS ITEMS DISTINCT" of the receipts by AUTHOR
# that node NAME holds readable: how many, how many lines they list, how
# many distinct entries.
receipts () {
    "$CLI" list --dir "nodes/$1" --author "$2" --kind receipt --json \
        2>/dev/null | python3 -c '
import json, sys
entries = json.load(sys.stdin)
ids = []
for e in entries:
    lines = e["body"].split("\n")
    assert lines[0] == "ceptoar-receipt: 1", lines[0]
    ids += [l.split(" ")[1] for l in lines[1:] if l]
print(len(entries), len(ids), len(set(ids)))'
}

# confirms NAME AUTHOR ID: a receipt by AUTHOR held at NAME lists ID.
confirms () {
    "$CLI" list --dir "nodes/$1" --author "$2" --kind receipt --json \
        2>/dev/null | grep -q "stored: $3 "
}

# --- A catch-up of 3000 entries that ask for receipts -----------------------
"$FILL" --dir nodes/A --count 3000 --body-bytes 100 --receipt >/dev/null
"$FILL" --dir nodes/A --count 500 --body-bytes 100 >/dev/null
for n in A B C D; do node_start "$n"; done
# all_confirmed NAME: NAME's receipts at A list 3000 distinct entries.
all_confirmed () {
    [ "$(receipts A "$1" | cut -d' ' -f3)" = 3000 ]
}
for n in B C D; do
    wait_for 60 "$n confirms A's 3000 entries" all_confirmed "$n"
done
for n in B C D; do
    read -r count items distinct <<<"$(receipts A "$n")"
    echo "$TEST_NAME: $n confirmed $distinct entries in $count receipts" >&2
    # Batched: at most a few receipts each (1000 entries per receipt),
    # never one per entry; and the 500 that did not ask are not listed.
    [ "$count" -ge 3 ] && [ "$count" -le 12 ] \
        || fail "$n posted $count receipts for 3000 entries"
    pass
    [ "$distinct" -eq 3000 ] || fail "$n confirmed $distinct entries"
    pass
done
# Receipts go to the author alone: B's receipts are headers at C, never
# readable there.
R=$("$CLI" list --dir nodes/C --author B --json | python3 -c '
import json, sys
n = 0
for x in json.load(sys.stdin):
    assert x["payload"] != "readable" or x.get("kind") != "receipt", x
    n += 1
print(n)')
[ "$R" -ge 3 ] || fail "C holds $R of B's entries (receipt headers expected)"
pass
expect 0 "$CLI" audit --dir nodes/C
contains "clean"

# --- Live: a drill to the council, an AMBER report to finance ---------------
DRILL=$(post A --kind drill --severity 0 --level green --audience council \
    --title "Annual drill")
wait_for 20 "B confirms the drill" confirms A B "$DRILL"
wait_for 20 "C confirms the drill" confirms A C "$DRILL"
wait_for 20 "D confirms the drill" confirms A D "$DRILL"
FIN=$(post A --kind incident --severity 3 --level amber \
    --audience group:finance --title "Card fraud ring")
wait_for 20 "B confirms the finance report" confirms A B "$FIN"
# C and D hold only its header: they owe no receipt, and post none.
LOW=$(post A --kind incident --severity 1 --level green --audience council \
    --title "Low severity, no receipt asked")
wait_for 20 "B holds the low-severity entry" has B "$LOW" readable
sleep 1
for n in C D; do
    confirms A "$n" "$FIN" && fail "$n confirmed an entry outside its audience"
    pass
done
for n in B C D; do
    confirms A "$n" "$LOW" && fail "$n confirmed an entry that asked for none"
    pass
done
# The receipt gives the time B stored it, after A posted it.
"$CLI" show --dir nodes/A "$DRILL" --json > drill.json
"$CLI" list --dir nodes/A --author B --kind receipt --json > receipts.json
python3 - drill.json receipts.json "$DRILL" <<'PY' \
    || fail "receipt time not after the drill's"
import json, sys, datetime
drill = json.load(open(sys.argv[1])); drill = drill[0] if isinstance(drill, list) else drill
t = datetime.datetime.strptime(drill["time"][:19], "%Y-%m-%dT%H:%M:%S")
posted_ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
for e in json.load(open(sys.argv[2])):
    for l in e["body"].split("\n")[1:]:
        if l.startswith("stored: " + sys.argv[3]):
            stored = int(l.split(" ")[2])
            assert posted_ms - 1000 <= stored <= posted_ms + 60000, (posted_ms, stored)
            sys.exit(0)
sys.exit(1)
PY
pass

# --- Receipts survive a restart of the receiver -----------------------------
node_stop C
LATE=$(post A --kind early-warning --severity 4 --level green \
    --audience council --title "Urgent while C is down")
wait_for 20 "B confirms the urgent warning" confirms A B "$LATE"
node_start C
wait_for 30 "C confirms it after its restart" confirms A C "$LATE"

# Nodes report what they posted (peers.json, rewritten every 5 s).
counted () {
    python3 - nodes/B/peers.json <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["receipts_posted"] >= 1 and p["receipts_confirmed"] >= 3000, p
PY
}
wait_for 15 "B's peers.json counts its receipts" counted
council_stop
for n in A B C D; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
