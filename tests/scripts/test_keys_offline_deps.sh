#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# test_keys_offline_deps: ceptoar-keys, the offline ceremony tool, links
# neither the network (libzmq, libczmq) nor the store (liblmdb): not
# directly (readelf NEEDED) nor through another library (ldd). The same
# check run on the daemon ceptoard, which needs all three, must find them,
# so that the check itself is known to work.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

command -v ldd >/dev/null \
    || fail "ldd is not installed: cannot check ceptoar-keys' libraries"
command -v readelf >/dev/null \
    || fail "readelf (binutils) is not installed: cannot check NEEDED"
DAEMON="$CEPTOAR_BIN/ceptoard"
for bin in "$KEYS" "$DAEMON"; do
    [ -x "$bin" ] || fail "$bin is not built"
    pass
done
ONLINE_LIBS=(libzmq libczmq liblmdb)

# libs BIN: BIN's shared libraries, one per line, in ldd.BIN (all, as the
# loader resolves them) and needed.BIN (its own NEEDED entries). Both must
# list libc, or the check would pass on an empty list.
libs () {
    local name
    name=$(basename "$1")
    ldd "$1" > "ldd.$name" 2>&1 || { cat "ldd.$name" >&2;
        fail "ldd $1 failed (a static or foreign binary?)"; }
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' \
        > "needed.$name"
    for f in "ldd.$name" "needed.$name"; do
        grep -q 'libc\.so' "$f" || { cat "$f" >&2; fail "$f lists no libc"; }
        pass
    done
}

# online BIN: the online libraries BIN links, one per line, "ldd:" or
# "needed:" first, in $found; empty if it links none.
online () {
    local name lib
    name=$(basename "$1")
    libs "$1"
    for lib in "${ONLINE_LIBS[@]}"; do
        grep -E "(^|[[:space:]/])$lib\.so" "ldd.$name" \
            | sed 's/^[[:space:]]*/ldd: /'
        grep -E "^$lib\.so" "needed.$name" | sed 's/^/needed: /'
    done > "online.$name" || true
    found=$(cat "online.$name")
}

# ceptoar-keys: none of them.
online "$KEYS"
[ -z "$found" ] || fail "ceptoar-keys links online libraries:
$found"
pass
grep -q libsodium ldd.ceptoar-keys || fail "ceptoar-keys without libsodium?"
pass

# ceptoard: every one, directly and as loaded: the check can fail.
online "$DAEMON"
[ -n "$found" ] || fail "the check finds no online library in ceptoard"
pass
for lib in "${ONLINE_LIBS[@]}"; do
    for how in ldd needed; do
        echo "$found" | grep -q "^$how: $lib\.so" \
            || fail "the check misses $lib in ceptoard ($how): $found"
        pass
    done
done
finish
