#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_fault_disk_full: a node whose store cannot grow (its LMDB map is
# capped, as a full disk would stop it) while a peer sends it a large log:
# replication and posting fail with a clear error, the node stays up and
# serves, nothing already stored is damaged (fsck), and once there is room
# again (a larger cap) it resumes and converges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/council.sh"
cd "$SCRATCH"
PORT_BASE=16300
council_up 1 T-CEPTOAR:telecom banking:banking
# banking's store may not grow past 2 MiB.
node_set banking store/map-size 1048576
node_set banking store/max-map-size 2097152
expect 0 "$CEPTOAR_TEST_BIN/fill_store" --dir nodes/T-CEPTOAR --count 20000
node_start T-CEPTOAR
LAST=$(post T-CEPTOAR --kind incident --severity 1 --level green \
    --audience council --title "the last one")
node_start banking

full_logged () { grep -q "cannot write entries" logs/banking.log; }
wait_for 60 "banking reports that its store is full" full_logged
grep -E "map|full|space" logs/banking.log | head -3 >&2 || true
# Still up and answering; posting fails with a clear error.
kill -0 "${NODE_PID[banking]}" || fail "banking died on a full store"
pass
# Posts still fit for a while; keep posting until the map is full. Each
# carries a 96 KiB body, so the 2 MiB map fills within some twenty posts
# (with one-line posts it took hundreds: over five minutes under ASan).
printf "status line %04d of the filling posts, 48 bytes\n" $(seq 1 2048) \
    >filler.txt
refused=0
for i in $(seq 1 200); do
    if ! OUT=$(post banking --kind incident --severity 1 --level green \
            --audience council --title "filling $i" --body-file filler.txt \
            2>&1); then
        refused=1
        break
    fi
done
[ $refused = 1 ] || fail "posting never reported a full store"
pass
contains "map full"
contains "store/max-map-size"
# What it holds so far is intact.
node_stop banking
expect 0 "$CLI" fsck --dir nodes/banking
[ "$(state banking "$LAST")" = none ] || fail "banking cannot hold LAST yet"
pass

# Room again: it resumes where it stopped and converges.
node_set banking store/max-map-size 1073741824
node_start banking
wait_for 120 "banking converges after the disk has room" \
    has banking "$LAST" readable
OK=$(post banking --kind incident --severity 1 --level green \
    --audience council --title "room again")
wait_for 20 "T-CEPTOAR holds banking's new entry" has T-CEPTOAR "$OK" readable
council_stop
expect 0 "$CLI" fsck --dir nodes/banking
expect 0 "$CLI" audit --dir nodes/banking
finish
