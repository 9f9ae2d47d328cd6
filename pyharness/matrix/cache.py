"""What the harness keeps between runs, what it costs, and which of it nothing uses any more.

Two roots (pyharness.vm.paths): the build cache (``$OVPN_DCO_CACHE``: staged and
built modules, the accelerator probe, run directories) and the downloads
(``$OVPN_DCO_DOWNLOADS``: the matrix's kernels, build chroots, apt lists, the
debug kernel, checkpatch); by default both are /var/lib/ovpn-dco.

An entry is unused when no checkout or kernel can reach it any more:

- a staging directory whose work tree is gone (or, from before staging
  directories recorded it, untouched for build.UNOWNED_DAYS);
- the build directory of a kernel release that is neither installed, nor the
  current kernel of a matrix suite, nor the debug kernel;
- a matrix kernel no suite points at (the suite moved on), a suite stamp of a
  name the matrix no longer has, and unpack/download leftovers (``*.tmp``, debs/);
- kernel headers in a build chroot for a release no suite points at, and the
  chroot of a suite no matrix kernel is built in;
- a debug-kernel build or source tree of another source version, config
  fragment or virtme-ng than today's;
- the accelerator probe of an earlier host boot, and run directories of runs
  that ended without cleaning up (older than RUN_MAX_AGE);
- the bench's openvpn-dco-dkms (``dkms_anchor``): a module built for
  a release that is not live, or of a package version other than the one looked up
  last, and a downloaded package of another version.

``ovpn-dco-harness cache`` lists everything with its size; ``--prune`` removes
the unused entries (under the matrix lock, so no fetch is cut short).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..vm import build, chroot, kernels, paths, vng
from . import debian, debugkernel, dkms_anchor

RUN_MAX_AGE = 86400.0  # a run directory untouched this long belongs to no running test
RUN_DIRS = re.compile(r"^(guest-run-|races-|bench-|guest-.*\.sh$)")


@dataclass(frozen=True)
class Entry:
    """One thing kept: where, how big, and why it is kept or may go (``unused`` set)."""

    path: Path
    size: int
    what: str
    unused: str = ""  # why nothing uses it; empty: in use


def du(path: Path) -> int:
    """Bytes a file or tree takes on disk (each inode once, symlinks not followed)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [path]
    while stack:
        p = stack.pop()
        try:
            st = p.lstat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        total += st.st_blocks * 512
        if p.is_dir() and not p.is_symlink():
            try:
                stack.extend(p.iterdir())
            except OSError:
                continue
    return total


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "K", "M", "G"):
        if value < 1024 or unit == "G":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _entry(path: Path, what: str, unused: str = "") -> Entry:
    return Entry(path, du(path), what, unused)


def _roots() -> list[Path]:
    """The build cache and the downloads: one directory unless kept apart."""
    return list(dict.fromkeys([paths.cache_dir(), paths.downloads_dir()]))


def live_releases(current: dict[str, str]) -> set[str]:
    """Kernel releases something can still build for: installed, a matrix suite's (``current``,
    debian.current_releases()), the debug kernel."""
    found = {k.release for k in kernels.installed()}
    found |= set(current.values())
    found |= {k.release for k in debugkernel.cached()}
    return found


def _builds(root: Path, live: set[str], now: float) -> Iterator[Entry]:
    for rel in sorted(p for p in (root / "build").glob("*") if p.is_dir()):
        stages = sorted(p for p in rel.iterdir() if p.is_dir())
        if not stages:
            yield _entry(rel, "build: empty release directory", "nothing staged")
        for stage in stages:
            tree = build.owner(stage)
            what = f"build for {rel.name}: " + (f"work tree {tree}" if tree else "work tree not recorded")
            if rel.name not in live:
                yield _entry(stage, what, f"no kernel {rel.name} any more")
            elif build.stale(stage, now):
                yield _entry(stage, what, "work tree gone" if tree else "unrecorded and unused")
            else:
                yield _entry(stage, what)


def _scratch(root: Path, now: float) -> Iterator[Entry]:
    boot = f"accel-{vng.boot_id()}"
    for p in sorted(root.glob("accel-*")):
        yield _entry(p, "accelerator probe", "" if p.name == boot else "an earlier host boot")
    for p in sorted(root.iterdir()):
        if RUN_DIRS.match(p.name):
            old = now - p.stat().st_mtime > RUN_MAX_AGE
            yield _entry(p, "run directory", "left by a run that ended" if old else "")


def _kernels(root: Path, current: dict[str, str]) -> Iterator[Entry]:
    for stamp in sorted((root / "kernels").glob("*.release")):
        name = stamp.name.removesuffix(".release")
        yield Entry(stamp, du(stamp), f"suite stamp {name}", "" if name in current else "no such matrix kernel")
    users: dict[str, list[str]] = {}
    for name, release in current.items():
        users.setdefault(release, []).append(name)
    for p in sorted((root / "kernels").glob("*")):
        if not p.is_dir():
            continue
        if p.name.endswith(".tmp"):
            yield _entry(p, "kernel: interrupted unpack", "interrupted unpack")
        elif p.name in users:
            yield _entry(p, f"kernel {p.name}: {', '.join(users[p.name])}")
        else:
            yield _entry(p, f"kernel {p.name}", "no matrix suite points at it")
    for p in sorted((root / "debs").glob("*")):
        yield _entry(p, "downloaded packages", "left by an interrupted fetch")


def _chroots(root: Path, current: dict[str, str]) -> Iterator[Entry]:
    wanted = {e.chroot: current.get(e.name) for e in debian.ENTRIES if e.chroot}
    for p in sorted((root / "chroots").glob("*")):
        if p.name.endswith(".tmp"):
            yield _entry(p, "chroot: interrupted debootstrap", "interrupted debootstrap")
            continue
        if p.name not in wanted:
            yield _entry(p, f"chroot {p.name}", "no matrix kernel is built in it")
            continue
        old = {
            rel: du(chroot.headers_dir(p, rel)) + du(chroot.headers_dir(p, rel.removesuffix("-amd64") + "-common"))
            for rel in chroot.header_releases(p)
            if rel != wanted[p.name]
        }
        for rel, size in old.items():
            yield Entry(chroot.headers_dir(p, rel), size, f"headers in chroot {p.name}", "no matrix suite points at it")
        yield Entry(p, du(p) - sum(old.values()), f"chroot {p.name}")


def _debug_kernel(root: Path) -> Iterator[Entry]:
    base = root / "debug-kernel"
    if not base.is_dir():
        return
    version = debugkernel.source_version()
    # without linux-source-6.1 installed there is no telling which build is today's: keep all
    keep = {debugkernel.work_dir(version).name, f"src-{version}"} if version else None
    for p in sorted(base.iterdir()):
        if p.is_dir():
            old = keep is not None and p.name not in keep
            yield _entry(p, "debug kernel", "another source, fragment or virtme-ng" if old else "")


def _dkms_anchor(live: set[str]) -> Iterator[Entry]:
    for path, what, unused in dkms_anchor.kept(live):
        yield _entry(path, what, unused)


def _other(root: Path, known: set[Path]) -> Iterator[Entry]:
    for p in sorted(root.iterdir()):
        if p not in known and p.name not in ("matrix.lock",):
            yield _entry(p, p.name)


def entries(now: float | None = None) -> list[Entry]:
    """Everything kept in the build cache and the downloads, each judged used or unused."""
    now = time.time() if now is None else now
    roots = _roots()
    found: list[Entry] = []
    current = debian.current_releases()
    live = live_releases(current)
    for root in roots:
        # builds and probes in the downloads too: there before the two were kept apart
        found += _builds(root, live, now)
        found += _scratch(root, now)
        if root == paths.downloads_dir():
            found += _kernels(root, current)
            found += _chroots(root, current)
            found += _debug_kernel(root)
    found += _dkms_anchor(live)
    for root in roots:
        tops = {root / "build", root / "kernels", root / "debs", root / "chroots", root / "debug-kernel"}
        tops.add(root / dkms_anchor.DIR)
        tops |= {e.path for e in found if e.path.parent == root}
        found += _other(root, tops)
    return found


def prune(now: float | None = None) -> list[Entry]:
    """Remove every unused entry; the removed."""
    removed = []
    with debian.locked():
        for e in entries(now):
            if not e.unused:
                continue
            if e.path.parent.name == "src" and e.path.name.startswith("linux-headers-"):
                croot = e.path.parents[2]
                chroot.remove_headers(croot, e.path.name.removeprefix("linux-headers-"))
            elif e.path.is_dir() and not e.path.is_symlink():
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                e.path.unlink(missing_ok=True)
            removed.append(e)
    for root in _roots():
        for rel in (root / "build").glob("*"):
            if rel.is_dir() and not any(rel.iterdir()):
                rel.rmdir()
    return removed


def report(found: list[Entry]) -> list[str]:
    """Lines for the terminal: size, path, what it is, and why it may go."""
    lines = []
    for e in found:
        note = f"  UNUSED: {e.unused}" if e.unused else ""
        lines.append(f"{human(e.size):>7}  {e.path}  ({e.what}){note}")
    unused = sum(e.size for e in found if e.unused)
    total = sum(e.size for e in found)
    lines.append(f"{human(total):>7}  in all; {human(unused)} unused (ovpn-dco-harness cache --prune removes it)")
    if os.environ.get(paths.DOWNLOADS_ENV):
        lines.append(f"build cache {paths.cache_dir()}, downloads {paths.downloads_dir()}")
    return lines
