#!/bin/bash
# The test suite on a fresh Debian 12 machine: set up, then run pytest on the
# default kernel (Debian 12's 6.1: host tests here, guest tests inside one VM)
# and on the newest of the matrix (Debian unstable's, fetched into the cache on
# first use). OVPN_DCO_TEST_KERNELS picks other kernels; the first one gets the
# whole suite.
#
# The other kernels run at the same time as the first, one after the other:
# their guest tests and the module's build test (the rest of the host suite
# does not depend on the kernel). A TCG guest keeps about one of the machine's
# two cores busy, so the two runs together take little longer than the
# longer one alone. Their output is shown once they are done.
#
# Extra arguments go to pytest (for every kernel, in place of the paths above).
# Exit status: non-zero if any run failed.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$REPO/scripts/setup.sh"
read -r -a kernels <<<"${OVPN_DCO_TEST_KERNELS:-bookworm sid}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() { # KERNEL PYTEST_ARGS...: one kernel's run, timed
	local kernel=$1 start=$SECONDS rc=0
	shift
	echo "test.sh: the suite on kernel $kernel: pytest $*"
	make -C "$REPO" test PYTEST_ARGS="--kernel $kernel $*" || rc=1
	echo "test.sh: kernel $kernel done in $((SECONDS - start)) s (status $rc)"
	return $rc
}

others() { # the kernels after the first, in turn
	local rc=0 kernel
	for kernel in "${kernels[@]:1}"; do
		if (($# > 0)); then
			run "$kernel" "$@" || rc=1
		else
			run "$kernel" tests/guest tests/host/test_build.py || rc=1
		fi
	done
	return $rc
}

status=0
if ((${#kernels[@]} > 1)); then
	others "$@" >"$logs/others.log" 2>&1 &
	background=$!
	echo "test.sh: ${kernels[*]:1} in the background (output below when done)"
fi
run "${kernels[0]}" "$@" || status=1
if ((${#kernels[@]} > 1)); then
	wait "$background" || status=1
	cat "$logs/others.log"
fi
exit $status
