"""Network namespaces: create them and run Python code (sockets) inside them.

A socket belongs to the namespace it was created in, whatever the thread
does afterwards, so ``inside()`` is all a test needs to own UDP sockets and
netlink sockets in several namespaces from one process.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def inside(name: str | None) -> Iterator[None]:
    """Run the body (this thread) in netns ``name``; None means stay where we are."""
    if name is None:
        yield
        return
    with open("/proc/self/ns/net", "rb") as own, open(f"/run/netns/{name}", "rb") as target:
        _setns(target.fileno())
        try:
            yield
        finally:
            _setns(own.fileno())


def ip(*args: str, netns: str | None = None) -> str:
    """Run ip(8), in ``netns`` if given; raise with its stderr on failure."""
    cmd = ["ip", *(["-n", netns] if netns else []), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr.strip()}")
    return proc.stdout


def run(netns: str | None, *cmd: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a program in ``netns``."""
    full = ["ip", "netns", "exec", netns, *cmd] if netns else list(cmd)
    return subprocess.run(full, capture_output=True, text=True, check=check, timeout=timeout)


def create(prefix: str = "ns") -> str:
    name = f"{prefix}{uuid.uuid4().hex[:6]}"
    ip("netns", "add", name)
    ip("link", "set", "lo", "up", netns=name)
    return name


def delete(name: str) -> None:
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
