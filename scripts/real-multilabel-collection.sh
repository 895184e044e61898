#!/bin/bash
# Builds a multi-label collection of real recordings from a class-per-folder one (as
# scripts/real-music-collection.sh writes it; nothing of it is committed): every clip of SRC is kept
# as it is, tagged with its one soundtrack, and MIXES further clips each mix two excerpts of two
# different soundtracks at random gains, tagged with both. The tags are then known exactly: a
# soundtrack's tag means its music is in the clip.
#
# Usage: bash scripts/real-multilabel-collection.sh SRC DEST
#        MIXES=200 SEED=1 bash scripts/real-multilabel-collection.sh /tmp/soundtracks /tmp/soundtracks-mixed
# Writes DEST/audio/single/CLASS/NAME.wav, DEST/audio/mix/mix_NNNN.wav and DEST/labels.csv (`path,labels,split`,
# paths relative to DEST, tags separated by `;`, each clip's split: `split: metadata` follows it),
# which `lab data check DEST --labels DEST/labels.csv` reads.
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
(cd "$src" && find . -mindepth 2 -maxdepth 2 -name '*.wav' | sed 's|^\./||' | LC_ALL=C sort) > "$list"
[ -s "$list" ] || { echo "$src: no CLASS/*.wav clips" >&2; exit 1; }
# The plan, from awk's seeded generator: each single excerpt's split (per class, shuffled, 60% train,
# 20% validation, the rest test), then each mix's two excerpts, of different classes and one split,
# and a gain for each (the split drawn 60/20/20 first). A mix and its sources are in one split, so no test clip shares audio with a
# training clip.
plan=$(mktemp)
trap 'rm -f "$list" "$plan"' EXIT
awk -v n="$mixes" -v seed="$seed" '
  { path[NR] = $0; split($0, p, "/"); class[NR] = p[1]; members[p[1]] = members[p[1]] " " NR }
  END {
    srand(seed)
    for (c in members) order[++classes] = c
    # awk gives no order over keys: sort the class names so the plan does not depend on it.
    for (i = 1; i <= classes; i++) for (j = i + 1; j <= classes; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (i = 1; i <= classes; i++) {
      k = split(substr(members[order[i]], 2), ids, " ")
      for (a = k; a > 1; a--) { b = 1 + int(rand() * a); t = ids[a]; ids[a] = ids[b]; ids[b] = t }
      for (a = 1; a <= k; a++) part[ids[a]] = (a <= 0.6 * k) ? "train" : (a <= 0.8 * k) ? "validation" : "test"
    }
    for (i = 1; i <= NR; i++) printf "single %s %s %s\n", path[i], class[i], part[i]
    for (m = 0; m < n; m++) {
      r = rand(); want = r < 0.6 ? "train" : r < 0.8 ? "validation" : "test"
      do { a = 1 + int(rand() * NR); b = 1 + int(rand() * NR) } while (class[a] == class[b] || part[a] != want || part[b] != want)
      ga = 0.3 + 0.4 * rand(); gb = 0.3 + 0.4 * rand()
      printf "mix %04d %s %s %.3f %.3f %s %s %s\n", m, path[a], path[b], ga, gb, class[a], class[b], part[a]
    }
  }' "$list" > "$plan"
echo "path,labels,split" > "$dest/labels.csv"
while read -r kind rest; do
  if [ "$kind" = single ]; then
    read -r rel class part <<< "$rest"
    mkdir -p "$dest/audio/single/$class"
    cp "$src/$rel" "$dest/audio/single/$rel"
    echo "audio/single/$rel,$class,$part" >> "$dest/labels.csv"
  else
    read -r m a b ga gb ca cb part <<< "$rest"
    sox -D -m -v "$ga" "$src/$a" -v "$gb" "$src/$b" "$dest/audio/mix/mix_$m.wav"
    tags=$(printf '%s\n%s\n' "$ca" "$cb" | LC_ALL=C sort | paste -sd';')
    echo "audio/mix/mix_$m.wav,$tags,$part" >> "$dest/labels.csv"
  fi
done < "$plan"
echo "$(($(wc -l < "$dest/labels.csv") - 1)) clips in $dest ($(wc -l < "$list") single, $mixes mixed); labels in $dest/labels.csv"
