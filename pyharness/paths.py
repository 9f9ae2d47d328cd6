"""Well-known locations of the project and its caches."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KERNEL_SRC = REPO / "kernel"
UAPI_DIR = REPO / "uapi"
KCONFIG = REPO / "Kconfig"
SHIMS = Path(__file__).resolve().parent / "shims"


def cache_dir() -> Path:
    """Directory for built modules, downloaded kernels and probe results."""
    base = os.environ.get("OVPN_DCO_CACHE", "/var/lib/ovpn-dco")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def python() -> str:
    """The interpreter of the harness venv (the guest sees the host's files)."""
    return sys.executable
