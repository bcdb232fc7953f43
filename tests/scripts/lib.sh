# SPDX-License-Identifier: MPL-2.0
# lib.sh: shared helpers of the script tests. Source it; it sets up a
# scratch directory (removed on exit) and the paths of the built tools.

set -euo pipefail

: "${CEPTOAR_BIN:?run through ctest, which sets CEPTOAR_BIN to the tools directory}"
KEYS="$CEPTOAR_BIN/ceptoar-keys"
CLI="$CEPTOAR_BIN/ceptoar"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ceptoar-test.XXXXXX")
TEST_NAME=$(basename "$0" .sh)
CHECKS=0

SKIPPED=

cleanup () {
    local rc=$?
    # Stop anything this test started in the background.
    jobs -p | xargs -r kill -9 2>/dev/null || true
    # A skip (see skip) is no failure.
    [ -z "$SKIPPED" ] || [ "$rc" -ne 77 ] || rc=0
    if [ "$rc" -eq 0 ] && [ -z "${KEEP_SCRATCH:-}" ]; then
        rm -rf "$SCRATCH"
    else
        [ "$rc" -eq 0 ] || echo "$TEST_NAME: FAILED" >&2
        echo "$TEST_NAME: scratch kept in $SCRATCH" >&2
    fi
}
trap cleanup EXIT

fail () {
    echo "$TEST_NAME: FAIL: $*" >&2
    exit 1
}

# skip REASON: this machine cannot run the test. Says so, and exits 77,
# which ctest reports as "Skipped" (SKIP_RETURN_CODE, tests/CMakeLists.txt):
# never a silent pass.
skip () {
    echo "$TEST_NAME: SKIPPED: $*"
    SKIPPED=1
    exit 77
}

pass () {
    CHECKS=$((CHECKS + 1))
}

# expect CODE CMD...: run CMD, require exit status CODE; output in $OUT.
expect () {
    local want=$1
    shift
    set +e
    OUT=$("$@" 2>&1)
    local got=$?
    set -e
    if [ "$got" -ne "$want" ]; then
        echo "$OUT" >&2
        fail "expected exit $want, got $got: $*"
    fi
    pass
}

# contains TEXT: require the last output to contain TEXT.
contains () {
    case "$OUT" in
        *"$1"*) pass ;;
        *) echo "$OUT" >&2; fail "output lacks \"$1\"" ;;
    esac
}

lacks () {
    case "$OUT" in
        *"$1"*) echo "$OUT" >&2; fail "output unexpectedly has \"$1\"" ;;
        *) pass ;;
    esac
}

# council_host I: the host of the I-th member (from 1) in the endpoints
# make_council and council_up write: the I-th word of COUNCIL_HOSTS, or
# 127.0.0.1 (tests that run nodes in network namespaces give their
# addresses there).
council_host () {
    local hosts
    read -r -a hosts <<< "${COUNCIL_HOSTS:-}"
    echo "${hosts[$(($1 - 1))]:-127.0.0.1}"
}

# make_council DIR THRESHOLD NAME:SECTOR...: keys for each member (no
# passphrase), a genesis roster signed by every member, in DIR/roster.
# Member i gets the endpoint tcp://$(council_host i):$((PORT_BASE + i))
# (PORT_BASE defaults to 17000; tests that run daemons pick their own, so
# that ctest can run them in parallel).
make_council () {
    local dir=$1 threshold=$2
    shift 2
    mkdir -p "$dir"
    local cards=() port=${PORT_BASE:-17000} i=0
    for spec in "$@"; do
        local name=${spec%%:*} sector=${spec#*:}
        port=$((port + 1))
        i=$((i + 1))
        "$KEYS" gen --name "$name" --sector "$sector" --out "$dir/$name" \
            --endpoint "tcp://$(council_host $i):$port" --no-passphrase \
            >/dev/null
        cards+=(--card "$dir/$name/node.card")
    done
    "$KEYS" roster draft --threshold "$threshold" "${cards[@]}" \
        ${GROUPS_ARGS:-} --out "$dir/draft" >/dev/null
    local sigs=()
    for spec in "$@"; do
        local name=${spec%%:*}
        "$KEYS" roster sign --key "$dir/$name/node.key" --yes \
            --out "$dir/$name.sig" "$dir/draft" >/dev/null 2>&1
        sigs+=("$dir/$name.sig")
    done
    "$KEYS" roster combine --out "$dir/roster" "$dir/draft" "${sigs[@]}" \
        >/dev/null 2>&1
}

# need_libfaketime: sets LIBFAKETIME to Debian's libfaketimeMT (which
# tools/setup.sh installs), or fails; and lets ASan start with it loaded
# first (harmless here).
need_libfaketime () {
    LIBFAKETIME=""
    for f in /usr/lib/*/faketime/libfaketimeMT.so.1 \
             /usr/lib/faketime/libfaketimeMT.so.1; do
        [ -e "$f" ] && LIBFAKETIME=$f && break
    done
    [ -n "$LIBFAKETIME" ] || fail "libfaketime not found (Debian package" \
        "faketime; tools/setup.sh installs it)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
}

finish () {
    echo "$TEST_NAME: $CHECKS checks passed"
}
