#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_board: the large-scale IT failure mode on five real
# daemons. A declares an incident; A-D report their state concurrently;
# every node's board converges to the same bytes (ordered by author time
# and id, never by arrival), with each member's latest state and E shown
# as "no report". Then D stops: after the others report again, a short
# --stale marks D STALE and no one else. A status takes the incident's
# level and audience (a group incident's reports stay in the group), and
# the commands refuse bad states, unknown ids and entries that are not
# declared incidents.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18400
NODES=(A B C D E)
GROUPS_ARGS="--group grid=C,E" council_up 2 A:telecom B:banking \
    C:electricity D:water E:railway

# --- help and usage, before anything runs ---------------------------------
expect 0 "$CLI" --help
contains "incident"
contains "board"
expect 0 "$CLI" board --help
for opt in --dir --incident --stale --watch --interval --json \
           --passphrase-file; do contains "$opt"; done
expect 0 "$CLI" incident open --help
for opt in --dir --title --audience --level --severity --body-file \
           --passphrase-file; do contains "$opt"; done
expect 0 "$CLI" incident --help
expect 0 "$CLI" status post --help
for opt in --dir --incident --state --text --response --damage \
           --passphrase-file; do contains "$opt"; done
expect 0 "$CLI" status --help
expect 2 "$CLI" board
contains "board needs --dir"
expect 2 "$CLI" board --dir nodes/A --stale 10x
contains 'invalid --stale "10x"'
expect 2 "$CLI" board --dir nodes/A --interval 5
expect 2 "$CLI" incident
expect 2 "$CLI" incident close --dir nodes/A
contains "unknown incident subcommand 'close'"
expect 2 "$CLI" incident open --dir nodes/A
contains "needs --dir and --title"
expect 2 "$CLI" incident open --dir nodes/A --title x --level purple
contains 'unknown level "purple"'
expect 2 "$CLI" incident open --dir nodes/A --title x --severity 9
expect 2 "$CLI" status post --dir nodes/A --state outage --text x
contains "needs --dir, --incident, --state and --text"
expect 2 "$CLI" status send --dir nodes/A
expect 2 "$CLI" board --dir nodes/nowhere
for n in "${NODES[@]}"; do node_start "$n"; done

# Nothing declared yet: an empty board, not an error.
expect 0 "$CLI" board --dir nodes/A
contains "no declared incident held here"
expect 0 "$CLI" board --dir nodes/A --json
python3 -c 'import json, sys
assert json.loads(sys.argv[1])["incident"] is None' "$OUT" \
    || fail "board --json without an incident: $OUT"
pass

# --- the incident ---------------------------------------------------------
printf 'Settlement messages are not delivered since 09:40 JST.\n' >details
INC=$("$CLI" incident open --dir nodes/A --title \
    "Nationwide settlement network failure" --body-file details)
[[ $INC =~ ^[0-9a-f]{64}$ ]] || fail "incident open printed '$INC'"
pass
for n in "${NODES[@]}"; do
    wait_for 20 "$n holds the incident" has "$n" "$INC" readable
done
expect 0 "$CLI" show --dir nodes/B "$INC" --json
python3 - "$OUT" <<'PY' || fail "incident entry: $OUT"
import json, sys
e = json.loads(sys.argv[1])
assert e["kind"] == "incident" and e["severity"] == 3, e
assert e["level"] == "TLP:AMBER" and e["audience"] == "council", e
assert e["body"] == "ceptoar-incident: 1\n\nSettlement messages are not " \
    "delivered since 09:40 JST.\n", e["body"]
PY
pass

# Bad input against a real store.
expect 2 "$CLI" status post --dir nodes/B --incident "$INC" --state broken \
    --text x
contains 'unknown state "broken"'
expect 2 "$CLI" status post --dir nodes/B --incident "$INC" --state outage \
    --text x --response --damage
expect 2 "$CLI" status post --dir nodes/B --incident "$(printf '%064d' 0)" \
    --state outage --text x
contains "no entry 0000000000000000"
PLAIN=$(post B --kind incident --severity 2 --level amber --audience council \
    --title "an incident posted without the convention")
expect 1 "$CLI" status post --dir nodes/B --incident "$PLAIN" --state outage \
    --text x
contains "is not a declared incident"
expect 1 "$CLI" board --dir nodes/B --incident "$PLAIN"
contains "is not a declared incident"
expect 2 "$CLI" board --dir nodes/B --incident zz
contains 'invalid entry id "zz"'

# --- concurrent reports from four nodes -----------------------------------
# Each node reports a sequence of states; the four run at once. A member's
# latest state is the last of its own sequence.
declare -A SEQS=(
    [A]="outage degraded recovering"
    [B]="degraded outage"
    [C]="normal degraded recovering recovered"
    [D]="outage"
)
declare -A LAST=()
report_all () {   # NODE STATES...: post each in turn, ids to ids.NODE
    local node=$1 i=0
    shift
    for st in "$@"; do
        i=$((i + 1))
        "$CLI" status post --dir "nodes/$node" --incident "${INC:0:12}" \
            --state "$st" --text "$node report $i: $st
details of $node" >>"ids.$node" || return 1
    done
}
PIDS=()
for n in A B C D; do
    # shellcheck disable=SC2086
    report_all "$n" ${SEQS[$n]} &
    PIDS+=($!)
    LAST[$n]=${SEQS[$n]##* }
done
for pid in "${PIDS[@]}"; do wait "$pid" || fail "a status post failed"; done
POSTED=$(date +%s.%N)               # D's one report is older than this
pass
TOTAL=$(cat ids.A ids.B ids.C ids.D | wc -l)
[ "$TOTAL" -eq 10 ] || fail "expected 10 report ids, got $TOTAL"
cat ids.A ids.B ids.C ids.D | sort >ids.all

# A status has the incident's level and audience, its kind and severity
# follow the state, and its title and body follow the convention.
expect 0 "$CLI" show --dir nodes/C "$(tail -1 ids.A)" --json
python3 - "$OUT" "$INC" <<'PY' || fail "status entry: $OUT"
import json, sys
e, inc = json.loads(sys.argv[1]), sys.argv[2]
assert e["level"] == "TLP:AMBER" and e["audience"] == "council", e
assert e["kind"] == "response-status" and e["severity"] == 1, e
assert e["title"] == "recovering: A report 3: recovering", e["title"]
assert e["body"] == "ceptoar-status: 1\nstate: recovering\n\n" \
    "A report 3: recovering\ndetails of A", e["body"]
assert e["refs"] == [{"relation": "update", "id": inc}], e["refs"]
PY
pass
expect 0 "$CLI" show --dir nodes/C "$(head -1 ids.D)" --json
contains '"kind": "damage-status"'
contains '"severity": 3'

# board_json NODE [ARGS...]: the board without its time-dependent fields.
board_json () {
    "$CLI" board --dir "nodes/$1" --json "${@:2}" </dev/null | python3 -c '
import json, sys
b = json.load(sys.stdin)
b.pop("now")
for m in b["members"]:
    m.pop("stale")
print(json.dumps(b, sort_keys=True))'
}

# boards_agree EXPECTED: every node's board JSON is the same, and shows
# EXPECTED ("A=state B=state ... E=" with empty for no report) and every
# id in ids.all in its timeline, sorted by (author time, id).
boards_agree () {
    local first="" b n
    for n in "${NODES[@]}"; do
        b=$(board_json "$n") || return 1
        [ -n "$first" ] || first=$b
        [ "$b" = "$first" ] || return 1
    done
    python3 - "$first" "$INC" "$1" ids.all <<'PY'
import json, sys
b, inc, want, ids = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], \
    sys.argv[4]
assert b["incident"]["id"] == inc, b["incident"]
assert b["incident"]["author"] == "A", b["incident"]
states = {m["name"]: m["state"] or "" for m in b["members"]}
assert states == dict(kv.split("=") for kv in want.split()), states
tl = b["timeline"]
assert sorted(t["id"] for t in tl) == sorted(open(ids).read().split()), tl
assert tl == sorted(tl, key=lambda t: (t["time"], t["id"])), tl
for m in b["members"]:
    if m["state"]:
        mine = [t for t in tl if t["author"] == m["name"]]
        assert m["report"] == mine[-1]["id"], (m, mine)
assert b["skipped"] == 0, b["skipped"]
PY
}
EXPECT="A=${LAST[A]} B=${LAST[B]} C=${LAST[C]} D=${LAST[D]} E="
wait_for 30 "every board shows $EXPECT" boards_agree "$EXPECT"

# The text board: the same bytes on every node but for the "as of" line;
# E, which never reported, shows "no report".
for n in "${NODES[@]}"; do
    "$CLI" board --dir "nodes/$n" | grep -v '^as of ' >"board.$n"
done
for n in B C D E; do
    cmp -s board.A "board.$n" || { diff board.A "board.$n" >&2;
        fail "text board of $n differs from A's"; }
done
pass
OUT=$(cat board.A)
contains "INCIDENT $INC"
contains "Nationwide settlement network failure"
contains "declared by A (telecom) at"
contains "TLP:AMBER, council, severity 3"
contains "TIMELINE (10 reports, oldest first)"
grep -Eq '^E +railway +- +no report$' board.A || fail "E not 'no report'"
grep -Eq '^C +electricity +recovered +[0-9T:.-]+Z$' board.A \
    || fail "C's row: $(grep '^C ' board.A)"
pass
expect 0 "$CLI" board --dir nodes/B
contains "as of "
contains "4 of 5 members reported, 0 STALE (no report for over 30m)"
# The same with the incident named (here by a prefix).
[ "$(board_json B --incident "${INC:0:10}")" = "$(board_json B)" ] \
    || fail "board --incident differs from the latest incident's board"
pass

# --- a silent member goes STALE -------------------------------------------
# D stops; once its last report is older than the threshold, A, B and C
# report again: D alone is STALE, E still "no report". A, B and C stay
# fresh for STALE seconds after they post: 15 s, so that a loaded host
# (the sanitizer pass) has time to carry their reports and draw the
# boards (5 s was too short there once).
STALE=15
node_stop D
python3 -c 'import sys, time
time.sleep(max(0, float(sys.argv[1]) + float(sys.argv[2]) - time.time()))' \
    "$POSTED" "$STALE.5"
PIDS=()
for n in A B C; do
    "$CLI" status post --dir "nodes/$n" --incident "$INC" --state recovered \
        --text "$n all clear" >"new.$n" &
    PIDS+=($!)
done
for pid in "${PIDS[@]}"; do wait "$pid" || fail "a status post failed"; done
# board --watch at B (JSON, one object per line) must see C's next report.
"$CLI" board --dir nodes/B --watch --interval 200 --json \
    >watch.out 2>watch.err &
WATCH=$!
wait_for 30 "board --watch starts" grep -q '"incident"' watch.out
stale_ok () {
    "$CLI" board --dir nodes/A --json --stale "${STALE}s" >stale.json \
        || return 1
    python3 - stale.json "$STALE" new.A new.B new.C <<'PY'
import json, sys, datetime
b = json.load(open(sys.argv[1]))
threshold = int(sys.argv[2]) * 1000
def ms(t):
    d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
m = {x["name"]: x for x in b["members"]}
now = ms(b["now"])
# The rule itself, on every row.
for x in b["members"]:
    want = x["last_report"] is not None and now - ms(x["last_report"]) > \
        threshold
    assert x["stale"] == want, (x, b["now"])
# What this scene must show.
for n, f in zip("ABC", sys.argv[3:]):
    assert m[n]["report"] == open(f).read().strip(), m[n]
    assert m[n]["state"] == "recovered" and not m[n]["stale"], m[n]
assert m["D"]["stale"] and m["D"]["state"] == "outage", m["D"]
assert m["E"]["state"] is None and not m["E"]["stale"], m["E"]
assert b["stale_after_ms"] == threshold, b
PY
}
wait_for 20 "A's board: D STALE, A-C fresh, E no report" stale_ok
expect 0 "$CLI" board --dir nodes/A --stale "${STALE}s"
grep -Eq '^D +water +outage +[0-9T:.-]+Z  STALE$' <<<"$OUT" \
    || { echo "$OUT" >&2; fail "D not marked STALE"; }
for n in A B C; do
    grep -Eq "^$n .*recovered +[0-9T:.-]+Z\$" <<<"$OUT" \
        || { echo "$OUT" >&2; fail "$n not fresh"; }
done
grep -Eq '^E +railway +- +no report$' <<<"$OUT" || fail "E: $OUT"
contains "4 of 5 members reported, 1 STALE (no report for over ${STALE}s)"
NEXT=$("$CLI" status post --dir nodes/C --incident "$INC" --state normal \
    --text "C back to normal operation")
wait_for 20 "board --watch shows C's new report" grep -q "$NEXT" watch.out
kill -TERM "$WATCH"
wait "$WATCH" || fail "board --watch did not exit 0 on SIGTERM"
pass
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, lines
for l in lines: json.loads(l)
' watch.out || fail "board --watch: not one JSON object per line"
pass
grep -q "watching nodes/B" watch.err || fail "watch.err: $(cat watch.err)"

# --- a group incident: reports stay inside the group ----------------------
# A declares to group grid (C, E) without being in it. C's report goes to
# the same audience: B and A hold its header only. B cannot read the
# incident, so its board stays on the council one.
INC2=$("$CLI" incident open --dir nodes/A --title "Grid telemetry lost" \
    --audience group:grid --severity 2 2>inc2.err)
grep -q "A is not in group grid: it will not read" inc2.err \
    || fail "no note that A reads no grid reports: $(cat inc2.err)"
wait_for 20 "C holds the grid incident" has C "$INC2" readable
wait_for 20 "B holds its header" has B "$INC2" not-held
G=$("$CLI" status post --dir nodes/C --incident "$INC2" --state degraded \
    --text "SCADA links intermittent")
for n in E; do wait_for 20 "$n reads C's grid report" has "$n" "$G" readable
done
for n in A B; do wait_for 20 "$n holds C's grid report header only" \
    has "$n" "$G" not-held; done
expect 0 "$CLI" show --dir nodes/E "$G" --json
contains '"audience": "group:grid"'
expect 1 "$CLI" status post --dir nodes/B --incident "$INC2" --state normal \
    --text "not mine"
contains "cannot read entry"
expect 1 "$CLI" board --dir nodes/B --incident "$INC2"
expect 0 "$CLI" board --dir nodes/B --json
contains "\"id\": \"$INC\""
expect 0 "$CLI" board --dir nodes/E --json
contains "\"id\": \"$INC2\""
python3 - "$OUT" <<'PY' || fail "grid board at E: $OUT"
import json, sys
b = json.loads(sys.argv[1])
m = {x["name"]: x["state"] for x in b["members"]}
assert m == {"A": None, "C": "degraded", "E": None}, m
PY
pass
# A status entry is not an incident either.
expect 1 "$CLI" status post --dir nodes/E --incident "$G" --state normal \
    --text x
contains "is not a declared incident"

# --- a RED incident: reports sealed to the same readers -----------------
# A declares to node:B. B's report is sealed to B and A (the declarer reads
# the incident, so it is named too); C carries both sealed and cannot read
# them: its board skips them and says so.
RI=$("$CLI" incident open --dir nodes/A --level red --audience node:B \
    --title "Red: core router compromise")
wait_for 20 "B opens the RED incident" has B "$RI" readable
RS=$("$CLI" status post --dir nodes/B --incident "$RI" --state outage \
    --text "core routers isolated")
wait_for 20 "A opens B's RED report" has A "$RS" readable
for id in "$RI" "$RS"; do wait_for 20 "C carries ${id:0:8} sealed" \
    has C "$id" sealed; done
expect 0 "$CLI" show --dir nodes/B "$RS" --json
python3 - "$OUT" <<'PY2' || fail "RED report: $OUT"
import json, sys
e = json.loads(sys.argv[1])
assert e["level"] == "TLP:RED", e
assert sorted(e["audience"][len("node:"):].split(",")) == ["A", "B"], e
PY2
pass
wait_for 20 "A's board shows B's RED report" eval \
    '"$CLI" board --dir nodes/A --incident "$RI" | grep -Eq "^B +banking +outage"'
expect 0 "$CLI" board --dir nodes/A
contains "INCIDENT $RI"
contains "TLP:RED, node:B, severity 3"
expect 0 "$CLI" board --dir nodes/C
contains "INCIDENT $INC2"
contains "skipped: 2 entries whose payload cannot be read here"
expect 1 "$CLI" board --dir nodes/C --incident "$RI"
contains "cannot read entry"

council_stop
# Without a daemon the CLI stores the report itself, and its references
# are indexed all the same (RED included): the board sees it.
"$CLI" status post --dir nodes/B --incident "$RI" --state recovering \
    --text "restored, no daemon running" >/dev/null
expect 0 "$CLI" board --dir nodes/B --incident "$RI" --json
python3 - "$OUT" <<'PY2' || fail "B's board after a local report: $OUT"
import json, sys
b = json.loads(sys.argv[1])
m = {x["name"]: x["state"] for x in b["members"]}
assert m == {"A": None, "B": "recovering"}, m
assert [t["state"] for t in b["timeline"]] == ["outage", "recovering"], b
PY2
pass
for n in "${NODES[@]}"; do
    expect 0 "$CLI" audit --dir "nodes/$n"
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
