"""The debug kernel: Debian's linux-source-6.1 with KASAN, UBSAN, kmemleak, lockdep & co.

Built here, once per (source version, config fragment, virtme-ng version):
virtme-ng's minimal config for a guest (``virtme-configkernel --defconfig``),
then scripts/debug-kernel.config merged over it (``olddefconfig``); every
line of the fragment must survive into the .config, or the build stops and
names the options that did not. The build runs at the lowest priority
(``nice -n 19``) in ``$OVPN_DCO_DOWNLOADS/debug-kernel/VERSION-KEY/build`` (an ``O=``
tree the module is built against) and installs into ``.../prefix``
(``boot/vmlinuz-RELEASE``, ``lib/modules/RELEASE``), which vng boots.
``--kernel debug`` selects it; ``python -m pyharness.matrix.debugkernel`` builds it
(or prints where the cached one is).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from ..vm import kconfig, kernels, paths

NAME = "debug"  # what --kernel accepts
SOURCE_PACKAGE = "linux-source-6.1"
FRAGMENT = paths.REPO / "scripts" / "debug-kernel.config"
# The debugging the debug kernel exists for: the fragment asks for each (a host test) and the
# running kernel has each (tests/guest/test_debug_kernel.py).
DEBUG_OPTIONS = (
    "KASAN",
    "UBSAN",
    "DEBUG_KMEMLEAK",
    "PROVE_LOCKING",
    "PROVE_RCU",
    "DEBUG_LIST",
    "DEBUG_ATOMIC_SLEEP",
    "DEBUG_OBJECTS",
    "PANIC_ON_OOPS",
)
# WARN and oops panic the guest (the run then fails with the console shown); vng adds panic=-1.
# no_timer_check: under a loaded TCG host the slow early boot of this kernel can fail the
# IO-APIC timer check ("IO-APIC + timer doesn't work!", a panic before any test ran).
BOOT_ARGS = "panic_on_warn=1 oops=panic kmemleak=on no_timer_check"
# KASAN + lockdep + kmemleak under TCG: how much slower than a stock kernel timing-sensitive
# code may be (pyharness.guest.timing scales test deadlines by it).
SLOWDOWN = 4.0
_COMPLETE = ".ovpn-dco-complete"


class DebugKernelError(RuntimeError):
    """The debug kernel could not be configured or built; the message says why."""


def _run(argv: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    if proc.returncode != 0:
        raise DebugKernelError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}")
    return proc.stdout


def source_version() -> str | None:
    """The installed linux-source-6.1's Debian version, or None."""
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}${Version}", SOURCE_PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    out = proc.stdout.strip()
    return out[3:].strip() if proc.returncode == 0 and out.startswith("ii") else None


def ensure_source() -> str:
    """Install linux-source-6.1 with apt if it is not installed (idempotent); its version."""
    version = source_version()
    if version is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", SOURCE_PACKAGE]
        if subprocess.run(install, capture_output=True, env=env, check=False).returncode != 0:
            _run(["apt-get", "update", "-q"], "apt-get update", env=env)
            _run(install, f"apt-get install {SOURCE_PACKAGE}", env=env)
        version = source_version()
        if version is None:
            raise DebugKernelError(f"{SOURCE_PACKAGE} is still not installed")
    return version


def _vng_version() -> str:
    try:
        return metadata.version("virtme-ng")
    except metadata.PackageNotFoundError:
        return "unknown"


def cache_key(version: str, fragment: bytes, vng: str) -> str:
    """The build directory's name: changes with the source, the fragment or virtme-ng."""
    digest = hashlib.sha256(b"\0".join([version.encode(), fragment, vng.encode()])).hexdigest()[:12]
    return f"{version}-{digest}"


def fragment_options(text: str) -> dict[str, str]:
    """The options a config fragment sets: {NAME: value}, 'n' for '# CONFIG_X is not set'."""
    opts: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("CONFIG_") and "=" in line:
            name, value = line[len("CONFIG_") :].split("=", 1)
            opts[name] = value
        elif line.startswith("# CONFIG_") and line.endswith(" is not set"):
            opts[line[len("# CONFIG_") : -len(" is not set")]] = "n"
    return opts


def missing_options(fragment: dict[str, str], dotconfig: dict[str, str]) -> list[str]:
    """Options of the fragment the .config does not have as asked (kconfig dropped them)."""
    return [
        f"CONFIG_{name}={want} (the .config has {dotconfig.get(name, 'n')})"
        for name, want in fragment.items()
        if dotconfig.get(name, "n") != want
    ]


def root() -> Path:
    return paths.downloads_dir() / "debug-kernel"


def _source_tree(version: str) -> Path:
    """linux-source-6.1's tarball unpacked once per source version (shared by all builds)."""
    base = root() / f"src-{version}"
    tree = base / "linux-source-6.1"
    if (base / _COMPLETE).exists():
        return tree
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    tarball = Path("/usr/src/linux-source-6.1.tar.xz")
    _run(["nice", "-n", "19", "tar", "-xf", str(tarball), "-C", str(base)], f"unpacking {tarball}")
    (base / _COMPLETE).write_text(version + "\n")
    return tree


def _configure(src: Path, build: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(paths.python()).parent), env.get("PATH", "/usr/bin:/bin")])
    _run(["virtme-configkernel", "--defconfig", f"O={build}"], "virtme-configkernel --defconfig", cwd=src, env=env)
    config = build / ".config"
    text = FRAGMENT.read_text()
    with open(config, "a") as fh:
        fh.write("\n" + text)
    _run(["make", "-C", str(src), f"O={build}", "olddefconfig"], "make olddefconfig")
    missing = missing_options(fragment_options(text), kconfig.read_dotconfig(config))
    if missing:
        raise DebugKernelError(f"{FRAGMENT.name}: options kconfig did not keep:\n  " + "\n  ".join(missing))


def _release(src: Path, build: Path) -> str:
    return _run(["make", "-s", "-C", str(src), f"O={build}", "kernelrelease"], "make kernelrelease").strip()


def _build(src: Path, work: Path, jobs: int, log: Path) -> str:
    build = work / "build"
    prefix = work / "prefix"
    if not (build / ".config").exists() or not (build / ".configured").exists():
        build.mkdir(parents=True, exist_ok=True)
        _configure(src, build)
        (build / ".configured").write_text("")
    make = ["nice", "-n", "19", "make", "-C", str(src), f"O={build}", f"-j{jobs}"]
    start = time.monotonic()
    with open(log, "w") as fh:
        proc = subprocess.run([*make, "bzImage", "modules"], stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise DebugKernelError(f"building the debug kernel failed (log: {log}):\n{log.read_text()[-6000:]}")
    release = _release(src, build)
    shutil.rmtree(prefix, ignore_errors=True)
    (prefix / "boot").mkdir(parents=True)
    _run([*make, f"INSTALL_MOD_PATH={prefix}", "modules_install"], "make modules_install")
    shutil.copy2(build / "arch" / "x86" / "boot" / "bzImage", prefix / "boot" / f"vmlinuz-{release}")
    shutil.copy2(build / ".config", prefix / "boot" / f"config-{release}")
    _run(["depmod", "-b", str(prefix), release], "depmod")
    minutes = (time.monotonic() - start) / 60
    (work / _COMPLETE).write_text(f"{release}\n{minutes:.1f} min\n")
    return release


@contextmanager
def _locked() -> Iterator[None]:
    with paths.locked(root() / "lock"):
        yield


def work_dir(version: str) -> Path:
    return root() / cache_key(version, FRAGMENT.read_bytes(), _vng_version())


def kernel_of(work: Path) -> kernels.Kernel:
    """The Kernel of a finished build directory."""
    release = (work / _COMPLETE).read_text().split("\n", 1)[0].strip()
    return kernels.Kernel(
        release,
        work / "prefix" / "boot" / f"vmlinuz-{release}",
        work / "build",
        work / "build" / ".config",
        cmdline=BOOT_ARGS,
        slowdown=SLOWDOWN,
        debug=True,
    )


def cached() -> list[kernels.Kernel]:
    """The debug kernel if this source and fragment are built already (no apt, no build)."""
    version = source_version()
    if version is None or not FRAGMENT.exists():
        return []
    work = work_dir(version)
    return [kernel_of(work)] if (work / _COMPLETE).exists() else []


def prepare(jobs: int = 2) -> kernels.Kernel:
    """The debug kernel, built if the cache lacks this source + fragment (idempotent)."""
    with _locked():
        version = ensure_source()
        work = work_dir(version)
        if not (work / _COMPLETE).exists():
            src = _source_tree(version)
            work.mkdir(parents=True, exist_ok=True)
            print(f"ovpn-dco: building the debug kernel in {work} (once; an hour or more on 2 cores)", flush=True)
            _build(src, work, jobs, work / "build.log")
        return kernel_of(work)


def main() -> int:
    k = prepare()
    print(f"{k.release}: {k.vmlinuz} (build tree {k.build_dir})")
    print((work_dir(ensure_source()) / _COMPLETE).read_text().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
