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
command -v setsid >/dev/null || fail "setsid (util-linux) is needed"

# The posting loop runs as its own process group (setsid), so one kill -9
# of the group hits the loop and the `ceptoar post` it is running at that
# moment, wherever it is, and leaves no orphan that could commit later.
cat > loop.sh <<LOOP
#!/usr/bin/env bash
n=0
while true; do
    n=\$((n + 1))
    "$CLI" post --dir node --kind incident --severity 1 --level green \\
        --audience council --title "loop entry \$n" --body-file body \\
        >> "\$1" 2>> "\$2"
done
LOOP

total=0
for round in $(seq 1 "$ROUNDS"); do
    : > "ids.$round"
    : > "errors.$round"
    setsid bash loop.sh "ids.$round" "errors.$round" &
    group=$!
    # Let it run for a random 200-900 ms, then kill the whole group.
    sleep "0.$(( (RANDOM % 8) + 2 ))"
    kill -9 -- "-$group" 2>/dev/null || fail "could not kill the loop"
    wait "$group" 2>/dev/null || true
    # No live process of the group may survive to commit after the check
    # (a killed one may linger as a zombie until it is reaped: that is fine).
    for _ in $(seq 1 20); do
        live=$(ps -o stat= -g "$group" 2>/dev/null | grep -vc '^Z' || true)
        [ "$live" -eq 0 ] && break
        sleep 0.1
    done
    [ "$live" -eq 0 ] || fail "loop survived kill -9"
    pass
    # A post that failed on its own (not by the kill) is a bug.
    if [ -s "errors.$round" ]; then
        cat "errors.$round" >&2
        fail "round $round: a post failed"
    fi
    pass

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
    [ "$(grep -c . "ids.$round" || true)" -gt 0 ] || \
        echo "$TEST_NAME: round $round: no post completed before the kill"
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
