"""Minimal Debian chroots that supply a newer toolchain than the host's.

Kernels of Debian 13 and unstable are built with gcc-14 / gcc-16 and kbuild
tools linked against a newer glibc than Debian 12's, so their modules are
built inside a debootstrap chroot of that suite, with the kernel's headers
package installed there (which pulls the matching compiler and pahole).

Every command runs in a private mount namespace (``unshare -m``): /proc and
the directories the caller binds (at the same path) are mounted for that
command only, so no mount outlives it.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from . import paths

MIRROR = "http://deb.debian.org/debian"
APT_CONF = paths.REPO / "scripts" / "apt" / "apt.conf"
_STAMP = ".ovpn-dco-chroot"
# what every build chroot has besides minbase (W=1 runs kernel-doc, a perl script using Pod::Usage)
BASE_PACKAGES = ("make", "perl")


class ChrootError(RuntimeError):
    """Creating or using a chroot failed; the message holds the output."""


def root(suite: str) -> Path:
    """Where the chroot of ``suite`` lives in the cache."""
    return paths.downloads_dir() / "chroots" / suite


def _check(proc: subprocess.CompletedProcess[str], what: str) -> str:
    if proc.returncode != 0:
        raise ChrootError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}")
    return proc.stdout


def command(chroot: Path, argv: Sequence[str], binds: Sequence[Path] = ()) -> list[str]:
    """The host command that runs ``argv`` in ``chroot`` with /proc and ``binds`` mounted."""
    steps = []
    for path in binds:
        inner = shlex.quote(f"{chroot}{path}")
        steps.append(f"mkdir -p {inner} && mount --bind {shlex.quote(str(path))} {inner}")
    steps.append(f"mount -t proc proc {shlex.quote(str(chroot / 'proc'))}")
    steps.append(f"exec chroot {shlex.quote(str(chroot))} {shlex.join(argv)}")
    return ["unshare", "-m", "--propagation", "private", "sh", "-ec", " && ".join(steps)]


def run(chroot: Path, argv: Sequence[str], binds: Sequence[Path] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside ``chroot``; stdout and stderr together, never raises on exit status."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        command(chroot, argv, binds), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def ensure(suite: str) -> Path:
    """The chroot of ``suite``, bootstrapped once (minbase + BASE_PACKAGES) and reused."""
    target = root(suite)
    stamp = target / _STAMP
    if stamp.exists():
        if stamp.read_text().split() != [suite, *BASE_PACKAGES]:
            install(target, BASE_PACKAGES)
            stamp.write_text(" ".join([suite, *BASE_PACKAGES]) + "\n")
        return target
    if shutil.which("debootstrap") is None:
        raise ChrootError("debootstrap is not installed (scripts/setup.sh installs it)")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    # debootstrap mounts /proc and /sys in the target: keep those mounts private to it.
    _check(
        subprocess.run(
            ["unshare", "-m", "--propagation", "private", "debootstrap", "--variant=minbase", suite, str(tmp), MIRROR],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        f"debootstrap {suite}",
    )
    shutil.copy(APT_CONF, tmp / "etc" / "apt" / "apt.conf.d" / "99ovpn-dco")
    install(tmp, BASE_PACKAGES)
    (tmp / _STAMP).write_text(" ".join([suite, *BASE_PACKAGES]) + "\n")
    tmp.rename(target)
    return target


def headers_dir(root: Path, name: str) -> Path:
    """Where Debian's linux-headers-NAME package puts its tree under ``root`` (a chroot or an
    unpacked prefix): NAME is a release (the flavour's tree) or VERSION-common."""
    return root / "usr" / "src" / f"linux-headers-{name}"


def header_releases(chroot: Path) -> list[str]:
    """Kernel releases whose headers are installed in ``chroot`` (amd64 flavour)."""
    found = headers_dir(chroot, "*-amd64")
    return sorted(p.name.removeprefix("linux-headers-") for p in found.parent.glob(found.name) if p.is_dir())


def remove_headers(chroot: Path, release: str) -> None:
    """Purge one kernel's headers from ``chroot``, with what only they needed (their -common
    tree, kbuild tools, an older compiler). Offline: apt removes, it fetches nothing."""
    script = f"apt-get purge -y -q linux-headers-{shlex.quote(release)} && apt-get autoremove --purge -y -q"
    _check(run(chroot, ["sh", "-ec", script]), f"removing the headers of {release} from {chroot}")


def install(chroot: Path, packages: Sequence[str]) -> None:
    """apt-get install ``packages`` in ``chroot``, then drop the package cache and lists."""
    script = (
        "apt-get update -q && apt-get install -y -q --no-install-recommends "
        + shlex.join(packages)
        + " && apt-get clean && rm -rf /var/lib/apt/lists/*"
    )
    _check(run(chroot, ["sh", "-ec", script]), f"installing {' '.join(packages)} in {chroot}")
