#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_federation_council21: the whole Council of the 2025 list, 21
# CEPTOARs, one real ceptoard each, full mesh on 127.0.0.1. Three of them
# post; every node converges to every header and the payloads it is
# cleared for. (Kept quick for CI; the fan-out benchmark runs longer.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=17800
SPECS=(T-CEPTOAR:telecom cable-tv:cable-tv broadcasting:broadcasting
    banking:banking securities:securities life-insurance:life-insurance
    non-life-insurance:non-life-insurance funds-settlement:funds-settlement
    aviation:aviation airports:airports railway:railway
    electricity:electricity gas:gas local-government:local-government
    medical:medical water:water logistics:logistics chemical:chemical
    credit:credit petroleum:petroleum ports:ports)
NODES=()
for spec in "${SPECS[@]}"; do NODES+=("${spec%%:*}"); done
GROUPS_ARGS="--group finance=banking,securities,life-insurance,non-life-insurance,funds-settlement" \
    council_up 11 "${SPECS[@]}"
for n in "${NODES[@]}"; do node_start "$n"; done
P=(--kind early-warning --severity 3 --title)
A=$(post T-CEPTOAR "${P[@]}" "to the whole Council" --level green \
    --audience council)
B=$(post banking "${P[@]}" "to finance" --level amber --audience group:finance)
C=$(post ports "${P[@]}" "to railway, sealed" --level red \
    --audience node:railway)
for n in "${NODES[@]}"; do
    wait_for 60 "$n holds A" has "$n" "$A" readable
    case $n in
        banking|securities|life-insurance|non-life-insurance|funds-settlement)
            want=readable ;;
        *) want=not-held ;;
    esac
    wait_for 60 "$n holds B as $want" has "$n" "$B" "$want"
    case $n in railway|ports) want=readable ;; *) want=sealed ;; esac
    wait_for 60 "$n holds C as $want" has "$n" "$C" "$want"
done
council_stop
for n in "${NODES[@]}"; do
    expect 0 "$CLI" audit --dir "nodes/$n"
done
finish
