#!/usr/bin/env bash
# On a CPU without AVX2 and FMA, lab must refuse to start with one clear line and exit 3, never die of
# an illegal instruction; on a Haswell it must run. The older CPU is emulated by qemu-user (Debian's
# qemu-user), so this runs on any x86-64 machine. Usage: bash scripts/cpu-check.sh [LAB_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${1:-.build/release/lab}
if ! command -v qemu-x86_64 >/dev/null; then
    apt-get install -y -qq qemu-user >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq qemu-user >/dev/null; }
fi
set +e
out=$(qemu-x86_64 -cpu Nehalem "$lab" --version 2>&1)
rc=$?
set -e
if [ "$rc" -ne 3 ] || ! grep -q "needs an x86-64-v3 CPU" <<<"$out"; then
    echo "cpu-check FAILED on an emulated Nehalem (exit $rc): $out"
    exit 1
fi
qemu-x86_64 -cpu Haswell "$lab" --version >/dev/null 2>&1 || { echo "cpu-check FAILED: lab did not run on an emulated Haswell"; exit 1; }
echo "cpu-check: emulated Nehalem refused in one line (exit 3: $(head -1 <<<"$out" | cut -c1-60)...); emulated Haswell runs"
