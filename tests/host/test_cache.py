"""The caches: two roots, what is kept in them, what nothing uses, and pruning it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pyharness.matrix import cache, debian, debugkernel
from pyharness.vm import build, chroot, kernels, paths, vng

DAY = 86400.0


def test_one_directory_for_everything_by_default(monkeypatch):
    monkeypatch.delenv(paths.CACHE_ENV, raising=False)
    monkeypatch.delenv(paths.DOWNLOADS_ENV, raising=False)
    monkeypatch.setattr(Path, "mkdir", lambda *a, **k: None)
    assert paths.cache_dir() == paths.downloads_dir() == Path("/var/lib/ovpn-dco")


def test_downloads_follow_the_cache_unless_kept_apart(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.DOWNLOADS_ENV, raising=False)
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "c"))
    assert paths.cache_dir() == paths.downloads_dir() == tmp_path / "c"
    monkeypatch.setenv(paths.DOWNLOADS_ENV, str(tmp_path / "d"))
    assert (paths.cache_dir(), paths.downloads_dir()) == (tmp_path / "c", tmp_path / "d")
    assert (tmp_path / "c").is_dir() and (tmp_path / "d").is_dir()


def test_kernels_chroots_and_the_debug_kernel_are_downloads(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "c"))
    monkeypatch.setenv(paths.DOWNLOADS_ENV, str(tmp_path / "d"))
    d = tmp_path / "d"
    assert debian.prefix("7.2.0-1-amd64") == d / "kernels" / "7.2.0-1-amd64"
    assert f"-oDir::State::Lists={d}/apt/lists" in debian.apt_options()
    assert chroot.root("sid") == d / "chroots" / "sid"
    assert debugkernel.root() == d / "debug-kernel"
    k = kernels.Kernel("6.1.0-57-amd64", tmp_path / "vmlinuz", tmp_path / "build", tmp_path / "config")
    assert build._stage(k, debug=False).parents[2] == tmp_path / "c" / "build"


def _stage(root: Path, release: str, name: str, tree: Path | None) -> Path:
    d = root / "build" / release / name
    (d / "kernel").mkdir(parents=True)
    (d / "kernel" / "ovpn-dco.ko").write_bytes(b"\0" * 5000)
    if tree is not None:
        (d / build.OWNER).write_text(f"{tree}\n")
    return d


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


@pytest.fixture
def roots(monkeypatch, tmp_path):
    """A build cache and a downloads directory holding one of each kind of entry."""
    c, d = tmp_path / "cache", tmp_path / "downloads"
    monkeypatch.setenv(paths.CACHE_ENV, str(c))
    monkeypatch.setenv(paths.DOWNLOADS_ENV, str(d))
    live_tree = tmp_path / "checkout"
    live_tree.mkdir()
    installed = kernels.Kernel("6.1.0-57-amd64", tmp_path / "v", tmp_path / "b", tmp_path / "cfg")
    monkeypatch.setattr(kernels, "installed", lambda: [installed])
    monkeypatch.setattr(debugkernel, "source_version", lambda: "6.1.190-1")
    monkeypatch.setattr(debugkernel, "cached", lambda: [])
    monkeypatch.setattr(vng, "boot_id", lambda: "this-boot")
    purged: list[tuple[Path, str]] = []

    def remove_headers(croot: Path, release: str) -> None:
        purged.append((croot, release))
        for name in (release, release.removesuffix("-amd64") + "-common"):
            (croot / "usr" / "src" / f"linux-headers-{name}").rename(croot / f"purged-{name}")

    monkeypatch.setattr(chroot, "remove_headers", remove_headers)
    keep = [
        _stage(c, "6.1.0-57-amd64", "release-live", live_tree),
        _stage(c, "7.2.0-1-amd64", "release-live", live_tree),
        c / "accel-this-boot",
        c / "guest-run-now",
        d / "kernels" / "sid.release",
        d / "kernels" / "7.2.0-1-amd64",
        d / "chroots" / "sid",
        d / "debug-kernel" / debugkernel.work_dir("6.1.190-1").name,
        d / "debug-kernel" / "src-6.1.190-1",
        d / "checkpatch",
    ]
    unused = {
        _stage(c, "6.1.0-57-amd64", "debug-gone", tmp_path / "deleted-checkout"): "work tree gone",
        _stage(c, "6.1.0-56-amd64", "release-live", live_tree): "no kernel 6.1.0-56-amd64 any more",
        c / "accel-an-old-boot": "an earlier host boot",
        # a build from before the build cache and the downloads were kept apart
        _stage(d, "6.1.0-57-amd64", "release-old-ci-clone", tmp_path / "gone-clone"): "work tree gone",
        c / "guest-run-old": "left by a run that ended",
        c / "races-old": "left by a run that ended",
        d / "kernels" / "bullseye.release": "no such matrix kernel",
        d / "kernels" / "7.1.0-1-amd64": "no matrix suite points at it",
        d / "kernels" / "7.2.0-1-amd64.tmp": "interrupted unpack",
        d / "debs" / "7.2.0-1-amd64": "left by an interrupted fetch",
        d / "chroots" / "sid" / "usr" / "src" / "linux-headers-7.1.0-1-amd64": "no matrix suite points at it",
        d / "chroots" / "bullseye": "no matrix kernel is built in it",
        d / "debug-kernel" / "6.1.180-1-0123456789ab": "another source, fragment or virtme-ng",
        d / "debug-kernel" / "src-6.1.180-1": "another source, fragment or virtme-ng",
    }
    for p in [*keep, *unused]:
        if p.suffix in (".release",) or p.name.startswith("accel-"):
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("7.2.0-1-amd64\n" if p.name == "sid.release" else "kvm\n")
        else:
            p.mkdir(parents=True, exist_ok=True)
            (p / "data").write_bytes(b"\1" * 3000)
    for name in ("7.2.0-1-amd64", "7.2.0-1-common", "7.1.0-1-common"):
        (d / "chroots" / "sid" / "usr" / "src" / f"linux-headers-{name}").mkdir(parents=True, exist_ok=True)
    for p in (c / "guest-run-old", c / "races-old"):
        _age(p, cache.RUN_MAX_AGE + 60)
    return keep, unused, purged


def test_every_entry_is_listed_and_judged(roots):
    keep, unused, _ = roots
    found = {e.path: e.unused for e in cache.entries()}
    assert {p: why for p, why in found.items() if why} == unused
    assert set(keep) <= {p for p, why in found.items() if not why}


def test_debug_kernel_builds_are_kept_when_the_source_version_is_unknown(roots, monkeypatch):
    monkeypatch.setattr(debugkernel, "source_version", lambda: None)
    judged = {e.path: e.unused for e in cache.entries() if e.path.parent.name == "debug-kernel"}
    assert len(judged) == 4 and set(judged.values()) == {""}


def test_sizes_are_counted(roots):
    found = {e.path: e.size for e in cache.entries()}
    stage = paths.cache_dir() / "build" / "6.1.0-57-amd64" / "release-live"
    assert found[stage] >= 8000  # the module and the work tree record
    assert all(size >= 0 for size in found.values())


def test_prune_removes_exactly_what_nothing_uses(roots):
    keep, unused, purged = roots
    removed = cache.prune()
    assert {e.path for e in removed} == set(unused)
    for p in unused:
        assert not p.exists(), p
    for p in keep:
        assert p.exists(), p
    sid = paths.downloads_dir() / "chroots" / "sid"
    assert purged == [(sid, "7.1.0-1-amd64")]
    # an emptied release directory goes too; a second prune finds nothing
    assert not (paths.cache_dir() / "build" / "6.1.0-56-amd64").exists()
    assert cache.prune() == []
    assert [e for e in cache.entries() if e.unused] == []


def test_prune_of_empty_and_missing_caches(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "new" / "c"))
    monkeypatch.setenv(paths.DOWNLOADS_ENV, str(tmp_path / "new" / "d"))
    assert cache.prune() == []
    lines = cache.report(cache.entries())
    assert lines[-2].split()[:5] == ["0B", "in", "all;", "0B", "unused"]


def test_a_suite_that_moves_on_retires_its_old_kernel(roots):
    d, c = paths.downloads_dir(), paths.cache_dir()
    (d / "kernels" / "sid.release").write_text("7.1.0-1-amd64\n")
    assert debian.retire("7.1.0-1-amd64") == []  # still the suite's kernel
    (d / "kernels" / "sid.release").write_text("7.2.0-1-amd64\n")
    _stage(c, "7.1.0-1-amd64", "release-x", None)
    removed = debian.retire("7.1.0-1-amd64")
    assert removed == [
        d / "kernels" / "7.1.0-1-amd64",
        c / "build" / "7.1.0-1-amd64",
        d / "chroots" / "sid" / "usr" / "src" / "linux-headers-7.1.0-1-amd64",
    ]
    assert not (d / "kernels" / "7.1.0-1-amd64").exists() and (d / "kernels" / "7.2.0-1-amd64").exists()


def test_human_sizes():
    assert [cache.human(n) for n in (0, 1023, 4096, 5 * 2**20, 3 * 2**30)] == ["0B", "1023B", "4.0K", "5.0M", "3.0G"]
