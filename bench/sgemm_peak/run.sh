#!/usr/bin/env bash
# This machine's SGEMM peak through OpenBLAS, for BENCHMARKS.md only (never lab's or CI's dependency).
# Debian 12's OpenBLAS 0.3.21 does not recognise recent CPUs (Sapphire/Emerald Rapids, Zen 4/5) and
# falls back to an old kernel, so it is forced to the one the CPU can run: SkylakeX (AVX-512) when
# the CPU has AVX-512F, else Haswell (AVX2). Usage: bash bench/sgemm_peak/run.sh [N] [REPEATS] [THREADS]
#   needs: apt-get install libopenblas-dev
set -euo pipefail
cd "$(dirname "$0")"
out=${TMPDIR:-/tmp}/sgemm_peak
cc -O2 -o "$out" sgemm_peak.c -I/usr/include/x86_64-linux-gnu -lopenblas
grep -m1 "model name" /proc/cpuinfo
if grep -qw avx512f /proc/cpuinfo; then core=SkylakeX; else core=Haswell; fi
OPENBLAS_CORETYPE=$core "$out" "$@"
# Also the AVX2 kernel on an AVX-512 CPU: the yardstick for lab's avx2 path.
if [ "$core" = SkylakeX ]; then OPENBLAS_CORETYPE=Haswell "$out" "$@"; fi
