#!/usr/bin/env bash
# Does the FFTW build change lab's features? Runs `lab features` on one clip of the built-in collection
# with the system's libfftw3f and with each other build given (a folder holding a libfftw3f.so.3), for
# each lab binary given, and prints the plan FFTW chose and the SHA-256 of the log-mel matrix.
#
#   bash bench/fftw-builds.sh "/tmp/fftw-avx/lib /tmp/fftw335" .build/release/lab /tmp/lab-old
#
# Building a second FFTW the way another distribution does (here: Debian's 3.3.10 source with
# --enable-avx2 --enable-avx512, as Fedora and Arch enable AVX2 with FMA):
#   apt-get source fftw3 && cd fftw-3.3.10 && ./configure --enable-float --enable-sse2 --enable-avx \
#     --enable-avx2 --enable-avx512 --enable-shared --prefix=/tmp/fftw-avx && make -j2 && make install
# pyFFTW's wheel carries FFTW 3.3.5 (`pip download pyfftw`, then link its libfftw3f-*.so.3.5.5 as
# libfftw3f.so.3 in a folder of its own).
set -euo pipefail
builds=$1
shift
clip=$(find target/data -name '*.au' | sort | head -1)
[ -n "$clip" ] || { echo "no built-in collection under target/data: run make reproduce first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "clip: $clip"
for lab in "$@"; do
  for dir in system $builds; do
    lib=""; [ "$dir" = system ] || lib=$dir
    LD_LIBRARY_PATH=$lib "$lab" features "$clip" --npy "$out/f.npy" >/dev/null
    version=$(LD_LIBRARY_PATH=$lib "$lab" bench features --plan-only 2>/dev/null || echo "(plan not printed by this lab)")
    printf '%-28s %-22s %s  %s\n' "$lab" "$dir" "$(sha256sum "$out/f.npy" | cut -c1-16)" "$version"
  done
done
