#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# run.sh: install what is needed, build, and run every test with ctest,
# twice: the normal build (with a 10-second run of each libFuzzer
# harness, test fuzz_smoke, and clang-tidy and cppcheck over every C
# file, test static_analysis), then a build with AddressSanitizer (leaks
# checked) and UndefinedBehaviorSanitizer. The README's test command;
# .ci/run calls it. CEPTOAR_SANITIZERS=0 skips the second pass (quick local
# runs only: CI always runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== pass 1: normal build (and every fuzzing harness for a short run," \
     "and the static analysis)"
bash tools/setup.sh build -DCEPTOAR_FUZZ_SMOKE=ON -DCEPTOAR_STATIC_ANALYSIS=ON
(cd build && ctest --output-on-failure --no-tests=error -j "$jobs")

if [ "${CEPTOAR_SANITIZERS:-1}" = 0 ]; then
    echo "== pass 2 skipped (CEPTOAR_SANITIZERS=0)"
    exit 0
fi
echo "== pass 2: AddressSanitizer + UndefinedBehaviorSanitizer"
bash tools/setup.sh build-asan -DCEPTOAR_ASAN=ON -DCEPTOAR_UBSAN=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan
ctest --output-on-failure --no-tests=error -j "$jobs"
