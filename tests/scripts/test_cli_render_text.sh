#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_cli_render_text: what another member wrote cannot steer the reader's
# terminal. The protocol lets CR (in bodies), DEL, C1 controls and
# Unicode's bidirectional controls through; list and show print each as a
# visible mark (<CR>, <U+202E> ...), so a line cannot be overwritten or
# reordered ("Trojan Source"). --json keeps the text as it was signed.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"
make_council council 1 T-CEPTOAR:telecom
expect 0 "$CLI" init --dir node --key council/T-CEPTOAR/node.key \
    --roster council/roster

RLO=$(printf '\u202e')          # right-to-left override
LRI=$(printf '\u2066')          # left-to-right isolate
NEL=$(printf '\u0085')          # C1 "next line"
LSEP=$(printf '\u2028')         # line separator
TITLE="Patch now ${RLO}txt.exe${LRI} advisory"
printf 'Severity: LOW\rSeverity: CRITICAL%s\nline two%s%s\n' "$NEL" \
    "$LSEP" "$(printf '\177')" > body
expect 0 "$CLI" post --dir node --kind early-warning --severity 2 \
    --level green --audience council --title "$TITLE" --body-file body
ID=$OUT

expect 0 "$CLI" list --dir node
contains "Patch now <U+202E>txt.exe<U+2066> advisory"
lacks "$RLO"
lacks "$LRI"
expect 0 "$CLI" show --dir node "$ID"
contains "title     Patch now <U+202E>txt.exe<U+2066> advisory"
contains "Severity: LOW<CR>Severity: CRITICAL<U+0085>"
contains "line two<U+2028><DEL>"
for raw in "$RLO" "$LRI" "$NEL" "$LSEP" "$(printf '\r')" "$(printf '\177')"; do
    lacks "$raw"
done
# The JSON holds what was signed, for programs (jansson escapes controls).
expect 0 "$CLI" show --dir node "$ID" --json
python3 -c '
import json, sys
e = json.loads(sys.argv[1])
e = e[0] if isinstance(e, list) else e
assert e["title"] == sys.argv[2], e["title"]
assert e["body"] == open("body", encoding="utf-8", newline="").read(), e["body"]' "$OUT" "$TITLE" \
    || fail "--json changed the text"
pass
finish
