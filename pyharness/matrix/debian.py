"""The kernel matrix: which Debian kernels the module supports, fetched into the cache.

Each entry names an apt suite of Debian's archive. Its kernel is the one the
suite's ``linux-image-amd64`` points at; the packages are fetched with
``apt-get download`` through the project's own sources list
(scripts/apt/sources.list, with lists and cache under the downloads cache, so
the host's apt configuration stays untouched) and unpacked with ``dpkg -x``
into ``$OVPN_DCO_DOWNLOADS/kernels/RELEASE`` - the host's /boot and /lib/modules are
never changed. Kernels whose toolchain is newer than Debian 12's are built
in a chroot of their suite (pyharness.vm.chroot), where the headers package is
installed with its compiler. Everything is done once and reused; the suite's
kernel is looked up again after a day, when the archive is reachable, and when
it has moved on the old release is retired (``retire``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..vm import chroot, kernels, paths

SOURCES = paths.REPO / "scripts" / "apt" / "sources.list"
RESOLVE_MAX_AGE = 24 * 3600.0
_COMPLETE = ".ovpn-dco-complete"


@dataclass(frozen=True)
class Entry:
    """A kernel of the matrix: where it comes from and which toolchain builds for it."""

    name: str  # what --kernel accepts
    label: str  # for tables
    suite: str | None  # the apt suite of the kernel; None: the host's installed default kernel
    chroot: str | None  # the suite whose toolchain builds the module; None: the host's


ENTRIES = (
    Entry("bookworm", "Debian 12", None, None),
    Entry("bookworm-backports", "Debian 12 backports", "bookworm-backports", None),
    Entry("trixie", "Debian 13", "trixie", "trixie"),
    Entry("sid", "Debian unstable", "sid", "sid"),
)
NAMES = tuple(e.name for e in ENTRIES)
DEFAULT = "bookworm"
NEWEST = "sid"


class FetchError(RuntimeError):
    """The archive could not provide a kernel; the message says what failed."""


def entry(name: str) -> Entry:
    for e in ENTRIES:
        if e.name == name:
            return e
    raise KeyError(f"no kernel {name!r} in the matrix (have: {', '.join(NAMES)})")


def _apt_dir() -> Path:
    return paths.downloads_dir() / "apt"


def apt_options_for(sources: Path, base: Path) -> list[str]:
    """apt-get / apt-cache options that use ``sources`` and the lists and cache under ``base`` only."""
    return [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/nonexistent",
        f"-oDir::State::Lists={base / 'lists'}",
        f"-oDir::Cache={base / 'cache'}",
        "-oAcquire::Languages=none",
        "-oAcquire::Check-Valid-Until=false",
        "-oAcquire::Retries=3",
    ]


def apt_options() -> list[str]:
    """apt-get / apt-cache options that use the project's sources, lists and cache only."""
    return apt_options_for(SOURCES, _apt_dir())


def run_or_raise(argv: list[str], what: str, error: type[Exception], cwd: Path | None = None) -> str:
    """Run ``argv``; its output, or ``error`` with the end of it if it failed."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise error(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}")
    return proc.stdout


def _run(argv: list[str], what: str, cwd: Path | None = None) -> str:
    return run_or_raise(argv, what, FetchError, cwd)


def apt_update() -> None:
    base = _apt_dir()
    (base / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (base / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    _run(["apt-get", *apt_options(), "update", "-q"], "apt-get update (scripts/apt/sources.list)")


def _depends(package: str) -> list[str]:
    out = _run(["apt-cache", *apt_options(), "show", package], f"apt-cache show {package}")
    for line in out.splitlines():
        if line.startswith("Depends:"):
            return [re.split(r"[ (]", d.strip(), maxsplit=1)[0] for d in line[8:].split(",")]
    return []


def _release_file(e: Entry) -> Path:
    return paths.downloads_dir() / "kernels" / f"{e.name}.release"


def resolve(e: Entry) -> str:
    """The release of the suite's current kernel (cached for a day; offline, the cached one)."""
    assert e.suite is not None
    stamp = _release_file(e)
    if stamp.exists() and time.time() - stamp.stat().st_mtime < RESOLVE_MAX_AGE:
        return stamp.read_text().strip()
    try:
        apt_update()
        images = [d for d in _depends(f"linux-image-amd64/{e.suite}") if d.startswith("linux-image-")]
    except FetchError:
        if stamp.exists():
            return stamp.read_text().strip()
        raise
    if len(images) != 1:
        raise FetchError(f"linux-image-amd64 in {e.suite} depends on {images}, expected one linux-image-RELEASE")
    release = images[0].removeprefix("linux-image-")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(release + "\n")
    return release


def _packages(e: Entry, release: str) -> list[str]:
    """Debian packages whose files make up the kernel's prefix."""
    image = f"linux-image-{release}"
    wanted = [image] + [
        d for d in _depends(image) if re.fullmatch(rf"linux-(binary|modules|base)-{re.escape(release)}", d)
    ]
    if e.chroot is None:  # headers in the prefix, built with the host's toolchain
        headers = f"linux-headers-{release}"
        wanted += [headers] + [d for d in _depends(headers) if re.match(r"linux-(headers|kbuild)-", d)]
    return wanted


def prefix(release: str) -> Path:
    return paths.downloads_dir() / "kernels" / release


def _modules_base(root: Path, release: str) -> Path:
    return root if (root / "lib" / "modules" / release).is_dir() else root / "usr"


def _fetch(e: Entry, release: str) -> Path:
    """Download and unpack the kernel's packages into its prefix (once)."""
    root = prefix(release)
    if (root / _COMPLETE).exists():
        return root
    tmp = root.with_name(root.name + ".tmp")
    debs = paths.downloads_dir() / "debs" / release
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir(parents=True)
    if not (_apt_dir() / "lists").is_dir():
        apt_update()
    _run(["apt-get", *apt_options(), "download", "-q", *_packages(e, release)], f"downloading {release}", cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg", "-x", str(deb), str(tmp)], f"unpacking {deb.name}")
    # Debian's headers Makefile includes the -common tree by its absolute /usr/src path.
    for makefile in tmp.glob("usr/src/linux-headers-*/Makefile"):
        text = makefile.read_text()
        makefile.write_text(text.replace("include /usr/src/", f"include {root}/usr/src/"))
    # vng would run depmod in the prefix at the first boot; do it now.
    _run(["depmod", "-b", str(_modules_base(tmp, release)), release], f"depmod for {release}")
    shutil.rmtree(debs)
    (tmp / _COMPLETE).write_text(release + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    return root


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    raise FetchError(f"none of {', '.join(map(str, candidates))} exists")


def _kernel(e: Entry, release: str) -> kernels.Kernel:
    """The Kernel of a fetched prefix (and chroot, for a chroot-built entry)."""
    root = prefix(release)
    mods = _modules_base(root, release) / "lib" / "modules" / release
    vmlinuz = _first(root / "boot" / f"vmlinuz-{release}", mods / "vmlinuz")
    config = _first(
        root / "boot" / f"config-{release}", mods / "config", root / "usr" / "lib" / "linux" / release / "config"
    )
    if e.chroot is None:
        return kernels.Kernel(release, vmlinuz, chroot.headers_dir(root, release), config)
    croot = chroot.root(e.chroot)
    return kernels.Kernel(release, vmlinuz, chroot.headers_dir(croot, release), config, croot)


def _ensure_toolchain(e: Entry, release: str) -> None:
    if e.chroot is None:
        return
    croot = chroot.ensure(e.chroot)
    if not (chroot.headers_dir(croot, release) / "Makefile").exists():
        chroot.install(croot, [f"linux-headers-{release}"])


@contextmanager
def locked() -> Iterator[None]:
    """Hold the matrix lock: no other process fetches, retires or prunes kernels meanwhile."""
    with paths.locked(paths.downloads_dir() / "matrix.lock"):
        yield


def prepare(name: str) -> kernels.Kernel:
    """The matrix kernel ``name``, fetched, unpacked and buildable (idempotent)."""
    e = entry(name)
    if e.suite is None:
        return kernels.pick(None, kernels.installed())
    with locked():
        before = current_releases().get(name)
        release = resolve(e)
        _fetch(e, release)
        _ensure_toolchain(e, release)
        if before is not None and before != release:
            retire(before)
        return _kernel(e, release)


def current_releases() -> dict[str, str]:
    """{matrix name: the release its suite pointed at when last looked up} (no network)."""
    found = {}
    for e in ENTRIES:
        stamp = _release_file(e)
        if e.suite is not None and stamp.is_file():
            found[e.name] = stamp.read_text().strip()
    return found


def retire(release: str) -> list[Path]:
    """Drop a matrix kernel no suite points at any more (its suite moved on): its prefix, its
    headers in the build chroots and the modules built for it. Kept while a suite still uses it.
    The caller holds the lock. Returns what was removed."""
    if release in current_releases().values():
        return []
    removed = []
    for path in (prefix(release), paths.cache_dir() / "build" / release):
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for e in ENTRIES:
        croot = chroot.root(e.chroot) if e.chroot else None
        if croot is not None and release in chroot.header_releases(croot):
            chroot.remove_headers(croot, release)
            removed.append(chroot.headers_dir(croot, release))
    return removed


def cached() -> list[kernels.Kernel]:
    """Matrix kernels already complete in the cache (no network)."""
    found = []
    current = current_releases()
    for e in ENTRIES:
        release = current.get(e.name)
        if release is None or not (prefix(release) / _COMPLETE).exists():
            continue
        try:
            k = _kernel(e, release)
        except FetchError:
            continue
        if (k.build_dir / "Makefile").exists():
            found.append(k)
    return found
