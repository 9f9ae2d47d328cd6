#!/bin/bash
# Idempotent set-up of a Debian 12 machine, as root: the packages the build,
# the VMs and the tests need, and the harness venv (.venv). Safe to re-run;
# it only installs what is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${OVPN_DCO_VENV:-$REPO/.venv}
PYTHON=${PYTHON:-python3}

APT_PACKAGES=(
	# build (dwarves: pahole for the BTF of 6.12 modules)
	make gcc libc6-dev bc flex bison libelf-dev dwarves kmod
	# the kernel matrix: build chroots for newer toolchains; DKMS packaging
	debootstrap debian-archive-keyring dkms
	# default kernel: Debian 12's 6.1, image + headers
	linux-image-amd64 linux-headers-amd64
	# VMs (virtme-ng under qemu; virtiofsd ships with qemu 7.2)
	qemu-system-x86 busybox-static udev
	# in the guest: tunnels, traffic, inspection
	openvpn iproute2 iputils-ping iperf3 tcpdump ethtool util-linux procps
	# python
	python3 python3-venv
)

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (it installs packages and boots VMs)" >&2
	exit 1
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

stamp=$VENV/.ovpn-dco-installed
if [ ! -x "$VENV/bin/python" ]; then
	"$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$REPO/pyproject.toml" -nt "$stamp" ]; then
	"$VENV/bin/python" -m pip install -q --upgrade pip
	"$VENV/bin/python" -m pip install -q -e "$REPO[dev]"
	touch "$stamp"
fi
echo "setup.sh: ready ($("$VENV/bin/python" --version), kernels: $(ls /boot | sed -n 's/^vmlinuz-//p' | tr '\n' ' '))"
