"""Build ovpn-dco.ko for a kernel, out of tree, in a per-kernel directory."""

from __future__ import annotations

import filecmp
import hashlib
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import chroot, kconfig, paths
from .kernels import Kernel

MODULE_NAME = "ovpn-dco.ko"
OWNER = "worktree"  # in a staging directory: the path of the work tree it builds
LOCK = "lock"  # in a staging directory: held while a build copies and makes there
UNOWNED_DAYS = 2.0  # a staging directory without OWNER (older harness) unused this long is removed


class BuildError(RuntimeError):
    """make failed; the message holds its output."""


@dataclass(frozen=True)
class BuildResult:
    module: Path
    log: str

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.log.splitlines() if "warning:" in line or "WARNING:" in line]


def _sync_tree(src: Path, dst: Path) -> None:
    """Copy src into dst, touching only files whose content changed (keeps make incremental)."""
    dst.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    for rel in wanted:
        target = dst / rel
        if not target.exists() or not filecmp.cmp(src / rel, target, shallow=False):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, target)


def prune(release_dir: Path, now: float | None = None) -> list[Path]:
    """Remove the staging directories under ``release_dir`` whose work tree is gone; the removed.

    Every checkout (each CI clone too) stages its own copy, so without this they pile up.
    A directory from before OWNER was written is removed once unused for UNOWNED_DAYS.
    """
    if not release_dir.is_dir():  # a release (or a cache) never built for
        return []
    now = time.time() if now is None else now
    removed = []
    for d in sorted(p for p in release_dir.iterdir() if p.is_dir()):
        if stale(d, now):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def owner(stage: Path) -> str | None:
    """The work tree a staging directory builds, if it recorded one."""
    f = stage / OWNER
    return f.read_text().strip() if f.is_file() else None


def stale(stage: Path, now: float) -> bool:
    """No checkout builds in ``stage`` any more: its work tree is gone (or, unrecorded, it is old)."""
    tree = owner(stage)
    if tree is not None:
        return not Path(tree).is_dir()
    return now - stage.stat().st_mtime > UNOWNED_DAYS * 86400


def _stage_root(kernel: Kernel, debug: bool) -> Path:
    flavour = "debug" if debug else "release"
    # one staging directory per work tree: two checkouts never build into (or load) each other's
    tree = hashlib.sha256(str(paths.REPO).encode()).hexdigest()[:8]
    return paths.cache_dir() / "build" / kernel.release / f"{flavour}-{tree}"


def _stage(kernel: Kernel, debug: bool) -> Path:
    root = _stage_root(kernel, debug)
    prune(root.parent)
    root.mkdir(parents=True, exist_ok=True)
    (root / OWNER).write_text(f"{paths.REPO}\n")
    # Sources of the module that are gone from the repo must go from the copy too,
    # in subdirectories (kernel/selftest/) as well.
    copy = root / "kernel"
    if copy.exists():
        for p in copy.rglob("*.[ch]"):
            if not (paths.KERNEL_SRC / p.relative_to(copy)).exists():
                p.unlink()
    _sync_tree(paths.KERNEL_SRC, root / "kernel")
    _sync_tree(paths.UAPI_DIR, root / "uapi")
    return root / "kernel"


def make_args(kernel: Kernel, src: Path, debug: bool = False, extra: tuple[str, ...] = ()) -> list[str]:
    args = ["make", "-C", str(kernel.make_dir), f"M={src}", "W=1", "CONFIG_OVPN_DCO=m"]
    if debug:
        args.append("CONFIG_OVPN_DCO_DEBUG=y")
    return args + list(extra) + ["modules"]


def run_make(kernel: Kernel, args: list[str], tree: Path) -> subprocess.CompletedProcess[str]:
    """Run a make command line for ``kernel``: on the host, or in its chroot with ``tree`` bound in."""
    if kernel.chroot is not None:
        return chroot.run(kernel.chroot, args, binds=[tree])
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)


def build(kernel: Kernel, *, debug: bool = False, jobs: int = 2) -> BuildResult:
    """Check the kernel config, then build the module; raise on failure."""
    kconfig.check(kernel.config)
    # one build at a time per staging directory: a guest test run and the host tests of one
    # work tree would otherwise copy and make over each other
    with paths.locked(_stage_root(kernel, debug) / LOCK):
        src = _stage(kernel, debug)
        proc = run_make(kernel, make_args(kernel, src, debug, (f"-j{jobs}",)), src.parent)
    if proc.returncode != 0:
        raise BuildError(f"building {MODULE_NAME} for {kernel.release} failed:\n{proc.stdout}")
    return BuildResult(src / MODULE_NAME, proc.stdout)
