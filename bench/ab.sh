#!/usr/bin/env bash
# lab and its Keras peer in turn, A B A B ..., on the same machine in the same minutes; prints each
# program's own rates and its peak memory (/usr/bin/time -v). Usage:
#   bash bench/ab.sh [PAIRS] [PYTHON]      e.g. bash bench/ab.sh 3 /tmp/kvenv/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
python=${2:-python3}
grep -m1 "model name" /proc/cpuinfo
for i in $(seq "$pairs"); do
    echo "== pair $i"
    /usr/bin/time -v .build/release/lab bench train 2>/tmp/ab-time.txt | grep -E "^(training|inference):"
    echo "lab peak memory: $(awk '/Maximum resident/ {print int($6/1024)}' /tmp/ab-time.txt) MiB"
    /usr/bin/time -v "$python" bench/keras_speed.py 2>/tmp/ab-time.txt | grep -E "^keras (train|inference)"
    echo "keras peak memory: $(awk '/Maximum resident/ {print int($6/1024)}' /tmp/ab-time.txt) MiB"
done
