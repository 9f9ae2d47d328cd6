"""Shared test configuration: the pyharness plugin does the host/guest split."""

from __future__ import annotations

import pytest

from pyharness import plugin
from pyharness.vm import kernels


@pytest.fixture(scope="session")
def target_kernel(request: pytest.FixtureRequest) -> kernels.Kernel:
    """The kernel the session targets (--kernel; default Debian 12's 6.1)."""
    return plugin.target_kernel(request.config)
