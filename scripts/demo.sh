#!/bin/bash
# The main job on a fresh Debian 12 machine: set up, build the module, boot
# the default kernel, load the module, create ovpn-dco devices and show them.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
make -C "$REPO" demo
