#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_nearmiss: an anonymised near-miss report (`post --kind
# near-miss --anonymous`: reporter type 2, the sector only, protocol.md 6)
# replicates between three running nodes, and the company that reported it
# appears nowhere: not in any node's store files, and not in any frame a
# node sends. CurveZMQ encrypts the wire, so the frames are taken after
# decryption by a fourth member, D, whose daemon never runs: tests/
# hostile_peer plays it, serving D's endpoint (dump-listen: the author's
# push and every node's HEADS) and fetching every entry from each node
# (dump: HELLO, HEADS, WANT of every author from seq 1). A positive
# control follows: the same report with --reporter must put the name in
# every store and every dump, so each search below can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=18450
HOSTILE="${CEPTOAR_TEST_BIN:-$CEPTOAR_BIN/../tests}/hostile_peer"
[ -x "$HOSTILE" ] || fail "hostile_peer not built ($HOSTILE)"
# Byte-exact searches, whatever the caller's locale.
export LC_ALL=C

NODES=(A B C)
council_up 2 A:electricity B:banking C:gas D:water
for n in "${NODES[@]}"; do node_start "$n"; done
declare -A ENDPOINT=([A]=tcp://127.0.0.1:18451 [B]=tcp://127.0.0.1:18452
                     [C]=tcp://127.0.0.1:18453 [D]=tcp://127.0.0.1:18454)

# The member company that reports, and every string that identifies it.
NAME="Kurobe Hydro Power Co., Ltd."
NAME_JA="黒部水力発電株式会社"
CODE="KHP-4417"
IDENT=("$NAME" "$NAME_JA" "$CODE" "Kurobe")
TITLE="Near miss: remote login attempt on a dam gate PLC"
cat > body <<'EOF'
A maintenance VPN account of a dam gate controller was used from an
unknown address at 03:12; the session was refused by the jump host. No
control commands were sent. Indicators: 203.0.113.47, user "gate-maint".
EOF
NEARMISS=(--kind near-miss --severity 2 --level green --audience council
          --sector electricity --title "$TITLE" --body-file body)

# --- D serves its endpoint and records what the nodes send it -------------
"$HOSTILE" --key council/D/node.key --roster council/roster \
    --attack dump-listen --listen "${ENDPOINT[D]}" --dump wire-listen.bin \
    > listen.log 2>&1 &
LISTEN=$!
for n in "${NODES[@]}"; do
    wait_for 30 "$n opens a session with D's endpoint" \
        grep -q "^listen: session with $n$" listen.log
done

# --- --anonymous with --reporter is refused, and stores nothing ------------
expect 2 post A "${NEARMISS[@]}" --anonymous --reporter "$NAME"
contains "give --reporter or --anonymous, not both"
expect 2 post A "${NEARMISS[@]}" --reporter "$NAME_JA ($CODE)" --anonymous
contains "not both"
expect 0 "$CLI" list --dir nodes/A --json
[ "$OUT" = "[]" ] || fail "a refused post stored something: $OUT"
pass

# --- The anonymised report --------------------------------------------------
ANON=$(post A "${NEARMISS[@]}" --anonymous)
[ ${#ANON} -eq 64 ] || fail "post printed no id: $ANON"
pass
for n in B C; do
    wait_for 30 "$n holds the anonymised report" has "$n" "$ANON" readable
done
wait_for 30 "A pushed the report to D" grep -q "^item id=$ANON " listen.log

# show: the reporter is A's sector, everywhere, and nothing names it.
for n in "${NODES[@]}"; do
    expect 0 "$CLI" show --dir "nodes/$n" "$ANON"
    contains "reporter  anonymised (electricity sector)"
    contains "$TITLE"
    for s in "${IDENT[@]}"; do lacks "$s"; done
    expect 0 "$CLI" show --dir "nodes/$n" "$ANON" --json
    contains '"anonymised_sector": "electricity"'
    contains '"kind": "near-miss"'
done

# dump NODE FILE: D fetches every entry NODE holds (its output in FILE.log).
dump () {
    "$HOSTILE" --key council/D/node.key --server-card "council/$1/node.card" \
        --endpoint "${ENDPOINT[$1]}" --roster council/roster --attack dump \
        --dump "$2" > "$2.log" 2>&1 \
        || { cat "$2.log" >&2; fail "dump of $1 exited $?"; }
    pass
}
for n in "${NODES[@]}"; do
    dump "$n" "wire-$n.bin"
    # The report came with its plaintext payload, so the search below
    # looks at the bytes that would carry a name.
    grep -q "^item id=$ANON .* payload=plaintext$" "wire-$n.bin.log" \
        || fail "$n did not serve the report's payload to D"
    pass
done

# reporter_tail FILE ID: the last octets of entry ID's payload in a dump
# (its reporter, protocol.md 6.1: "02 SECTOR" when anonymised), as hex,
# for each time the entry appears in FILE.
reporter_tail () {
    python3 - "$1" "$2" <<'PY'
import hashlib, struct, sys
data, want = open(sys.argv[1], "rb").read(), sys.argv[2]
pos = 0
while pos < len(data):
    (size,) = struct.unpack(">I", data[pos:pos + 4])
    frame = data[pos + 4:pos + 4 + size]
    pos += 4 + size
    if len(frame) < 11 or frame[:3] != b"\xce\xa1\x01" or frame[3] != 4:
        continue                        # not an ENTRIES frame
    (count,) = struct.unpack(">H", frame[9:11])
    at = 11
    for _ in range(count):
        (stub_len,) = struct.unpack(">H", frame[at:at + 2])
        stub = frame[at + 2:at + 2 + stub_len]
        at += 2 + stub_len
        (plen,) = struct.unpack(">I", frame[at:at + 4])
        payload = frame[at + 4:at + 4 + plen]
        at += 4 + plen
        if hashlib.blake2b(stub, digest_size=32).hexdigest() == want:
            # kind (octet 3) and the last two octets: attach-count 0,
            # then the reporter.
            print(payload[3:4].hex(), payload[-3:].hex())
PY
}
# Near-miss (kind 8), no attachments, reporter type 2 with A's sector
# (electricity, 12): no name field at all.
for f in wire-listen.bin wire-A.bin wire-B.bin wire-C.bin; do
    OUT=$(reporter_tail "$f" "$ANON")
    [ -n "$OUT" ] || fail "$f does not carry the report"
    pass
    echo "$OUT" | grep -qv '^08 00020c$' \
        && fail "$f: the report's payload ends $OUT, not with 02 0c"
    pass
done

# absent_everywhere: no identifying string in any store, node directory,
# log or recorded frame. present_in FILE STRING: the control.
absent_everywhere () {
    for s in "${IDENT[@]}"; do
        for n in "${NODES[@]}"; do
            [ -s "nodes/$n/store/data.mdb" ] || fail "no store for $n"
            ! grep -r -D skip -q -a -F -- "$s" "nodes/$n" "logs/$n.log" \
                || fail "\"$s\" found in $n's files: $(grep -r -D skip \
                    -l -a -F -- "$s" "nodes/$n" "logs/$n.log")"
            pass
        done
        for f in wire-*.bin; do
            ! grep -q -a -F -- "$s" "$f" \
                || fail "\"$s\" found in frames sent to D ($f)"
            pass
        done
    done
}
present_in () {
    grep -q -a -F -- "$2" "$1" || fail "positive control: \"$2\" not in $1"
    pass
}
absent_everywhere
# The captures do hold the report's text: a search in them means something.
for f in wire-*.bin; do present_in "$f" "$TITLE"; done
for n in "${NODES[@]}"; do present_in "nodes/$n/store/data.mdb" "$TITLE"; done

# --- Positive control: the same report, named ------------------------------
NAMED=$(post A "${NEARMISS[@]}" --reporter "$NAME")
NAMED_JA=$(post A "${NEARMISS[@]}" --reporter "$NAME_JA ($CODE)")
for n in B C; do
    wait_for 30 "$n holds the named report" has "$n" "$NAMED" readable
    wait_for 30 "$n holds the second named report" \
        has "$n" "$NAMED_JA" readable
done
wait_for 30 "A pushed the named reports to D" \
    grep -q "^item id=$NAMED_JA " listen.log
expect 0 "$CLI" show --dir nodes/B "$NAMED"
contains "reporter  $NAME"
for n in "${NODES[@]}"; do
    dump "$n" "control-$n.bin"
    for s in "${IDENT[@]}"; do
        present_in "nodes/$n/store/data.mdb" "$s"
        present_in "control-$n.bin" "$s"
    done
done
kill -TERM "$LISTEN"
wait "$LISTEN" || { cat listen.log >&2; fail "dump-listen exited $?"; }
pass
for s in "${IDENT[@]}"; do present_in wire-listen.bin "$s"; done
# Every frame D received was within its clearance (hostile_peer checks
# each item against keys_disclosure_payload).
! grep -h '^FAIL' listen.log wire-*.log control-*.log \
    || fail "hostile_peer saw a node misbehave"
pass

council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" audit --dir "nodes/$n"
    expect 0 "$CLI" fsck --dir "nodes/$n"
done
finish
