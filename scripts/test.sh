#!/bin/bash
# The test suite on a fresh Debian 12 machine: set up, then run pytest (host
# tests here, guest tests inside one VM). Extra arguments go to pytest.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
make -C "$REPO" test PYTEST_ARGS="${*:-}"
