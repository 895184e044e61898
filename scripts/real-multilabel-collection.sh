#!/bin/bash
# Builds a multi-label collection of real recordings from a class-per-folder one (as
# scripts/real-music-collection.sh writes it; nothing of it is committed): every clip of SRC is kept
# as it is, tagged with its one soundtrack, and MIXES further clips each mix two excerpts of two
# different soundtracks at random gains, tagged with both. The tags are then known exactly: a
# soundtrack's tag means its music is in the clip.
#
# Usage: bash scripts/real-multilabel-collection.sh SRC DEST
#        MIXES=200 SEED=1 bash scripts/real-multilabel-collection.sh /tmp/soundtracks /tmp/soundtracks-mixed
# Writes DEST/audio/single/CLASS/NAME.wav, DEST/audio/mix/mix_NNNN.wav and DEST/labels.csv (`path,labels`,
# paths relative to DEST, tags separated by `;`), which `lab data check DEST --labels DEST/labels.csv` reads.
# The same SRC, MIXES and SEED give the same plan (awk's srand) and the same files (sox, no dither).
# Needs: sox (apt-get install sox libsox-fmt-all).
set -euo pipefail
src=${1:?usage: bash scripts/real-multilabel-collection.sh SRC DEST}
dest=${2:?usage: bash scripts/real-multilabel-collection.sh SRC DEST}
mixes=${MIXES:-200}
seed=${SEED:-1}
command -v sox >/dev/null || { echo "needs sox: apt-get install sox libsox-fmt-all" >&2; exit 1; }
mkdir -p "$dest/audio/single" "$dest/audio/mix"
list=$(mktemp)
trap 'rm -f "$list"' EXIT
(cd "$src" && find . -mindepth 2 -maxdepth 2 -name '*.wav' | sed 's|^\./||' | LC_ALL=C sort) > "$list"
[ -s "$list" ] || { echo "$src: no CLASS/*.wav clips" >&2; exit 1; }
echo "path,labels" > "$dest/labels.csv"
while IFS= read -r rel; do
  class=${rel%%/*}
  mkdir -p "$dest/audio/single/$class"
  cp "$src/$rel" "$dest/audio/single/$rel"
  echo "audio/single/$rel,$class" >> "$dest/labels.csv"
done < "$list"
# The plan: for each mix, two clips of different classes and a gain for each, from awk's seeded generator.
awk -v n="$mixes" -v seed="$seed" '
  { path[NR] = $0; split($0, p, "/"); class[NR] = p[1] }
  END {
    srand(seed)
    for (m = 0; m < n; m++) {
      do { a = 1 + int(rand() * NR); b = 1 + int(rand() * NR) } while (class[a] == class[b])
      ga = 0.3 + 0.4 * rand(); gb = 0.3 + 0.4 * rand()
      printf "%04d %s %s %.3f %.3f %s %s\n", m, path[a], path[b], ga, gb, class[a], class[b]
    }
  }' "$list" | while read -r m a b ga gb ca cb; do
  sox -D -m -v "$ga" "$src/$a" -v "$gb" "$src/$b" "$dest/audio/mix/mix_$m.wav"
  tags=$(printf '%s\n%s\n' "$ca" "$cb" | LC_ALL=C sort | paste -sd';')
  echo "audio/mix/mix_$m.wav,$tags" >> "$dest/labels.csv"
done
echo "$(($(wc -l < "$dest/labels.csv") - 1)) clips in $dest ($(wc -l < "$list") single, $mixes mixed); labels in $dest/labels.csv"
