"""Resolve a ``--kernel`` name to a kernel: a matrix name, the debug kernel, or a release.

This module sits on top of the three places kernels come from: the kernels
installed on the host (pyharness.vm.kernels), the Debian kernels of the matrix
(pyharness.matrix.debian) and the debug kernel (pyharness.matrix.debugkernel).
pyharness.vm.kernels knows neither of the other two.
"""

from __future__ import annotations

from ..vm import kernels
from . import debian, debugkernel


def select(wanted: str | None = None) -> kernels.Kernel:
    """Pick a kernel: a matrix name (fetched if needed), ``debug`` (built if needed), an exact
    release, a release prefix, or the default (Debian 12's 6.1). Releases are looked up among
    the installed kernels and those of the matrix and the debug kernel already in the cache."""
    if wanted in debian.NAMES:
        return debian.prepare(wanted)
    if wanted == debugkernel.NAME:
        return debugkernel.prepare()
    return kernels.pick(wanted, kernels.installed() + debian.cached() + debugkernel.cached())
