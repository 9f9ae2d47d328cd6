"""Time spent in chosen kernel functions during a run, from the function_graph tracer.

perf's sampling barely works in a TCG guest (a handful of samples per run), so `make bench
--profile` times the data path's functions instead: function_graph traces only the listed
functions (set_ftrace_filter), and each call's duration (children included) is summed per
function. The tracer slows every traced call down: compare the functions with each other,
not with the untraced throughput.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TRACEFS = Path("/sys/kernel/tracing")

# the data path, outermost first; functions a kernel lacks are left out
DATA_PATH = (
    "ovpn_net_xmit",
    "__skb_gso_segment",
    "ovpn_tx_work",
    "ovpn_aead_encrypt",
    "ovpn_chachapoly_seal",
    "crypto_aead_encrypt",
    "skb_cow_data",
    "__pskb_pull_tail",
    "ovpn_train_take",
    "ovpn_udp_send_skb",
    "ovpn_udp_encap_recv",
    "ovpn_recv",
    "ovpn_rx_work",
    "ovpn_aead_decrypt",
    "ovpn_chachapoly_open",
    "crypto_aead_decrypt",
    "chacha_crypt_arch",  # 6.1, 6.12
    "chacha_crypt",  # 7.x
    "poly1305_update_arch",  # 6.1, 6.12
    "poly1305_update",  # 7.x
    "ovpn_rx_finish",
    "ovpn_rx_deliver",
)

# " 1)   3.456 us    |  name();" (a leaf) or " 1)   7.890 us    |  } /* name */" (funcgraph-tail);
# a module's function has " [module]" after its name; "!"/"+"/"#" mark long durations
_LINE = re.compile(
    r"(?P<dur>\d+(?:\.\d+)?) us\s+\|\s+(?:\} /\* (?P<tail>[\w.]+)(?: \[\w+\])? \*/|(?P<leaf>[\w.]+)(?: \[\w+\])?\(\);)"
)


@dataclass(frozen=True)
class FunctionTime:
    """Calls of one function and the time they took, children included."""

    name: str
    calls: int
    total_us: float

    @property
    def mean_us(self) -> float:
        return self.total_us / self.calls if self.calls else 0.0


def parse(trace: Iterable[str]) -> list[FunctionTime]:
    """Sum function_graph's durations per function; largest total first."""
    calls: dict[str, int] = {}
    total: dict[str, float] = {}
    for line in trace:
        m = _LINE.search(line)
        if not m:
            continue
        name = (m["tail"] or m["leaf"]).split(".")[0]
        calls[name] = calls.get(name, 0) + 1
        total[name] = total.get(name, 0.0) + float(m["dur"])
    return sorted((FunctionTime(n, calls[n], total[n]) for n in calls), key=lambda f: -f.total_us)


def render(times: list[FunctionTime], seconds: float) -> str:
    """A table: calls, total and mean time per call, share of the run's wall time."""
    lines = [f"{'function':<24} {'calls':>9} {'total ms':>10} {'mean us':>9} {'% of run':>9}"]
    for f in times:
        share = 100 * f.total_us / (seconds * 1e6) if seconds > 0 else 0.0
        lines.append(f"{f.name:<24} {f.calls:>9} {f.total_us / 1e3:>10.1f} {f.mean_us:>9.2f} {share:>8.1f}%")
    return "\n".join(lines)


def _write(name: str, value: str) -> None:
    (TRACEFS / name).write_text(value)


def traceable(functions: Iterable[str]) -> list[str]:
    """The functions of ``functions`` that this kernel can trace."""
    known = {line.split()[0] for line in (TRACEFS / "available_filter_functions").read_text().splitlines()}
    return [f for f in functions if f in known]


def trace(run: Callable[[], float], functions: Iterable[str] = DATA_PATH) -> tuple[list[FunctionTime], float]:
    """Trace ``functions`` while ``run`` (returning its duration in seconds) runs: the times, the duration."""
    chosen = traceable(functions)
    if not chosen:
        raise RuntimeError("ftrace: none of the functions is traceable")
    _write("tracing_on", "0")
    _write("current_tracer", "nop")
    _write("buffer_size_kb", "32768")
    _write("set_ftrace_filter", "\n".join(chosen) + "\n")
    _write("current_tracer", "function_graph")
    _write("trace_options", "funcgraph-tail")
    _write("trace", "")
    _write("tracing_on", "1")
    try:
        seconds = run()
    finally:
        _write("tracing_on", "0")
    with (TRACEFS / "trace").open() as f:
        times = parse(f)
    _write("current_tracer", "nop")
    _write("set_ftrace_filter", "")
    _write("trace", "")
    return times, seconds


def profile(run: Callable[[], float], functions: Iterable[str] = DATA_PATH) -> str:
    """Trace ``functions`` while ``run`` runs; the table."""
    try:
        times, seconds = trace(run, functions)
    except RuntimeError as exc:
        return str(exc)
    return render(times, seconds)
