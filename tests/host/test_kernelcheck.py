"""With --kernel debug, a splat in the guest kernel's log fails the session and is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyharness import plugin
from pyharness.vm import klog

pytest_plugins = ["pytester"]
SAMPLES = Path(__file__).parent / "klog_samples"

GUEST_TESTS = """
import pytest

@pytest.mark.guest
def test_in_guest():
    pass

@pytest.mark.guest
@pytest.mark.debug_kernel
def test_debug_features():
    pass
"""


def fake_guest(kmsg: str, kmemleak: str, console: str = ""):
    def run(config: pytest.Config, pending: list[plugin.GuestItem]) -> None:
        config.stash[plugin._RESULTS] = {
            i.nodeid: {"nodeid": i.nodeid, "when": "call", "outcome": "passed", "longrepr": ""} for i in pending
        }
        rundir = Path(str(config.rootpath)) / "rundir"
        rundir.mkdir()
        (rundir / klog.KMSG).write_text(kmsg)
        (rundir / klog.KMEMLEAK).write_text(kmemleak)
        (rundir / klog.FINISHED).write_text("ok\n")
        plugin.kernelcheck.record(config, rundir, console)

    return run


def test_clean_debug_session_passes(pytester, monkeypatch):
    pytester.makepyfile(test_mix=GUEST_TESTS)
    clean = (SAMPLES / "clean.txt").read_text()
    monkeypatch.setattr(plugin, "_run_guest", fake_guest(clean, "", clean))
    result = pytester.runpytest("-p", "pyharness.plugin", "--kernel", "debug", "-v")
    result.assert_outcomes(passed=3)  # two guest tests and the kernel log check
    result.stdout.fnmatch_lines(["*guest kernel log PASSED*"])


def test_splat_fails_the_session_and_is_shown(pytester, monkeypatch):
    pytester.makepyfile(test_mix=GUEST_TESTS)
    kasan = (SAMPLES / "kasan.txt").read_text()
    leak = (SAMPLES / "kmemleak.txt").read_text()
    monkeypatch.setattr(plugin, "_run_guest", fake_guest(kasan, leak))
    result = pytester.runpytest("-p", "pyharness.plugin", "--kernel", "debug")
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*3 report(s) in the guest kernel's log:*",
            "*KASAN: BUG: KASAN: use-after-free in ovpn_peer_release+0x4d/0x70 [[]ovpn_dco[]]*",
            "*Freed by task 412:*",
            "*kmemleak: unreferenced object 0xffff88810b2f4c00 (size 512):*",
        ]
    )


def test_panic_seen_only_on_the_console_fails(pytester, monkeypatch):
    pytester.makepyfile(test_mix=GUEST_TESTS)
    monkeypatch.setattr(plugin, "_run_guest", fake_guest("", "", (SAMPLES / "warn.txt").read_text()))
    result = pytester.runpytest("-p", "pyharness.plugin", "--kernel", "debug")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*WARN: WARNING: CPU: 1 PID: 311 at lib/refcount.c:28*", "*panic: Kernel panic*"])


def test_debug_kernel_tests_deselected_elsewhere(pytester, monkeypatch):
    pytester.makepyfile(test_mix=GUEST_TESTS)
    seen: list[str] = []

    def run(config: pytest.Config, pending: list[plugin.GuestItem]) -> None:
        seen.extend(i.nodeid for i in pending)
        config.stash[plugin._RESULTS] = {
            i.nodeid: {"nodeid": i.nodeid, "when": "call", "outcome": "passed", "longrepr": ""} for i in pending
        }

    monkeypatch.setattr(plugin, "_run_guest", run)
    result = pytester.runpytest("-p", "pyharness.plugin")
    result.assert_outcomes(passed=1, deselected=1)
    assert seen == ["test_mix.py::test_in_guest"]  # no kernel log item either
    result.stdout.fnmatch_lines(["*deselected 1 tests marked debug_kernel*--kernel debug*"])


def test_guest_command_is_wrapped_between_klog_start_and_finish(tmp_path):
    from pyharness.matrix import kernelcheck

    cmd = kernelcheck.wrap("cd /repo && env A=1 python -m pytest x", tmp_path, {"A": "1"})
    assert cmd.startswith("cd /repo && env A=1 ")
    start, rest = cmd.split(" start ", 1)
    assert start.endswith("-m pyharness.vm.klog")
    assert f"{tmp_path}; env A=1 python -m pytest x; rc=$?; " in rest
    assert rest.endswith(f"-m pyharness.vm.klog finish {tmp_path}; exit $rc")
