"""The receive pipeline (kernel/rx.c): decryption spread over the CPUs, delivery in arrival order.

A burst of DATA_V2 packets arrives on one CPU (the receiving veth's RPS steers it there, as a
NIC's RSS would); the pipeline's workers decrypt on every CPU; what reaches the application
must still be every packet, in the order sent, each counted once.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pyharness.guest import netns
from pyharness.proto.wire import Cipher

TRACEFS = Path("/sys/kernel/tracing")
EVENT = TRACEFS / "events/workqueue/workqueue_execute_start/enable"
BURST = 3000
ARRIVAL_CPU = 1  # where the receiving underlay is steered
SENDER_CPU = 0
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; not in Python's socket module
UDP_SEGMENT = 103  # <linux/udp.h>
CHUNK = 50  # packets per UDP GSO send of a burst


def two_cpus() -> bool:
    return len(os.sched_getaffinity(0)) >= 2 and (os.cpu_count() or 1) >= 2


pytestmark = pytest.mark.skipif(not two_cpus(), reason="the guest has one CPU: nothing to spread over")


@contextmanager
def worker_runs(function: str = "ovpn_rx_work") -> Iterator[dict[int, int]]:
    """Count, per CPU, the runs of a pipeline's worker (``function``) inside the block."""
    if not EVENT.exists():
        subprocess.run(["mount", "-t", "tracefs", "nodev", str(TRACEFS)], check=True)
    counts: dict[int, int] = {}
    (TRACEFS / "trace").write_text("")
    EVENT.write_text("1")
    try:
        yield counts
    finally:
        EVENT.write_text("0")
    for cpu in range(os.cpu_count() or 1):
        trace = (TRACEFS / f"per_cpu/cpu{cpu}/trace").read_text()
        counts[cpu] = sum(f"function {function}" in line for line in trace.splitlines())


def steer(ns: str, cpu: int) -> None:
    """RPS: every packet received on the namespace's underlay veths goes to ``cpu``."""
    out = netns.ip("-o", "link", "show", "type", "veth", netns=ns)
    for line in out.splitlines():
        dev = line.split(":")[1].strip().split("@")[0]
        netns.run(ns, "sh", "-c", f"echo {1 << cpu:x} > /sys/class/net/{dev}/queues/rx-0/rps_cpus")


def warm_up(w, listener: socket.socket, packet: bytes) -> None:
    """Send the burst's first packet alone and see it arrive.

    The sender's first datagram waits for ARP; datagrams sent while the queue of those waiting
    is flushed can overtake them on the veth, whatever the receiver does.
    """
    w.send_raw(packet)
    listener.settimeout(5)
    assert int(listener.recv(100)) == 0


def send_chunks(w, packets: list[bytes]) -> None:
    """Send equal-sized datagrams CHUNK at a time, each chunk one UDP GSO send.

    A chunk reaches the receiving end as one packet that its UDP socket splits in one softirq:
    CHUNK DATA_V2 packets arrive back to back however slowly this process sends.
    """
    size = len(packets[0])
    assert all(len(p) == size for p in packets)
    seg = [(socket.SOL_UDP, UDP_SEGMENT, size.to_bytes(2, "little"))]
    for i in range(0, len(packets), CHUNK):
        w.peer.sendmsg([b"".join(packets[i : i + CHUNK])], seg, 0, w.kernel_addr)


def receive_all(listener: socket.socket, expect: int) -> list[int]:
    """The tags of the datagrams the listener gets until ``expect`` arrived or 3 s pass without one."""
    listener.settimeout(3)
    out: list[int] = []
    try:
        while len(out) < expect:
            out.append(int(listener.recv(100)))
    except TimeoutError:
        pass
    return out


@pytest.mark.parametrize("cipher", [Cipher.AES_256_GCM, Cipher.CHACHA20_POLY1305], ids=lambda c: c.name)
def test_burst_is_decrypted_on_every_cpu_and_delivered_in_order(wire, cipher):
    w = wire(cipher=cipher)
    steer(w.end.ns, ARRIVAL_CPU)
    listener = w.listener()
    listener.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    # sealed beforehand, so that the burst leaves as fast as this process can send
    packets = [w.seal(w.inner_udp(b"%05d" % i)) for i in range(BURST)]
    rx_before = w.end.stat("rx_packets")
    dropped_before = w.end.stat("rx_dropped")

    os.sched_setaffinity(0, {SENDER_CPU})
    warm_up(w, listener, packets[0])
    # a task that shares the arrival vCPU with its worker, as the receiving application would:
    # the backlog the spreading needs forms even when this Python sender is slow (a loaded host)
    busy = subprocess.Popen(["taskset", "-c", str(ARRIVAL_CPU), "sh", "-c", "while :; do :; done"])
    try:
        with worker_runs() as runs:
            send_chunks(w, packets[1:])
            got = [0, *receive_all(listener, BURST - 1)]
    finally:
        busy.kill()
        busy.wait()

    assert got == list(range(BURST)), f"{len(got)} delivered: {got[:40]} ... {got[-10:]}"
    assert w.end.stat("rx_packets") - rx_before == BURST
    assert w.end.stat("rx_dropped") - dropped_before == 0
    # the burst arrived on one CPU and was decrypted on both
    assert runs[SENDER_CPU] > 0 and runs[ARRIVAL_CPU] > 0, runs


def test_a_forged_packet_amid_a_burst_is_dropped_in_its_turn(wire):
    w = wire()
    steer(w.end.ns, ARRIVAL_CPU)
    listener = w.listener()
    listener.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    packets = [w.seal(w.inner_udp(str(i).encode())) for i in range(BURST)]
    forged = bytearray(packets[BURST // 2])
    forged[-1] ^= 0x01  # last byte of the ciphertext: the tag no longer matches
    packets[BURST // 2] = bytes(forged)
    failed_before = w.end.ethtool_stats()["rx_auth_failed"]

    os.sched_setaffinity(0, {SENDER_CPU})
    warm_up(w, listener, packets[0])
    for pkt in packets[1:]:
        w.send_raw(pkt)
    got = [0, *receive_all(listener, BURST - 2)]

    assert got == [i for i in range(BURST) if i != BURST // 2]
    assert w.end.ethtool_stats()["rx_auth_failed"] - failed_before == 1
