"""The out-of-tree build: clean with W=1, for the harness and for plain make."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from pyharness.vm import build, kernels, paths


@pytest.fixture(scope="module")
def kernel(target_kernel) -> kernels.Kernel:
    return target_kernel


def modinfo(path: str, field: str) -> list[str]:
    out = subprocess.run(["modinfo", "-F", field, path], check=True, capture_output=True, text=True).stdout
    return out.split("\n")[:-1]


@pytest.mark.parametrize("debug", [False, True], ids=["release", "debug"])
def test_module_builds_without_warnings_at_w1(kernel, debug):
    result = build.build(kernel, debug=debug)
    assert result.module.name == "ovpn-dco.ko"
    assert result.warnings == []
    assert modinfo(str(result.module), "vermagic")[0].split()[0] == kernel.release


def test_plain_make_builds_against_kdir(kernel, tmp_path):
    for part in ("kernel", "uapi"):
        shutil.copytree(paths.REPO / part, tmp_path / part)
    shutil.copy(paths.REPO / "Makefile", tmp_path / "Makefile")
    # on the host, or in the kernel's build chroot (a newer toolchain) with tmp_path bound in
    proc = build.run_make(kernel, ["make", "-C", str(tmp_path), f"KDIR={kernel.make_dir}"], tmp_path)
    assert proc.returncode == 0, proc.stdout
    module = tmp_path / "kernel" / "ovpn-dco.ko"
    assert module.exists()
    assert modinfo(str(module), "name") == ["ovpn_dco"]


# What the Kbuild probes (kernel/Kbuild: ovpn_probe) find in each kernel series of the matrix.
PROBES_BY_SERIES = {
    "6.1.": {"SK_USE_TASK_FRAG", "PROTO_RECVMSG_ADDR_LEN"},
    "6.12.": {
        "SK_USE_TASK_FRAG",
        "PROTO_RECVMSG_ADDR_LEN",
        "CRYPTO_COMPL_DATA",
        "GENL_INFO_DUMP",
        "SYSTEM_DFL_WQ",
        "NLA_UINT_TYPE",
    },
    "7.": {
        "SK_USE_TASK_FRAG",
        "CRYPTO_COMPL_DATA",
        "GENL_INFO_DUMP",
        "NEWLINK_PARAMS",
        "UDP_TUNNEL_IPCB_FLAGS",
        "UDP_TUNNEL_SETUP_SK",
        "SYSTEM_DFL_WQ",
        "CHACHA_STATE",
        "NLA_UINT_TYPE",
        "WQ_PERCPU",
    },
}


def test_kbuild_probes_find_the_apis_of_the_kernel(kernel):
    result = build.build(kernel)
    cmd = (result.module.parent / ".main.o.cmd").read_text()
    found = set(re.findall(r"-DOVPN_COMPAT_([A-Z0-9_]+)", cmd))
    (expected,) = [probes for series, probes in PROBES_BY_SERIES.items() if kernel.release.startswith(series)]
    assert found == expected


def test_prune_removes_the_staging_of_work_trees_that_are_gone(tmp_path):
    live, gone = tmp_path / "live-tree", tmp_path / "gone-tree"
    live.mkdir()
    release = tmp_path / "build" / "6.1.0-56-amd64"
    staged = (("release-aaaa", live), ("debug-bbbb", gone), ("release-cccc", None), ("release", None))
    for name, owner in staged:
        d = release / name / "kernel"
        d.mkdir(parents=True)
        if owner is not None:
            (d.parent / build.OWNER).write_text(f"{owner}\n")
    now = time.time()
    old = now - (build.UNOWNED_DAYS + 1) * 86400
    os.utime(release / "release", (old, old))
    removed = build.prune(release, now)
    assert removed == [release / "debug-bbbb", release / "release"]
    assert sorted(p.name for p in release.iterdir()) == ["release-aaaa", "release-cccc"]


def test_staging_records_its_work_tree(kernel):
    src = build._stage(kernel, debug=False)
    assert (src.parent / build.OWNER).read_text() == f"{build.paths.REPO}\n"


def _fake_kernel(release: str, tmp_path) -> kernels.Kernel:
    return kernels.Kernel(release, tmp_path / "vmlinuz", tmp_path / "build", tmp_path / "config")


@pytest.mark.parametrize("root_exists", [False, True], ids=["no-cache-root", "empty-cache-root"])
def test_staging_starts_from_an_empty_or_missing_cache(monkeypatch, tmp_path, root_exists):
    cache = tmp_path / "cache"
    if root_exists:
        cache.mkdir()
    monkeypatch.setenv("OVPN_DCO_CACHE", str(cache))
    src = build._stage(_fake_kernel("6.1.0-99-amd64", tmp_path), debug=False)
    assert src.parent.parent == cache / "build" / "6.1.0-99-amd64"
    assert sorted(p.name for p in src.iterdir()) == sorted(p.name for p in paths.KERNEL_SRC.iterdir())
    assert (src.parent / "uapi" / "linux" / "ovpn_dco.h").is_file()
    assert (src.parent / build.OWNER).read_text() == f"{paths.REPO}\n"


def test_staging_for_a_release_seen_for_the_first_time(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.setenv("OVPN_DCO_CACHE", str(cache))
    old = build._stage(_fake_kernel("6.1.0-56-amd64", tmp_path), debug=False)
    new = build._stage(_fake_kernel("6.1.0-57-amd64", tmp_path), debug=True)
    assert new.parent.parent == cache / "build" / "6.1.0-57-amd64"
    assert new.parent.name.startswith("debug-") and (new / "main.c").is_file()
    assert (old / "main.c").is_file()


def test_prune_of_a_release_never_built_removes_nothing(tmp_path):
    assert build.prune(tmp_path / "build" / "6.1.0-57-amd64") == []


def test_staging_drops_sources_gone_from_subdirectories(monkeypatch, tmp_path):
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path / "cache"))
    kernel = _fake_kernel("6.1.0-99-amd64", tmp_path)
    src = build._stage(kernel, debug=True)
    gone = (src / "selftest" / "gone.c", src / "gone.h")
    for p in gone:
        p.write_text("/* no longer in the repo */\n")
    src = build._stage(kernel, debug=True)
    assert not any(p.exists() for p in gone)
    assert (src / "selftest" / "pktid.c").is_file()


def test_builds_of_one_staging_directory_take_turns(monkeypatch, tmp_path):
    """A second build of the same work tree and kernel waits for the first to finish making."""
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path / "cache"))
    kernel = _fake_kernel("6.1.0-99-amd64", tmp_path)
    monkeypatch.setattr(build.kconfig, "check", lambda _config: None)
    events: list[str] = []

    def fake_make(_kernel, _args, _tree):
        events.append("make")
        return subprocess.CompletedProcess([], 0, "", None)

    monkeypatch.setattr(build, "run_make", fake_make)
    done = threading.Event()

    def second_build() -> None:
        build.build(kernel)
        done.set()

    with paths.locked(build._stage_root(kernel, False) / build.LOCK):
        t = threading.Thread(target=second_build)
        t.start()
        assert not done.wait(0.5)  # blocked on the first build's lock
        events.append("first done")
    t.join(10)
    assert done.is_set() and events == ["first done", "make"]
