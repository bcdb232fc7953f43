#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_cli_single_node: the foundation end to end, as an operator runs it:
# keys, a threshold-signed genesis roster, a node directory, posting at
# every level, listing, showing and fsck; and the errors a user can make.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

# --- Key generation -------------------------------------------------------
echo "correct horse battery" > pass
chmod 600 pass
expect 0 "$KEYS" gen --name T-CEPTOAR --sector telecom --out telecom \
    --endpoint tcp://127.0.0.1:17001 --passphrase-file pass
contains "fingerprint"
[ "$(stat -c %a telecom/node.key)" = 600 ] || fail "node.key is not 0600"
pass
[ "$(stat -c %a telecom)" = 700 ] || fail "key dir is not 0700"
pass
expect 0 "$KEYS" gen --name banking --sector banking --out banking \
    --endpoint tcp://127.0.0.1:17002 --no-passphrase
expect 0 "$KEYS" gen --name securities --sector securities --out securities \
    --endpoint tcp://127.0.0.1:17003 --no-passphrase
expect 0 "$KEYS" gen --name water --sector water --out water --no-passphrase
# Missing parent directories are created, private.
expect 0 "$KEYS" gen --name deep --sector gas --out a/b/deep --no-passphrase
[ "$(stat -c %a a/b)" = 700 ] || fail "a created parent is not 0700"
pass
# Errors: bad sector, bad name, existing files, no passphrase source.
expect 2 "$KEYS" gen --name X --sector telcom --out x --no-passphrase
contains 'unknown sector "telcom"'
expect 2 "$KEYS" gen --name "bad name" --sector water --out x --no-passphrase
contains "invalid name"
expect 2 "$KEYS" gen --name water --sector water --out water --no-passphrase
contains "never replaced"
expect 2 "$KEYS" gen --name Y --sector water --out y </dev/null
contains "--passphrase-file"
[ ! -e y ] || fail "a refused gen left a directory behind"
pass
mkdir -m 755 open-dir
expect 2 "$KEYS" gen --name Y --sector water --out open-dir --no-passphrase
contains "chmod 700"
expect 0 "$KEYS" --help
contains "roster combine"
expect 0 "$KEYS" roster sign --help
contains "--yes"
expect 0 "$KEYS" roster --help
contains "combine"

# --- Genesis roster: threshold 3 of 4, a finance group ------------------
expect 0 "$KEYS" roster draft --threshold 3 \
    --card telecom/node.card --card banking/node.card \
    --card securities/node.card --card water/node.card \
    --group finance=banking,securities --role T-CEPTOAR=secretariat \
    --out draft
contains "threshold 3 of 4"
expect 2 "$KEYS" roster draft --threshold 5 --card telecom/node.card \
    --out draft2
contains "threshold 5 is more than"
expect 2 "$KEYS" roster draft --threshold 1 --card telecom/node.card \
    --group finance=nobody --out draft3
# Signing without a terminal and without --yes is refused.
expect 2 "$KEYS" roster sign --key banking/node.key --out banking.sig draft \
    </dev/null
contains "--yes"
[ ! -e banking.sig ] || fail "a refused signing wrote a file"
pass
echo "not the passphrase" > wrongpass
chmod 600 wrongpass
expect 1 "$KEYS" roster sign --key telecom/node.key --yes \
    --passphrase-file wrongpass --out telecom.sig draft
contains "passphrase"
[ ! -e telecom.sig ] || fail "a wrong passphrase wrote a signature"
pass
expect 2 "$KEYS" roster sign --key telecom/node.key --yes \
    --passphrase-file /dev/null --out telecom.sig draft
contains "is empty"
expect 0 "$KEYS" roster sign --key telecom/node.key --yes \
    --passphrase-file pass --out telecom.sig draft
contains "T-CEPTOAR"
contains "box-key fingerprint"
contains "endpoint tcp://127.0.0.1:17002"
expect 0 "$KEYS" roster sign --key banking/node.key --yes --out banking.sig \
    draft
expect 0 "$KEYS" roster sign --key water/node.key --yes --out water.sig draft
# Two signatures (one of them repeated) are one short of 3.
expect 1 "$KEYS" roster combine --out roster draft telecom.sig banking.sig \
    banking.sig
contains "2 of 3"
contains "counted once"
[ ! -e roster ] || fail "a roster below threshold was written"
pass
# A signature over another draft is named as such.
"$KEYS" roster draft --threshold 2 --card telecom/node.card \
    --card banking/node.card --out other-draft >/dev/null
"$KEYS" roster sign --key banking/node.key --yes --out other.sig \
    other-draft >/dev/null 2>&1
expect 1 "$KEYS" roster combine --out roster draft telecom.sig other.sig
contains "signs a different draft"
expect 0 "$KEYS" roster combine --out roster draft telecom.sig banking.sig \
    water.sig
contains "3 of 3"
expect 0 "$KEYS" roster verify roster
contains "chain valid"
# A tampered roster fails verification.
sed 's/^threshold: 3/threshold: 1/' roster > tampered
expect 1 "$KEYS" roster verify tampered
echo "garbage" > garbage
expect 1 "$KEYS" roster verify garbage
expect 2 "$KEYS" roster verify no-such-file
# combine never replaces an existing file.
expect 2 "$KEYS" roster combine --out roster draft telecom.sig banking.sig \
    water.sig
contains "never replaced"

# --- ceptoar-keys stays offline: no ZeroMQ, no LMDB ---------------------
if ldd "$KEYS" | grep -Eq 'libzmq|libczmq|liblmdb'; then
    fail "ceptoar-keys links ZeroMQ or LMDB"
fi
pass

# --- Node directory ------------------------------------------------------
expect 2 "$CLI" init --dir node-t --key telecom/node.key --roster roster \
    </dev/null
contains "--passphrase-file"
expect 1 "$CLI" init --dir node-t --key telecom/node.key --roster tampered \
    --passphrase-file pass
expect 0 "$CLI" init --dir node-t --key telecom/node.key --roster roster \
    --passphrase-file pass --listen tcp://127.0.0.1:17001
contains "ready for T-CEPTOAR"
[ "$(stat -c %a node-t)" = 700 ] || fail "node dir is not 0700"
pass
[ "$(stat -c %a node-t/node.key)" = 600 ] || fail "node key is not 0600"
pass
expect 2 "$CLI" init --dir node-t --key telecom/node.key --roster roster \
    --passphrase-file pass
contains "not empty"
mkdir hidden-only
touch hidden-only/.keep
expect 2 "$CLI" init --dir hidden-only --key banking/node.key --roster roster
contains "not empty"
expect 0 "$CLI" init --dir nodes/deeper/node-b --key banking/node.key \
    --roster roster
[ "$(stat -c %a nodes/deeper)" = 700 ] || fail "init parent is not 0700"
pass
# A key that is not in the roster cannot make a node.
"$KEYS" gen --name outsider --sector gas --out outsider --no-passphrase \
    >/dev/null
expect 2 "$CLI" init --dir node-x --key outsider/node.key --roster roster
contains "not a member"
[ ! -e node-x ] || fail "a refused init left a directory behind"
pass

# --- Posting at every level -------------------------------------------------
printf 'Phishing wave against member banks.\nIoC: evil.example\n' > body
expect 0 "$CLI" post --dir node-t --kind early-warning --severity 3 \
    --level green --audience council --title "Phishing wave" \
    --body-file body --sector banking --sector telecom \
    --passphrase-file pass
GREEN=$OUT
[ ${#GREEN} -eq 64 ] || fail "post did not print a 64-hex id: $GREEN"
pass
expect 0 "$CLI" post --dir node-t --kind incident --severity 2 \
    --level amber --audience group:finance --title "Card fraud" \
    --passphrase-file pass --ref "reply:$GREEN"
AMBER=$OUT
expect 0 "$CLI" post --dir node-t --kind incident --severity 4 \
    --level red --audience node:banking --title "Named victim" \
    --passphrase-file pass --receipt --urgent
RED=$OUT
expect 0 "$CLI" post --dir node-t --kind near-miss --severity 1 \
    --level amber+strict --audience "node:banking,water" \
    --title "Near miss at a member" --anonymous --passphrase-file pass
expect 0 "$CLI" post --dir node-t --kind newsletter --severity 0 \
    --level clear --audience council --title "Monthly newsletter" \
    --reporter "Example Telecom K.K." --passphrase-file pass
echo "body from stdin" | "$CLI" post --dir node-t --kind recovery \
    --severity 1 --level green --audience council --title "Recovery" \
    --body-file - --passphrase-file pass >/dev/null || fail "stdin body"
pass

# Posting errors say what is wrong.
expect 2 "$CLI" post --dir node-t --kind gossip --severity 1 --level green \
    --audience council --title x --passphrase-file pass
contains 'unknown kind "gossip"'
expect 2 "$CLI" post --dir node-t --kind incident --severity 5 \
    --level green --audience council --title x --passphrase-file pass
contains "invalid severity"
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level purple --audience council --title x --passphrase-file pass
contains 'unknown level "purple"'
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 --level red \
    --audience council --title x --passphrase-file pass
contains "named recipients"
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level amber --audience group:energy --title x --passphrase-file pass
contains "energy"
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level amber --audience node:nobody --title x --passphrase-file pass
contains "nobody"
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title "" --passphrase-file pass
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title x --ref deadbeefdeadbeef \
    --passphrase-file pass
contains "no entry id starts with"
printf 'bad \xff utf8' > badbody
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title x --body-file badbody \
    --passphrase-file pass
contains "not UTF-8"
expect 1 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title x --passphrase-file wrongpass
contains "passphrase"
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title x </dev/null
contains "--passphrase-file"
expect 2 "$CLI" post --dir nowhere --kind incident --severity 1 \
    --level green --audience council --title x --passphrase-file pass
contains "not a node directory"

# --- Reading back -------------------------------------------------------
expect 0 "$CLI" list --dir node-t
contains "Phishing wave"
contains "Card fraud"
# The RED payload stays sealed without the passphrase ...
contains "(payload sealed)"
lacks "Named victim"
# ... and opens for its author with it.
expect 0 "$CLI" list --dir node-t --passphrase-file pass
contains "Named victim"
expect 0 "$CLI" list --dir node-t --level amber --json
contains '"Card fraud"'
lacks '"Phishing wave"'
expect 0 "$CLI" list --dir node-t --kind near-miss --json
contains '"anonymised_sector": "telecom"'
lacks "Example Telecom"
expect 0 "$CLI" list --dir node-t --since 1h --limit 2
contains "Recovery"
lacks "Phishing wave"
expect 0 "$CLI" list --dir node-t --since 2000-01-01 --author T-CEPTOAR
contains "Phishing wave"
expect 2 "$CLI" list --dir node-t --since yesterdayish
contains "invalid --since"
expect 0 "$CLI" show --dir node-t "$GREEN"
contains "IoC: evil.example"
contains "TLP:GREEN"
expect 0 "$CLI" show --dir node-t "${AMBER:0:12}" --json
contains "\"relation\": \"reply\""
contains "$GREEN"
expect 0 "$CLI" show --dir node-t "$RED" --passphrase-file pass --json
contains '"title": "Named victim"'
contains '"urgent": true'
expect 2 "$CLI" show --dir node-t 0000000000000000
expect 2 "$CLI" post --dir node-t --kind incident --severity 1 \
    --level green --audience council --title x --passphrase-file pass \
    --ref "reply:$(printf '%064d' 0)"
contains "no entry"
expect 2 "$CLI" show --dir node-t zz
contains "invalid entry id"

# --- fsck ----------------------------------------------------------------
expect 0 "$CLI" fsck --dir node-t
contains "clean: 6 entries"
expect 0 "$CLI" fsck --dir node-t --json --threads 1
contains '"clean": true'
# Damage the stored GREEN payload inside data.mdb (every copy LMDB keeps,
# live or stale): fsck must notice and name that entry.
cp -a node-t node-damaged
python3 - node-damaged/store/data.mdb <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
needle = b'Phishing wave'
hits = 0
i = data.find(needle)
while i >= 0:
    data[i] ^= 0x20
    hits += 1
    i = data.find(needle, i + 1)
assert hits > 0, 'payload not found in data.mdb'
open(path, 'wb').write(data)
PY
expect 1 "$CLI" fsck --dir node-damaged
contains "DAMAGED"
contains "${GREEN:0:16}"

# The RED plaintext never reaches the disk: only its sealed form is stored.
if grep -aq "Named victim" node-t/store/data.mdb; then
    fail "RED plaintext found in data.mdb"
fi
pass
# A roster file replaced by hand is refused: the node pins what it verified.
cp node-t/roster roster.orig
cp other-draft node-t/roster
expect 2 "$CLI" list --dir node-t
contains "not the one this node verified"
cp roster.orig node-t/roster
# A missing store is not silently recreated (that would fork the chain).
mv node-t/store node-t/store.away
expect 2 "$CLI" list --dir node-t
contains "store"
contains "missing"
mv node-t/store.away node-t/store
expect 0 "$CLI" fsck --dir node-t

# --- Help is there for every command -----------------------------------
for cmd in init post list show fsck; do
    expect 0 "$CLI" "$cmd" --help
    contains "usage: ceptoar $cmd"
done
expect 2 "$CLI" frobnicate
contains "unknown command"

finish
