# SPDX-License-Identifier: MPL-2.0
# council.sh: helpers for tests that run a council of real ceptoard
# processes on 127.0.0.1, each with its own node directory and store.
# Source after lib.sh. Node NAME lives in $SCRATCH/nodes/NAME, logs in
# $SCRATCH/logs/NAME.log; make_council's keys are in $SCRATCH/council.
# COUNCIL_HOSTS (lib.sh, council_host) puts members on other addresses,
# and NODE_NETNS[NAME] runs NAME's daemon in that network namespace.

DAEMON="$CEPTOAR_BIN/ceptoard"
declare -A NODE_PID=()
# NODE_ENV[NAME]: VAR=VALUE words node_start puts in that daemon's
# environment (through env(1), so NODE_PID stays the daemon's pid).
declare -A NODE_ENV=()
declare -A NODE_NETNS=()

# council_up THRESHOLD NAME:SECTOR...: keys, roster, and one node
# directory per member listening on its card's endpoint (not started).
council_up () {
    local threshold=$1
    shift
    make_council "$SCRATCH/council" "$threshold" "$@"
    mkdir -p "$SCRATCH/nodes" "$SCRATCH/logs"
    local port=${PORT_BASE:-17000} i=0
    for spec in "$@"; do
        local name=${spec%%:*}
        port=$((port + 1))
        i=$((i + 1))
        node_init "$name" "tcp://$(council_host $i):$port"
    done
}

# node_init NAME ENDPOINT [ROSTER...]: the node directory of member NAME;
# the rosters are the chain from the genesis (default: the genesis alone).
node_init () {
    local name=$1 endpoint=$2
    shift 2
    [ $# -gt 0 ] || set -- "$SCRATCH/council/roster"
    local rosters=()
    for r in "$@"; do rosters+=(--roster "$r"); done
    "$CLI" init --dir "$SCRATCH/nodes/$name" \
        --key "$SCRATCH/council/$name/node.key" "${rosters[@]}" \
        --listen "$endpoint" >/dev/null
}

# node_set NAME PATH VALUE: set a ZPL configuration value (e.g.
# replication/connect-roster 0, peers/B/endpoint tcp://...).
node_set () {
    python3 - "$SCRATCH/nodes/$1/ceptoard.cfg" "$2" "$3" <<'PY'
import sys
path, key, value = sys.argv[1], sys.argv[2].split("/"), sys.argv[3]
lines = open(path).read().split("\n")
# A small ZPL editor: find or create each section level, then the key.
def indent(depth): return "    " * depth
pos, depth = 0, 0
for i, part in enumerate(key):
    last = i == len(key) - 1
    found = None
    j = pos
    while j < len(lines):
        line = lines[j]
        if line.strip() == "" or line.lstrip().startswith("#"):
            j += 1; continue
        d = (len(line) - len(line.lstrip())) // 4
        if d < depth: break
        if d == depth and line.strip().split("=")[0].strip() == part:
            found = j; break
        j += 1
    if last:
        text = indent(depth) + part + ' = "' + value + '"'
        if found is not None: lines[found] = text
        else: lines.insert(j, text)
    else:
        if found is None:
            lines.insert(j, indent(depth) + part); found = j
        pos, depth = found + 1, depth + 1
open(path, "w").write("\n".join(lines))
PY
}

# node_start NAME: start its daemon in the background (in the network
# namespace NODE_NETNS[NAME], if set); wait until it serves.
node_start () {
    local name=$1 dir="$SCRATCH/nodes/$1"
    local netns=()
    [ -z "${NODE_NETNS[$name]:-}" ] \
        || netns=(ip netns exec "${NODE_NETNS[$name]}")
    rm -f "$dir/control.sock"
    # shellcheck disable=SC2086 # NODE_ENV and DAEMON_ARGS are word lists
    "${netns[@]}" env ${NODE_ENV[$name]:-} "$DAEMON" --dir "$dir" \
        ${DAEMON_ARGS:-} >>"$SCRATCH/logs/$name.log" 2>&1 &
    NODE_PID[$name]=$!
    for _ in $(seq 1 300); do
        [ -S "$dir/control.sock" ] && return 0
        kill -0 "${NODE_PID[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$SCRATCH/logs/$name.log" >&2
    fail "ceptoard $name did not start"
}

# node_stop NAME: SIGTERM and wait (clean exit required).
node_stop () {
    local pid=${NODE_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || fail "ceptoard $1 did not exit cleanly"
    unset "NODE_PID[$1]"
}

# node_kill NAME: kill -9.
node_kill () {
    local pid=${NODE_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "NODE_PID[$1]"
}

council_stop () {
    for name in "${!NODE_PID[@]}"; do
        node_stop "$name"
    done
}

# wait_for SECONDS DESCRIPTION CMD...: poll CMD until it succeeds.
wait_for () {
    local seconds=$1 what=$2
    shift 2
    local tries=$((seconds * 10))
    for _ in $(seq 1 "$tries"); do
        "$@" >/dev/null 2>&1 && { pass; return 0; }
        sleep 0.1
    done
    for log in "$SCRATCH"/logs/*.log; do
        echo "--- $log" >&2
        tail -15 "$log" >&2
    done
    fail "timed out after ${seconds}s waiting for: $what"
}

# post NAME ARGS...: post at node NAME; prints the id.
post () {
    local name=$1
    shift
    "$CLI" post --dir "$SCRATCH/nodes/$name" "$@" </dev/null
}

# state NAME ID: what node NAME holds of entry ID: "readable" (a payload
# it can read), "sealed" (a RED payload it cannot open), "not-held" (the
# header only) or "none" (not even the header).
state () {
    local json
    json=$("$CLI" show --dir "$SCRATCH/nodes/$1" "$2" --json 2>/dev/null) \
        || { echo none; return 0; }
    python3 -c '
import json, sys
e = json.loads(sys.argv[1])
if isinstance(e, list): e = e[0]
print(e["payload"])' "$json"
}

# has NAME ID STATE: node NAME holds ID in STATE (for wait_for).
has () {
    [ "$(state "$1" "$2")" = "$3" ]
}

# roster_version NAME: the version of node NAME's roster in force;
# at_version NAME V: it is V (for wait_for).
roster_version () {
    "$CLI" roster show --dir "nodes/$1" --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["version"])'
}
at_version () { [ "$(roster_version "$1")" = "$2" ]; }

# revoked NAME MEMBER: node NAME's roster marks MEMBER revoked;
# not_revoked NAME MEMBER: it lists MEMBER, not revoked.
revoked_is () {
    "$CLI" roster show --dir "nodes/$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = [m for m in d["members"] if m["name"] == sys.argv[1]]
sys.exit(0 if m and m[0]["revoked"] is (sys.argv[2] == "yes") else 1)' \
        "$2" "$3"
}
revoked () { revoked_is "$1" "$2" yes; }
not_revoked () { revoked_is "$1" "$2" no; }
