"""Kernels the module can be built for and booted on.

A kernel is a release string plus the files needed for it: the image vng
boots, the kbuild tree the module is built against and its .config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SERIES = "6.1.0-"  # Debian 12's kernel (linux-image-amd64)


class KernelNotFound(LookupError):
    """No usable kernel matches the request."""


@dataclass(frozen=True)
class Kernel:
    """A bootable kernel with its build tree."""

    release: str
    vmlinuz: Path
    build_dir: Path
    config: Path


def _version_key(release: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", release))


def installed(boot: Path = Path("/boot"), modules: Path = Path("/lib/modules")) -> list[Kernel]:
    """Kernels installed on this machine by Debian packages (image + headers)."""
    found = []
    for image in sorted(boot.glob("vmlinuz-*")):
        release = image.name.removeprefix("vmlinuz-")
        build = modules / release / "build"
        config = boot / f"config-{release}"
        if (build / "Makefile").exists() and config.exists():
            found.append(Kernel(release, image, build, config))
    return sorted(found, key=lambda k: _version_key(k.release))


def select(wanted: str | None = None, candidates: list[Kernel] | None = None) -> Kernel:
    """Pick a kernel: an exact release, a release prefix, or the default (Debian 12's 6.1)."""
    pool = installed() if candidates is None else candidates
    prefix = wanted or DEFAULT_SERIES
    exact = [k for k in pool if k.release == prefix]
    if exact:
        return exact[0]
    matches = [k for k in pool if k.release.startswith(prefix)]
    if not matches:
        have = ", ".join(k.release for k in pool) or "none"
        raise KernelNotFound(
            f"no kernel matching {prefix!r} with image, headers and config (have: {have}); "
            "run scripts/setup.sh to install the default kernel"
        )
    return matches[-1]
