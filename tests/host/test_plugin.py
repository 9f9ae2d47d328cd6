"""The pytest plugin maps guest results onto host test items and exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pyharness import plugin
from pyharness.vm import vng

pytest_plugins = ["pytester"]

GUEST_TESTS = """
import pytest

@pytest.mark.guest
def test_passes_in_guest():
    raise AssertionError("the host must not run guest tests")

@pytest.mark.guest
def test_fails_in_guest():
    pass

@pytest.mark.guest
def test_skipped_in_guest():
    pass

@pytest.mark.guest
def test_never_reported():
    pass

def test_on_host():
    pass
"""


def test_merge_keeps_the_worst_phase():
    recs = [
        {"nodeid": "a", "when": "call", "outcome": "passed", "longrepr": ""},
        {"nodeid": "a", "when": "teardown", "outcome": "failed", "longrepr": "boom"},
        {"nodeid": "b", "when": "setup", "outcome": "skipped", "longrepr": "why"},
    ]
    merged = plugin.merge_results(recs)
    assert merged["a"]["outcome"] == "failed"
    assert merged["b"]["outcome"] == "skipped"


def test_guest_outcomes_reported_on_host(pytester, monkeypatch):
    pytester.makepyfile(test_mix=GUEST_TESTS)
    seen: list[list[str]] = []

    def fake_guest(config: pytest.Config, pending: list[plugin.GuestItem]) -> None:
        seen.append([i.nodeid for i in pending])
        config.stash[plugin._RESULTS] = plugin.merge_results(
            [
                {"nodeid": "test_mix.py::test_passes_in_guest", "when": "call", "outcome": "passed", "longrepr": ""},
                {
                    "nodeid": "test_mix.py::test_fails_in_guest",
                    "when": "call",
                    "outcome": "failed",
                    "longrepr": "assert 1 == 2 (guest)",
                },
                {
                    "nodeid": "test_mix.py::test_skipped_in_guest",
                    "when": "setup",
                    "outcome": "skipped",
                    "longrepr": "no tcpdump",
                },
            ]
        )
        config.stash[plugin._FAILURE] = "guest exited with status 1"

    monkeypatch.setattr(plugin, "_run_guest", fake_guest)
    result = pytester.runpytest("-p", "pyharness.plugin")
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    assert result.ret == 1
    assert len(seen[0]) == 4
    result.stdout.fnmatch_lines(["*assert 1 == 2 (guest)*", "*no result from the guest*"])
    assert json.dumps(seen)  # node ids are plain strings the guest can be given


def test_guest_mode_runs_only_guest_tests(pytester, monkeypatch):
    pytester.makepyfile(
        test_mix="import pytest\n@pytest.mark.guest\ndef test_g():\n    pass\n"
        "def test_h():\n    raise AssertionError('host test in guest')\n"
    )
    results = pytester.path / "results.jsonl"
    monkeypatch.setenv(plugin.GUEST_ENV, "1")
    monkeypatch.setenv(plugin.RESULTS_ENV, str(results))
    result = pytester.runpytest("-p", "pyharness.plugin")
    result.assert_outcomes(passed=1, deselected=1)
    recs = [json.loads(line) for line in results.read_text().splitlines()]
    assert recs == [
        {"nodeid": "test_mix.py::test_g", "when": "setup", "outcome": plugin.STARTED, "longrepr": ""},
        {"nodeid": "test_mix.py::test_g", "when": "call", "outcome": "passed", "longrepr": ""},
    ]


DYING_GUEST_TESTS = """
import pytest

pytestmark = pytest.mark.guest

def test_a():
    pass

def test_b_kills_the_guest():
    pass

def test_c():
    pass

def test_d():
    pass
"""


FAKE_KERNEL = type("FakeKernel", (), {"release": "6.1-test", "debug": False, "slowdown": 1.0, "cmdline": ""})()


class FakeBuild:
    module = Path("/nonexistent/ovpn-dco.ko")
    warnings: list[str] = []


def guest_command_files(command: str) -> tuple[Path, list[str]]:
    """The results file and the node ids of a guest command line the plugin made."""
    results = Path(re.search(r"OVPN_DCO_RESULTS=(\S+)", command)[1])
    return results, Path(re.search(r"@(\S+)", command)[1]).read_text().split()


def run_with_fake_guest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, guest: type, *args: str
) -> pytest.RunResult:
    """pytest (with ``args``) with the plugin, where every guest is ``guest`` (and nothing is built)."""
    monkeypatch.setattr(plugin, "target_kernel", lambda config: FAKE_KERNEL)
    monkeypatch.setattr(plugin.build, "build", lambda kernel, debug: FakeBuild())
    monkeypatch.setattr(plugin.vng, "GuestVM", guest)
    monkeypatch.setattr(plugin.paths, "cache_dir", lambda: pytester.path)
    return pytester.runpytest("-p", "pyharness.plugin", *args)


@pytest.mark.parametrize(
    ("status", "hung", "how"),
    [(255, False, "status 255 (ended) after 42 s"), (124, True, "status 124 (timeout) after 42 s")],
    ids=["died", "hung"],
)
def test_a_guest_death_fails_one_test_with_the_console_and_the_rest_run_in_a_new_guest(
    pytester, monkeypatch, status, hung, how
):
    """The test running when the guest died (or hung) fails with the kernel's last words; the others still run."""
    pytester.makepyfile(test_dying=DYING_GUEST_TESTS)
    boots: list[list[str]] = []

    class FakeGuest:
        def __init__(self, kernel: object, rwdirs: list[Path], append: str = "") -> None:
            assert append == vng.TEST_ARGS  # slab_nomerge: the leak checks count one cache's objects
            self.accel = "tcg"

        def run(self, command: str, *, timeout: float, on_output: object, silence: float) -> vng.RunResult:
            results, ids = guest_command_files(command)
            boots.append([i.split("::")[1] for i in ids])
            with results.open("a") as fh:
                for nodeid in ids:
                    fh.write(json.dumps({"nodeid": nodeid, "when": "setup", "outcome": "started", "longrepr": ""}))
                    fh.write("\n")
                    if nodeid.endswith("test_b_kills_the_guest"):
                        console = "[ 9.1] BUG: soft lockup - CPU#1 stuck for 22s!\n[ 9.2] Kernel panic - not syncing"
                        return vng.RunResult(status, "test_dying.py ..", hung, 42.0, console)
                    outcome = "failed" if nodeid.endswith("test_d") else "passed"
                    fh.write(
                        json.dumps({"nodeid": nodeid, "when": "call", "outcome": outcome, "longrepr": "d says no"})
                    )
                    fh.write("\n")
            return vng.RunResult(1, "1 failed", False, 10.0, "")

    result = run_with_fake_guest(pytester, monkeypatch, FakeGuest)
    result.assert_outcomes(passed=2, failed=2)
    assert boots == [["test_a", "test_b_kills_the_guest", "test_c", "test_d"], ["test_c", "test_d"]]
    result.stdout.fnmatch_lines(
        [
            f"*the guest died while this test ran*guest exited with {how}*",
            "*BUG: soft lockup - CPU#1 stuck for 22s!*",
            "*d says no*",
        ]
    )


def test_a_guest_that_keeps_dying_stops_after_max_boots(pytester, monkeypatch):
    """Every boot dies in its first test: MAX_GUEST_BOOTS guests, the rest reported as not run."""
    pytester.makepyfile(test_dying=DYING_GUEST_TESTS.replace("def test_d", "def test_e():\n    pass\n\ndef test_d"))
    boots: list[int] = []

    class AlwaysDying:
        def __init__(self, kernel: object, rwdirs: list[Path], append: str = "") -> None:
            self.accel = "tcg"

        def run(self, command: str, *, timeout: float, on_output: object, silence: float) -> vng.RunResult:
            results, ids = guest_command_files(command)
            first = ids[0]
            boots.append(1)
            results.write_text(json.dumps({"nodeid": first, "when": "setup", "outcome": "started", "longrepr": ""}))
            return vng.RunResult(255, "", False, 5.0, "[ 1.0] Oops: 0000")

    result = run_with_fake_guest(pytester, monkeypatch, AlwaysDying)
    result.assert_outcomes(failed=5)
    assert len(boots) == plugin.MAX_GUEST_BOOTS
    result.stdout.fnmatch_lines(
        ["*no result from the guest: not run: the guest died 4 times or ran out of time*", "*Oops: 0000*"]
    )
