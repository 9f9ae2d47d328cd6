"""The pytest plugin maps guest results onto host test items and exit status."""

from __future__ import annotations

import json

import pytest

from pyharness import plugin

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
    assert recs == [{"nodeid": "test_mix.py::test_g", "when": "call", "outcome": "passed", "longrepr": ""}]
