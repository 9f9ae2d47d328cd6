"""Well-known locations of the project and its caches."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KERNEL_SRC = REPO / "kernel"
UAPI_DIR = REPO / "uapi"
KCONFIG = REPO / "Kconfig"
SHIMS = Path(__file__).resolve().parents[1] / "shims"


DEFAULT_CACHE = "/var/lib/ovpn-dco"
CACHE_ENV = "OVPN_DCO_CACHE"
DOWNLOADS_ENV = "OVPN_DCO_DOWNLOADS"


def cache_dir() -> Path:
    """What the harness makes of the work tree: staged and built modules, probe results, run dirs.

    ``$OVPN_DCO_CACHE`` (default /var/lib/ovpn-dco). CI points it at a new empty directory
    on every run, so a first build is what CI proves.
    """
    path = Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE))
    path.mkdir(parents=True, exist_ok=True)
    return path


def downloads_dir() -> Path:
    """What comes from Debian's archive, or is built from it once: kernels, chroots, apt lists,
    the debug kernel, checkpatch.

    ``$OVPN_DCO_DOWNLOADS``, else ``$OVPN_DCO_CACHE``, else /var/lib/ovpn-dco: one directory
    for both unless the downloads are kept apart (as CI keeps them, between runs).
    """
    path = Path(os.environ.get(DOWNLOADS_ENV) or os.environ.get(CACHE_ENV, DEFAULT_CACHE))
    path.mkdir(parents=True, exist_ok=True)
    return path


def python() -> str:
    """The interpreter of the harness venv (the guest sees the host's files)."""
    return sys.executable


@contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_file`` (created, with its directory): processes that
    take the same file run the block one at a time. Released on exit, and by the kernel if the
    process dies."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
