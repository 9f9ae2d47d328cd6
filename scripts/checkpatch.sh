#!/bin/bash
# checkpatch.pl --strict on the driver, from Debian's linux-source-6.1
# (fetched once with apt-get download and cached). Extra args go to checkpatch.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${OVPN_DCO_CACHE:-/var/lib/ovpn-dco}/checkpatch
if [ ! -x "$CACHE/scripts/checkpatch.pl" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
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
cd "$REPO/kernel"
exec "$CACHE/scripts/checkpatch.pl" --strict --no-tree --terse --show-types "$@" -f ./*.c ./*.h
