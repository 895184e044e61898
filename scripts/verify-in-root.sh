#!/usr/bin/env bash
# Builds lab inside a fresh Debian root (debootstrap SUITE, Debian's own -dev packages, this machine's
# Swift toolchain and Swift package mirror bind-mounted in) and runs `lab verify` there on each notebook:
# the committed reports must reproduce bit for bit on that Debian release too.
#
#   sudo bash scripts/verify-in-root.sh trixie                     # Debian 13, reports/results
#   sudo bash scripts/verify-in-root.sh trixie results next-steps  # both notebooks
#   LAB_ROOT=/var/tmp/trixie bash scripts/verify-in-root.sh trixie # keep the root there (reused next time)
#
# Needs root (debootstrap, chroot, mount) and Debian's package servers. The root is kept for the next run
# (about 3 minutes to make, 700 MB); the repository is cloned into it fresh each time, at HEAD.
set -euo pipefail
suite=${1:-trixie}
shift || true
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(results)
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${LAB_ROOT:-/var/tmp/lab-root-$suite}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "verify-in-root.sh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
swift_bin=$(command -v swift) || { echo "verify-in-root.sh: no swift on PATH" >&2; exit 2; }
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_bin")")")") # .../usr/bin/swift-driver -> prefix
# The Swift package mirror, if git rewrites github.com to a local folder (as on our machines).
packages=$(git config --get-regexp '^url\..*\.insteadof$' 'https://github.com/' 2>/dev/null | head -1 | sed -E 's/^url\.(.*)\.insteadof .*/\1/' || true)

debs=ca-certificates,pkg-config,libsndfile1-dev,libfftw3-dev,libpng-dev,zlib1g-dev,libsoxr-dev,libfreetype-dev
debs=$debs,fonts-dejavu-core,git,make,gcc,g++,libc6-dev,python3,libxml2,libsqlite3-0,libncurses6,binutils,libedit2
case $suite in
  bookworm) debs=$debs,libcurl4,libstdc++-12-dev ;;
  *) debs=$debs,libcurl4t64,libstdc++-14-dev ;;
esac

if [ ! -e "$root/.lab-root-complete" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
  rm -rf --one-file-system "$root"
  echo "making a Debian $suite root in $root (a few minutes)"
  debootstrap --variant=minbase --include="$debs" "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  touch "$root/.lab-root-complete"
fi

mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$root$2"; mount --bind "$1" "$root$2"; mounts+=("$root$2"); }
mkdir -p "$root/proc"
mount -t proc proc "$root/proc"; mounts+=("$root/proc")
bind /dev /dev
bind "$toolchain" "$toolchain" # at the same path: nothing inside it needs to move
if [ -n "$packages" ]; then bind "$packages" "$packages"; fi

rm -rf "$root/src"
git clone -q "$repo" "$root/src"
echo "$(grep PRETTY_NAME "$root/etc/os-release" | cut -d'"' -f2), glibc $(chroot "$root" ldd --version | head -1 | awk '{print $NF}')"
chroot "$root" /usr/bin/env -i HOME=/root PATH="$toolchain/usr/bin:/usr/bin:/bin" LANG=C.UTF-8 \
  LAB_PACKAGES="$packages" NOTEBOOKS="${notebooks[*]}" /bin/bash -ec '
  if [ -n "$LAB_PACKAGES" ]; then git config --global url."$LAB_PACKAGES".insteadOf https://github.com/; fi
  cd /src
  swift build -c release --product lab 2>&1 | tail -1
  for n in $NOTEBOOKS; do
    echo "lab verify $n"
    .build/release/lab verify "$n" --quiet
  done'
