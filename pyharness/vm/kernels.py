"""Kernels the module can be built for and booted on.

A kernel is a release string plus the files needed for it: the image vng
boots, the kbuild tree the module is built against and its .config. A
kernel whose toolchain is newer than the host's is built inside a chroot
(``chroot``); its ``build_dir`` is then a path inside that chroot, seen
from the host. This module knows only the installed kernels; pyharness.matrix
adds the kernels of the matrix, fetched from Debian's archive into the cache on
first use, and the debug kernel, and resolves a ``--kernel`` name to one of them.
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
    chroot: Path | None = None
    cmdline: str = ""  # extra kernel command line for the guest
    slowdown: float = 1.0  # how much slower than a stock kernel (debug builds)
    debug: bool = False  # the debug kernel: its log is checked for splats and leaks after a run

    @property
    def make_dir(self) -> Path:
        """The build tree as make sees it (inside the chroot, if any)."""
        if self.chroot is None:
            return self.build_dir
        return Path("/") / self.build_dir.relative_to(self.chroot)

    def config_value(self, name: str) -> str:
        """CONFIG_<name> of this kernel: 'y', 'm', a value, or 'n' when unset."""
        prefix = f"CONFIG_{name}="
        for line in self.config.read_text().splitlines():
            if line.startswith(prefix):
                return line[len(prefix) :]
        return "n"


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


def pick(wanted: str | None, pool: list[Kernel]) -> Kernel:
    """Pick a kernel of ``pool``: an exact release, a release prefix, or the default (Debian 12's 6.1).

    Names (matrix names, the debug kernel) are resolved before, by pyharness.matrix.resolve."""
    prefix = wanted or DEFAULT_SERIES
    exact = [k for k in pool if k.release == prefix]
    if exact:
        return exact[0]
    # a prefix ends at a component boundary: "6.1" is 6.1.0-56, not 6.12.95
    boundary = r"(?![0-9])" if prefix[-1:].isdigit() else ""
    # the debug kernel only by its exact release or by name ("debug")
    matches = [k for k in pool if not k.debug and re.match(re.escape(prefix) + boundary, k.release)]
    if not matches:
        have = ", ".join(k.release for k in pool) or "none"
        raise KernelNotFound(
            f"no kernel matching {prefix!r} with image, headers and config (have: {have}); "
            "run scripts/setup.sh to install the default kernel, or name one of the matrix "
            "(bookworm, bookworm-backports, trixie, sid) to fetch it, or debug to build the debug kernel"
        )
    return matches[-1]
