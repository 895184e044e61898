#!/bin/bash
# Builds a collection of real recordings, one folder per class, from Debian's game-soundtrack
# packages (nothing of it is committed): each class is one soundtrack, each clip an excerpt of one
# track, mono 22050 Hz WAV. Tracks shorter than 30 s are left out.
#
# Two sets:
#   SET=small (the default): 3 soundtracks, 80 tracks, one 30-s excerpt from the middle of each,
#     so a split by clip is a split by track (docs/augmentation.md, bench/real-music.lab.md).
#   SET=ten: 10 soundtracks, 313 tracks; with EXCERPTS=3 EXCERPT_SECONDS=10, three 10-s excerpts per
#     track (docs/recipe.md, bench/recipe.lab.md). A split must then keep a track's excerpts
#     together: `split: {group_by: "^[^/]+/(.+?)(__[0-9]+)?\.wav$"}`.
#
#   class        package               music                               licence (see the
#   wesnoth      wesnoth-1.16-music    orchestral                          package's copyright)
#   drascula     drascula-music        adventure-game score                freeware
#   hyperrogue   hyperrogue-music      ambient / electronic                CC BY-SA and others
#   supertux     supertux-data         platformer chiptune / pop           GPL / CC BY-SA
#   supertuxkart supertuxkart-data     racing: rock, electronic, pop       CC BY-SA and others
#   widelands    widelands-data        strategy: orchestral, folk          GPL-2+
#   hedgewars    hedgewars-data        comedy game: themed loops           GPL-2 / CC
#   naev         naev-data             space opera: synth, orchestral      GPL-3+ / CC
#   warzone2100  warzone2100-music     strategy: electronic, rock (Opus)   GPL-2+ / CC
#   freedroidrpg freedroidrpg-data     RPG: electronic, ambient            GPL-2+
#
# Usage: bash scripts/real-music-collection.sh DEST
#        SET=ten EXCERPTS=3 EXCERPT_SECONDS=10 bash scripts/real-music-collection.sh DEST
# EXCERPTS=n cuts each track into n equal parts (fewer if the track is short) and takes EXCERPT_SECONDS
# from the middle of each: NAME.wav, NAME__2.wav, ... NAME__n.wav.
# Needs: apt-get (to download the packages; nothing is installed), sox (apt-get install sox
# libsox-fmt-all) and, for the Opus tracks of SET=ten, opusdec (apt-get install opus-tools).
set -euo pipefail
dest=${1:?usage: bash scripts/real-music-collection.sh DEST}
set_name=${SET:-small}
excerpts=${EXCERPTS:-1}
seconds=${EXCERPT_SECONDS:-30}
command -v sox >/dev/null || { echo "needs sox: apt-get install sox libsox-fmt-all" >&2; exit 1; }
# class  package  folder inside the package that holds its music
small="wesnoth wesnoth-1.16-music /core/music/
drascula drascula-music /drascula/audio/
hyperrogue hyperrogue-music /hyperrogue/music/"
ten="$small
supertux supertux-data /supertux2/music/
supertuxkart supertuxkart-data /data/music/
widelands widelands-data /data/music/
hedgewars hedgewars-data /Data/Music/
naev naev-data /dat/snd/music/
warzone2100 warzone2100-music /warzone2100/music/
freedroidrpg freedroidrpg-data /sound/music/"
case "$set_name" in
  small) list=$small ;;
  ten) list=$ten; command -v opusdec >/dev/null || { echo "SET=ten needs opusdec: apt-get install opus-tools" >&2; exit 1; } ;;
  *) echo "SET must be small or ten, got '$set_name'" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
while read -r class package folder; do
  (cd "$work" && apt-get download -q "$package" 2>&1 | grep -v "unsandboxed" || true)
  dpkg-deb --fsys-tarfile "$work/$package"_*.deb | tar -x -C "$work" --wildcards '*.ogg' '*.mp3' '*.opus' 2>/dev/null || true
  rm -f "$work/$package"_*.deb
  mkdir -p "$dest/$class"
  count=0
  tracks=0
  while IFS= read -r track; do
    if [[ "$track" == *.opus ]]; then   # sox has no Opus reader: decode to WAV first
      opusdec --quiet "$track" "$work/decoded.wav"
      source_file="$work/decoded.wav"
    else
      source_file=$track
    fi
    duration=$(soxi -D "$source_file")
    if awk -v d="$duration" 'BEGIN { exit !(d < 30) }'; then continue; fi
    # Subfolders (supertux's forest/, antarctic/, ...) become part of the name, so none collide.
    relative=${track#*"$folder"}
    name=$(echo "${relative%.*}" | tr '/ ' '--')
    n=$(awk -v d="$duration" -v e="$excerpts" -v s="$seconds" 'BEGIN { n = int(d / s); print (n < e ? n : e) }')
    for k in $(seq 1 "$n"); do
      # k of n excerpts: the track cut into n equal parts, EXCERPT_SECONDS from the middle of part k.
      start=$(awk -v d="$duration" -v n="$n" -v k="$k" -v s="$seconds" 'BEGIN { printf "%.3f", d * (k - 0.5) / n - s / 2 }')
      suffix=$([ "$k" = 1 ] && echo "" || echo "__$k")
      sox -q -G "$source_file" -r 22050 -c 1 -b 16 "$dest/$class/$name$suffix.wav" trim "$start" "$seconds"
      count=$((count + 1))
    done
    tracks=$((tracks + 1))
  done < <(find "$work" -type f \( -name '*.ogg' -o -name '*.mp3' -o -name '*.opus' \) -path "*$folder*" | LC_ALL=C sort)
  rm -rf "${work:?}/usr"
  echo "$class: $count clips from $tracks tracks of $package"
done <<< "$list"
