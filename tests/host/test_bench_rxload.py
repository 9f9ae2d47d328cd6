"""make bench's receive-under-load figures (pyharness.bench.rxload): parsing, recording, report."""

from __future__ import annotations

from pyharness.bench import guest as bench_guest
from pyharness.bench import run as bench
from pyharness.bench import rxload

STAT_BEFORE = """cpu  300 0 100 900 0 0 0 0 0 0
cpu0 100 0 50 400 0 0 0 0 0 0
cpu1 200 0 50 500 0 0 0 0 0 0
intr 12345
"""
# cpu0: +90 busy of +100; cpu1: +25 busy (user 10, softirq 10, system 5), +25 iowait, +50 idle
STAT_AFTER = """cpu  0 0 0 0 0 0 0 0 0 0
cpu0 180 0 60 410 0 0 0 0 0 0
cpu1 210 0 55 550 25 0 10 0 0 0
"""


def row(setup, udp64, ladder=None, busy=None):
    r = bench.Row(setup, setup, "x")
    r.metrics = {"udp64": bench.Series("pps", list(udp64))}
    for pps, samples in (ladder or {}).items():
        r.metrics[rxload.ladder_key(pps)] = bench.Series("pps", list(samples))
    for cpu, samples in (busy or {}).items():
        r.metrics[rxload.busy_key(cpu)] = bench.Series("share", list(samples))
    return r


def test_cpu_times_are_busy_and_total_jiffies_per_cpu():
    assert rxload.cpu_times(STAT_BEFORE) == {0: (150, 550), 1: (250, 750)}


def test_busy_share_counts_softirq_as_busy_and_iowait_as_idle():
    shares = rxload.busy_shares(rxload.cpu_times(STAT_BEFORE), rxload.cpu_times(STAT_AFTER))
    assert shares == {0: 0.9, 1: 0.25}


def test_with_busy_returns_the_result_and_the_shares(monkeypatch):
    stats = iter([STAT_BEFORE, STAT_AFTER])
    monkeypatch.setattr(rxload, "cpu_times", lambda stat=None, real=rxload.cpu_times: real(next(stats)))
    assert rxload.with_busy(lambda: 42.0) == (42.0, {0: 0.9, 1: 0.25})


def test_a_flood_that_receives_less_when_sent_faster_falls():
    ladder = {2500: (2400.0,), 5000: (4800.0,), 10000: (6000.0,), 20000: (5000.0,)}
    assert rxload.falls(row("a", (5300.0,), ladder)) is True  # < 90% of 6000
    assert rxload.falls(row("b", (5500.0,), ladder)) is False
    assert rxload.falls(row("c", (5500.0,))) is None


def test_table_and_summary_of_the_measured_rows():
    run = bench.Run("bookworm", "6.1", "2026-12-06T00:00:00Z", "tcg", 2, 3, 5.0, rps=True)
    ladder = {p: (float(p),) for p in rxload.LADDER_PPS}
    run.rows = [
        row("veth", (9000.0,)),
        row("ovpn-dco/AES-256-GCM", (12000.0,), {**ladder, 20000: (11500.0,)}, {0: (0.95,), 1: (0.60,)}),
        row("wireguard", (8000.0,), {**ladder, 10000: (9000.0,)}, {0: (0.99,), 1: (0.97,)}),
    ]
    lines = rxload.table(run).splitlines()
    assert len(lines) == 4  # head, rule, the two measured rows; veth is not one
    assert lines[2] == "| ovpn-dco/AES-256-GCM | 95% | 60% | 2.50 | 5.00 | 10.00 | 11.50 | 12.00 | no |"
    assert lines[3] == "| wireguard | 99% | 97% | 2.50 | 5.00 | 9.00 | 20.00 | 8.00 | yes |"
    assert rxload.summary(run) == [
        "64-byte UDP flood, receiver steered, ovpn-dco AES-256-GCM vs WireGuard: 1.50x (target >= 1.0x)",
        "ovpn-dco AES-256-GCM: the flood's received rate does not fall as the sender speeds up",
    ]
    report = bench.report(run)
    assert "Receive under load" in report and lines[2] in report


def test_no_table_without_measured_rows():
    run = bench.Run("bookworm", "6.1", "2026-12-06T00:00:00Z", "tcg", 2, 3, 5.0, rows=[row("veth", (1.0,))])
    assert rxload.table(run) is None
    assert "Receive under load" not in bench.report(run)


def test_guest_records_the_ladder_and_the_busy_shares(monkeypatch):
    calls = []

    def fake_sample(t, metric, seconds, rate_pps=None):
        calls.append((metric, rate_pps))
        return 100.0 if rate_pps is None else float(rate_pps)

    monkeypatch.setattr(bench_guest, "sample", fake_sample)
    monkeypatch.setattr(rxload, "with_busy", lambda run: (run(), {0: 0.5, 1: 0.75}))
    t = bench_guest.Target("a", "b", "10.0.0.1", (("a", "va"), ("b", "vb")))
    s = bench_guest.Setup(bench.Row("wireguard", "WireGuard", "wireguard"), lambda: t, target=t)
    s.row.metrics = {m.key: bench.Series(m.unit) for m in bench.METRICS}
    assert bench_guest.sample_into(s, 0, "tcp1", 5.0) == 100.0
    assert bench_guest.sample_into(s, 0, "udp64", 5.0, rate_pps=5000) == 5000.0
    assert calls == [("tcp1", None), ("udp64", 5000)]
    assert s.row.metrics["tcp1"].samples == [100.0]
    assert s.row.metrics[rxload.ladder_key(5000)].samples == [5000.0]
    assert s.row.metrics[rxload.busy_key(0)].samples == [0.5]
    assert s.row.metrics[rxload.busy_key(1)].samples == [0.75]
    assert s.row.metrics["udp64"].samples == []  # the ladder is not the unlimited flood


def test_a_failed_ladder_sample_is_recorded_as_none(monkeypatch):
    def broken(*a, **kw):
        raise RuntimeError("iperf3: boom")

    monkeypatch.setattr(bench_guest, "sample", broken)
    t = bench_guest.Target("a", "b", "10.0.0.1", (("a", "va"), ("b", "vb")))
    s = bench_guest.Setup(bench.Row("veth", "veth", "veth"), lambda: t, target=t)
    assert bench_guest.sample_into(s, 1, "udp64", 5.0, rate_pps=2500) is None
    assert s.row.metrics[rxload.ladder_key(2500)].samples == [None]
    assert s.row.error == "udp64@2500 run 2: iperf3: boom"


def test_iperf3_offers_the_rate_in_payload_bits(monkeypatch):
    cmds = []

    class FakeSrv:
        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(bench_guest.traffic.subprocess, "Popen", lambda cmd, **kw: FakeSrv())
    monkeypatch.setattr(bench_guest.traffic, "_wait_listening", lambda ns, port: None)

    class Res:
        stdout = "{}"

    monkeypatch.setattr(bench_guest.traffic.netns, "run", lambda ns, *cmd, **kw: cmds.append(cmd) or Res())
    bench_guest.traffic.iperf3("s", "c", "10.0.0.1", udp_length=64, rate_pps=5000)
    assert cmds[0][cmds[0].index("-b") + 1] == str(5000 * 64 * 8)
