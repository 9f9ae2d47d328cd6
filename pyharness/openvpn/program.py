"""Which OpenVPN a lab runs: Debian 12's 2.6 (/usr/sbin/openvpn) or unstable's 2.7 from a chroot.

OpenVPN 2.7 (Debian unstable's ``openvpn``, unmodified) lives in the harness's sid
chroot, which the pytest plugin prepares on the host and names to the guest in
``$OVPN_DCO_OPENVPN27_ROOT``. It runs there with ``chroot``, in a private mount
namespace where the lab's directory is bound at ``/mnt`` and the guest's /dev,
/proc and /sys (the namespace's view) are mounted: its configuration, keys, log
and status files are the lab's files, seen under /mnt.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT_ENV = "OVPN_DCO_OPENVPN27_ROOT"
BINARY = "/usr/sbin/openvpn"
DCO_MISSING_27 = "Kernel support for ovpn interfaces missing, disabling data channel offload"
INNER_LAB = "/mnt"  # where a chrooted OpenVPN sees the lab's directory


class ProgramNotFound(RuntimeError):
    """The OpenVPN asked for is not available here (e.g. no 2.7 chroot was prepared)."""


@dataclass(frozen=True)
class Program:
    """One OpenVPN program: its version line and where it runs (``root``: a chroot, or the guest's /)."""

    version: str  # "2.6" or "2.7"
    root: Path | None = None
    dco_kind: str = "ovpn-dco"  # the link kind it creates with offload
    # what it logs when the kernel lacks the family it speaks
    dco_missing: str = "Kernel support for ovpn-dco missing, disabling data channel offload"

    def inner(self, path: Path, workdir: Path) -> str:
        """``path`` (inside ``workdir``) as this program sees it."""
        if self.root is None:
            return str(path)
        return f"{INNER_LAB}/{path.relative_to(workdir)}"

    def config_text(self, lines: list[str], workdir: Path) -> str:
        """A configuration written by the harness (host paths of ``workdir``) as this program reads it."""
        text = "\n".join(lines) + "\n"
        return text if self.root is None else text.replace(str(workdir), INNER_LAB)

    def argv(self, ns: str, conf: Path, workdir: Path) -> list[str]:
        """The command that runs this OpenVPN with ``conf`` in network namespace ``ns``.

        Every step execs the next, so the process started is OpenVPN itself.
        """
        if self.root is None:
            return ["ip", "netns", "exec", ns, BINARY, "--config", str(conf)]
        root = self.root
        q = shlex.quote
        steps = [
            f"mount --bind {q(str(workdir))} {q(f'{root}{INNER_LAB}')}",
            f"mount --bind /dev {q(str(root / 'dev'))}",
            f"mount -t proc proc {q(str(root / 'proc'))}",
            f"mount --rbind /sys {q(str(root / 'sys'))}",
            f"export TMPDIR={INNER_LAB}",  # its --tmp-dir default; the guest's TMPDIR is not in the chroot
            f"exec chroot {q(str(root))} {BINARY} --config {q(self.inner(conf, workdir))}",
        ]
        return ["ip", "netns", "exec", ns, "unshare", "-m", "--propagation", "private", "sh", "-ec", " && ".join(steps)]


DEBIAN12 = Program("2.6")


def openvpn27(root: str | None = None) -> Program:
    """Debian unstable's OpenVPN 2.7 in the chroot ``root`` (default: ``$OVPN_DCO_OPENVPN27_ROOT``)."""
    where = root if root is not None else os.environ.get(ROOT_ENV)
    if not where:
        raise ProgramNotFound(f"${ROOT_ENV} is not set: the pytest plugin sets it for tests marked openvpn27")
    path = Path(where)
    if not (path / BINARY.lstrip("/")).is_file():
        raise ProgramNotFound(f"no {BINARY} in the chroot {path}")
    return Program("2.7", path, "ovpn", DCO_MISSING_27)


def by_version(version: str) -> Program:
    """The program of a version name: "2.6" or "2.7"."""
    if version == "2.6":
        return DEBIAN12
    if version == "2.7":
        return openvpn27()
    raise ValueError(f"no OpenVPN {version!r} here (have 2.6, 2.7)")
