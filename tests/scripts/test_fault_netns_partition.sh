#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_netns_partition: network partitions between real hosts. Four
# daemons, each in its own network namespace with its own address, joined
# by two bridges (a "switch" namespace); links are cut and restored with
# `ip link set ... down/up` while the nodes keep running (the kernel here
# has no netem, iptables or nft). DESIGN §5.4 and §5.5:
#   1. one node's cable is pulled: both sides post green (council), amber
#      (group) and red (to a named node); the cut node gets nothing while
#      cut, its daemon and the others keep running, and after the cable is
#      back every node holds every header and every payload it is cleared
#      for (RED sealed at carriers);
#      (the cut lasts until `peers` shows it: the heartbeats close the dead
#      connections after 30 to 40 s, and the sessions restart);
#   2. the link between the two switches goes down for about 10 s: a 2|2
#      split, each half shares inside itself and nothing crosses; the
#      connections outlive it (no heartbeat timeout), so what was queued
#      flows when TCP retransmits; after it heals, the same.
# Each phase prints how long reconvergence took after the link came back
# (the last storing of a checked entry at any node, from the stores' own
# times).
# Needs root and `ip netns`; otherwise it says why and exits 77 (ctest:
# skipped). Namespaces and links are removed on every exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"

# --- Can this machine do it? (create a namespace, a veth pair, a bridge)
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns (uid $(id -u))"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"

NS_PREFIX=cfnet          # every namespace of this test: cfnet<pid>...
NS=$NS_PREFIX$$
HUB=${NS}sw              # the switches: bridges left and right
NAMES=(T-CEPTOAR banking securities water)
SIDE=(left left right right)
NETNS_MADE=()

netns_down () {
    local ns
    for ns in "${NETNS_MADE[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    NETNS_MADE=()
}

# Stop the daemons before their namespaces go, then lib.sh's cleanup (its
# exit status must be the test's).
on_exit () {
    local rc=$?
    jobs -p | xargs -r kill -9 2>/dev/null || true
    wait 2>/dev/null || true
    netns_down
    (exit "$rc")
    cleanup
}
trap on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Namespaces a killed run (ctest timeout: SIGKILL, no trap) left behind.
for stale in $(ip netns list 2>/dev/null | awk '{print $1}' \
               | grep -E "^$NS_PREFIX[0-9]+" || true); do
    pid=${stale#"$NS_PREFIX"}
    pid=${pid%%[!0-9]*}
    kill -0 "$pid" 2>/dev/null || ip netns del "$stale" 2>/dev/null || true
done

# ns_add NAME: a namespace, remembered for the cleanup.
ns_add () {
    ip netns add "$1" || return 1
    NETNS_MADE+=("$1")
}

probe=${NS}probe
NETNS_MADE+=("$probe")
probe_err=$( { ip netns add "$probe" && ip -n "$probe" link add p0 type veth \
               peer name p1 && ip -n "$probe" link add b0 type bridge; } \
             2>&1 ) || skip "cannot make a network namespace with a veth" \
                 "pair and a bridge here: ${probe_err:-unknown error}"
ip netns del "$probe"
NETNS_MADE=()

# --- The network: 10.77.0.i/24 for node i, on bridge left or right of the
# switch namespace; the trunk veth joins the two bridges.
ns_add "$HUB"
ip -n "$HUB" link set lo up
for br in left right; do
    ip -n "$HUB" link add "$br" type bridge
    ip -n "$HUB" link set "$br" up
done
ip -n "$HUB" link add trunkl type veth peer name trunkr
ip -n "$HUB" link set trunkl master left
ip -n "$HUB" link set trunkr master right
ip -n "$HUB" link set trunkl up
ip -n "$HUB" link set trunkr up
HOSTS=()
for i in "${!NAMES[@]}"; do
    n=$((i + 1))
    ns=${NS}n$n
    ns_add "$ns"
    ip -n "$HUB" link add "port$n" type veth peer name eth0 netns "$ns"
    ip -n "$HUB" link set "port$n" master "${SIDE[$i]}"
    ip -n "$HUB" link set "port$n" up
    ip -n "$ns" addr add "10.77.0.$n/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    NODE_NETNS[${NAMES[$i]}]=$ns
    HOSTS+=("10.77.0.$n")
done

# cable NAME down|up: pull or plug node NAME's cable at the switch.
cable () {
    local i
    for i in "${!NAMES[@]}"; do
        [ "${NAMES[$i]}" = "$1" ] || continue
        ip -n "$HUB" link set "port$((i + 1))" "$2"
        return 0
    done
    fail "no node $1"
}

# trunk down|up: split the council 2|2 (left: T-CEPTOAR, banking; right:
# securities, water), or heal it.
trunk () {
    ip -n "$HUB" link set trunkl "$1"
}

# --- The council, on the namespaces' addresses.
PORT_BASE=18810
COUNCIL_HOSTS="${HOSTS[*]}" GROUPS_ARGS="--group finance=banking,securities" \
    council_up 3 T-CEPTOAR:telecom banking:banking securities:securities \
    water:water
grep -q "tcp://10.77.0.3:18813" council/securities/node.card \
    || fail "securities' card does not carry its namespace address"
for n in "${NAMES[@]}"; do node_start "$n"; done
P=(--kind incident --severity 2 --title)

# What each node must end with (after a heal): "ID NAME STATE" lines.
: > want.txt
# want ID STATE-AT-T-CEPTOAR STATE-AT-banking STATE-AT-securities
#      STATE-AT-water (readable, sealed, not-held or none; see state).
#      A RED entry is readable at its recipient and its author.
want () {
    local id=$1 i
    shift
    for i in "${!NAMES[@]}"; do
        echo "$id ${NAMES[$i]} ${@:$((i + 1)):1}" >> want.txt
    done
}

# check [SINCE_MS]: one `list --json` per node, compared with want.txt.
# Exits 0 if every node holds every entry as it should; then, given
# SINCE_MS, prints the time from SINCE_MS to the last of those entries'
# storing at any node. Otherwise prints what differs, and exits 1.
check () {
    local n
    for n in "${NAMES[@]}"; do
        "$CLI" list --dir "nodes/$n" --json > "held-$n.json" || return 1
    done
    python3 - "${1:-}" "${NAMES[@]}" <<'PY'
import datetime, json, sys
since, names = sys.argv[1], sys.argv[2:]
held = {}
for n in names:
    for e in json.load(open("held-%s.json" % n)):
        held[(e["id"], n)] = e
wrong, stored = [], []
for line in open("want.txt"):
    id, n, want = line.split()
    e = held.get((id, n))
    got = e["payload"] if e else "none"
    if got != want:
        wrong.append("%s holds %s: %s, want %s" % (n, id[:16], got, want))
    elif e:
        t = datetime.datetime.strptime(e["stored"], "%Y-%m-%dT%H:%M:%S.%fZ")
        stored.append(t.replace(tzinfo=datetime.timezone.utc).timestamp())
if wrong:
    print("\n".join(wrong))
    sys.exit(1)
if since:
    print(int(max(stored) * 1000 - int(since)))
PY
}

# wait_converged SECONDS PHASE SINCE_MS: wait until check passes; print
# how long after SINCE_MS (the link came back) the last entry was stored.
wait_converged () {
    local deadline=$(( $(date +%s) + $1 )) ms
    until ms=$(check "$3"); do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$ms" >&2
            for log in logs/*.log; do
                echo "--- $log" >&2
                tail -15 "$log" >&2
            done
            fail "$2: no convergence within $1 s of the link coming back"
        fi
        sleep 0.5
    done
    echo "$TEST_NAME: $2: converged $ms ms after the link came back"
    pass
}

# none_of NAME ID...: node NAME holds none of the entries, not even headers.
none_of () {
    local name=$1 id
    shift
    for id in "$@"; do
        [ "$(state "$name" "$id")" = none ] \
            || fail "$name got $id across the cut"
        pass
    done
}

# links_as CUT...: `ceptoar peers` at every node shows the nodes CUT
# disconnected from everyone, and every other pair connected.
links_as () {
    local n
    for n in "${NAMES[@]}"; do
        "$CLI" peers --dir "nodes/$n" --json > "peers-$n.json" || return 1
        python3 - "peers-$n.json" "$n" "$@" <<'PY' || return 1
import json, sys
me, cut = sys.argv[2], set(sys.argv[3:])
for p in json.load(open(sys.argv[1]))["peers"]:
    if p["connected"] != (me not in cut and p["name"] not in cut):
        sys.exit(1)
PY
    done
}

running () {
    local n
    for n in "${NAMES[@]}"; do
        kill -0 "${NODE_PID[$n]}" 2>/dev/null || fail "ceptoard $n died"
    done
    pass
}

# Before any cut: everyone connected, one entry everywhere.
FIRST=$(post T-CEPTOAR "${P[@]}" "before the cuts" --level green \
    --audience council)
want "$FIRST" readable readable readable readable
wait_for 30 "the council shares before any cut" check
wait_for 30 "every node connected to every other" links_as

# --- 1. securities' cable is pulled.
cable securities down
CUT_AT=$(date +%s)
G1=$(post T-CEPTOAR "${P[@]}" "G1 while securities is cut" --level green \
    --audience council)
A1=$(post banking "${P[@]}" "A1 finance while cut" --level amber \
    --audience group:finance)
R1=$(post water "${P[@]}" "R1 red to securities" --level red \
    --audience node:securities)
G2=$(post securities "${P[@]}" "G2 from the cut node" --level green \
    --audience council)
A2=$(post securities "${P[@]}" "A2 finance from the cut node" --level amber \
    --audience group:finance)
R2=$(post securities "${P[@]}" "R2 red to banking from the cut node" \
    --level red --audience node:banking)
# The connected side shares among itself...
wait_for 20 "water holds G1" has water "$G1" readable
wait_for 20 "banking holds A1" has banking "$A1" readable
wait_for 20 "T-CEPTOAR holds A1's header" has T-CEPTOAR "$A1" not-held
wait_for 20 "banking carries R1 sealed" has banking "$R1" sealed
# ... and nothing crosses the cut, either way.
sleep 3
none_of securities "$G1" "$A1" "$R1"
for n in T-CEPTOAR banking water; do none_of "$n" "$G2" "$A2" "$R2"; done
running
# The heartbeats (NODE_TRANSPORT_HEARTBEAT_IVL + _TIMEOUT, at most 40 s)
# notice the dead connections: `peers` shows the cut as it is, at both
# ends, and the rest of the council still connected.
wait_for 60 "securities' peers down, and securities down at the others" \
    links_as securities
DOWN_S=$(( $(date +%s) - CUT_AT ))
echo "$TEST_NAME: the cut showed in peers after $DOWN_S s"
none_of securities "$G1" "$A1" "$R1"
running
cable securities up
UP_MS=$(date +%s%3N)
want "$G1" readable readable readable readable
want "$A1" not-held readable readable not-held
want "$R1" sealed sealed readable readable
want "$G2" readable readable readable readable
want "$A2" not-held readable readable not-held
want "$R2" sealed readable readable sealed
wait_converged 90 "one node cut for $(( $(date +%s) - CUT_AT )) s" "$UP_MS"
wait_for 30 "every node connected again" links_as
running

# --- 2. A 2|2 split: the trunk between the switches goes down.
trunk down
CUT_AT=$(date +%s)
G3=$(post T-CEPTOAR "${P[@]}" "G3 left half" --level green \
    --audience council)
A3=$(post banking "${P[@]}" "A3 finance, left half" --level amber \
    --audience group:finance)
R3=$(post T-CEPTOAR "${P[@]}" "R3 red to water, left half" --level red \
    --audience node:water)
G4=$(post water "${P[@]}" "G4 right half" --level green --audience council)
A4=$(post securities "${P[@]}" "A4 finance, right half" --level amber \
    --audience group:finance)
R4=$(post water "${P[@]}" "R4 red to banking, right half" --level red \
    --audience node:banking)
wait_for 20 "banking holds G3" has banking "$G3" readable
wait_for 20 "banking carries R3 sealed" has banking "$R3" sealed
wait_for 20 "T-CEPTOAR holds A3's header" has T-CEPTOAR "$A3" not-held
wait_for 20 "securities holds G4" has securities "$G4" readable
wait_for 20 "water holds A4's header" has water "$A4" not-held
wait_for 20 "securities carries R4 sealed" has securities "$R4" sealed
sleep 3
for n in securities water; do none_of "$n" "$G3" "$A3" "$R3"; done
for n in T-CEPTOAR banking; do none_of "$n" "$G4" "$A4" "$R4"; done
running
while [ "$(date +%s)" -lt $((CUT_AT + 10)) ]; do sleep 0.5; done
for n in securities water; do none_of "$n" "$G3" "$A3" "$R3"; done
trunk up
UP_MS=$(date +%s%3N)
want "$G3" readable readable readable readable
want "$A3" not-held readable readable not-held
want "$R3" readable sealed sealed readable
want "$G4" readable readable readable readable
want "$A4" not-held readable readable not-held
want "$R4" sealed readable sealed readable
wait_converged 90 "2|2 split for $(( $(date +%s) - CUT_AT )) s" "$UP_MS"
running

council_stop
for n in "${NAMES[@]}"; do
    expect 0 "$CLI" fsck --dir "nodes/$n"
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
