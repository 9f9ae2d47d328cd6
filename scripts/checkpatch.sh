#!/bin/bash
# checkpatch.pl --strict on the driver, from Debian's linux-source-6.1
# (fetched once with apt-get download and cached). Findings listed in
# scripts/checkpatch.allow (file, type and the line's text) are dropped;
# any other finding, or an entry of that list that matches none, fails.
# OVPN_DCO_CHECKPATCH_SRC: the directory of .c/.h files to check (default
# kernel/), with its selftest/ subdirectory. Extra args go to checkpatch.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${OVPN_DCO_DOWNLOADS:-${OVPN_DCO_CACHE:-/var/lib/ovpn-dco}}/checkpatch
SRC=${OVPN_DCO_CHECKPATCH_SRC:-$REPO/kernel}
# --no-tree leaves --root unset, and --strict's CamelCase check would then
# search /include: an empty tree of our own keeps it quiet (no kernel
# headers seeded, as before)
tmp=
root=$(mktemp -d)
trap 'rm -rf "$root" ${tmp:+"$tmp"}' EXIT
mkdir "$root/include"
if [ ! -x "$CACHE/scripts/checkpatch.pl" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && { apt-get download -q linux-source-6.1 >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get download -q linux-source-6.1 >/dev/null; }; })
	dpkg -x "$tmp"/linux-source-6.1_*.deb "$tmp/deb"
	tar -xf "$tmp"/deb/usr/src/linux-source-6.1.tar.xz -C "$tmp" \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	mkdir -p "$CACHE"
	rm -rf "$CACHE/scripts"
	mv "$tmp/linux-source-6.1/scripts" "$CACHE/"
fi
cd "$SRC"
shopt -s nullglob
files=(./*.c ./*.h ./selftest/*.c ./selftest/*.h)
# checkpatch's own status says only "something was found": judge its findings
status=0
out=$("$CACHE/scripts/checkpatch.pl" --strict --no-tree --root "$root" --terse --show-types "$@" -f "${files[@]}") || status=$?
if [ "$status" -gt 1 ]; then
	printf 'checkpatch.sh: checkpatch.pl failed (exit %s):\n%s\n' "$status" "$out" >&2
	exit 2
fi
# not exec: the EXIT trap removes the temporary directories
PYTHONPATH=$REPO python3 -m pyharness.checkpatch "$REPO/scripts/checkpatch.allow" "$SRC" <<<"$out"
