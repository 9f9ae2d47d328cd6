#!/bin/bash
# The main job on a fresh Debian 12 machine: set up, build the module, boot
# the default kernel with the module loaded, run a real OpenVPN 2.6 p2p tunnel
# over ovpn-dco and show that its data channel is offloaded.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
make -C "$REPO" demo
