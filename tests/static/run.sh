#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# run.sh: static analysis of every C file in the tree: clang-tidy with the
# checks in .clang-tidy, then cppcheck with the suppressions in
# tests/static/cppcheck-suppressions.xml. Any finding fails the run.
#
# Usage: tests/static/run.sh [FILE.c...]     (default: every C file)
# Environment:
#   STATIC_BUILD=DIR   work directory (default build-static): a clang
#                      configure of the project, with the fuzz harnesses, for
#                      its compile_commands.json (nothing is compiled), and
#                      the logs, under DIR/static/
#   STATIC_JOBS=N      files analysed at the same time (default: nproc)
#   CLANG_TIDY=PATH    clang-tidy to use (default clang-tidy; .clang-tidy is
#                      written for version 14, Debian 12)
#
# Installs what is missing on Debian (clang-tidy, cppcheck, clang, and the
# project's build dependencies, which the configure step looks for) when
# run as root. ctest runs it as static_analysis when the build was
# configured with -DCEPTOAR_STATIC_ANALYSIS=ON (tests/run.sh, first pass).
# How to suppress a finding that is not a bug: docs/testing.md, "Static
# analysis".
#
# Exit status: 0 clean; 1 findings (listed, with the logs' paths); 2 a
# setup error (missing tool, configure failure, a C file no compile
# command covers).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd -P)
build=${STATIC_BUILD:-build-static}
# Absolute, so that cppcheck names files (and matches --file-filter) the
# same way whichever form STATIC_BUILD has.
build=$(realpath -m "$build")
jobs=${STATIC_JOBS:-$(nproc)}
tidy=${CLANG_TIDY:-clang-tidy}
start=$(date +%s)

# --- Packages -------------------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null; then
    for p in build-essential cmake pkg-config python3 libsodium-dev \
             libzmq3-dev libczmq-dev liblmdb-dev libjansson-dev \
             libgfshare-dev clang clang-tidy cppcheck; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "ok installed" || missing+=("$p")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
        echo "static: missing packages: ${missing[*]} (install them, or run" \
             "as root on Debian)" >&2
        exit 2
    fi
    echo "static: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in "$tidy" cppcheck clang python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "static: $tool not found" >&2
        exit 2
    fi
done
tidy_version=$("$tidy" --version | grep -oE 'version [0-9.]+' | head -1)
cppcheck_version=$(cppcheck --version)

# --- Compile commands -----------------------------------------------------
# clang, so that clang-tidy sees the flags it parses; the fuzz harnesses
# only configure with clang. Configuring is enough: no file is generated.
work="$build/static"
rm -rf "$work"
mkdir -p "$work/tidy"
if ! cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCEPTOAR_FUZZ=ON \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$work/configure.log" 2>&1; then
    cat "$work/configure.log" >&2
    echo "static: configure failed (log in $work/configure.log)" >&2
    exit 2
fi
# One command per file (the fuzz build compiles protocol/ and keys/ a
# second time, instrumented), plus tests/vectors/gen_vectors.c, which is
# built by hand (its header) but is still our code. Every C file must be
# covered: a new one outside the build has to be added here.
python3 - "$build/compile_commands.json" "$work" "$root" "$@" <<'PY' || exit 2
import json, os, sys
src, work, root, only = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
seen, out = set(), []
for cmd in json.load(open(src)):
    path = os.path.realpath(cmd["file"])
    if path not in seen:
        seen.add(path)
        out.append(cmd)
gen = os.path.join(root, "tests/vectors/gen_vectors.c")
base = next(c for c in out if c["file"].endswith("/protocol/proto_crypto.c"))
args = base["command"].split()
args = args[:args.index("-o")] + ["-c", gen]
out.append({"directory": root, "file": gen, "command": " ".join(args)})
seen.add(gen)
tree = set()
for top in ("protocol", "keys", "node", "tools", "tests"):
    for d, _, files in os.walk(os.path.join(root, top)):
        tree.update(os.path.join(d, f) for f in files if f.endswith(".c"))
lost = sorted(os.path.relpath(f, root) for f in tree - seen)
if lost:
    sys.stderr.write("static: no compile command for %s: add it to the "
                     "build, or to tests/static/run.sh\n" % ", ".join(lost))
    sys.exit(1)
files = sorted(os.path.realpath(c["file"]) for c in out)
if only:
    want = set(os.path.realpath(f) for f in only)
    files = [f for f in files if f in want]
    if len(files) != len(want):
        sys.stderr.write("static: not a C file of the build: %s\n"
                         % " ".join(sorted(want - set(files))))
        sys.exit(1)
json.dump(out, open(os.path.join(work, "compile_commands.json"), "w"),
          indent=1)
open(os.path.join(work, "files"), "w").write("\n".join(files) + "\n")
PY
nfiles=$(wc -l < "$work/files")

# --- clang-tidy -------------------------------------------------------------
# One process per file, $jobs at a time; each writes its own log. A
# finding in a header shows up once per file that includes it: the summary
# counts it once.
echo "static: clang-tidy ($tidy_version) on $nfiles files, $jobs at a time"
export tidy work
xargs -a "$work/files" -P "$jobs" -I{} bash -c '
    f=$1
    log="$work/tidy/$(echo "${f#"$PWD"/}" | tr / _).log"
    "$tidy" -p "$work" --quiet "$f" > "$log" 2>&1 || echo "exit $?" >> "$log"
' _ {}
tidy_rc=0
cat "$work"/tidy/*.log \
    | grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): .*\]$|^exit [0-9]+$' \
    | sed -E "s|^$root/||; :a; s|[^/]+/\.\./||; ta" | sort -u \
    > "$work/tidy.txt" \
    || true
tidy_findings=$(grep -c -v '^exit' "$work/tidy.txt" || true)
if [ -s "$work/tidy.txt" ]; then
    tidy_rc=1
    echo "static: clang-tidy findings (details: $work/tidy/*.log):"
    sed 's/^/  /' "$work/tidy.txt"
fi

# --- cppcheck ---------------------------------------------------------------
# information is on for one message: unmatchedSuppression, so that a
# suppression that no longer matches anything fails the run and goes.
# One process: cppcheck 2.10's -j drops the symbolName of XML suppressions
# (and gains little with --project). It is not given the system headers
# (missingIncludeSystem): its own libc and POSIX models stand in for them.
echo "static: $cppcheck_version on the same files"
cppcheck_rc=0
filters=()
for f in "$@"; do
    filters+=("--file-filter=$(realpath "$f")")
done
cppcheck --project="$work/compile_commands.json" \
    ${filters[@]+"${filters[@]}"} \
    --enable=warning,style,performance,portability,information \
    --library=posix --std=c11 --inline-suppr --suppress=missingIncludeSystem \
    --suppress-xml=tests/static/cppcheck-suppressions.xml \
    --error-exitcode=1 --quiet \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    > "$work/cppcheck.log" 2>&1 || cppcheck_rc=$?
# On some files only, a suppression for another file is unmatched: fine.
unmatched='^$'
[ $# -eq 0 ] || unmatched='\[unmatchedSuppression\]$'
grep -E '\[[A-Za-z0-9_]+\]$' "$work/cppcheck.log" | grep -vE "$unmatched" \
    | sed -E "s|^$root/||" | sort -u > "$work/cppcheck.txt" || true
cppcheck_findings=$(wc -l < "$work/cppcheck.txt")
# cppcheck's own errors (no file matched, a bad option) fail the run too.
if grep -q '^cppcheck: error' "$work/cppcheck.log"; then
    grep '^cppcheck: error' "$work/cppcheck.log" >&2
    exit 2
fi
[ $# -eq 0 ] || [ "$cppcheck_findings" -gt 0 ] || cppcheck_rc=0
if [ "$cppcheck_rc" != 0 ] || [ "$cppcheck_findings" -gt 0 ]; then
    echo "static: cppcheck findings (details: $work/cppcheck.log):"
    if [ -s "$work/cppcheck.txt" ]; then
        sed 's/^/  /' "$work/cppcheck.txt"
    else
        sed 's/^/  /' "$work/cppcheck.log"
    fi
    [ "$cppcheck_rc" != 0 ] || cppcheck_rc=1
fi

# --- Summary ----------------------------------------------------------------
took=$(( $(date +%s) - start ))
echo "static: $nfiles files, clang-tidy $tidy_findings finding(s)," \
     "cppcheck $cppcheck_findings finding(s), ${took}s"
if [ "$tidy_rc" != 0 ] || [ "$cppcheck_rc" != 0 ]; then
    echo "static: FAILED: fix each finding, or suppress it where it is with" \
         "the reason (docs/testing.md, \"Static analysis\")" >&2
    exit 1
fi
echo "static: clean"
