#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# setup.sh: install the Debian packages the project needs (if missing) and
# build it. Usage: tools/setup.sh [BUILD_DIR] [CMAKE_OPTION...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

packages=(build-essential cmake pkg-config python3 procps strace faketime
          iproute2 libsodium-dev libzmq3-dev libczmq-dev liblmdb-dev
          libjansson-dev libgfshare-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: run this as root (or sudo), or install them first" >&2
        exit 2
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
if ! cmake --build "$build_dir" -j "$(nproc)" > "$build_dir/build.log" 2>&1
then
    cat "$build_dir/build.log" >&2
    echo "setup: build failed" >&2
    exit 2
fi
echo "setup: built in $build_dir"
