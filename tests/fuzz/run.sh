#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# run.sh: build the libFuzzer harnesses with clang, seed them, run them.
#
# Usage: tests/fuzz/run.sh [SECONDS] [HARNESS...]
#   SECONDS   time budget per harness (-max_total_time), default 30
#   HARNESS   fuzz_entry fuzz_payload fuzz_sealed fuzz_card fuzz_roster
#             fuzz_keyfile fuzz_sigfile fuzz_wire fuzz_notice fuzz_receipt
#             fuzz_share fuzz_transcript fuzz_config fuzz_status
#             (default: all)
# Environment:
#   FUZZ_JOBS=N         harnesses run at the same time (default 1)
#   FUZZ_KEEP_GOING=1   record each crash and go on fuzzing (-fork=1
#                       -ignore_crashes=1) instead of stopping at the first;
#                       for long runs
#   FUZZ_BUILD=DIR      build directory (default build-fuzz)
#   CEPTOAR_FUZZ_IGNORE=NAME[,NAME...]
#                       properties the harnesses do not abort on: for
#                       fuzzing past a reported bug that is not fixed yet
#                       (docs/testing.md §5.3)
#
# Installs what is missing on Debian (clang, its compiler-rt with libFuzzer,
# llvm-symbolizer, and the project's build dependencies) when run as root,
# configures DIR with clang and -DCEPTOAR_FUZZ=ON, and builds only the
# harnesses and ceptoar-keys (which make_corpus.py uses for valid keys and
# rosters). Everything it writes is under DIR/fuzz/:
#   corpus/HARNESS/     seeds, then every input libFuzzer finds interesting
#                       (kept between runs: the next run starts from it)
#   corpus/HARNESS.dict the harness's dictionary
#   crashes/HARNESS/    crash-*, leak-*, timeout-*, oom-* reproducers
#   logs/HARNESS.log    libFuzzer's output
# tests/fuzz/regressions/HARNESS/ (minimised reproducers of the bugs the
# harnesses found) is read as a second seed directory, so a bug that is
# not fixed, or comes back, fails at once.
#
# Exit status: 0 no harness crashed; 1 a harness crashed or broke a
# property (see its log and crash files); 2 a setup or build error.
set -euo pipefail
cd "$(dirname "$0")/../.."

budget=${1:-30}
shift || true
all=(fuzz_entry fuzz_payload fuzz_sealed fuzz_card fuzz_roster fuzz_keyfile
     fuzz_sigfile fuzz_wire fuzz_notice fuzz_receipt fuzz_share
     fuzz_transcript fuzz_config fuzz_status)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
jobs=${FUZZ_JOBS:-1}
build=${FUZZ_BUILD:-build-fuzz}

case $budget in
    ''|*[!0-9]*) echo "run.sh: budget \"$budget\" is not a number of" \
                      "seconds (usage: tests/fuzz/run.sh [SECONDS]" \
                      "[HARNESS...])" >&2; exit 2 ;;
esac
for h in "${harnesses[@]}"; do
    case " ${all[*]} " in
        *" $h "*) ;;
        *) echo "run.sh: unknown harness \"$h\" (one of: ${all[*]})" >&2
           exit 2 ;;
    esac
done

# --- Packages -------------------------------------------------------------
# The build dependencies are those of tools/setup.sh; clang needs its
# compiler-rt package for -fsanitize=fuzzer (libclang-rt-14-dev on Debian
# 12) and llvm-symbolizer for readable stacks.
missing=()
s_need () {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$1")
}
s_install () {
    [ ${#missing[@]} -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
        echo "run.sh: missing packages: ${missing[*]} (install them, or run" \
             "as root on Debian)" >&2
        exit 2
    fi
    echo "run.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    missing=()
}
if command -v dpkg-query >/dev/null; then
    for p in build-essential cmake pkg-config python3 libsodium-dev \
             libzmq3-dev libczmq-dev liblmdb-dev libjansson-dev \
             libgfshare-dev clang; do
        s_need "$p"
    done
    s_install
    clang_major=$(clang -dumpversion | cut -d. -f1)
    s_need "libclang-rt-$clang_major-dev"
    s_need "llvm-$clang_major"
    s_install
fi
if ! command -v clang >/dev/null; then
    echo "run.sh: clang not found" >&2
    exit 2
fi
symbolizer=$(command -v llvm-symbolizer || true)
for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
    [ -n "$symbolizer" ] || [ ! -x "$s" ] || symbolizer=$s
done
[ -z "$symbolizer" ] || export ASAN_SYMBOLIZER_PATH="$symbolizer"

# --- Build ----------------------------------------------------------------
# Warnings stay on but are not errors here: this build only exists to fuzz,
# and a clang-only warning elsewhere must not stop it (gcc builds keep
# -Werror).
mkdir -p "$build/fuzz/logs"
if ! cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCEPTOAR_FUZZ=ON \
        -DCEPTOAR_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        > "$build/fuzz/logs/configure.log" 2>&1 \
   || ! cmake --build "$build" -j "$(nproc)" --target "${all[@]}" \
        ceptoar-keys > "$build/fuzz/logs/build.log" 2>&1; then
    cat "$build/fuzz/logs/configure.log" "$build/fuzz/logs/build.log" \
        2>/dev/null | tail -40 >&2
    echo "run.sh: build failed (logs in $build/fuzz/logs)" >&2
    exit 2
fi
grep -i "warning:" "$build/fuzz/logs/build.log" | sort -u \
    | sed 's/^/run.sh: /' || true

# --- Seeds ----------------------------------------------------------------
python3 tests/fuzz/make_corpus.py --out "$build/fuzz/corpus" \
    --keys-tool "$build/tools/ceptoar-keys" || exit 2

# --- Fuzz -----------------------------------------------------------------
s_max_len () {
    case $1 in
        fuzz_entry) echo 16384 ;;                 # stub <= 2236 + payload
        fuzz_payload) echo 8192 ;;                # every limit fits in 7.3K
        fuzz_sealed) echo 16384 ;;                # 65 slots are 7280 bytes
        fuzz_card) echo 4608 ;;                   # cards are <= 4096
        fuzz_roster) echo 262144 ;;               # the limits seed is 130K
        fuzz_keyfile) echo 1536 ;;                # key files are <= 1024
        fuzz_sigfile) echo 1024 ;;                # about 360 bytes
        fuzz_notice) echo 4608 ;;                 # notices are <= 4096
        fuzz_receipt) echo 8192 ;;                # ~100 receipt lines
        fuzz_wire) echo 65536 ;;                  # ENTRIES batches
        fuzz_share) echo 4096 ;;                  # 7 shares of 562 bytes
        fuzz_transcript) echo 16384 ;;            # records of ~600 bytes
        fuzz_config) echo 8192 ;;                 # init writes ~600 bytes
        fuzz_status) echo 4096 ;;                 # a few lines of text
    esac
}

s_fuzz () {
    local h=$1
    local crashes="$build/fuzz/crashes/$h"
    local log="$build/fuzz/logs/$h.log"
    mkdir -p "$crashes" "$build/fuzz/corpus/$h"
    touch "$build/fuzz/logs/$h.start"
    local seeds=("$build/fuzz/corpus/$h")
    [ -d "tests/fuzz/regressions/$h" ] && seeds+=("tests/fuzz/regressions/$h")
    local extra=()
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && extra=(-fork=1 -ignore_crashes=1
                                             -ignore_timeouts=1
                                             -ignore_ooms=1)
    # A harness without a dictionary runs without one (libFuzzer refuses
    # a missing or empty -dict file).
    [ -s "$build/fuzz/corpus/$h.dict" ] && \
        extra+=(-dict="$build/fuzz/corpus/$h.dict")
    local rc=0
    "$build/tests/fuzz/$h" -max_total_time="$budget" -timeout=10 \
        -rss_limit_mb=2048 -max_len="$(s_max_len "$h")" \
        -print_final_stats=1 \
        -artifact_prefix="$crashes/" "${extra[@]}" "${seeds[@]}" \
        > "$log" 2>&1 || rc=$?
    local found
    found=$(find "$crashes" -type f -newer "$build/fuzz/logs/$h.start" \
            | wc -l)
    local stats
    stats=$(grep -E "^#[0-9]+.*(DONE|cov:)" "$log" | tail -1 || true)
    [ -n "$stats" ] || stats=$(grep -E "cov: [0-9]+" "$log" | tail -1 || true)
    if [ "$rc" != 0 ] || [ "$found" -gt 0 ]; then
        echo "run.sh: $h: CRASH (exit $rc, $found new file(s) in $crashes;" \
             "log $log)"
        grep -m1 -E "property [a-z-]+ violated|ERROR: |runtime error" \
            "$log" | sed 's/^/run.sh:   /' || true
        return 1
    fi
    echo "run.sh: $h: ok ($stats)"
}

echo "run.sh: fuzzing ${harnesses[*]} for ${budget}s each, $jobs at a time"
failed=0
running=0
for h in "${harnesses[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    s_fuzz "$h" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
if [ "$failed" != 0 ]; then
    echo "run.sh: a harness crashed: minimise with" \
         "'$build/tests/fuzz/HARNESS -minimize_crash=1 -runs=100000 FILE'" >&2
    exit 1
fi
echo "run.sh: no crash"
