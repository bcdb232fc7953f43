#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_transcript: the ceremony transcript end to end: ceremony
# commands append signed, hash-chained records with --transcript; 'transcript
# verify' prints them and exits 1, naming the record, after any edit,
# deletion or reordering, and after records dropped from the end when given
# the head written down (--head); appending to a broken transcript is
# refused.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

# --- A genesis ceremony, recorded ----------------------------------------
for spec in T-CEPTOAR:telecom FIN-BANK:banking FIN-SEC:securities; do
    name=${spec%%:*}
    expect 0 "$KEYS" gen --name "$name" --sector "${spec#*:}" --out "$name" \
        --no-passphrase --transcript ceremony.log
    contains "transcript ceremony.log: record"
done
expect 0 "$KEYS" roster draft --threshold 2 --card T-CEPTOAR/node.card \
    --card FIN-BANK/node.card --card FIN-SEC/node.card --out draft
for name in T-CEPTOAR FIN-BANK; do
    expect 0 "$KEYS" roster sign --key "$name/node.key" --yes \
        --out "$name.sig" --transcript ceremony.log draft
done
contains "record 5 (roster-sign)"
expect 0 "$KEYS" roster combine --out roster draft T-CEPTOAR.sig FIN-BANK.sig

# --- Verify: the readable record, the head, signers named by the roster --
expect 0 "$KEYS" transcript verify ceremony.log
contains "ceremony.log: 5 records, valid"
contains "record 4"
contains "roster-sign"
contains "actor    FIN-SEC"
contains "output   T-CEPTOAR.sig"
contains "blake2b-256 $(b2sum -l 256 T-CEPTOAR.sig | cut -d' ' -f1)"
contains "head "
expect 0 "$KEYS" transcript verify --roster roster ceremony.log
contains "signer   FIN-BANK (fingerprint"
# Signers outside the roster are flagged: a stranger's record.
expect 0 "$KEYS" gen --name STRANGER --sector water --out STRANGER \
    --no-passphrase --transcript ceremony.log
expect 1 "$KEYS" transcript verify --roster roster ceremony.log
contains "NOT IN THE ROSTER"
contains "1 of 6 records are signed by keys that are not members"
expect 0 "$KEYS" transcript verify ceremony.log
cp ceremony.log good.log
# A record whose actor names another member than its signer: FIN-SEC's
# key, a key rebuilt without its name, signs a record claiming to be
# T-CEPTOAR's; checked against the roster it is flagged.
expect 0 "$KEYS" split --key FIN-SEC/node.key --shares 2 --threshold 2 \
    --out-dir sec2
expect 0 "$KEYS" recover --out sec-anon.key --no-passphrase \
    sec2/share-01-of-02.txt sec2/share-02-of-02.txt
cp ceremony.log claim.log
expect 0 "$KEYS" card-update --key sec-anon.key --name T-CEPTOAR \
    --endpoint tcp://127.0.0.1:7999 --out claim.update --transcript claim.log
expect 0 "$KEYS" transcript verify claim.log
expect 1 "$KEYS" transcript verify --roster roster claim.log
contains "ACTOR IS NOT THE SIGNER: \"T-CEPTOAR\" is another member"
contains "or name another member as their actor"
# The key rebuilt with its name records under it.
expect 0 "$KEYS" recover --out sec-named.key --name FIN-SEC --no-passphrase \
    sec2/share-01-of-02.txt sec2/share-02-of-02.txt --transcript named.log
expect 0 "$KEYS" transcript verify --roster roster named.log
contains "actor    FIN-SEC"
lacks "ACTOR IS NOT"


# --- Edits are detected and named ----------------------------------------
# An actor, a time, an output hash, a signature, each in another record.
edit () { cp good.log bad.log; sed -i "$1" bad.log; }
edit '0,/^actor: FIN-BANK$/s//actor: FIN-BANKS/'
expect 1 "$KEYS" transcript verify bad.log
contains "record 2 (line"
contains "signature: does not verify"
edit '/^record: 3$/,/^signature/{s/^\(time: .*:\)59Z$/\158Z/;t;s/^\(time: .*:\)..Z$/\159Z/}'
cmp -s good.log bad.log && fail "the time edit changed nothing"
expect 1 "$KEYS" transcript verify bad.log
contains "record 3 ("
edit '/^record: 5$/,/^signature/{s/^\(output: FIN-BANK.sig \)f/\10/;t;s/^\(output: FIN-BANK.sig \)./\1f/}'
cmp -s good.log bad.log && fail "the output edit changed nothing"
expect 1 "$KEYS" transcript verify bad.log
contains "record 5 ("
# (the first hex digit of record 6's signature: 0 becomes 1, others 0)
edit '/^record: 6$/,${/^signature: 0/{s//signature: 1/;b}
      s/^signature: ./signature: 0/}'
cmp -s good.log bad.log && fail "the signature edit changed nothing"
expect 1 "$KEYS" transcript verify bad.log
contains "record 6 ("
# Uppercase hex is not the canonical form: named with the field.
edit '/^record: 1$/,/^signature/s/^signer: ./signer: A/'
expect 1 "$KEYS" transcript verify bad.log
contains "record 1 (line"
contains "signer"
# A control character in the actor is quoted safely.
edit "s/^actor: FIN-SEC\$/actor: FIN$(printf '\033')[2J/"
expect 1 "$KEYS" transcript verify bad.log
contains "actor"
lacks "$(printf '\033')"

# --- Deletions, reordering, truncation -----------------------------------
# Delete record 3 (its blank line and its nine lines).
start=$(grep -n '^record: 3$' good.log | cut -d: -f1)
end=$(grep -n '^record: 4$' good.log | cut -d: -f1)
sed "$((start - 1)),$((end - 2))d" good.log > bad.log
expect 1 "$KEYS" transcript verify bad.log
contains "record 3 ("
contains "numbered 4"
contains "records 1 to 2 verify"
# Delete the first record.
first_end=$(grep -n '^record: 2$' good.log | cut -d: -f1)
sed "3,$((first_end - 1))d" good.log > bad.log
expect 1 "$KEYS" transcript verify bad.log
contains "record 1 ("
# Swap records 3 and 4.
rec () { awk -v n="$1" 'BEGIN{RS="";ORS=""} NR==n+1{print}' good.log; }
{ head -n $((start - 1)) good.log; rec 4; echo; echo; rec 3; echo;
  sed -n "$(grep -n '^record: 5$' good.log | cut -d: -f1),\$p" good.log \
      | sed '1i\\'; } > bad.log
[ "$(wc -l < bad.log)" = "$(wc -l < good.log)" ] || fail "swap lost lines"
pass
expect 1 "$KEYS" transcript verify bad.log
contains "record 3 ("
# Cut short in the middle of the last record.
head -c $(($(wc -c < good.log) - 40)) good.log > bad.log
expect 1 "$KEYS" transcript verify bad.log
contains "record 6 ("
contains "cut short"

# --- Records dropped from the end: caught against the paper log ---------
# Alone, a transcript cut after a record still verifies; the head written
# down at the ceremony (--head) is what catches it.
HEAD6=$(sed -n 's/^head //p' <<< "$("$KEYS" transcript verify good.log)")
[ ${#HEAD6} = 64 ] || fail "no head printed for good.log"
pass
HEAD5=$(b2sum -l 256 < <(awk 'BEGIN{RS="";ORS=""} NR==6{print; print "\n"}' \
    good.log) | cut -d' ' -f1)
last_start=$(grep -n '^record: 6$' good.log | cut -d: -f1)
head -n $((last_start - 2)) good.log > cut5.log
expect 0 "$KEYS" transcript verify cut5.log
contains "cut5.log: 5 records, valid"
contains "head $HEAD5"
contains "or give it with --head"
# The head of record 6, written down when it was appended: not found.
expect 1 "$KEYS" transcript verify --head "$HEAD6" cut5.log
contains "no record of 'cut5.log' has the head $HEAD6 written down"
contains "records were dropped from its end"
contains "its last record is 5, head $HEAD5"
lacks "valid"
# Two records dropped; a 32-digit prefix in capitals as a person may type.
head -n $((start - 2)) good.log > cut2.log
UPPER=$(tr a-f A-F <<< "${HEAD6:0:32}")
expect 1 "$KEYS" transcript verify --head "$UPPER" cut2.log
contains "has the head ${HEAD6:0:32} written down"
# The whole transcript: the head is the last record's.
expect 0 "$KEYS" transcript verify --head "$HEAD6" good.log
contains "head written down: record 6's, the last: nothing was dropped"
contains "good.log: 6 records, valid"
# An older head: the records after it were added since, and are named.
expect 0 "$KEYS" transcript verify --head "${HEAD5:0:40}" good.log
contains "head written down: record 5's; records 6 to 6 were added after it"
# The head of another transcript is not this one's.
expect 1 "$KEYS" transcript verify --head "$(printf '%064d' 0)" good.log
contains "no record of 'good.log' has the head"
# A head too short to trust, or not hex: a usage error.
expect 2 "$KEYS" transcript verify --head "${HEAD6:0:31}" good.log
contains "32 to 64 hex digits"
expect 2 "$KEYS" transcript verify --head "${HEAD6:0:31}g" good.log
expect 2 "$KEYS" transcript verify --head "${HEAD6}0" good.log

# --- A clock behind the last record: refused before any work ------------
need_libfaketime
cp good.log ceremony.log
expect 1 env LD_PRELOAD="$LIBFAKETIME" FAKETIME=-1d "$KEYS" roster sign \
    --key FIN-SEC/node.key --yes --out FIN-SEC.sig --transcript ceremony.log \
    draft
contains "the clock reads"
contains "before the time of record 6"
contains "the ceremony was not run"
[ ! -e FIN-SEC.sig ] || fail "a step ran with the clock behind the transcript"
pass
expect 1 env LD_PRELOAD="$LIBFAKETIME" FAKETIME=-1d "$KEYS" split \
    --key FIN-SEC/node.key --shares 3 --threshold 2 --out-dir late-shares \
    --transcript ceremony.log
contains "the clock reads"
[ ! -e late-shares ] || fail "split wrote shares with the clock behind"
pass
cmp -s good.log ceremony.log || fail "a refused step changed the transcript"
pass

# --- Appending to a broken transcript is refused, nothing written -------
edit '0,/^actor: FIN-BANK$/s//actor: FIN-BANKS/'
cp bad.log ceremony.log
expect 1 "$KEYS" roster sign --key FIN-SEC/node.key --yes \
    --out FIN-SEC.sig --transcript ceremony.log draft
contains "record 2"
[ ! -e FIN-SEC.sig ] || fail "a ceremony ran with a broken transcript"
pass
cmp -s bad.log ceremony.log || fail "a broken transcript was changed"
pass
# --- Every other ceremony command records too -----------------------------
# The administrator's steps (draft, change, combine) are signed by the key
# given with --key; key steps (split, recover, revoke-cert, card-update) by
# the key they work on. Without --key an administrator's step is refused
# before it writes anything.
L=all.log
expect 2 "$KEYS" roster draft --threshold 2 --card T-CEPTOAR/node.card \
    --card FIN-BANK/node.card --out never.draft --transcript "$L"
contains "--transcript needs --key"
[ ! -e never.draft ] && [ ! -e "$L" ] || fail "a refused step wrote files"
pass
expect 0 "$KEYS" roster draft --threshold 2 --card T-CEPTOAR/node.card \
    --card FIN-BANK/node.card --card FIN-SEC/node.card --out d2 \
    --transcript "$L" --key T-CEPTOAR/node.key
expect 0 "$KEYS" roster change --from roster --threshold 3 --out c2 \
    --transcript "$L" --key T-CEPTOAR/node.key
# (3 of 3: legal, but one revocation would freeze the roster.)
contains "warning: the threshold (3) equals the member count"
# A change that changes nothing is refused before anything is written.
expect 2 "$KEYS" roster change --from roster --out c-none \
    --transcript "$L" --key T-CEPTOAR/node.key
contains "needs at least one change"
[ ! -e c-none ] || fail "a change without changes wrote a draft"
pass
# A change names the cards it read: one admitting the stranger.
expect 0 "$KEYS" roster change --from roster --add-card STRANGER/node.card \
    --out c3 --transcript "$L" --key T-CEPTOAR/node.key
for name in T-CEPTOAR FIN-BANK FIN-SEC; do
    "$KEYS" roster sign --from roster --key "$name/node.key" --yes \
        --out "c2.$name.sig" c2 >/dev/null 2>&1
done
expect 0 "$KEYS" roster combine --from roster --out roster2 c2 \
    c2.T-CEPTOAR.sig c2.FIN-BANK.sig c2.FIN-SEC.sig \
    --transcript "$L" --key FIN-BANK/node.key
expect 0 "$KEYS" split --key FIN-SEC/node.key --shares 3 --threshold 2 \
    --out-dir sec-shares --transcript "$L"
expect 0 "$KEYS" recover --out FIN-SEC.recovered --no-passphrase \
    sec-shares/share-01-of-03.txt sec-shares/share-03-of-03.txt \
    --transcript "$L"
expect 0 "$KEYS" revoke-cert --key FIN-SEC/node.key --out sec.revoke \
    --transcript "$L"
expect 0 "$KEYS" card-update --key FIN-BANK/node.key --out bank.update \
    --endpoint tcp://127.0.0.1:7202 --transcript "$L"
expect 0 "$KEYS" transcript verify --roster roster "$L"
contains "$L: 8 records, valid"
contains "input    STRANGER/node.card
             blake2b-256 $(b2sum -l 256 STRANGER/node.card | cut -d' ' -f1)"
for action in roster-draft roster-change roster-combine key-split \
    key-recover revoke-cert card-update; do
    contains "$action"
done
contains "output   sec-shares/share-02-of-03.txt"
contains "output   sec.revoke"
contains "input    c2"
# combine names every input: the draft, the version in force, each
# signature file.
for f in roster c2.T-CEPTOAR.sig c2.FIN-BANK.sig c2.FIN-SEC.sig; do
    contains "input    $f
             blake2b-256 $(b2sum -l 256 "$f" | cut -d' ' -f1)"
done
# Deleting the split's record is detected.
awk 'BEGIN{RS=""; ORS="\n\n"} !/action: key-split/' "$L" \
    | sed '$d' > cut.log
expect 1 "$KEYS" transcript verify cut.log

# A missing transcript is an I/O error; so is a missing argument.
expect 2 "$KEYS" transcript verify missing.log
expect 2 "$KEYS" transcript verify
expect 0 "$KEYS" transcript --help
contains "transcript verify"
finish
