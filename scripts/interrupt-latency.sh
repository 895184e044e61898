#!/usr/bin/env bash
# How long `lab reproduce` takes to stop after Ctrl-C (SIGINT) in each phase: built-in data synthesis,
# feature extraction, training. Runs the study's notebook in a fresh temporary workspace per phase,
# sends SIGINT once the phase is under way, and prints the time from the signal to the process's
# exit, then checks the run is marked interrupted. Usage: bash scripts/interrupt-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
lab="$PWD/.build/release/lab"
[ -x "$lab" ] || { echo "build first: swift build -c release --product lab" >&2; exit 1; }
grep -m1 "model name" /proc/cpuinfo

measure() { # phase, condition (a shell test run in the workspace)
    local phase=$1 condition=$2 ws
    ws=$(mktemp -d)
    mkdir -p "$ws/reports" && cp reports/results.lab.md "$ws/reports/"
    if [ "$phase" != synthesis ]; then cp -r target/data "$ws/target-data" 2>/dev/null || true; mkdir -p "$ws/target"; mv "$ws/target-data" "$ws/target/data" 2>/dev/null || true; fi
    (cd "$ws" && exec "$lab" reproduce results --quiet 2>/dev/null) &
    local pid=$!
    until (cd "$ws" && eval "$condition"); do
        kill -0 $pid 2>/dev/null || { echo "$phase: finished before the signal"; return; }
        sleep 0.05
    done
    local t0; t0=$(date +%s%N)
    kill -INT $pid
    wait $pid || true
    local t1; t1=$(date +%s%N)
    local status; status=$(grep -ho '"status" : "[a-z]*"' "$ws"/target/1*/manifest.json | tail -1)
    printf '%-10s stopped %4d ms after SIGINT; run %s\n' "$phase" $(((t1 - t0) / 1000000)) "$status"
    rm -rf "$ws"
}

measure synthesis 'ls -d target/data/builtin-* >/dev/null 2>&1 && [ "$(find target/data -name "*.au" | wc -l)" -gt 20 ]'
measure features  '[ "$(find target/cache -type f 2>/dev/null | wc -l)" -gt 20 ]'
measure training  'ls target/1*/checkpoint.safetensors >/dev/null 2>&1'
