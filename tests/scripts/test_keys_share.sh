#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_share: k-of-n key backup end to end, as custodians run it in a
# key ceremony: split a passphrase-protected key 3 of 5, recover the same
# key from every 3 of the 5 shares and nothing from any 2, and the mistakes
# people make (too few shares, a mistyped character, shares of two splits,
# the same share twice, overwriting).
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

echo "correct horse battery" > pass
echo "a new passphrase" > newpass
echo "not the passphrase" > wrongpass
chmod 600 pass newpass wrongpass
expect 0 "$KEYS" gen --name T-CEPTOAR --sector telecom --out telecom \
    --passphrase-file pass
FPR=$(echo "$OUT" | sed -n 's/^fingerprint //p')
[ ${#FPR} -eq 32 ] || fail "gen printed no fingerprint"
pass

# A passphrase file others can read still works, with a warning; an output
# directory that does not exist is named before any prompt or work.
cp pass open-pass
chmod 644 open-pass
expect 0 "$KEYS" revoke-cert --key telecom/node.key --out open.revoke \
    --passphrase-file open-pass
contains "warning: the passphrase file 'open-pass' can be read by others (mode 644)"
expect 2 "$KEYS" revoke-cert --key telecom/node.key --out no-dir/x.revoke \
    --passphrase-file wrongpass
contains "the directory 'no-dir' does not exist; create it first"
lacks "passphrase"
expect 2 "$KEYS" recover --out no-dir/x.key --no-passphrase \
    shares-none-yet.txt
contains "the directory 'no-dir' does not exist"

# --- Split ------------------------------------------------------------------
expect 0 "$KEYS" split --help
contains "--threshold K"
expect 0 "$KEYS" split --key telecom/node.key --shares 5 --threshold 3 \
    --out-dir shares --passphrase-file pass
contains "fingerprint $FPR"
contains "any 3 of them recover it"
contains "shares/share-05-of-05.txt"
[ "$(stat -c %a shares)" = 700 ] || fail "the share directory is not 0700"
pass
for i in 1 2 3 4 5; do
    f=shares/share-0$i-of-05.txt
    [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
    grep -q "^share: $i of 5 ~" "$f" || fail "$f is not share $i of 5"
    grep -q "^fingerprint: $FPR ~" "$f" || fail "$f lacks the fingerprint"
    pass
done
[ "$(head -1 shares/share-01-of-05.txt)" = "ceptoar-key-share: 1" ] \
    || fail "a share does not start with its format line"
pass
# Splitting again into the same directory replaces nothing.
cp shares/share-01-of-05.txt before
expect 2 "$KEYS" split --key telecom/node.key --shares 5 --threshold 3 \
    --out-dir shares --passphrase-file pass
contains "never replaced"
cmp -s before shares/share-01-of-05.txt || fail "split replaced a share"
pass
# Usage and passphrase errors leave nothing behind.
expect 2 "$KEYS" split --key telecom/node.key --shares 3 --threshold 4 \
    --out-dir bad --passphrase-file pass
contains "threshold 4 is more than the 3 shares"
expect 2 "$KEYS" split --key telecom/node.key --shares 256 --threshold 2 \
    --out-dir bad --passphrase-file pass
contains "invalid --shares"
expect 2 "$KEYS" split --key telecom/node.key --shares 3 --threshold 1 \
    --out-dir bad --passphrase-file pass
contains "invalid --threshold"
expect 1 "$KEYS" split --key telecom/node.key --shares 3 --threshold 2 \
    --out-dir bad --passphrase-file wrongpass
contains "passphrase"
[ ! -e bad ] || fail "a refused split left a directory behind"
pass
mkdir -m 755 open-dir
expect 2 "$KEYS" split --key telecom/node.key --shares 3 --threshold 2 \
    --out-dir open-dir --passphrase-file pass
contains "chmod 700"

# --- Recover ----------------------------------------------------------------
expect 0 "$KEYS" recover --help
contains "--no-passphrase"
expect 0 "$KEYS" recover --out recovered.key --passphrase-file newpass \
    shares/share-05-of-05.txt shares/share-02-of-05.txt \
    shares/share-04-of-05.txt
contains "fingerprint $FPR"
contains "3 of its 5 shares"
[ "$(stat -c %a recovered.key)" = 600 ] || fail "recovered.key is not 0600"
pass
# The recovered file opens with the new passphrase (and not the old one),
# and it is the same key: split it again and compare the fingerprint.
expect 1 "$KEYS" split --key recovered.key --shares 2 --threshold 2 \
    --out-dir again-bad --passphrase-file pass
expect 0 "$KEYS" split --key recovered.key --shares 2 --threshold 2 \
    --out-dir again --passphrase-file newpass
contains "fingerprint $FPR"
# With --name the rebuilt file names its member, as gen writes it, so the
# commands that read the name (revoke-cert, card-update) need no --name;
# without it they ask for one.
expect 0 "$KEYS" recover --out named.key --name T-CEPTOAR --no-passphrase \
    shares/share-0{1,2,3}-of-05.txt
[ "$(head -1 named.key | cut -d' ' -f4)" = T-CEPTOAR ] \
    || fail "recover --name did not name the key file"
pass
expect 0 "$KEYS" revoke-cert --key named.key --out named.revoke
contains "revocation certificate for T-CEPTOAR"
expect 2 "$KEYS" revoke-cert --key recovered.key --out unnamed.revoke \
    --passphrase-file newpass
contains "names no member: give --name NAME"
expect 2 "$KEYS" recover --out bad-name.key --name "two words" \
    --no-passphrase shares/share-0{1,2,3}-of-05.txt
contains "invalid --name"
# All five work too, in any order.
expect 0 "$KEYS" recover --out all.key --no-passphrase \
    shares/share-0{3,1,5,2,4}-of-05.txt
contains "fingerprint $FPR"
# Never over an existing file.
expect 2 "$KEYS" recover --out recovered.key --no-passphrase \
    shares/share-0{1,2,3}-of-05.txt
contains "never replaced"

# Two shares recover nothing and say how many are missing.
expect 1 "$KEYS" recover --out two.key --no-passphrase \
    shares/share-01-of-05.txt shares/share-03-of-05.txt
contains "2 of 3 shares"
[ ! -e two.key ] || fail "two shares wrote a key"
pass

# Every 3 of the 5 (all 10 subsets) rebuild the same key, and every 2 of
# the 5 (all 10 pairs) rebuild nothing. Same key: the fingerprint, and
# (since Ed25519 signatures are deterministic) a signature over the same
# roster draft, byte for byte the one the original key makes.
expect 0 "$KEYS" roster draft --threshold 1 --card telecom/node.card \
    --out one.draft
expect 0 "$KEYS" roster sign --key telecom/node.key --passphrase-file pass \
    --yes --out original.sig one.draft
subsets=0
for i in 1 2 3 4 5; do
    for j in $(seq $((i + 1)) 5); do
        for k in $(seq $((j + 1)) 5); do
            s=$i$j$k
            expect 0 "$KEYS" recover --out "sub-$s.key" --no-passphrase \
                shares/share-0{$i,$j,$k}-of-05.txt
            contains "fingerprint $FPR"
            contains "3 of its 5 shares"
            expect 0 "$KEYS" roster sign --key "sub-$s.key" --yes \
                --out "sub-$s.sig" one.draft
            cmp -s original.sig "sub-$s.sig" \
                || fail "shares $i $j $k rebuild another key"
            pass
            subsets=$((subsets + 1))
        done
        expect 1 "$KEYS" recover --out "pair-$i$j.key" --no-passphrase \
            "shares/share-0$j-of-05.txt" "shares/share-0$i-of-05.txt"
        contains "2 of 3 shares"
        contains "give 1 more"
        lacks "recovered the key"
        [ ! -e "pair-$i$j.key" ] || fail "shares $i $j wrote a key"
        pass
        subsets=$((subsets + 1))
    done
done
[ "$subsets" = 20 ] || fail "tried $subsets subsets, not 10 + 10"
pass

# A hand-copied share with one mistyped digit is named, file and line.
digit=$(sed -n '9s/^data-2: \(.\).*/\1/p' shares/share-03-of-05.txt)
if [ "$digit" = 0 ]; then other=1; else other=0; fi
sed "9s/^data-2: ./data-2: $other/" shares/share-03-of-05.txt > typo.txt
cmp -s typo.txt shares/share-03-of-05.txt && fail "the edit changed nothing"
expect 1 "$KEYS" recover --out typo.key --no-passphrase \
    shares/share-01-of-05.txt typo.txt shares/share-02-of-05.txt
contains "'typo.txt' is not a valid share: line 9:"
contains "does not match its check"
[ ! -e typo.key ] || fail "a damaged share wrote a key"
pass
# A truncated share is named as such.
head -n 7 shares/share-04-of-05.txt > cut.txt
expect 1 "$KEYS" recover --out cut.key --no-passphrase \
    shares/share-01-of-05.txt cut.txt shares/share-02-of-05.txt
contains "'cut.txt' is not a valid share: line 8:"
contains "truncated"

# Shares of two splits of the same key do not mix.
expect 1 "$KEYS" recover --out mixed.key --no-passphrase \
    shares/share-01-of-05.txt shares/share-02-of-05.txt \
    again/share-02-of-02.txt
contains "different splits"
contains "again/share-02-of-02.txt"
# The same share twice is one share.
cp shares/share-01-of-05.txt copy-of-1.txt
expect 1 "$KEYS" recover --out dup.key --no-passphrase \
    shares/share-01-of-05.txt shares/share-02-of-05.txt copy-of-1.txt
contains "both share 1 of 5"
# Not a share at all; a missing file.
expect 1 "$KEYS" recover --out junk.key --no-passphrase \
    shares/share-01-of-05.txt telecom/node.card shares/share-02-of-05.txt
contains "line 1: not a ceptoar key share"
expect 2 "$KEYS" recover --out missing.key --no-passphrase \
    shares/share-01-of-05.txt no-such-share.txt shares/share-02-of-05.txt
contains "cannot read share 'no-such-share.txt'"
# A new passphrase is needed from somewhere.
expect 2 "$KEYS" recover --out nopass.key shares/share-0{1,2,3}-of-05.txt \
    </dev/null
contains "--passphrase-file"
[ ! -e nopass.key ] || fail "recover wrote a key without a passphrase"
pass
for f in two.key typo.key cut.key mixed.key dup.key junk.key missing.key; do
    [ ! -e "$f" ] || fail "a refused recover wrote $f"
done
pass

finish
