"""Traffic generators for tests: ping and iperf3 between namespaces."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from ..guest import netns, timing


@dataclass(frozen=True)
class PingResult:
    transmitted: int
    received: int
    output: str

    @property
    def lost(self) -> int:
        return self.transmitted - self.received


def ping(ns: str, target: str, count: int = 3, interval: float = 0.2, deadline: float | None = None) -> PingResult:
    """ping(8) from ``ns``; the counts it printed (0 received if it failed)."""
    cmd = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval)]
    if deadline is not None:
        cmd += ["-w", str(deadline)]
    res = netns.run(ns, *cmd, target, check=False, timeout=count * interval + 60)
    sent, received = _counts(res.stdout, count)
    return PingResult(sent, received, res.stdout + res.stderr)


def _wait_listening(ns: str, port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timing.scaled(timeout)
    while time.monotonic() < deadline:
        if f":{port} " in netns.run(ns, "ss", "-Hltn", check=False).stdout:
            return
        time.sleep(0.1)
    raise TimeoutError(f"iperf3 server in {ns} is not listening on {port}")


def iperf3(
    server_ns: str,
    client_ns: str,
    server_addr: str,
    seconds: float = 2,
    streams: int = 1,
    port: int = 5201,
    udp_length: int | None = None,
    cpus: tuple[int, int] | None = None,
    rate_pps: int | None = None,
) -> dict[str, Any]:
    """One iperf3 run from ``client_ns`` to a one-shot server in ``server_ns``; iperf3's JSON report.

    TCP by default; ``udp_length`` makes it UDP datagrams of that many bytes, sent as fast as
    the sender can (``-b 0``) or at ``rate_pps`` datagrams/s. ``cpus`` pins the client and the
    server to those CPUs (``-A``).
    """
    rate = "0" if rate_pps is None or udp_length is None else str(rate_pps * udp_length * 8)
    udp = [] if udp_length is None else ["-u", "-l", str(udp_length), "-b", rate]
    pin_client, pin_server = ([], []) if cpus is None else (["-A", str(cpus[0])], ["-A", str(cpus[1])])
    srv = subprocess.Popen(
        ["ip", "netns", "exec", server_ns, "iperf3", "-s", "-1", "-B", server_addr, "-p", str(port), *pin_server],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(server_ns, port)
        res = netns.run(
            client_ns,
            "iperf3", "-c", server_addr, "-p", str(port), "-t", str(seconds), "-P", str(streams), *udp, *pin_client,
            "-J",
            check=False,
            timeout=seconds + 60,
        )  # fmt: skip
    finally:
        try:
            srv.wait(timeout=30)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
    report: dict[str, Any] = json.loads(res.stdout)
    if "error" in report:
        raise RuntimeError(f"iperf3: {report['error']}")
    return report


def received_mbits(report: dict[str, Any]) -> float:
    """Megabits per second the receiver got, from iperf3's JSON report of a TCP run."""
    return float(report["end"]["sum_received"]["bits_per_second"]) / 1e6


def received_pps(report: dict[str, Any]) -> float:
    """Datagrams per second the receiver got, from iperf3's JSON report of a UDP run."""
    end = report["end"]
    rx = end.get("sum_received") or end["sum"]
    packets = int(rx["packets"]) - int(rx["lost_packets"])
    return packets / float(rx["seconds"])


def _counts(output: str, fallback: int) -> tuple[int, int]:
    m = re.search(r"(\d+) packets transmitted, (\d+) received", output)
    return (int(m.group(1)), int(m.group(2))) if m else (fallback, 0)


class PingStream:
    """A ping running in the background from ``ns`` until ``stop()``."""

    def __init__(self, ns: str, target: str, interval: float = 0.2) -> None:
        self._proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "ping", "-n", "-q", "-i", str(interval), target],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self) -> PingResult:
        self._proc.send_signal(signal.SIGINT)
        out = self._proc.communicate(timeout=10)[0]
        sent, received = _counts(out, 0)
        return PingResult(sent, received, out)
