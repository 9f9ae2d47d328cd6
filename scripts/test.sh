#!/bin/bash
# The test suite on a fresh Debian 12 machine: set up, then run pytest (host
# tests here, guest tests inside one VM) on the default kernel (Debian 12's
# 6.1) and on the newest of the matrix (Debian unstable's, fetched into the
# cache on first use). OVPN_DCO_TEST_KERNELS picks other matrix kernels.
# Extra arguments go to pytest. Exit status: non-zero if any run failed.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
status=0
for kernel in ${OVPN_DCO_TEST_KERNELS:-bookworm sid}; do
	echo "test.sh: the suite on kernel $kernel"
	start=$SECONDS
	make -C "$REPO" test PYTEST_ARGS="--kernel $kernel ${*:-}" || status=1
	echo "test.sh: kernel $kernel done in $((SECONDS - start)) s"
done
exit $status
