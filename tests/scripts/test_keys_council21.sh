#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_council21: the roster ceremonies of the whole Council, offline:
# the genesis of all 21 CEPTOARs with threshold 11 (all sign; 10 are
# refused), the admission of a 22nd member (exactly 11 member signatures
# accepted; 10, 10 plus an outsider, 10 plus a duplicate refused), and a
# removal where the removed member counts toward the old threshold but not
# the new one. A refused combine writes nothing.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

SPECS=(T-CEPTOAR:telecom cable-tv:cable-tv broadcasting:broadcasting
    banking:banking securities:securities life-insurance:life-insurance
    non-life-insurance:non-life-insurance funds-settlement:funds-settlement
    aviation:aviation airports:airports railway:railway
    electricity:electricity gas:gas local-government:local-government
    medical:medical water:water logistics:logistics chemical:chemical
    credit:credit petroleum:petroleum ports:ports)
NAMES=()
for spec in "${SPECS[@]}"; do NAMES+=("${spec%%:*}"); done
[ ${#NAMES[@]} -eq 21 ] || fail "the test lists ${#NAMES[@]} members, not 21"
pass

# refused OUT CMD...: CMD exits 1 and writes no OUT.
refused () {
    local out=$1
    shift
    expect 1 "$@"
    [ ! -e "$out" ] || fail "a refused combine wrote $out"
    pass
}

# sigs PREFIX NAME...: the signature files PREFIX.NAME.sig.
sigs () {
    local prefix=$1
    shift
    SIGS=()
    for n in "$@"; do SIGS+=("$prefix.$n.sig"); done
}

# --- Genesis: 21 members, threshold 11 ------------------------------------
cards=()
for spec in "${SPECS[@]}"; do
    name=${spec%%:*}
    expect 0 "$KEYS" gen --name "$name" --sector "${spec#*:}" --out "$name" \
        --no-passphrase
    cards+=(--card "$name/node.card")
done
expect 0 "$KEYS" roster draft --threshold 11 "${cards[@]}" --out v1.draft
contains "roster version 1, threshold 11 of 21 members"
for n in "${NAMES[@]}"; do
    expect 0 "$KEYS" roster sign --key "$n/node.key" --yes --out "v1.$n.sig" \
        v1.draft
done
# 10 founders are one short: refused, with the counts, nothing written.
sigs v1 "${NAMES[@]:0:10}"
refused v1.short "$KEYS" roster combine --out v1.short v1.draft "${SIGS[@]}"
contains "10 of 11"
contains "version 1 has 10 of 11 signatures needed from its own members"
# A key that is not a founder cannot even sign the genesis draft.
expect 0 "$KEYS" gen --name OUTSIDER --sector telecom --out OUTSIDER \
    --no-passphrase
expect 1 "$KEYS" roster sign --key OUTSIDER/node.key --yes \
    --out v1.OUTSIDER.sig v1.draft
contains "not a member of the genesis draft"
[ ! -e v1.OUTSIDER.sig ] || fail "a non-member's genesis signature was written"
pass
# All 21 sign: the genesis roster.
sigs v1 "${NAMES[@]}"
expect 0 "$KEYS" roster combine --out v1 v1.draft "${SIGS[@]}"
contains "roster version 1 written to v1"
[ "$(grep -c '^signature: ' v1)" = 21 ] || fail "v1 lacks 21 signature lines"
pass
expect 0 "$KEYS" roster verify v1
contains "version 1 valid"
contains "21 members"
contains "chain valid: version 1 is in force"

# --- Version 2 admits a 22nd member (threshold stays 11) -------------------
# All 21 sectors are taken: the 22nd shares telecom under its own name.
expect 0 "$KEYS" gen --name NISC --sector telecom --out NISC --no-passphrase
expect 0 "$KEYS" roster change --from v1 --add-card NISC/node.card \
    --out v2.draft
contains "roster version 2, threshold 11 of 22 members"
for n in "${NAMES[@]}" NISC OUTSIDER; do
    expect 0 "$KEYS" roster sign --key "$n/node.key" --yes --out "v2.$n.sig" \
        v2.draft
done
# 10 members: refused by both thresholds' counts.
sigs v2 "${NAMES[@]:0:10}"
refused v2.r "$KEYS" roster combine --from v1 --out v2.r v2.draft "${SIGS[@]}"
contains "10 of 11"
contains "version 2 has 10 of 11 signatures needed from the members of version 1"
# 10 members and a stranger: the stranger counts for nothing.
sigs v2 "${NAMES[@]:0:10}" OUTSIDER
refused v2.r "$KEYS" roster combine --from v1 --out v2.r v2.draft "${SIGS[@]}"
contains "version 1 members: 10 of 11 signatures"
contains "version 2 members: 10 of 11 signatures"
# 10 members and one of them again (a copy of the file too): counted once.
sigs v2 "${NAMES[@]:0:10}" "${NAMES[3]}"
cp "v2.${NAMES[3]}.sig" copy.sig
refused v2.r "$KEYS" roster combine --from v1 --out v2.r v2.draft \
    "${SIGS[@]}" copy.sig
contains "counted once"
contains "version 1 members: 10 of 11 signatures"
contains "version 2 members: 10 of 11 signatures"
# 10 old members and the new one: 11 of version 2 but 10 of version 1.
sigs v2 "${NAMES[@]:0:10}" NISC
refused v2.r "$KEYS" roster combine --from v1 --out v2.r v2.draft "${SIGS[@]}"
contains "version 2 has 10 of 11 signatures needed from the members of version 1"
contains "version 2 members: 11 of 11 signatures"
# Exactly 11 members (the last eleven founders): accepted, and it verifies.
sigs v2 "${NAMES[@]:10:11}"
[ ${#SIGS[@]} -eq 11 ] || fail "expected 11 signers, have ${#SIGS[@]}"
pass
expect 0 "$KEYS" roster combine --from v1 --out v2 v2.draft "${SIGS[@]}"
contains "roster version 2 written to v2"
[ "$(grep -c '^signature: ' v2)" = 11 ] || fail "v2 lacks 11 signature lines"
pass
# The same 11 and the outsider: accepted, the outsider's signature left out
# of the roster (combine keeps only signatures that count).
expect 0 "$KEYS" roster combine --from v1 --out v2x v2.draft "${SIGS[@]}" \
    v2.OUTSIDER.sig
contains "'v2.OUTSIDER.sig' is signed by the key"
contains "a member of neither version: it counts for nothing and is left out"
contains "version 1 members: 11 of 11 signatures"
cmp -s v2 v2x || fail "the outsider's signature changed the roster written"
pass
# Checked against the version in force, the outsider cannot even sign.
expect 1 "$KEYS" roster sign --from v1 --key OUTSIDER/node.key --yes \
    --out v2.OUTSIDER.checked.sig v2.draft
contains "a member of neither version 1 nor version 2"
[ ! -e v2.OUTSIDER.checked.sig ] || fail "an outsider signed with --from"
pass
expect 0 "$KEYS" roster verify v1 v2
contains "22 members"
contains "chain valid: version 2 is in force"

# --- Version 3 removes ports ----------------------------------------------
# (ports signs as the member it was: its key leaves in version 3.)
# v3a lowers the threshold to 10: ports plus 10 others are 11 of version 2
# (met only thanks to ports) and 10 of version 3 (met without ports).
REMOVED=ports
OTHERS=("${NAMES[@]:0:10}")
expect 0 "$KEYS" roster change --from v2 --remove "$REMOVED" --threshold 10 \
    --out v3a.draft
contains "threshold 10 of 21 members"
# v3b keeps threshold 11: the same signers are 11 of version 2 but only
# 10 of version 3, since ports' signature does not count there.
expect 0 "$KEYS" roster change --from v2 --remove "$REMOVED" --out v3b.draft
contains "threshold 11 of 21 members"
for d in v3a v3b; do
    for n in "$REMOVED" "${NAMES[@]:0:11}"; do
        expect 0 "$KEYS" roster sign --from v2 --key "$n/node.key" --yes \
            --out "$d.$n.sig" "$d.draft"
    done
done
grep -q "^signer: $REMOVED\$" "v3a.$REMOVED.sig" \
    || fail "the leaving member's signature file does not name it"
pass
expect 0 "$KEYS" roster sign --from v2 --key "$REMOVED/node.key" --yes \
    --out v3a.again.sig v3a.draft
contains "that this draft takes out: it counts toward version 2's threshold only"
# Without ports, 10 others are short of version 2's threshold.
sigs v3a "${OTHERS[@]}"
refused v3a "$KEYS" roster combine --from v2 --out v3a v3a.draft "${SIGS[@]}"
contains "version 3 has 10 of 11 signatures needed from the members of version 2"
# With ports: accepted.
sigs v3a "$REMOVED" "${OTHERS[@]}"
expect 0 "$KEYS" roster combine --from v2 --out v3a v3a.draft "${SIGS[@]}"
contains "version 2 members: 11 of 11 signatures"
contains "version 3 members: 10 of 10 signatures"
expect 0 "$KEYS" roster verify v1 v2 v3a
contains "chain valid: version 3 is in force"
# v3b: version 2's threshold is met (with ports), version 3's is not.
sigs v3b "$REMOVED" "${OTHERS[@]}"
refused v3b "$KEYS" roster combine --from v2 --out v3b v3b.draft "${SIGS[@]}"
contains "version 3 has 10 of 11 signatures needed from its own members"
contains "version 2 members: 11 of 11 signatures"
contains "version 3 members: 10 of 11 signatures"
# One more remaining member makes it: accepted and it verifies.
sigs v3b "${NAMES[@]:0:11}"
expect 0 "$KEYS" roster combine --from v2 --out v3b v3b.draft "${SIGS[@]}"
expect 0 "$KEYS" roster verify v1 v2 v3b
contains "chain valid: version 3 is in force"

finish
