#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_rotation_table: a table of roster rotations (in the manner of
# python-tuf's key-rotation tests) applied with 'ceptoar roster apply' to a
# stopped node at version 1 (members A, B, C, D, threshold 2): old
# threshold met but not the new one, the new but not the old, a key listed
# twice, a removed member or a stranger counting, a version skipped or
# repeated, a fork, an edited body. Each is refused (exit 1) and leaves the
# roster in force byte for byte as it was; then a valid version 2 is
# accepted, and forks of it are refused. No daemon runs.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

C=council
make_council "$C" 2 A:telecom B:banking C:water D:gas
for spec in E:ports X:credit; do
    expect 0 "$KEYS" gen --name "${spec%%:*}" --sector "${spec#*:}" \
        --out "$C/${spec%%:*}" --no-passphrase
done
expect 0 "$KEYS" roster verify "$C/roster"
contains "chain valid: version 1 is in force"
expect 0 "$CLI" init --dir node --key "$C/A/node.key" --roster "$C/roster"
contains "roster version 1"

# draft NAME ARGS...: 'roster change ARGS' into NAME.draft, signed by all
# of A B C D E X into NAME.WHO.sig (a signature file says nothing about
# membership; combine and apply decide what counts).
draft () {
    local name=$1
    shift
    expect 0 "$KEYS" roster change "$@" --out "$name.draft"
    for who in A B C D E X; do
        "$KEYS" roster sign --key "$C/$who/node.key" --yes \
            --out "$name.$who.sig" "$name.draft" >/dev/null 2>&1 \
            || fail "$who could not sign $name.draft"
    done
    pass
}

# sigline SIGFILE: the roster signature line of a signature file (4.1, 5).
sigline () {
    local pk sig
    pk=$(sed -n 's/^sign-key: //p' "$1")
    sig=$(sed -n 's/^signature: //p' "$1")
    echo "signature: $pk $sig"
}

# hand OUT NAME WHO...: a roster built by hand, as combine would but
# without its threshold check: the draft body, then the signature lines
# of NAME.WHO.sig sorted by public key (duplicates kept).
hand () {
    local out=$1 name=$2
    shift 2
    {
        cat "$name.draft"
        for who in "$@"; do sigline "$name.$who.sig"; done | sort
    } > "$out"
}

# --- The drafts of version 2 (and 3) ---------------------------------------
draft v2t3 --from "$C/roster" --threshold 3      # same members, threshold 3
draft v2add --from "$C/roster" --add-card "$C/E/node.card"  # admits E
draft v2rm --from "$C/roster" --remove D         # removes D, threshold 2
# The valid version 2 (A and B: 2 of 4 old, 2 of 5 new) and a valid
# version 3 after it (removes C), made by combine.
expect 0 "$KEYS" roster combine --from "$C/roster" --out v2 v2add.draft \
    v2add.A.sig v2add.B.sig
draft v3 --from v2 --remove C
expect 0 "$KEYS" roster combine --from v2 --out v3 v3.draft v3.A.sig v3.B.sig
expect 0 "$KEYS" roster verify "$C/roster" v2 v3
contains "chain valid: version 3 is in force"
# A valid version 2 on another branch (removes D), and a version 3 on it.
expect 0 "$KEYS" roster combine --from "$C/roster" --out v2fork v2rm.draft \
    v2rm.A.sig v2rm.B.sig
draft v3fork --from v2fork --threshold 1
expect 0 "$KEYS" roster combine --from v2fork --out v3fork v3fork.draft \
    v3fork.A.sig v3fork.B.sig
expect 0 "$KEYS" roster verify "$C/roster" v2fork v3fork

# --- The hand-made rosters of the table ------------------------------------
# Old threshold (2 of v1) met, new one (3 of v2) not.
hand old-not-new v2t3 A B
# New threshold met (A and E: 2 of v2's five), old one not (1 of v1).
hand new-not-old v2add A E
# One key listed twice: A's line twice would be "2 signatures" if lines
# were counted; and A twice beside B, valid but for the repeat.
hand dup-only v2add A A
hand dup-and-b v2add A A B
[ "$(grep -c "^$(sigline v2add.A.sig)\$" dup-only)" = 2 ] \
    || fail "dup-only does not hold A's line twice"
pass
# A removed member counting toward the new threshold: A and D sign the
# removal of D (2 of v1, but 1 of v2's A B C).
hand removed-counts v2rm A D
# A stranger: A and X (1 of v1, 1 of v2).
hand stranger v2add A X
# An edited body under valid signatures: E's sector, or the threshold.
sed 's/^sector: ports$/sector: water/' v2 > edited-sector
sed 's/^threshold: 2$/threshold: 1/' v2 > edited-threshold
for f in edited-sector edited-threshold; do
    cmp -s v2 "$f" && fail "$f: the edit changed nothing"
    pass
done
# Valid signatures of another draft (v2rm's) under v2's body.
{ cat v2add.draft; { sigline v2rm.A.sig; sigline v2rm.B.sig; } | sort; } \
    > other-draft-sigs
# Combine agrees with the table: it refuses the same signer sets.
expect 1 "$KEYS" roster combine --from "$C/roster" --out c1 v2t3.draft \
    v2t3.A.sig v2t3.B.sig
contains "version 2 has 2 of 3 signatures needed from its own members"
expect 1 "$KEYS" roster combine --from "$C/roster" --out c2 v2add.draft \
    v2add.A.sig v2add.E.sig
contains "version 2 has 1 of 2 signatures needed from the members of version 1"
expect 1 "$KEYS" roster combine --from "$C/roster" --out c3 v2rm.draft \
    v2rm.A.sig v2rm.D.sig
contains "version 2 has 1 of 2 signatures needed from its own members"
expect 1 "$KEYS" roster combine --from "$C/roster" --out c4 v2add.draft \
    v2add.A.sig v2add.X.sig
contains "version 1 members: 1 of 2 signatures"
# The same signature file twice (and a copy of it) counts once.
cp v2add.A.sig copy-of-A.sig
expect 1 "$KEYS" roster combine --from "$C/roster" --out c5 v2add.draft \
    v2add.A.sig v2add.A.sig copy-of-A.sig
contains "counted once"
contains "version 2 members: 1 of 2 signatures"
contains "version 1 members: 1 of 2 signatures"
for f in c1 c2 c3 c4 c5; do
    [ ! -e "$f" ] || fail "a refused combine wrote $f"
done
pass
# The repeated key is malformed text for the offline verifier too.
expect 1 "$KEYS" roster verify "$C/roster" dup-and-b
contains "repeats a key"
# The gap: version 3 cannot follow version 1.
expect 1 "$KEYS" roster verify "$C/roster" v3
contains "versions go up by exactly one"

# --- The table, against the node at version 1 ------------------------------
# snapshot NAME: what must not change when apply refuses: the roster in
# force, the version 'roster show' reports, and the kept versions in
# rosters/ (every file of the node but its store and lock).
snapshot () {
    cp node/roster "$1.roster"
    "$CLI" roster show --dir node --json > "$1.json" \
        || fail "roster show failed"
    (cd node && find . -path ./store -prune -o -type f ! -name ceptoard.lock \
        -print | sort | xargs sha256sum) > "$1.files"
}
same_as () {
    snapshot now
    cmp now.roster "$1.roster" || fail "$CASE: the roster file changed"
    cmp now.json "$1.json" || fail "$CASE: 'roster show' changed"
    cmp now.files "$1.files" || fail "$CASE: the node directory changed"
    pass
}
show_version () {
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' \
        < "$1.json"
}

# CASE|FILE|exit|what the refusal says. Malformed text (the repeated key)
# is refused like any roster that does not verify: exit 1.
TABLE_V1=(
    "old threshold met, new not|old-not-new|1|2 of 3 signatures needed from its own members"
    "new threshold met, old not|new-not-old|1|1 of 2 signatures needed from the members of version 1"
    "one key listed twice, alone|dup-only|1|repeats a key"
    "one key listed twice, beside B|dup-and-b|1|repeats a key"
    "removed member counts for the new|removed-counts|1|1 of 2 signatures needed from its own members"
    "a stranger's signature|stranger|1|1 of 2 signatures needed from the members of version 1"
    "version skipped (3 at 1)|v3|1|versions go up by exactly one"
    "version repeated (1 at 1)|$C/roster|1|not newer than the version in force (1)"
    "edited body: a sector|edited-sector|1|does not verify"
    "edited body: the threshold|edited-threshold|1|does not verify"
    "signatures of another draft|other-draft-sigs|1|does not verify"
    "unsigned draft|v2add.draft|1|0 of 2 signatures needed from the members of version 1"
)
# Only a validly signed other version 2 is a fork; an unsigned or
# under-signed one is refused without raising that alarm.
TABLE_V2=(
    "version repeated (1 at 2)|$C/roster|1|not newer than the version in force (2)"
    "version repeated (2 at 2)|v2|1|not newer than the version in force (2)"
    "fork: another version 2|v2fork|1|the roster chain has forked"
    "fork: version 3 of another branch|v3fork|1|hash differs"
    "another version 2, under threshold|old-not-new|1|roster version 2 refused"
    "another version 2, unsigned|v2t3.draft|1|roster version 2 refused"
)

run_table () {
    local ref=$1
    shift
    for row in "$@"; do
        CASE=${row%%|*}
        local rest=${row#*|}
        local file=${rest%%|*}
        rest=${rest#*|}
        local code=${rest%%|*} msg=${rest#*|}
        set +e
        OUT=$("$CLI" roster apply --dir node "$file" 2>&1)
        local got=$?
        set -e
        [ "$got" = "$code" ] || { echo "$OUT" >&2
            fail "$CASE: apply $file exited $got, expected $code"; }
        pass
        contains "$msg"
        # Only a validly signed other version is called a fork.
        case $CASE in
            fork:*) ;;
            *) lacks "forked" ;;
        esac
        lacks "in force (was"
        same_as "$ref"
    done
}

snapshot v1
[ "$(show_version v1)" = 1 ] || fail "the node is not at version 1"
pass
cmp -s node/roster "$C/roster" || fail "init did not keep the genesis roster"
pass
run_table v1 "${TABLE_V1[@]}"

# --- The valid rotation --------------------------------------------------
CASE="valid version 2"
expect 0 "$CLI" roster apply --dir node v2
contains "roster version 2 in force (was 1): 5 members, threshold 2"
cmp node/roster v2 || fail "the roster in force is not v2's bytes"
pass
snapshot v2
[ "$(show_version v2)" = 2 ] || fail "roster show does not report version 2"
pass
expect 0 "$CLI" roster show --dir node
contains "roster version 2 in force"
contains "ports"
run_table v2 "${TABLE_V2[@]}"
# And the next valid version on this branch.
expect 0 "$CLI" roster apply --dir node v3
contains "roster version 3 in force (was 2): 4 members"
snapshot v3
[ "$(show_version v3)" = 3 ] || fail "roster show does not report version 3"
pass

# --- Retirements cannot be lifted or invented ------------------------------
# Version 3 retired C's key. A drafter edits an honest version 4 draft by
# hand: C's retirement dropped, or its time moved to the far future (C's
# old key an author again), or a stranger's key X retired (X an author).
# The threshold signs each (a signature file says nothing about what was
# checked); sign --from, combine, verify and the node all refuse it.
grep -q "^retired: .* C\$" v3 || fail "v3 does not retire C's key"
pass
# sort_retired: a draft on stdin with its retired lines (which end the
# body) in key order, as the one encoding wants them.
sort_retired () {
    local text
    text=$(cat)
    grep -v '^retired: ' <<< "$text" || true
    grep '^retired: ' <<< "$text" | sort || true
}
X_PK=$(sed -n 's/^sign-key: //p' "$C/X/node.card")
draft v4 --from v3 --threshold 3
sed '/^retired: .* C$/d' v4.draft > v4drop.draft
sed 's/^\(retired: [0-9a-f]* \)[^ ]*\( C\)$/\19999-12-31T23:59:59Z\2/' \
    v4.draft > v4late.draft
{ cat v4.draft; echo "retired: $X_PK 9999-12-31T23:59:59Z A"; } \
    | sort_retired > v4x.draft
TABLE_V3=()
for f in v4drop v4late v4x; do
    cmp -s v4.draft "$f.draft" && fail "$f: the edit changed nothing"
    pass
    for who in A B D; do
        "$KEYS" roster sign --key "$C/$who/node.key" --yes \
            --out "$f.$who.sig" "$f.draft" >/dev/null 2>&1 \
            || fail "$who could not sign $f.draft without --from"
    done
    expect 1 "$KEYS" roster sign --from v3 --key "$C/A/node.key" --yes \
        --out "$f.checked.sig" "$f.draft"
    contains "do not sign this draft"
    [ ! -e "$f.checked.sig" ] || fail "$f: sign --from wrote a signature"
    pass
    expect 1 "$KEYS" roster combine --from v3 --out "$f" "$f.draft" \
        "$f.A.sig" "$f.B.sig" "$f.D.sig"
    [ ! -e "$f" ] || fail "$f: combine wrote it"
    pass
    hand "$f" "$f" A B D
    expect 1 "$KEYS" roster verify "$C/roster" v2 v3 "$f"
    contains "retire"
done
TABLE_V3=(
    "a retirement dropped|v4drop|1|drops the retirement of the key"
    "a retirement moved to 9999|v4late|1|changes the retirement of the key"
    "a stranger's key retired|v4x|1|only a leaving member's key can be retired"
)
run_table v3 "${TABLE_V3[@]}"
# The honest version 4 passes all the same doors; its signers are shown
# C's retirement.
expect 0 "$KEYS" roster sign --from v3 --key "$C/A/node.key" --yes \
    --out v4.shown.sig v4.draft
contains "retired keys (entries stamped later are refused):"
contains "sign-key $(sed -n 's/^fingerprint: //p' "$C/C/node.card") after"
expect 0 "$KEYS" roster combine --from v3 --out v4 v4.draft v4.A.sig \
    v4.B.sig v4.D.sig
expect 0 "$CLI" roster apply --dir node v4
contains "roster version 4 in force (was 3)"

# A genesis draft that retires a stranger's key: its founders are shown the
# line, and sign refuses it (keys_roster's selftest has verify refuse it).
make_council g 2 G1:telecom G2:banking
{ cat g/draft; echo "retired: $X_PK 9999-12-31T23:59:59Z G1"; } > g1x.draft
expect 1 "$KEYS" roster sign --key g/G1/node.key --yes --out g1x.sig g1x.draft
contains "a genesis roster has no keys to retire"
[ ! -e g1x.sig ] || fail "a genesis with a retired line was signed"
pass
finish
