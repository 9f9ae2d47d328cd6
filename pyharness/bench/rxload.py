"""Receive under load: what ``make bench`` measures of a receive path beyond its throughput.

Two things, for a few setups, with each end of the tunnel on its own vCPU (receiver steered):

- **Busy share of each vCPU during the TCP 1-stream runs** (from /proc/stat): whether the
  receiving end's crypto uses the sending end's vCPU too (it is busy itself, so this costs
  the sender), as WireGuard's workers do.
- **The 64-byte UDP flood at rising offered rates** (iperf3 ``-b``), below and up to the
  unlimited flood of the main table: a receive livelock shows as a received rate that falls
  when the sender speeds up.

The samples are extra series of the row (``busy_key``, ``ladder_key``) in results.json; this
module also renders them as a table and summary lines for the README.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")


class Series(Protocol):
    """What this module reads of pyharness.bench.run.Series (not imported: run imports this module)."""

    @property
    def median(self) -> float | None: ...


class Row(Protocol):
    """What this module reads of pyharness.bench.run.Row."""

    label: str

    @property
    def metrics(self) -> Mapping[str, Series]: ...


class Run(Protocol):
    """What this module reads of pyharness.bench.run.Run."""

    @property
    def rows(self) -> Sequence[Row]: ...

    def row(self, setup: str) -> Row | None: ...


# offered rates of the flood, datagrams/s; the unlimited one is the main table's "udp64"
LADDER_PPS = (2500, 5000, 10000, 20000)
# the setups measured this way: ovpn-dco, the anchors and WireGuard, one cipher
SETUPS = (
    "ovpn-dco/AES-256-GCM",
    "ovpn-dco/CHACHA20-POLY1305",
    "wireguard",
    "upstream-ovpn/AES-256-GCM",
    "dkms-openvpn26/AES-256-GCM",
)
CPUS = (0, 1)  # the vCPUs of the sending and the receiving end (bench.guest.END_CPUS)
# the unlimited flood may receive this much less than the best offered rate before it "falls"
FALL_TOLERANCE = 0.9


def busy_key(cpu: int) -> str:
    return f"busy{cpu}-tcp1"


def ladder_key(pps: int) -> str:
    return f"udp64@{pps}"


# ---------------------------------------------------------------- guest side


def cpu_times(stat: str | None = None) -> dict[int, tuple[int, int]]:
    """Per CPU: (busy, total) jiffies from /proc/stat (idle and iowait are not busy)."""
    text = Path("/proc/stat").read_text() if stat is None else stat
    out = {}
    for line in text.splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
        total = sum(ticks)
        out[int(name[3:])] = (total - ticks[3] - ticks[4], total)
    return out


def busy_shares(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> dict[int, float]:
    """Per CPU in both: the share of the time between the two samples it was busy, 0..1."""
    out = {}
    for cpu in before.keys() & after.keys():
        busy = after[cpu][0] - before[cpu][0]
        total = after[cpu][1] - before[cpu][1]
        out[cpu] = busy / total if total > 0 else 0.0
    return out


def with_busy(run: Callable[[], T]) -> tuple[T, dict[int, float]]:
    """``run()``'s result and each CPU's busy share while it ran."""
    before = cpu_times()
    result = run()
    return result, busy_shares(before, cpu_times())


# ---------------------------------------------------------------- report


def _median(row: Row, key: str) -> float | None:
    s = row.metrics.get(key)
    return s.median if s else None


def falls(row: Row) -> bool | None:
    """Whether the unlimited flood received less than the best offered rate did (None: not measured)."""
    top = _median(row, "udp64")
    steps = [v for v in (_median(row, ladder_key(p)) for p in LADDER_PPS) if v is not None]
    if top is None or not steps:
        return None
    return top < FALL_TOLERANCE * max(steps)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _kpps(v: float | None) -> str:
    return "-" if v is None else f"{v / 1000:.2f}"


def table(run: Run) -> str | None:
    """The Markdown table of the rows measured here; None if none was."""
    rows = [r for r in run.rows if any(k in r.metrics for k in (busy_key(CPUS[0]), ladder_key(LADDER_PPS[0])))]
    if not rows:
        return None
    head = ["setup", "vCPU 0 (sender) busy", "vCPU 1 (receiver) busy"]
    head += [f"UDP 64 B at {p / 1000:g} kpps offered" for p in LADDER_PPS] + ["unlimited", "falls"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for r in rows:
        cells = [r.label, *(_pct(_median(r, busy_key(c))) for c in CPUS)]
        cells += [_kpps(_median(r, ladder_key(p))) for p in LADDER_PPS] + [_kpps(_median(r, "udp64"))]
        f = falls(r)
        cells.append("-" if f is None else "yes" if f else "no")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(run: Run) -> list[str]:
    """The issue's receive-path targets, one line each."""
    out = []
    wg = run.row("wireguard")
    for cipher in ("AES-256-GCM", "CHACHA20-POLY1305"):
        dco = run.row(f"ovpn-dco/{cipher}")
        if dco is None or wg is None:
            continue
        a, b = _median(dco, "udp64"), _median(wg, "udp64")
        if a is not None and b:
            out.append(
                f"64-byte UDP flood, receiver steered, ovpn-dco {cipher} vs WireGuard: {a / b:.2f}x (target >= 1.0x)"
            )
        f = falls(dco)
        if f is not None:
            verdict = "falls" if f else "does not fall"
            out.append(f"ovpn-dco {cipher}: the flood's received rate {verdict} as the sender speeds up")
    return out
