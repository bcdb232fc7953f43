#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# run.sh: install what is needed, build, and run every test with ctest.
# Usage: tests/run.sh   (the README's test command; .ci/run calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
cd build
ctest --output-on-failure --no-tests=error -j "$(nproc)"
