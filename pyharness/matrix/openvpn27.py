"""OpenVPN 2.7 for the guest: Debian unstable's ``openvpn`` installed in the sid chroot, on the host.

The guest has no network but sees the host's files, so the package is installed
before the guest boots, into the same sid chroot that builds the module for
unstable's kernel (pyharness.vm.chroot), under the matrix lock. Done once: a
chroot that already has the program is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..openvpn import program
from ..vm import chroot
from . import debian

SUITE = "sid"
PACKAGES = ("openvpn",)


def installed(root: Path) -> bool:
    """Whether ``root`` holds the OpenVPN program."""
    return (root / program.BINARY.lstrip("/")).is_file()


def version(root: Path) -> str:
    """The Debian version of ``openvpn`` in ``root`` (dpkg's database, read without running anything)."""
    status = root / "var" / "lib" / "dpkg" / "status"
    for stanza in status.read_text().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line[0].isspace())
        if fields.get("Package") == "openvpn" and fields.get("Status", "").endswith(" installed"):
            return fields.get("Version", "")
    return ""


def ensure(
    make_chroot: Callable[[str], Path] = chroot.ensure,
    install: Callable[[Path, Sequence[str]], None] = chroot.install,
) -> Path:
    """The sid chroot with OpenVPN 2.7 installed (bootstrapped and installed on first use)."""
    with debian.locked():
        root = make_chroot(SUITE)
        if not installed(root):
            install(root, PACKAGES)
        if not installed(root):
            raise chroot.ChrootError(f"installing {' '.join(PACKAGES)} in {root} left no {program.BINARY}")
        return root
