"""Debian 12's own openvpn-dco-dkms module, fetched from the archive and built on the host for the bench.

``make bench`` measures it beside ovpn-dco, driven by the same OpenVPN 2.6: the
module OpenVPN users on Debian 12 install today is the anchor the ovpn-dco rows
are read against. Nothing of it is kept in the repository:

- the package version is looked up in Debian 12's ``main`` through the project's own
  sources list (scripts/apt/bookworm.list, with lists under the downloads,
  ``$OVPN_DCO_DOWNLOADS/openvpn-dco-dkms/apt``; looked up again after a day, offline
  the version found last), and its ``.deb`` fetched with ``apt-get download`` into
  ``$OVPN_DCO_DOWNLOADS/openvpn-dco-dkms``;
- its sources (``/usr/src/ovpn-dco-VERSION``) are unpacked with ``dpkg -x`` and built
  for the guest's kernel with the ``MAKE`` line of the package's own ``dkms.conf`` (as
  DKMS would, against the kernel's build tree; in the kernel's chroot for a kernel
  built there), and the module kept in the build cache, keyed by package version and
  kernel release: ``$OVPN_DCO_CACHE/openvpn-dco-dkms/build/VERSION/RELEASE/``.

``kept`` judges those entries for ``ovpn-dco-harness cache``. Everything but
``lookup``, ``fetch`` and ``build`` is pure.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..vm import paths
from ..vm.kernels import Kernel
from . import debian

PACKAGE = "openvpn-dco-dkms"
DIR = PACKAGE  # under the downloads and under the build cache
SUITE_LABEL = "Debian 12"
SOURCES = paths.REPO / "scripts" / "apt" / "bookworm.list"
LOOKUP_MAX_AGE = 24 * 3600.0
_COMPLETE = ".ovpn-dco-complete"
_VERSION = "version"  # the stamp of the version looked up last


class AnchorError(RuntimeError):
    """The package could not be fetched or its module not built; the message says why."""


# ---------------------------------------------------------------- pure


def upstream_version(debian_version: str) -> str:
    """The upstream part of a Debian version: no epoch, no Debian revision."""
    version = debian_version.split(":", 1)[1] if ":" in debian_version else debian_version
    return version.rsplit("-", 1)[0] if "-" in version else version


def label(debian_version: str) -> str:
    """How tables name the module: ``openvpn-dco-dkms 0.0+git20231103 (Debian 12)``."""
    return f"{PACKAGE} {upstream_version(debian_version)} ({SUITE_LABEL})"


def parse_candidate(policy: str) -> str | None:
    """The candidate version in ``apt-cache policy PACKAGE`` output; None if there is none."""
    for line in policy.splitlines():
        key, _, value = line.strip().partition(":")
        if key == "Candidate":
            value = value.strip()
            return None if value in ("", "(none)") else value
    return None


def deb_name(debian_version: str) -> str:
    """The file ``apt-get download`` writes for a version (an epoch's colon is escaped as %3a)."""
    return f"{PACKAGE}_{debian_version.replace(':', '%3a')}_all.deb"


@dataclass(frozen=True)
class DkmsConf:
    """What a package's dkms.conf says about building its (first) module."""

    package_name: str
    package_version: str
    make: str
    module_name: str  # BUILT_MODULE_NAME[0], without .ko
    module_location: str  # BUILT_MODULE_LOCATION[0], relative to the source tree

    @property
    def module_file(self) -> str:
        return f"{self.module_name}.ko"

    @property
    def loaded_name(self) -> str:
        """The module's name once loaded (/sys/module/NAME): dashes become underscores."""
        return self.module_name.replace("-", "_")


_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?=(.*)$")


def parse_dkms_conf(text: str) -> DkmsConf:
    """The build-relevant settings of a dkms.conf (shell assignments; array entries [0] only)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        m = _ASSIGN.match(line.strip())
        if not m or (m.group(2) not in (None, "0")):
            continue
        words = shlex.split(m.group(3), comments=True)
        values[m.group(1)] = words[0] if words else ""
    try:
        return DkmsConf(
            values["PACKAGE_NAME"],
            values["PACKAGE_VERSION"],
            values.get("MAKE", "make"),
            values["BUILT_MODULE_NAME"],
            values.get("BUILT_MODULE_LOCATION", "").strip("/"),
        )
    except KeyError as exc:
        raise AnchorError(f"dkms.conf lacks {exc.args[0]}") from None


def make_argv(conf: DkmsConf, release: str, kernel_source_dir: str, src: str, jobs: int = 2) -> list[str]:
    """dkms.conf's MAKE line with DKMS's variables filled in, run in ``src`` with ``jobs`` jobs."""
    line = conf.make
    for name, value in (
        ("kernelver", release),
        ("kernel_source_dir", kernel_source_dir),
        ("PACKAGE_VERSION", conf.package_version),
        ("PACKAGE_NAME", conf.package_name),
    ):
        line = line.replace("${" + name + "}", value)
        line = re.sub(rf"\${name}(?![A-Za-z0-9_])", lambda _m, v=value: v, line)
    argv = shlex.split(line)
    if not argv or argv[0] != "make" or "$" in line:
        raise AnchorError(f"dkms.conf's MAKE line is not a plain make command: {conf.make!r}")
    return ["make", "-C", src, f"-j{jobs}", *argv[1:]]


_COMPILE_ERROR = re.compile(r"([^/\s]+:\d+(?::\d+)?: (?:fatal )?error: .*)")


def first_error(log: str) -> str:
    """The first compiler error of a build log, its file without the directory ("" if none)."""
    for line in log.splitlines():
        m = _COMPILE_ERROR.search(line)
        if m:
            return m.group(1).strip()
    return ""


def downloads() -> Path:
    """Where the package, its apt lists and the version stamp are kept."""
    return paths.downloads_dir() / DIR


def build_root() -> Path:
    return paths.cache_dir() / DIR / "build"


def build_dir(debian_version: str, release: str) -> Path:
    """The cache entry of one build: keyed by package version and kernel release."""
    return build_root() / debian_version / release


def current_version() -> str | None:
    """The version looked up last (no network); None before the first lookup."""
    stamp = downloads() / _VERSION
    return stamp.read_text().strip() or None if stamp.is_file() else None


def kept(live: set[str]) -> list[tuple[Path, str, str]]:
    """Every entry of the anchor in the caches: (path, what it is, why unused or "").

    A build is unused when its kernel release is not ``live`` any more or its package
    version is not the current one; a downloaded package of another version too.
    """
    current = current_version()
    found: list[tuple[Path, str, str]] = []
    base = downloads()
    for p in sorted(base.glob("*")) if base.is_dir() else []:
        if p.name == _VERSION:
            found.append((p, f"{PACKAGE}: version looked up ({current})", ""))
        elif p.name == "apt":
            found.append((p, f"{PACKAGE}: apt lists (scripts/apt/bookworm.list)", ""))
        elif p.suffix == ".deb":
            other = current is not None and p.name != deb_name(current)
            found.append((p, f"{PACKAGE}: package", "another package version" if other else ""))
        elif p.name.endswith(".tmp"):
            found.append((p, f"{PACKAGE}: interrupted download", "interrupted download"))
    root = build_root()
    for vdir in sorted(p for p in root.glob("*") if p.is_dir()):
        releases = sorted(p for p in vdir.iterdir() if p.is_dir())
        if not releases:
            found.append((vdir, f"{PACKAGE} {vdir.name}: no build", "nothing built"))
        for rdir in releases:
            what = f"{PACKAGE} {vdir.name}: build for {rdir.name.removesuffix('.tmp')}"
            if rdir.name.endswith(".tmp"):
                why = "failed or interrupted build"
            elif rdir.name not in live:
                why = f"no kernel {rdir.name} any more"
            elif current is not None and vdir.name != current:
                why = "another package version"
            else:
                why = ""
            found.append((rdir, what, why))
    return found


# ---------------------------------------------------------------- archive and build


@dataclass(frozen=True)
class Anchor:
    """The built module of one package version for one kernel."""

    version: str  # Debian version of the package
    release: str
    module: Path
    conf: DkmsConf

    @property
    def label(self) -> str:
        return label(self.version)


def apt_options() -> list[str]:
    """apt options for bookworm main, with lists and cache of the anchor's own."""
    return debian.apt_options_for(SOURCES, downloads() / "apt")


def _run(argv: list[str], what: str, cwd: Path | None = None) -> str:
    return debian.run_or_raise(argv, what, AnchorError, cwd)


def lookup() -> str:
    """The package's version in Debian 12 (looked up again after a day; offline, the last one)."""
    stamp = downloads() / _VERSION
    if stamp.is_file() and time.time() - stamp.stat().st_mtime < LOOKUP_MAX_AGE and current_version():
        return stamp.read_text().strip()
    base = downloads() / "apt"
    try:
        (base / "lists" / "partial").mkdir(parents=True, exist_ok=True)
        (base / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
        _run(["apt-get", *apt_options(), "update", "-q"], "apt-get update (scripts/apt/bookworm.list)")
        version = parse_candidate(_run(["apt-cache", *apt_options(), "policy", PACKAGE], f"apt-cache policy {PACKAGE}"))
    except AnchorError:
        if current_version():
            return stamp.read_text().strip()
        raise
    if version is None:
        raise AnchorError(f"Debian 12 has no {PACKAGE} (scripts/apt/bookworm.list)")
    stamp.write_text(version + "\n")
    return version


def fetch(version: str) -> Path:
    """The package's .deb in the downloads (fetched once); other versions' are removed."""
    deb = downloads() / deb_name(version)
    if deb.is_file():
        return deb
    tmp = Path(tempfile.mkdtemp(prefix="fetch-", suffix=".tmp", dir=downloads()))
    try:
        _run(["apt-get", *apt_options(), "download", "-q", f"{PACKAGE}={version}"], f"downloading {PACKAGE}", tmp)
        got = sorted(tmp.glob("*.deb"))
        if len(got) != 1:
            raise AnchorError(f"apt-get download left {[p.name for p in got]} in {tmp}")
        got[0].rename(deb)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in downloads().glob(f"{PACKAGE}_*.deb"):
        if old != deb:
            old.unlink()
    return deb


def unpack(deb: Path, dest: Path) -> Path:
    """Unpack ``deb`` into ``dest``; the DKMS source tree it ships (the directory of its dkms.conf)."""
    _run(["dpkg", "-x", str(deb), str(dest)], f"unpacking {deb.name}")
    confs = sorted(dest.glob("usr/src/*/dkms.conf"))
    if len(confs) != 1:
        raise AnchorError(f"{deb.name} ships {len(confs)} dkms.conf under /usr/src, expected one")
    return confs[0].parent


def build(kernel: Kernel, version: str | None = None) -> Anchor:
    """The package's module built for ``kernel`` (from the build cache when built before)."""
    from ..vm import build as vmbuild
    from . import debian

    with debian.locked():  # no prune of the cache meanwhile
        downloads().mkdir(parents=True, exist_ok=True)
        version = version or lookup()
        deb = fetch(version)
        out = build_dir(version, kernel.release)
        if (out / _COMPLETE).is_file():
            conf = parse_dkms_conf((out / "dkms.conf").read_text())
            return Anchor(version, kernel.release, out / conf.module_file, conf)
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        tmp.mkdir(parents=True)
        src = unpack(deb, tmp / "pkg")
        conf = parse_dkms_conf((src / "dkms.conf").read_text())
        argv = make_argv(conf, kernel.release, str(kernel.make_dir), str(src))
        proc = vmbuild.run_make(kernel, argv, tmp)
        (tmp / "build.log").write_text(shlex.join(argv) + "\n" + proc.stdout)
        if proc.returncode != 0:
            why = first_error(proc.stdout) or f"make exit {proc.returncode}"
            log = tmp / "build.log"
            raise AnchorError(f"building {PACKAGE} {version} for {kernel.release} failed: {why} (log: {log})")
        built = src / conf.module_location / conf.module_file
        if not built.is_file():
            raise AnchorError(f"the build of {PACKAGE} {version} left no {conf.module_location}/{conf.module_file}")
        shutil.copy2(built, tmp / conf.module_file)
        shutil.copy2(src / "dkms.conf", tmp / "dkms.conf")
        shutil.rmtree(tmp / "pkg")
        (tmp / _COMPLETE).write_text(f"{version} {kernel.release}\n")
        tmp.rename(out)
        return Anchor(version, kernel.release, out / conf.module_file, conf)
