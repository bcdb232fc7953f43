#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# bench_federation: replication figures with real ceptoard processes on
# 127.0.0.1 (docs/protocol.md 13.14, "Measured"). Prints figures; never
# fails on a figure (targets are shown beside them).
#
#   bash tests/bench/bench_federation.sh catchup [ENTRIES] [AUTHORS]
#       A fresh node pulls ENTRIES (default 1000000; 300-byte bodies,
#       AUTHORS authors, default 4) from ONE peer: entries/s, the
#       receiving node's peak RSS, and bytes received per entry against
#       the entry's own size (stub + payload).
#   bash tests/bench/bench_federation.sh fanout [NODES] [POSTS]
#       NODES nodes (default 21), full mesh; POSTS posts (default 1000) at
#       one node through its daemon; time from post (the author's
#       timestamp) to stored at every other node (their stored time):
#       p50, p99, max.
#   bash tests/bench/bench_federation.sh drill [NODES] [DRILLS]
#       NODES nodes (default 21), full mesh; DRILLS drills (default 20)
#       posted one after another at n1: from the drill's timestamp to
#       100 % delivery (the latest "stored" time in the other nodes'
#       signed receipts), and to the last receipt stored back at n1:
#       p50, p99 over the drills.
#   bash tests/bench/bench_federation.sh urgent [ENTRIES] [SAMPLES]
#       A fresh node catches up ENTRIES (default 1000000) of another
#       member's entries from one peer; meanwhile SAMPLES (default 20)
#       severity-4 warnings are posted at that peer, one every 0.5 s:
#       post to stored at the fresh node, p50, p99, max, and how far the
#       catch-up was at each.
#   bash tests/bench/bench_federation.sh revoke [NODES] [ROUNDS] [HELD]
#       NODES nodes (default 21), full mesh, holding HELD card updates
#       (default 20: members republishing their own endpoints, so nothing
#       reconnects); ROUNDS times (default 5) a member's revocation is
#       handed to n1 alone: time from handing it in to each other node
#       holding it (its NODEDIR/notices written, before it acts on it):
#       p50, p99, max over every node and round, and the whole council's.
#
# Uses the build in build/ (run `bash tools/setup.sh build` first) and a
# scratch directory under ${TMPDIR:-/tmp}, removed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CEPTOAR_BIN=${CEPTOAR_BIN:-$ROOT/build/tools}
export CEPTOAR_TEST_BIN=${CEPTOAR_TEST_BIN:-$ROOT/build/tests}
MODE=${1:-}
shift || true
. "$ROOT/tests/scripts/lib.sh"
. "$ROOT/tests/scripts/council.sh"
cd "$SCRATCH"
FILL="$CEPTOAR_TEST_BIN/fill_store"

# mesh_up COUNT: a council of n1 .. nCOUNT (all telecom, a majority
# threshold) on PORT_BASE, every node started and given 3 s to connect.
# Their names are left in MESH.
mesh_up () {
    local count=$1 specs=()
    MESH=()
    for i in $(seq 1 "$count"); do
        specs+=("n$i:telecom")
        MESH+=("n$i")
    done
    council_up $(( (count + 1) / 2 )) "${specs[@]}"
    for n in "${MESH[@]}"; do node_start "$n"; done
    sleep 3
}

peer_field () {   # peer_field NODE PEER FIELD
    "$CLI" peers --dir "nodes/$1" --json | python3 -c '
import json, sys
d = {p["name"]: p for p in json.load(sys.stdin)["peers"]}
print(d[sys.argv[1]][sys.argv[2]])' "$2" "$3"
}

catchup () {
    local total=${1:-1000000} authors=${2:-4}
    PORT_BASE=18000
    local specs=(source:telecom fresh:banking) names=()
    for i in $(seq 1 "$authors"); do
        specs+=("author$i:electricity")
        names+=("author$i")
    done
    council_up 2 "${specs[@]}"
    local per=$((total / authors))
    echo "filling $authors authors x $per entries (300-byte bodies) ..."
    for a in "${names[@]}"; do
        "$FILL" --dir "nodes/$a" --count "$per" >/dev/null
    done
    # source gathers every author's log first (setup, not measured).
    node_start source
    for a in "${names[@]}"; do node_start "$a"; done
    local t0=$SECONDS
    while [ "$("$CLI" peers --dir nodes/source --json | python3 -c '
import json, sys
print(sum(p["received"] for p in json.load(sys.stdin)["peers"]))')" -lt \
            "$((per * authors))" ]; do
        sleep 1
    done
    echo "source holds all $((per * authors)) entries ($((SECONDS - t0)) s)"
    for a in "${names[@]}"; do node_stop "$a"; done

    # The measured run: fresh pulls everything from source alone.
    if [ -n "${BENCH_PERF_SOURCE:-}" ]; then
        perf record -g -o "$BENCH_PERF_SOURCE" -p "${NODE_PID[source]}" \
            2>/dev/null &
        PERF_PID=$!
    fi
    node_start fresh
    local pid=${NODE_PID[fresh]}
    if [ -n "${BENCH_PERF:-}" ]; then
        perf record -g -o "$BENCH_PERF" -p "$pid" 2>/dev/null &
        PERF_PID=$!
    fi
    # Sample the receiver's memory twice a second: anonymous (heap) and
    # file-backed (LMDB's map) apart, since the peak is their sum.
    (while kill -0 "$pid" 2>/dev/null; do
        awk '/RssAnon|RssFile/ {printf "%s %s ", $1, $2} END {print ""}' \
            "/proc/$pid/status" 2>/dev/null
        sleep 0.5
    done) >rss.samples &
    local sampler=$!
    local start end received=0
    start=$(date +%s.%N)
    local want=$((per * authors))
    # Polled with awk, not python: the poll must cost the machine almost
    # nothing, or it slows what it measures.
    while :; do
        received=$("$CLI" peers --dir nodes/fresh --json | awk -F': ' '
            /"received"/ { gsub(/[ ,]/, "", $2); sum += $2 }
            END { print sum + 0 }')
        [ "$received" -ge "$want" ] && break
        sleep 0.1
    done
    end=$(date +%s.%N)
    local ticks clk
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    clk=$(getconf CLK_TCK)
    if [ -n "${PERF_PID:-}" ]; then
        kill -INT "$PERF_PID"
        wait "$PERF_PID" || true
    fi
    if [ -n "${BENCH_THREADS:-}" ]; then
        for t in /proc/$pid/task/* /proc/${NODE_PID[source]}/task/*; do
            awk '{printf "thread %s %s: user %d sys %d ticks\n", $1, $2, $14, $15}' "$t/stat"
        done
    fi
    local hwm bytes
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    awk '/VmHWM|VmRSS|RssAnon|RssFile/ {printf "  %s %.1f MiB\n", $1, $2 / 1024}' \
        "/proc/$pid/status"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    awk '{ if ($2 > a) a = $2; if ($4 > f) f = $4 }
         END { printf "  sampled peaks: RssAnon %.1f MiB, RssFile %.1f MiB\n",
               a / 1024, f / 1024 }' rss.samples
    bytes=$(peer_field fresh source bytes_in)
    local entry_size
    entry_size=$("$CLI" list --dir nodes/fresh --limit 1 --json | python3 -c '
import json, sys
e = json.load(sys.stdin)[0]
print(e["payload_bytes"] + e.get("stub_bytes", 0))')
    python3 - "$want" "$start" "$end" "$hwm" "$bytes" "$ticks" "$clk" <<'PY'
import sys
n, t0, t1, hwm_kb, nbytes = int(sys.argv[1]), float(sys.argv[2]), \
    float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu = int(sys.argv[6]) / int(sys.argv[7])
secs = t1 - t0
print(f"receiving node CPU: {cpu:.1f} s over {secs:.1f} s "
      f"= {cpu / secs:.2f} cores busy (the machine has 2)")
print(f"catch-up: {n} entries from one peer in {secs:.1f} s = "
      f"{n / secs:,.0f} entries/s (target >= 30,000)")
print(f"receiving node peak RSS: {hwm_kb / 1024:.1f} MiB (target < 100)")
print(f"frame bytes received per entry: {nbytes / n:.1f}")
PY
    echo "entry size (payload bytes; stub adds 187): $entry_size"
    council_stop
}

fanout () {
    local count=${1:-21} posts=${2:-1000}
    PORT_BASE=18100
    mesh_up "$count"
    local names=("${MESH[@]}")
    echo "posting $posts entries at n1 ..."
    for i in $(seq 1 "$posts"); do
        post n1 --kind early-warning --severity 1 --level green \
            --audience council --title "fan-out $i" >/dev/null
    done
    local last
    last=$(post n1 --kind early-warning --severity 1 --level green \
        --audience council --title "last")
    for n in "${names[@]}"; do
        wait_for 120 "$n holds the last post" has "$n" "$last" readable
    done
    for n in "${names[@]:1}"; do
        "$CLI" list --dir "nodes/$n" --author n1 --json >"list-$n.json"
    done
    python3 - list-*.json <<'PY'
import json, sys, datetime
def ms(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
lat = []
for path in sys.argv[1:]:
    for e in json.load(open(path)):
        lat.append(ms(e["stored"]) - ms(e["time"]))
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"fan-out: {len(lat)} deliveries (posts x receivers): post to stored "
      f"p50 {q(0.5):.0f} ms, p99 {q(0.99):.0f} ms, max {lat[-1]:.0f} ms "
      f"(target p99 < 50 ms)")
PY
    council_stop
}

# receipts_json NODE: every receipt NODE holds readable, as JSON.
receipts_json () {
    "$CLI" list --dir "nodes/$1" --kind receipt --json
}

drill () {
    local count=${1:-21} drills=${2:-20}
    PORT_BASE=18700
    mesh_up "$count"
    local names=("${MESH[@]}")
    : > drills.txt
    for d in $(seq 1 "$drills"); do
        local id
        id=$("$CLI" drill start --dir nodes/n1 --audience council \
            --deadline 1m --title "bench drill $d")
        echo "$id" >> drills.txt
        # Next drill once every receiver has confirmed this one.
        for _ in $(seq 1 300); do
            [ "$(receipts_json n1 | grep -c "stored: $id ")" -ge \
              "$((count - 1))" ] && break
            sleep 0.1
        done
    done
    "$CLI" list --dir nodes/n1 --author n1 --kind drill --json > drills.json
    receipts_json n1 > receipts.json
    python3 - drills.json receipts.json "$((count - 1))" <<'PY'
import json, sys, datetime
def ms(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000
drills = {e["id"]: ms(e["time"]) for e in json.load(open(sys.argv[1]))}
receivers = int(sys.argv[3])
stored, back = {}, {}
for r in json.load(open(sys.argv[2])):
    for line in r["body"].split("\n")[1:]:
        if not line:
            continue
        _, eid, when = line.split(" ")
        if eid in drills:
            stored.setdefault(eid, {})[r["author"]] = int(when)
            back.setdefault(eid, {})[r["author"]] = ms(r["stored"])
full, conf, incomplete = [], [], 0
for eid, t0 in drills.items():
    got = stored.get(eid, {})
    if len(got) < receivers:
        incomplete += 1
        continue
    full.append(max(got.values()) - t0)
    conf.append(max(back[eid].values()) - t0)
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print(f"drill: {len(full)} drills to {receivers} receivers "
      f"({incomplete} incomplete)")
print(f"  100 % delivery (latest receipt's stored time - drill time): "
      f"p50 {q(full, .5):.0f} ms, p99 {q(full, .99):.0f} ms "
      f"(target 100 % within 1000 ms)")
print(f"  last receipt back at the author: p50 {q(conf, .5):.0f} ms, "
      f"p99 {q(conf, .99):.0f} ms")
PY
    council_stop
}

urgent () {
    local total=${1:-1000000} samples=${2:-20}
    PORT_BASE=18750
    council_up 2 source:telecom fresh:banking author:electricity
    echo "filling author with $total entries ..."
    "$FILL" --dir nodes/author --count "$total" --body-bytes 300 >/dev/null
    # source holds author's log (author itself stays down).
    cp nodes/author/store/data.mdb nodes/source/store/data.mdb
    node_start source
    node_start fresh
    local received=0
    while [ "$received" -lt 1000 ]; do
        received=$("$CLI" peers --dir nodes/fresh --json | awk -F': ' '
            /"received"/ { gsub(/[ ,]/, "", $2); sum += $2 } END { print sum + 0 }')
        sleep 0.1
    done
    : > urgent.txt
    for i in $(seq 1 "$samples"); do
        received=$("$CLI" peers --dir nodes/fresh --json | awk -F': ' '
            /"received"/ { gsub(/[ ,]/, "", $2); sum += $2 } END { print sum + 0 }')
        echo "$(post source --kind early-warning --severity 4 --level green \
            --audience council --title "urgent $i") $received" >> urgent.txt
        sleep 0.5
    done
    while [ "$received" -lt "$((total + samples))" ]; do
        received=$("$CLI" peers --dir nodes/fresh --json | awk -F': ' '
            /"received"/ { gsub(/[ ,]/, "", $2); sum += $2 } END { print sum + 0 }')
        sleep 0.5
    done
    while read -r id at; do
        "$CLI" show --dir nodes/fresh "$id" --json | python3 -c '
import json, sys
e = json.load(sys.stdin); e = e[0] if isinstance(e, list) else e
print(e["time"], e["stored"], sys.argv[1])' "$at"
    done < urgent.txt > urgent.times
    python3 - urgent.times "$total" <<'PY'
import sys, datetime
def ms(t):
    return datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
lat, at = [], []
for line in open(sys.argv[1]):
    t, s, a = line.split()
    lat.append(ms(s) - ms(t)); at.append(int(a))
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"urgent: {len(lat)} severity-4 warnings during a catch-up of "
      f"{sys.argv[2]} entries (posted when the receiver held "
      f"{min(at)} to {max(at)} of them)")
print(f"  post to stored at the catching-up node: p50 {q(.5):.0f} ms, "
      f"p99 {q(.99):.0f} ms, max {lat[-1]:.0f} ms (target p99 < 100 ms)")
PY
    council_stop
}

revoke () {
    local count=${1:-21} rounds=${2:-5} held=${3:-20}
    PORT_BASE=18100
    [ "$rounds" -le $((count - 2)) ] || fail "at most $((count - 2)) rounds"
    [ "$held" -le $((count - rounds - 1)) ] \
        || fail "at most $((count - rounds - 1)) card updates held"
    mesh_up "$count"
    local names=("${MESH[@]}")
    # Card updates of n2..: each member's own endpoint again (serial 2).
    for i in $(seq 2 $((held + 1))); do
        "$KEYS" card-update --key "council/n$i/node.key" --serial 2 \
            --endpoint "tcp://127.0.0.1:$((PORT_BASE + i))" \
            --out "n$i.update" >/dev/null
        "$CLI" roster card-update --dir nodes/n1 "n$i.update" >/dev/null
    done
    for n in "${names[@]}"; do
        wait_for 60 "$n holds the $held card updates" \
            test "$(grep -c '^signature: ' "nodes/$n/notices" 2>/dev/null \
                    || echo 0)" -ge "$held"
    done
    : > revoke.times
    for r in $(seq 1 "$rounds"); do
        local victim="n$((count - r + 1))"
        "$KEYS" revoke-cert --key "council/$victim/node.key" \
            --out "$victim.revoke" >/dev/null
        local key t0
        key=$(sed -n 's/^sign-key: //p' "$victim.revoke")
        t0=$(python3 -c 'import time; print(time.time_ns())')
        "$CLI" roster revoke --dir nodes/n1 "$victim.revoke" >/dev/null
        # Every node but this round's victim and the earlier ones (cut).
        for n in "${names[@]:0:$((count - r))}"; do
            wait_for 60 "$n holds $victim's revocation" \
                grep -q "^sign-key: $key\$" "nodes/$n/notices"
            python3 -c 'import os, sys
print(sys.argv[1], (os.stat(sys.argv[2]).st_mtime_ns - int(sys.argv[3])) / 1e6)' \
                "$r" "nodes/$n/notices" "$t0" >> revoke.times
        done
    done
    python3 - revoke.times "$count" "$held" <<'PY'
import sys, collections
per_round = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, ms = line.split()
    per_round[r].append(float(ms))
lat = sorted(x for v in per_round.values() for x in v)
whole = sorted(max(v) for v in per_round.values())
q = lambda a, p: a[min(len(a) - 1, int(p * len(a)))]
print(f"revocation: {sys.argv[2]} nodes holding {sys.argv[3]} card updates, "
      f"{len(per_round)} revocations handed to n1")
print(f"  handed in to held at each other node: p50 {q(lat, .5):.0f} ms, "
      f"p99 {q(lat, .99):.0f} ms, max {lat[-1]:.0f} ms")
print(f"  to held at every node (the whole council): p50 "
      f"{q(whole, .5):.0f} ms, max {whole[-1]:.0f} ms (target: one round, "
      f"under 1 s)")
PY
    council_stop
}

case $MODE in
    revoke) revoke "$@" ;;
    catchup) catchup "$@" ;;
    fanout) fanout "$@" ;;
    drill) drill "$@" ;;
    urgent) urgent "$@" ;;
    *) echo "usage: bench_federation.sh catchup [ENTRIES] [AUTHORS] | fanout [NODES] [POSTS] | drill [NODES] [DRILLS] | urgent [ENTRIES] [SAMPLES] | revoke [NODES] [ROUNDS] [HELD]" >&2
       exit 2 ;;
esac
