#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_durability_kill9: DESIGN §5.3 "never lose". A loop of real
# `ceptoar post` processes is killed with SIGKILL at random moments, several
# times; after each kill every entry whose post printed its id (which it
# does only after the durable commit) must be in the store, and fsck clean.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

ROUNDS=${CEPTOAR_KILL_ROUNDS:-8}
make_council council 1 T-CEPTOAR:telecom banking:banking
"$CLI" init --dir node --key council/T-CEPTOAR/node.key \
    --roster council/roster >/dev/null
head -c 300 /dev/zero | tr '\0' 'x' > body

post_loop () {
    local n=0
    while true; do
        n=$((n + 1))
        "$CLI" post --dir node --kind incident --severity 1 --level green \
            --audience council --title "loop entry $n" --body-file body \
            >> ids.$1 2>> errors.$1 || true
    done
}

total=0
for round in $(seq 1 "$ROUNDS"); do
    : > "ids.$round"
    post_loop "$round" &
    loop=$!
    # Let it run for a random 200-900 ms, then kill the posting process in
    # the middle of whatever it is doing, and the loop.
    sleep "0.$(( (RANDOM % 8) + 2 ))"
    pkill -9 -P "$loop" -x ceptoar 2>/dev/null || true
    kill -9 "$loop" 2>/dev/null || true
    wait "$loop" 2>/dev/null || true
    pkill -9 -P "$loop" 2>/dev/null || true

    # A torn last line is an id that was being printed when killed: the
    # commit came first, so it must be there too if it is complete.
    "$CLI" list --dir node --json > listed.json
    python3 - "ids.$round" listed.json <<'PY' || fail "round $round lost entries"
import json, sys
ids = [l.strip() for l in open(sys.argv[1]) if len(l.strip()) == 64]
held = {e["id"] for e in json.load(open(sys.argv[2]))}
missing = [i for i in ids if i not in held]
if missing:
    print("missing after kill -9:", missing, file=sys.stderr)
    sys.exit(1)
print(len(ids))
PY
    pass
    total=$((total + $(grep -c . "ids.$round" || true)))
    expect 0 "$CLI" fsck --dir node
    contains "clean"
done
[ "$total" -gt 0 ] || fail "no post succeeded in $ROUNDS rounds"
pass
# After all the kills, posting still works and continues the chain.
expect 0 "$CLI" post --dir node --kind incident --severity 1 --level green \
    --audience council --title "after the storm"
expect 0 "$CLI" fsck --dir node
contains "clean"
echo "$TEST_NAME: $total acknowledged posts survived $ROUNDS kills"
finish
