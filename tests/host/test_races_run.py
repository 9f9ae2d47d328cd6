"""make races: the guest command it runs and the table of its figures."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from pyharness.races import guest as races
from pyharness.races import run as races_run


def test_guest_command_passes_scale_and_figures_file(tmp_path: Path):
    cmd = races_run.guest_command(Path("/m/ovpn-dco.ko"), Path("/d/ovpn-dco.ko"), tmp_path, 20, ["-k", "flood"])
    assert f"{races.SCALE_ENV}=20" in cmd
    assert f"{races.JSON_ENV}={tmp_path / 'races.jsonl'}" in cmd
    assert cmd.endswith(f"{races_run.TESTS} -k flood")
    assert "OVPN_DCO_SLOWDOWN=1.0" in cmd  # a stock kernel's


def test_guest_command_tells_the_guest_how_slow_the_kernel_is(tmp_path: Path):
    cmd = races_run.guest_command(Path("/m/ovpn-dco.ko"), Path("/d/ovpn-dco.ko"), tmp_path, 1, [], slowdown=4.0)
    assert "OVPN_DCO_SLOWDOWN=4.0" in cmd


def test_wait_clean_waits_longer_on_a_slow_kernel(monkeypatch):
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(races.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(races.time, "sleep", lambda s: None)
    monkeypatch.setattr(races, "kmemleak_reports", lambda: [])
    polls = []
    monkeypatch.setattr(races, "snapshot", lambda: polls.append(1) or "after")
    monkeypatch.setattr(races, "leaks", lambda before, after: ["slab net_namespace: 0 -> 1 objects"])
    flushes = []
    monkeypatch.setattr(races, "flush_namespaces", lambda: flushes.append(1))
    monkeypatch.setenv("OVPN_DCO_SLOWDOWN", "4")
    found, _ = races.wait_clean("before", timeout=30)  # type: ignore[arg-type]
    assert found == ["slab net_namespace: 0 -> 1 objects"]
    assert len(polls) == 13  # 120 s at 10 s a poll, then one more: 4 x 30 s
    assert len(flushes) == 12  # a namespace count over: every poll but the last, 8 s apart at most


def test_wait_clean_flushes_namespaces_only_for_a_namespace_count_and_at_most_every_2_scaled_s(monkeypatch):
    clock = iter(range(0, 1000))
    monkeypatch.setattr(races.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(races.time, "sleep", lambda s: None)
    monkeypatch.setattr(races, "kmemleak_reports", lambda: [])
    monkeypatch.setattr(races, "snapshot", lambda: "after")
    flushes: list[int] = []
    monkeypatch.setattr(races, "flush_namespaces", lambda: flushes.append(1))
    monkeypatch.setenv("OVPN_DCO_SLOWDOWN", "1")
    monkeypatch.setattr(races, "leaks", lambda before, after: ["slab ovpn_peer: 0 -> 1 objects"])
    races.wait_clean("before", timeout=10)  # type: ignore[arg-type]
    assert flushes == []
    monkeypatch.setattr(races, "leaks", lambda before, after: ["slab net_namespace: 0 -> 1 objects"])
    races.wait_clean("before", timeout=10)  # type: ignore[arg-type]
    assert len(flushes) == 5  # polls 1 s apart for 10 s: a flush at 0, 2, 4, 6, 8 s


def test_table_has_one_row_per_race_with_its_figures():
    rec = races.Figures("link_delete_under_flood", iterations=80, packets=123456, operations={"dump": 7})
    rec.extra["expired"] = 3

    text = races_run.table([asdict(rec)])
    assert text.splitlines()[2] == "| link_delete_under_flood | 80 | 123,456 | dump 7, expired 3 | 0 | 0 s |"


def test_iterations_scale_with_the_environment(monkeypatch):
    monkeypatch.setenv(races.SCALE_ENV, "50")
    assert races.iterations(4) == 200
    monkeypatch.delenv(races.SCALE_ENV)
    assert races.iterations(4) == 4
