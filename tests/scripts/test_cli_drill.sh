#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_cli_drill: `ceptoar drill start`, `drill report` and `ack` on node
# directories without daemons. Receipts are simulated: each member posts a
# receipt entry whose body gives a chosen storing time, and copy_entries
# carries entries between stores as replication would. Checks the help and
# the errors, who is expected (a group audience; the whole council), that
# the earliest receipt counts, that receipts and acknowledgements from
# outside the audience are ignored (the store refuses them on arrival, so
# the one counted comes from F, a reader until a new roster version took
# it out of the drill's group), the rates at the deadline and now, the
# nearest-rank percentiles, late and unreachable nodes, and the text, JSON
# and CSV forms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
COPY="$CEPTOAR_TEST_BIN/copy_entries"
OTHERS=(B C D E F G H I J K L)
GROUPS_ARGS="--group east=B,C,D,E,F" council_up 3 A:telecom B:banking \
    C:securities D:water E:gas F:electricity G:railway H:aviation \
    I:airports J:medical K:logistics L:chemical

# copy FROM TO: replicate by hand.
copy () { "$COPY" --from "nodes/$1" --to "nodes/$2" >/dev/null; }
# receipt NODE ID:MS...: NODE posts a receipt for each ID stored at MS.
receipt () {
    local name=$1
    shift
    {
        printf 'ceptoar-receipt: 1\n'
        for item in "$@"; do printf 'stored: %s %s\n' "${item%%:*}" \
            "${item#*:}"; done
    } >"receipt.$name"
    post "$name" --kind receipt --severity 0 --level amber --audience node:A \
        --title "delivery receipt" --body-file "receipt.$name" >/dev/null
}
# field JSON EXPR: evaluate a Python expression on the parsed JSON (r).
field () {
    python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' \
        "$1" "$2"
}

# --- Help ------------------------------------------------------------------
expect 0 "$CLI" --help
contains "drill     start a drill"
contains "ack       acknowledge an entry"
expect 0 "$CLI" drill --help
contains "drill report --dir NODEDIR ID"
expect 0 "$CLI" drill start --help
contains "--deadline DUR"
contains "green (the default)"
expect 0 "$CLI" drill report --help
contains "--csv"
contains "nearest rank"
expect 0 "$CLI" ack --help
contains "--by NAME"
contains "Refused (exit 1)"

# --- Bad input to drill start ----------------------------------------------
S=(drill start --dir nodes/A --title "Drill")
expect 2 "$CLI" drill
contains "needs a subcommand"
expect 2 "$CLI" drill begin
contains "unknown drill subcommand 'begin'"
expect 2 "$CLI" "${S[@]}" --audience council
contains "needs --dir, --audience, --deadline and --title"
for bad in 10 0s 4x -3s s; do
    expect 2 "$CLI" "${S[@]}" --audience council --deadline "$bad"
    contains "invalid --deadline \"$bad\""
done
expect 2 "$CLI" "${S[@]}" --audience council --deadline 5s --level purple
contains 'unknown level "purple"'
expect 2 "$CLI" "${S[@]}" --audience group:west --deadline 5s
contains "west"
expect 2 "$CLI" "${S[@]}" --audience council --deadline 5s --level red
contains "TLP:RED is for named recipients"
expect 2 "$CLI" drill start --dir nodes/A --title "" --audience council \
    --deadline 5s
contains "the title must be one line"
expect 2 "$CLI" "${S[@]}" --audience council --deadline 5s --body-file nope
contains "nope"
[ "$("$CLI" list --dir nodes/A | wc -l)" = 0 ] || fail "a refused drill was posted"
pass

# --- Two drills, an ordinary entry, and everyone holding them -------------
printf 'Confirm receipt to the Council secretariat.\n訓練です。\n' >drill.txt
D1=$("$CLI" drill start --dir nodes/A --audience group:east --deadline 15s \
    --title "CEPTOAR drill: east" --body-file drill.txt --level amber)
D2=$("$CLI" drill start --dir nodes/A --audience council --deadline 1h \
    --title "CEPTOAR drill: council")
INC=$(post B --kind incident --severity 1 --level green --audience council \
    --title "an ordinary incident")
# B acknowledges at once, well before the deadline (even a slow
# sanitizer build); the checks on its acknowledgement come below.
copy A B
expect 0 "$CLI" ack --dir nodes/B "$D1" --by "佐藤 花子" --note "read at the desk, all well"
ACK_B=$OUT
expect 0 "$CLI" show --dir nodes/A "$D1" --json
[ "$(field "$OUT" 'r["kind"] + " " + str(r["severity"]) + " " + str(r["receipt_requested"]) + " " + r["level"]')" = "drill 0 True TLP:AMBER" ] \
    || fail "the drill is not a severity-0 AMBER drill asking for receipts: $OUT"
pass
[ "$(field "$OUT" 'r["body"].split("\n")[0]')" = "ceptoar-drill: 1" ] \
    || fail "the drill's body does not start with its format line: $OUT"
pass
contains "訓練です"
expect 0 "$CLI" drill report --dir nodes/A "$D1" --json
T1=$(field "$OUT" 'r["drill"]["time_ms"]')
DL1=$(field "$OUT" 'r["drill"]["deadline_ms"]')
SPAN=$((DL1 - T1))
[ "$SPAN" -gt 14000 ] && [ "$SPAN" -le 15000 ] \
    || fail "deadline is $SPAN ms after the drill, not about 15 s"
pass
# Before the deadline: said so, and nothing delivered yet.
[ "$(field "$OUT" 'r["deadline_passed"], r["expected"], r["delivered"]["now"]')" = "(False, 5, 0)" ] \
    || fail "fresh drill report: $OUT"
pass
expect 0 "$CLI" drill report --dir nodes/A "$D1"
contains "the deadline has not passed"
contains "no delivery yet (5)"
expect 0 "$CLI" drill report --dir nodes/A "$D2" --json
T2=$(field "$OUT" 'r["drill"]["time_ms"]')
[ "$(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(sorted(n["name"] for n in r["nodes"]) == sys.argv[2:])' "$OUT" "${OTHERS[@]}")" = True ] \
    || fail "a council drill does not expect every other member: $OUT"
pass
copy B A
for n in "${OTHERS[@]}"; do copy A "$n"; done

# --- Acknowledgements: the errors; B's --------------------------------------
expect 1 "$CLI" ack --dir nodes/A "$D1"
contains "this node's own entry"
expect 1 "$CLI" ack --dir nodes/G "$D1"
contains "does not hold the payload"
expect 2 "$CLI" ack --dir nodes/B 0000000000000000
contains "no entry id starts with"
expect 2 "$CLI" ack --dir nodes/B
contains "ack needs --dir NODEDIR and one ID"
expect 2 "$CLI" ack --dir nodes/B "$D1" --by "$(printf 'x%.0s' {1..129})"
contains "--by must be 1 to 128 bytes"
expect 2 "$CLI" ack --dir nodes/B "$D1" --by "$(printf 'two\nlines')"
contains "one line of UTF-8"
expect 1 "$CLI" ack --dir nodes/B "$D1"
contains "already acknowledged"
contains "$ACK_B"
expect 0 "$CLI" show --dir nodes/B "$ACK_B" --json
[ "$(field "$OUT" 'r["kind"], r["severity"], r["level"], r["audience"], r["refs"][0]["relation"], r["refs"][0]["id"]')" = "('ack', 0, 'TLP:AMBER', 'node:A', 'acknowledges', '$D1')" ] \
    || fail "the acknowledgement is not as specified: $OUT"
pass
contains 'by: 佐藤 花子\nnote: read at the desk, all well\n'
# An ordinary entry can be acknowledged too; its history shows it.
expect 0 "$CLI" ack --dir nodes/C "$INC" --by "Suzuki"
ACK_INC=$OUT
copy C B
expect 0 "$CLI" show --dir nodes/B "$INC"
contains "acknowledges"
contains "${ACK_INC:0:16}"

# --- Receipts --------------------------------------------------------------
# east drill (T1, deadline DL1): B at +100 ms (and, in a later receipt,
# +900: the earliest counts), C at +1500, D 5 s after the deadline (late),
# E never. F is outside the audience: its receipt must not count.
# council drill (T2): B, C, D, F, G .. K at +100 .. +900 ms, E at +1000,
# L never.
receipt B "$D1:$((T1 + 100))" "$D2:$((T2 + 100))"
receipt B "$D1:$((T1 + 900))"
receipt C "$D1:$((T1 + 1500))" "$D2:$((T2 + 200))"
receipt D "$D1:$((DL1 + 5000))" "$D2:$((T2 + 300))"
receipt F "$D1:$((T1 + 50))" "$D2:$((T2 + 400))"
receipt E "$D2:$((T2 + 1000))"
i=5
for n in G H I J K; do receipt "$n" "$D2:$((T2 + i * 100))"; i=$((i + 1)); done
expect 0 "$CLI" ack --dir nodes/F "$D1" --by intruder
for n in "${OTHERS[@]}"; do copy "$n" A; done
# A receipt from a node that never was a reader is refused by the store
# (reason receipt), so it cannot even be held.
receipt L "$D1:$((T1 + 10))"
expect 1 "$COPY" --from nodes/L --to nodes/A
contains "refused: receipt"

# Roster version 2 takes F out of the group east: from now on F is not
# expected, and what it sent is ignored.
C=council
expect 0 "$KEYS" roster change --from "$C/roster" --group east=B,C,D,E \
    --out "$C/v2.draft"
for n in A B C; do
    "$KEYS" roster sign --key "$C/$n/node.key" --yes --out "$C/v2.$n.sig" \
        "$C/v2.draft" >/dev/null 2>&1
done
expect 0 "$KEYS" roster combine --from "$C/roster" --out "$C/roster.v2" \
    "$C/v2.draft" "$C/v2.A.sig" "$C/v2.B.sig" "$C/v2.C.sig"
for n in A C; do expect 0 "$CLI" roster apply --dir "nodes/$n" "$C/roster.v2"; done
RECEIPT_B=$("$CLI" list --dir nodes/A --kind receipt --author B --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
expect 1 "$CLI" ack --dir nodes/A "$RECEIPT_B"
contains "receipts and acknowledgements are not acknowledged"

# C acknowledges after the deadline.
while [ "$(date +%s%3N)" -le "$DL1" ]; do sleep 0.2; done
expect 0 "$CLI" ack --dir nodes/C "$D1" --by "Tanaka, night shift"
copy C A

# --- The east drill at its author: JSON figures ----------------------------
expect 0 "$CLI" drill report --dir nodes/A "${D1:0:12}" --json
J=$OUT
check () {
    [ "$(field "$J" "$1")" = "$2" ] || { echo "$J" >&2; fail "$1: wanted $2, got $(field "$J" "$1")"; }
    pass
}
check 'r["at_author"], r["deadline_passed"], r["expected"]' "(True, True, 4)"
check 'r["drill"]["title"], r["drill"]["author"], r["drill"]["audience"]' \
    "('CEPTOAR drill: east', 'A', 'group:east')"
check '[n["name"] for n in r["nodes"]]' "['B', 'C', 'D', 'E']"
check 'r["delivered"]["at_deadline"], r["delivered"]["now"]' "(2, 3)"
check 'r["delivered"]["percent_at_deadline"], r["delivered"]["percent_now"]' "(50, 75)"
check 'r["acknowledged"]["at_deadline"], r["acknowledged"]["now"]' "(1, 2)"
check 'r["acknowledged"]["percent_at_deadline"], r["acknowledged"]["percent_now"]' "(25, 50)"
check 'r["latency_ms"]["count"], r["latency_ms"]["p50"]' "(3, 1500)"
check 'r["latency_ms"]["p90"], r["latency_ms"]["p99"], r["latency_ms"]["max"]' \
    "($((DL1 + 5000 - T1)), $((DL1 + 5000 - T1)), $((DL1 + 5000 - T1)))"
check '[(l["name"], l["delivered_ms"], l["after_deadline_ms"]) for l in r["late"]]' \
    "[('D', $((DL1 + 5000)), 5000)]"
check 'r["unreachable"]' "['D', 'E']"
check 'r["ignored"]["outside_audience"]' 2
check '{n["name"]: n["status"] for n in r["nodes"]}' \
    "{'B': 'delivered, acked', 'C': 'delivered, acked late', 'D': 'LATE', 'E': 'MISSING'}"
check '{n["name"]: (n["delivery"], n["ack"]) for n in r["nodes"]}' \
    "{'B': ('on-time', 'on-time'), 'C': ('on-time', 'late'), 'D': ('late', 'missing'), 'E': ('missing', 'missing')}"
check 'r["nodes"][0]["delivered_ms"], r["nodes"][0]["latency_ms"], r["nodes"][0]["by"], r["nodes"][0]["ack_id"]' \
    "($((T1 + 100)), 100, '佐藤 花子', '$ACK_B')"
check 'r["nodes"][1]["by"], r["nodes"][1]["acked_ms"] > r["drill"]["deadline_ms"]' \
    "('Tanaka, night shift', True)"
check 'r["nodes"][3]["delivered_at"], r["nodes"][3]["acked_at"], r["nodes"][3]["by"]' \
    "(None, None, None)"
check 'sum(b["on_time"] for b in r["histogram"]), sum(b["late"] for b in r["histogram"])' "(2, 1)"

# --- ... as text ------------------------------------------------------------
expect 0 "$CLI" drill report --dir nodes/A "$D1"
contains "delivered 2/4 (50%) at deadline, 3/4 (75%) now"
contains "acknowledged 1/4 (25%) at deadline, 2/4 (50%) now"
contains "NODE  SECTOR"
contains "佐藤 花子"
contains "delivered, acked late"
contains "p50 1.5 s"
contains "LATE: delivered after the deadline"
contains "D: delivered $(python3 -c 'import datetime, sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' $((DL1 + 5000))), 5.0 s after the deadline"
contains "unreachable during the drill: no delivery by the deadline (2): D (late), E (missing)"
contains "ignored: 2 receipt(s) or acknowledgement(s) from outside"
contains "[###############...............]   2/4    50%"
lacks "the deadline has not passed"
lacks "intruder"
lacks "F     "

# --- ... as CSV --------------------------------------------------------------
expect 0 "$CLI" drill report --dir nodes/A "$D1" --csv
python3 - "$OUT" "$T1" "$DL1" <<'PY' || fail "CSV not as expected: $OUT"
import csv, io, sys
rows = list(csv.reader(io.StringIO(sys.argv[1])))
t1, dl1 = int(sys.argv[2]), int(sys.argv[3])
assert rows[0] == ["node", "sector", "fingerprint", "delivered_at",
                   "latency_ms", "delivery", "acked_at", "ack_latency_ms",
                   "ack", "by", "status"], rows[0]
assert len(rows) == 5 and all(len(r) == 11 for r in rows), rows
by = {r[0]: r for r in rows[1:]}
assert by["B"][4] == "100" and by["B"][5] == "on-time", by["B"]
assert by["C"][9] == "Tanaka, night shift", by["C"]
assert by["C"][10] == "delivered, acked late", by["C"]
assert by["D"][4] == str(dl1 + 5000 - t1) and by["D"][5] == "late", by["D"]
assert by["E"][3] == "" and by["E"][5] == "missing", by["E"]
assert by["E"][10] == "MISSING", by["E"]
PY
pass
expect 2 "$CLI" drill report --dir nodes/A "$D1" --csv --json
contains "not both"

# --- The council drill: nearest-rank percentiles over 10 deliveries -------
expect 0 "$CLI" drill report --dir nodes/A "$D2" --json
J=$OUT
check 'r["expected"], r["delivered"]["at_deadline"], r["delivered"]["now"]' "(11, 10, 10)"
check 'r["delivered"]["percent_now"], r["acknowledged"]["now"]' "(91, 0)"
check 'r["latency_ms"]' "{'count': 10, 'p50': 500, 'p90': 900, 'p99': 1000, 'max': 1000}"
check '[(b["below_ms"], b["on_time"]) for b in r["histogram"] if b["on_time"]]' \
    "[(1000, 9), (10000, 1)]"
check 'r["unreachable"], r["ignored"]["outside_audience"]' "(['L'], 0)"
check 'r["ack_latency_ms"]' "{'count': 0, 'p50': None, 'p90': None, 'p99': None, 'max': None}"
expect 0 "$CLI" drill report --dir nodes/A "$D2"
contains "delivered 10/11 (91%) at deadline, 10/11 (91%) now"
contains "p50 500 ms   p90 900 ms   p99 1.0 s   max 1.0 s"
contains "no delivery yet (1): L (missing)"
contains "acknowledgement latency: none"

# --- Elsewhere: what is held, and why it is not the whole picture ---------
expect 0 "$CLI" drill report --dir nodes/C "$D1" --json
J=$OUT
check 'r["at_author"], r["node"]' "(False, 'C')"
check 'r["delivered"]["now"], r["acknowledged"]["now"]' "(1, 1)"
check '[n["name"] for n in r["nodes"] if n["delivered_at"]]' "['C']"
expect 0 "$CLI" drill report --dir nodes/C "$D1"
contains "receipts and acknowledgements go to the drill's author, A"
expect 1 "$CLI" drill report --dir nodes/G "$D1"
contains "does not hold the payload"

# --- Bad input to drill report -----------------------------------------------
expect 2 "$CLI" drill report --dir nodes/A "$INC"
contains "is not a drill"
expect 2 "$CLI" drill report --dir nodes/A ffffffffffffffff
contains "no entry id starts with"
expect 2 "$CLI" drill report --dir nodes/A
contains "needs --dir NODEDIR and one ID"
expect 2 "$CLI" drill report --dir nodes/nowhere "$D1"
BARE=$(post A --kind drill --severity 0 --level green --audience council \
    --title "a drill without a deadline")
expect 1 "$CLI" drill report --dir nodes/A "$BARE"
contains "no valid deadline"
expect 0 "$CLI" fsck --dir nodes/A
expect 0 "$CLI" audit --dir nodes/A
finish
