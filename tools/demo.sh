#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# demo.sh: the README's main job. Installs and builds what is needed, then
# runs a real key ceremony for five CEPTOARs (keys, a threshold-signed
# genesis roster with a finance sharing group), creates T-CEPTOAR's node,
# posts GREEN, AMBER and RED entries, lists and shows them, and verifies
# the store. Everything lives in a fresh scratch directory it prints.
#
# Federation (nodes replicating to each other over ZeroMQ) is the next
# capability; until it lands this demo runs the single-node foundation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
BIN=$PWD/build/tools
KEYS=$BIN/ceptoar-keys
CLI=$BIN/ceptoar
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ceptoar-demo.XXXXXX")
cd "$WORK"

step () { printf '\n== %s\n' "$*"; }
show () { printf '$ %s\n' "$*" | sed "s|$BIN/||g"; }
run () { show "$@"; "$@"; }

step "Key ceremony: each CEPTOAR generates its keys (passphrase-protected)"
printf 'demo passphrase for T-CEPTOAR\n' > t-ceptoar.pass
chmod 600 t-ceptoar.pass
run "$KEYS" gen --name T-CEPTOAR --sector telecom --out keys/T-CEPTOAR \
    --endpoint tcp://127.0.0.1:17101 --passphrase-file t-ceptoar.pass
port=17101
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

step "T-CEPTOAR's node"
run "$CLI" init --dir nodes/T-CEPTOAR --key keys/T-CEPTOAR/node.key \
    --roster roster --listen tcp://127.0.0.1:17101 \
    --passphrase-file t-ceptoar.pass

step "Posting: GREEN to the council, AMBER to group:finance, RED to banking"
printf 'Large phishing campaign imitating bank login pages.\nIoC: login-example-bank.invalid\n' > warning.txt
green_post=("$CLI" post --dir nodes/T-CEPTOAR --kind early-warning
    --severity 3 --level green --audience council
    --title "Phishing campaign against bank customers"
    --body-file warning.txt --sector banking --sector telecom
    --passphrase-file t-ceptoar.pass)
show "${green_post[@]}"
GREEN=$("${green_post[@]}")
echo "$GREEN"
run "$CLI" post --dir nodes/T-CEPTOAR --kind incident --severity 2 \
    --level amber --audience group:finance \
    --title "SMS gateway abused for fraud" --ref "related:$GREEN" \
    --passphrase-file t-ceptoar.pass
run "$CLI" post --dir nodes/T-CEPTOAR --kind incident --severity 4 \
    --level red --audience node:banking \
    --title "Compromised account at a named member bank" \
    --passphrase-file t-ceptoar.pass --urgent --receipt

step "What the node holds (RED stays sealed without the key's passphrase)"
run "$CLI" list --dir nodes/T-CEPTOAR
step "... and opened by its author"
run "$CLI" list --dir nodes/T-CEPTOAR --passphrase-file t-ceptoar.pass
step "One entry in full"
run "$CLI" show --dir nodes/T-CEPTOAR "${GREEN:0:12}"

step "Verify every signature, chain and index"
run "$CLI" fsck --dir nodes/T-CEPTOAR

printf '\nDemo files are in %s (remove with rm -rf).\n' "$WORK"
