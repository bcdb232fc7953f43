#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# demo.sh: the README's main job. Installs and builds what is needed, then
# runs a real key ceremony for five CEPTOARs (keys, a threshold-signed
# genesis roster with a finance sharing group), starts one ceptoard per
# CEPTOAR on 127.0.0.1 (each with its own LMDB store), posts a GREEN
# warning to the Council, an AMBER incident to group:finance and a RED
# message to banking at T-CEPTOAR's node, and shows what every node holds
# once replication has run. Everything lives in a scratch directory it
# prints; the daemons stop when the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
BIN=$PWD/build/tools
KEYS=$BIN/ceptoar-keys
CLI=$BIN/ceptoar
DAEMON=$BIN/ceptoard
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ceptoar-demo.XXXXXX")
cd "$WORK"
NODES=(T-CEPTOAR banking securities electricity water)
PIDS=()
stop_nodes () {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_nodes EXIT

step () { printf '\n== %s\n' "$*"; }
show () { printf '$ %s\n' "$*" | sed "s|$BIN/||g"; }
run () { show "$@"; "$@"; }

step "Key ceremony: each CEPTOAR generates its keys (passphrase-protected)"
printf 'demo passphrase for T-CEPTOAR\n' > t-ceptoar.pass
chmod 600 t-ceptoar.pass
run "$KEYS" gen --name T-CEPTOAR --sector telecom --out keys/T-CEPTOAR \
    --endpoint tcp://127.0.0.1:19101 --passphrase-file t-ceptoar.pass
port=19101
for spec in banking:banking securities:securities electricity:electricity \
            water:water; do
    port=$((port + 1))
    "$KEYS" gen --name "${spec%%:*}" --sector "${spec#*:}" \
        --out "keys/${spec%%:*}" --endpoint "tcp://127.0.0.1:$port" \
        --no-passphrase >/dev/null
done
echo "(banking, securities, electricity, water: the same, without passphrase)"
run cat keys/banking/node.card

step "Genesis roster: threshold 3 of 5, a finance sharing group"
run "$KEYS" roster draft --threshold 3 --card keys/T-CEPTOAR/node.card \
    --card keys/banking/node.card --card keys/securities/node.card \
    --card keys/electricity/node.card --card keys/water/node.card \
    --group finance=banking,securities --role T-CEPTOAR=secretariat \
    --out roster.draft
# The signer is shown the same summary as above on stderr before signing.
run "$KEYS" roster sign --key keys/T-CEPTOAR/node.key --yes \
    --passphrase-file t-ceptoar.pass --out T-CEPTOAR.sig roster.draft \
    2>/dev/null
for name in banking water; do
    "$KEYS" roster sign --key "keys/$name/node.key" --yes \
        --out "$name.sig" roster.draft >/dev/null 2>&1
done
echo "(banking and water sign too)"
run "$KEYS" roster combine --out roster roster.draft T-CEPTOAR.sig \
    banking.sig water.sig
run "$KEYS" roster verify roster

step "One node per CEPTOAR, each with its own store, listening on loopback"
run "$CLI" init --dir nodes/T-CEPTOAR --key keys/T-CEPTOAR/node.key \
    --roster roster --listen tcp://127.0.0.1:19101 \
    --passphrase-file t-ceptoar.pass
port=19101
for name in banking securities electricity water; do
    port=$((port + 1))
    "$CLI" init --dir "nodes/$name" --key "keys/$name/node.key" \
        --roster roster --listen "tcp://127.0.0.1:$port" >/dev/null
done
echo "(banking, securities, electricity, water: the same)"
mkdir -p logs
for name in "${NODES[@]}"; do
    extra=()
    [ "$name" = T-CEPTOAR ] && extra=(--passphrase-file t-ceptoar.pass)
    "$DAEMON" --dir "nodes/$name" "${extra[@]}" 2>"logs/$name.log" &
    PIDS+=($!)
done
show "$DAEMON" --dir nodes/NAME "&   # five daemons, logs in $WORK/logs"
for name in "${NODES[@]}"; do
    for _ in $(seq 1 300); do
        [ -S "nodes/$name/control.sock" ] && break
        sleep 0.1
    done
done
# Sessions come up within a second or two (CurveZMQ handshakes, HELLO).
sleep 2
run "$CLI" peers --dir nodes/T-CEPTOAR

step "Posting at T-CEPTOAR: GREEN to the Council, AMBER to group:finance, RED to banking"
printf 'Large phishing campaign imitating bank login pages.\nIoC: login-example-bank.invalid\n' > warning.txt
green_post=("$CLI" post --dir nodes/T-CEPTOAR --kind early-warning
    --severity 3 --level green --audience council
    --title "Phishing campaign against bank customers"
    --body-file warning.txt --sector banking --sector telecom)
show "${green_post[@]}"
GREEN=$("${green_post[@]}")
echo "$GREEN"
amber_post=("$CLI" post --dir nodes/T-CEPTOAR --kind incident --severity 2
    --level amber --audience group:finance
    --title "SMS gateway abused for fraud" --ref "related:$GREEN")
show "${amber_post[@]}"
AMBER=$("${amber_post[@]}")
echo "$AMBER"
red_post=("$CLI" post --dir nodes/T-CEPTOAR --kind incident --severity 4
    --level red --audience node:banking
    --title "Compromised account at a named member bank" --urgent --receipt)
show "${red_post[@]}"
RED=$("${red_post[@]}")
echo "$RED"
echo "(posted through the running daemon, which holds the key: no passphrase asked)"

step "Replication: what every node holds"
state () {
    local extra=()
    [ "$1" = T-CEPTOAR ] && extra=(--passphrase-file t-ceptoar.pass)
    "$CLI" show --dir "nodes/$1" "$2" --json "${extra[@]}" 2>/dev/null \
        | python3 -c '
import json, sys
print(json.load(sys.stdin)["payload"])' 2>/dev/null || echo none
}
for _ in $(seq 1 100); do
    missing=0
    for name in "${NODES[@]}"; do
        for id in "$GREEN" "$AMBER" "$RED"; do
            [ "$(state "$name" "$id")" = none ] && missing=1
        done
    done
    [ $missing -eq 0 ] && break
    sleep 0.2
done
printf '%-12s  %-22s  %-22s  %-22s\n' node "GREEN council" \
    "AMBER group:finance" "RED node:banking"
for name in "${NODES[@]}"; do
    printf '%-12s  %-22s  %-22s  %-22s\n' "$name" "$(state "$name" "$GREEN")" \
        "$(state "$name" "$AMBER")" "$(state "$name" "$RED")"
done
cat <<'EXPLAIN'
  readable  the node holds the payload and can read it
  sealed    the node carries the RED payload sealed; only banking (and the
            author) can open it
  not-held  the node holds the signed header only: outside the audience
  (every node holds every header, so every chain verifies everywhere)
EXPLAIN

step "banking's view: the RED message opens there"
run "$CLI" list --dir nodes/banking
step "electricity's view: the AMBER payload never reached it"
run "$CLI" list --dir nodes/electricity

step "Every node proves it holds nothing outside its clearance"
for name in "${NODES[@]}"; do
    run "$CLI" audit --dir "nodes/$name"
done
run "$CLI" peers --dir nodes/banking

step "Stopping the daemons; the stores verify"
stop_nodes
PIDS=()
for name in "${NODES[@]}"; do
    run "$CLI" fsck --dir "nodes/$name"
done

printf '\nDemo files are in %s (remove with rm -rf).\n' "$WORK"
