#!/bin/bash
# Builds a small collection of real recordings, one folder per class, from Debian's game-soundtrack
# packages (nothing of it is committed): each class is one soundtrack, each clip a 30-s excerpt
# from the middle of one track (tracks shorter than 30 s are left out), mono 22050 Hz WAV. One
# excerpt per track, so a split by clip is a split by track: no test track is heard in training.
#
#   wesnoth     wesnoth-1.16-music   orchestral (GPL-2+)
#   drascula    drascula-music       adventure-game score (freeware, as packaged by Debian)
#   hyperrogue  hyperrogue-music     ambient / electronic (CC BY-SA and others, see its copyright)
#
# Usage: bash scripts/real-music-collection.sh DEST
#        EXCERPTS=2 bash scripts/real-music-collection.sh DEST   # up to 2 excerpts per track, evenly
#          spaced (NAME.wav, NAME__2.wav, ...): more clips, but a split must then keep a track's
#          excerpts together (split by track, not by clip)
# Needs: apt-get (to download the packages; nothing is installed) and sox (apt-get install sox
# libsox-fmt-all).
set -euo pipefail
dest=${1:?usage: bash scripts/real-music-collection.sh DEST}
command -v sox >/dev/null || { echo "needs sox: apt-get install sox libsox-fmt-all" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A package=([wesnoth]=wesnoth-1.16-music [drascula]=drascula-music [hyperrogue]=hyperrogue-music)
declare -A folder=([wesnoth]=/core/music/ [drascula]=/drascula/audio/ [hyperrogue]=/hyperrogue/music/)
for class in wesnoth drascula hyperrogue; do
  (cd "$work" && apt-get download -q "${package[$class]}" 2>&1 | grep -v "unsandboxed" || true)
  dpkg-deb -x "$work/${package[$class]}"_*.deb "$work/$class"
  mkdir -p "$dest/$class"
  count=0
  while IFS= read -r track; do
    seconds=$(soxi -D "$track")
    if awk -v d="$seconds" 'BEGIN { exit !(d < 30) }'; then continue; fi
    name=$(basename "${track%.*}")
    excerpts=${EXCERPTS:-1}
    if [ "$excerpts" = 1 ]; then
      start=$(awk -v d="$seconds" 'BEGIN { printf "%.3f", d / 2 - 15 }')
      sox -q -G "$track" -r 22050 -c 1 -b 16 "$dest/$class/$name.wav" trim "$start" 30
      count=$((count + 1))
    else
      # k of n excerpts: the track cut into n equal parts, 30 s from the middle of part k.
      n=$(awk -v d="$seconds" -v e="$excerpts" 'BEGIN { n = int(d / 30); print (n < e ? n : e) }')
      for k in $(seq 1 "$n"); do
        start=$(awk -v d="$seconds" -v n="$n" -v k="$k" 'BEGIN { printf "%.3f", d * (k - 0.5) / n - 15 }')
        suffix=$([ "$k" = 1 ] && echo "" || echo "__$k")
        sox -q -G "$track" -r 22050 -c 1 -b 16 "$dest/$class/$name$suffix.wav" trim "$start" 30
        count=$((count + 1))
      done
    fi
  done < <(find "$work/$class" -type f \( -name '*.ogg' -o -name '*.mp3' \) -path "*${folder[$class]}*" | LC_ALL=C sort)
  echo "$class: $count clips from ${package[$class]}"
done
