#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_daemon_local: a real ceptoard on one node directory: it starts once
# per directory, `ceptoar post` goes through it (no passphrase needed: the
# node holds its key), concurrent posts are group-committed and each gets
# its own id, SIGTERM stops it cleanly, and kill -9 loses no acknowledged
# post. (Replication between daemons is tested separately once it lands.)
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"
DAEMON="$CEPTOAR_BIN/ceptoard"

PORT_BASE=16100 make_council council 1 T-CEPTOAR:telecom banking:banking
echo "daemon passphrase" > pass
chmod 600 pass
"$KEYS" gen --name electricity --sector electricity --out elec \
    --passphrase-file pass >/dev/null
# A roster with the passphrase-protected member too.
"$KEYS" roster draft --threshold 1 --card council/T-CEPTOAR/node.card \
    --card council/banking/node.card --card elec/node.card --out draft \
    >/dev/null
"$KEYS" roster sign --key council/T-CEPTOAR/node.key --yes --out t.sig draft \
    >/dev/null 2>&1
"$KEYS" roster combine --out roster draft t.sig >/dev/null
"$CLI" init --dir node --key elec/node.key --roster roster \
    --passphrase-file pass >/dev/null

start_daemon () {
    # A socket file left by a killed daemon must not be taken for the new
    # one (the new daemon replaces it once it holds the lock).
    rm -f node/control.sock
    "$DAEMON" --dir node --passphrase-file pass 2>> daemon.log &
    DAEMON_PID=$!
    # Opening the key runs Argon2id: allow for slow (sanitizer) builds.
    for _ in $(seq 1 300); do
        [ -S node/control.sock ] && return 0
        sleep 0.1
    done
    cat daemon.log >&2
    fail "ceptoard did not start"
}

expect 0 "$DAEMON" --help
contains "usage: ceptoard"
expect 2 "$DAEMON" --dir nowhere
# A wrong passphrase refuses to start (exit 1).
echo "wrong" > wrongpass
chmod 600 wrongpass
expect 1 "$DAEMON" --dir node --passphrase-file wrongpass

start_daemon
expect 2 "$DAEMON" --dir node --passphrase-file pass
contains "already runs"

# Posting through the daemon needs no passphrase.
expect 0 "$CLI" post --dir node --kind early-warning --severity 3 \
    --level green --audience council --title "via the daemon" </dev/null
FIRST=$OUT
[ ${#FIRST} -eq 64 ] || fail "no id from a post through the daemon"
pass
expect 0 "$CLI" post --dir node --kind incident --severity 4 --level red \
    --audience node:banking --title "red via the daemon" </dev/null
RED=$OUT
if grep -aq "red via the daemon" node/store/data.mdb; then
    fail "RED plaintext reached data.mdb"
fi
pass
expect 0 "$CLI" show --dir node "$RED" --passphrase-file pass
contains "red via the daemon"

# 40 concurrent posts: each acknowledged with its own id, all stored.
for i in $(seq 1 40); do
    "$CLI" post --dir node --kind incident --severity 1 --level green \
        --audience council --title "concurrent $i" > "id.$i" 2>"err.$i" &
done
wait_posts () {
    for job in $(jobs -p); do
        [ "$job" = "$DAEMON_PID" ] || wait "$job" || true
    done
}
wait_posts
cat id.* | sort -u > ids.concurrent
[ "$(wc -l < ids.concurrent)" -eq 40 ] || { cat err.*; fail "not 40 ids"; }
pass
"$CLI" list --dir node --json > listed.json
python3 - ids.concurrent listed.json <<'PY' || fail "a concurrent post is missing"
import json, sys
ids = {l.strip() for l in open(sys.argv[1]) if l.strip()}
held = {e["id"] for e in json.load(open(sys.argv[2]))}
sys.exit(0 if ids <= held else 1)
PY
pass

# SIGTERM: clean exit, socket removed, lock released.
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "ceptoard did not exit 0 on SIGTERM"
pass
[ ! -e node/control.sock ] || fail "control socket left behind"
pass
grep -q "stopped" daemon.log || fail "no shutdown in the log"
pass
# Without the daemon, posting opens the key itself: passphrase needed.
expect 2 "$CLI" post --dir node --kind incident --severity 1 --level green \
    --audience council --title "direct" </dev/null
contains "--passphrase-file"
expect 0 "$CLI" post --dir node --kind incident --severity 1 --level green \
    --audience council --title "direct" --passphrase-file pass

# kill -9 in the middle of concurrent posts: every acknowledged id stays.
start_daemon
cat > storm.sh <<STORM
#!/usr/bin/env bash
n=0
while true; do
    n=\$((n + 1))
    "$CLI" post --dir node --kind incident --severity 1 --level green \\
        --audience council --title "storm \$n" </dev/null >> "\$1" 2>/dev/null
done
STORM
: > storm.1
: > storm.2
setsid bash storm.sh storm.1 &
STORM1=$!
setsid bash storm.sh storm.2 &
STORM2=$!
# Two posting loops against the daemon; kill -9 it at a random moment once
# some posts were acknowledged.
for _ in $(seq 1 300); do
    [ "$(cat storm.1 storm.2 | wc -l)" -ge 10 ] && break
    sleep 0.05
done
sleep "0.$(( RANDOM % 5 ))"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
sleep 0.3
kill -9 -- "-$STORM1" "-$STORM2" 2>/dev/null || true
wait "$STORM1" "$STORM2" 2>/dev/null || true
"$CLI" list --dir node --json > listed.json
cat storm.1 storm.2 | grep -E '^[0-9a-f]{64}$' > ids.storm || true
python3 - ids.storm listed.json <<'PY' || fail "an acknowledged post was lost"
import json, sys
ids = {l.strip() for l in open(sys.argv[1]) if l.strip()}
held = {e["id"] for e in json.load(open(sys.argv[2]))}
missing = ids - held
print(f"{len(ids)} acknowledged before kill -9, {len(missing)} missing")
sys.exit(1 if missing or not ids else 0)
PY
pass
expect 0 "$CLI" fsck --dir node
contains "clean"
# A restart after kill -9 cleans up the stale socket and serves again.
start_daemon
expect 0 "$CLI" post --dir node --kind incident --severity 1 --level green \
    --audience council --title "after restart" </dev/null
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "ceptoard did not exit 0 after restart"
pass
expect 0 "$CLI" fsck --dir node
contains "clean"
finish
