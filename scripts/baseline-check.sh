#!/usr/bin/env bash
# The strongest check one machine can make that neither the SIMD width nor the CPU changes a bit:
# build lab twice, for x86-64-v3 and for the SSE2 baseline (4-lane vectors, FMA through glibc's
# fmaf, which IEEE 754 rounds the same way), run the same notebook on three kernel paths (the v3
# build with LAB_KERNELS=avx2, 8 lanes; with LAB_KERNELS=avx512, 16 lanes, when the CPU has
# AVX-512; the baseline build), and require the results.json to be the same bytes once the block
# that describes the machine and build is set aside. Usage: bash scripts/baseline-check.sh [NOTEBOOK]
set -euo pipefail
cd "$(dirname "$0")/.."
notebook=${1:-scripts/baseline-check.lab.md}
swift build -c release --product lab --manifest-cache none
# SwiftPM caches the evaluated manifest without regard to the environment: evaluate it afresh.
LAB_BASELINE=1 swift build -c release --product lab --build-path .build/baseline --manifest-cache none
v3=$PWD/.build/release/lab
base=$PWD/.build/baseline/release/lab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # leg-name binary expected-build-description kernel-path
    # Each build in its own workspace: it synthesises the audio and computes the features itself.
    local start=$SECONDS dir="$work/$1"
    mkdir -p "$dir/reports"
    cp "$notebook" "$dir/reports/check.lab.md"
    (cd "$dir" && LAB_KERNELS=$4 "$2" reproduce reports/check.lab.md --quiet >/dev/null)
    grep -q "\"build\" : \"$3" "$dir/reports/check.json" || { echo "the $1 binary does not describe itself as $3"; exit 1; }
    grep -q "\"kernels\" : \"$4\"" "$dir/reports/check.json" || { echo "the $1 leg did not record kernels $4"; exit 1; }
    # Everything but the top-level "machine" and "engine" blocks, which name the build and so must differ.
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d.pop("machine"); d.pop("engine", None); print(json.dumps(d, indent=1, sort_keys=True))' \
        "$dir/reports/check.json" >"$work/$1.json"
    echo "$1 build ran the notebook in $((SECONDS - start)) s"
}
legs=(avx2 baseline)
run avx2 "$v3" "x86-64-v3" avx2
if grep -qw avx512f /proc/cpuinfo; then
    run avx512 "$v3" "x86-64-v3" avx512
    legs+=(avx512)
else
    echo "avx512 leg skipped: this CPU has no AVX-512F"
fi
run baseline "$base" "x86-64 baseline" sse2
cd "$work"
for leg in "${legs[@]:1}"; do
    if ! cmp -s avx2.json "$leg.json"; then
        echo "baseline-check: FAILED, the avx2 and $leg legs differ:"
        diff avx2.json "$leg.json" | head -20
        exit 1
    fi
done
echo "baseline-check: results.json identical on ${legs[*]} ($(grep -c . baseline.json) lines: every number, history and figure hash; machine and engine blocks aside)"
