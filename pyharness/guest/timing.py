"""Deadlines of timing-sensitive tests, scaled for slow kernels.

A debug kernel (KASAN, lockdep, kmemleak) under TCG runs the same code
several times slower than a stock kernel; the plugin tells the guest how
much slower in OVPN_DCO_SLOWDOWN (``Kernel.slowdown``). Tests scale the
waits and timeouts that bound how long something may take - never the
protocol timers they test - with ``scaled``.
"""

from __future__ import annotations

import os

SLOWDOWN_ENV = "OVPN_DCO_SLOWDOWN"


def slowdown() -> float:
    """How much slower than a stock kernel this one is (1.0 when not told)."""
    try:
        return max(1.0, float(os.environ.get(SLOWDOWN_ENV, "1")))
    except ValueError:
        return 1.0


def scaled(seconds: float) -> float:
    """``seconds`` of a stock kernel on this kernel."""
    return seconds * slowdown()
