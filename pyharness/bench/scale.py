"""Many peers on one multi-peer device: add, dump, delete, and what they cost.

Run as root where the module is loaded (e.g. in the guest). ``python -m
pyharness.bench.scale [N]`` prints the timings and the kernel memory per peer;
tests/guest/test_scale.py checks the behaviour with the same code.
"""

from __future__ import annotations

import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..guest import netns
from ..net import topo
from ..netlink.dco import OvpnClient
from ..proto.consts import Mode


def vpn_ipv4(i: int) -> str:
    """A distinct address in 10.128.0.0/9 for each of up to 8 million peers."""
    n = (1 << 23) + i
    return f"10.{n >> 16 & 0xFF}.{n >> 8 & 0xFF}.{n & 0xFF}"


MEMORY_KINDS = ("Slab", "VmallocUsed", "Percpu")  # /proc/meminfo lines where a peer's memory shows


def kernel_memory(meminfo: str | None = None) -> int:
    """Bytes of slab, vmalloc and per-CPU memory the kernel uses (what peers consume)."""
    text = Path("/proc/meminfo").read_text() if meminfo is None else meminfo
    info = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        info[key] = int(rest.split()[0]) * 1024
    return sum(info[k] for k in MEMORY_KINDS)


@dataclass
class ScaleResult:
    peers: int
    add_seconds: float
    dump_seconds: float
    del_seconds: float
    bytes_per_peer: float
    dumped_ids: list[int]
    leaked_bytes: int


@dataclass(frozen=True)
class AddResult:
    """What adding many peers at once took: time and kernel memory."""

    peers: int
    seconds: float
    bytes_per_peer: float
    memory_before: int  # kernel_memory() just before the first NEW_PEER

    @property
    def rate(self) -> float:
        """Peers added per second."""
        return self.peers / self.seconds if self.seconds > 0 else 0.0


def add_peers(client: OvpnClient, ifindex: int, sock_fd: int, ids: range, remote_host: str = "127.0.0.2") -> AddResult:
    """NEW_PEER for every id of ``ids`` on one socket (pipelined), each with its own VPN IPv4;
    the time it took and the kernel memory each peer costs (measured in a quiet system)."""
    nests = [client.new_peer_attrs(i, sock_fd, (remote_host, 10_000 + i % 50_000), vpn_ipv4=vpn_ipv4(i)) for i in ids]
    time.sleep(1)
    base = kernel_memory()
    t0 = time.monotonic()
    client.new_peers(ifindex, nests)
    seconds = time.monotonic() - t0
    time.sleep(1)
    return AddResult(len(ids), seconds, (kernel_memory() - base) / len(ids), base)


def run(n: int = 10_000) -> ScaleResult:
    ns = netns.create("scale")
    end = topo.KernelEnd(ns, mode=Mode.MP)
    with netns.inside(ns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", topo.PORT))
    try:
        client = end.client
        added = add_peers(client, end.ifindex, sock.fileno(), range(1, n + 1))
        t2 = time.monotonic()
        ids = [p.peer_id for p in client.dump_peers(end.ifindex)]
        t3 = time.monotonic()
        client.del_peers(end.ifindex, list(range(1, n + 1)))
        t4 = time.monotonic()
        time.sleep(2)  # peers are freed after an RCU grace period
        leaked = kernel_memory() - added.memory_before
        return ScaleResult(n, added.seconds, t3 - t2, t4 - t3, added.bytes_per_peer, ids, leaked)
    finally:
        sock.close()
        end.close()
        netns.delete(ns)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    r = run(n)
    print(f"peers: {r.peers}")
    print(f"add:    {r.add_seconds:.2f} s ({r.peers / r.add_seconds:.0f} peers/s)")
    print(f"dump:   {r.dump_seconds:.2f} s ({len(r.dumped_ids)} peers)")
    print(f"delete: {r.del_seconds:.2f} s")
    print(f"kernel memory per peer (slab + vmalloc + per-CPU): {r.bytes_per_peer:.0f} bytes")
    print(f"kernel memory after deleting all: {r.leaked_bytes:+d} bytes vs before adding")
    return 0


if __name__ == "__main__":
    sys.exit(main())
