"""The transmit pipeline (kernel/tx.c, kernel/pipe.c): encryption spread over the CPUs, sending in order.

The segments of a GSO send leave the sending CPU unencrypted: the pipeline's workers encrypt them
on every CPU, and its NAPI poll sends them in the order they were queued, which is the order of
their packet ids. What reaches the peer must be every segment, in order, with the ids one after
the other; a lone packet sent right behind them must not overtake them.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest

from pyharness.net import topo
from pyharness.proto import wire as codec
from pyharness.proto.wire import Cipher
from tests.guest.test_rx_pipeline import steer, two_cpus, worker_runs

SENDER_CPU = 0  # the wire fixture pins this process there
OTHER_CPU = 1
SEG = 1000  # UDP_SEGMENT size of the inner sends
SEGS = 40  # segments of one GSO send: more than a cell keeps on its own CPU (OVPN_PIPE_SPREAD)
SENDS = 10
UDP_SEGMENT = 103  # <linux/udp.h>
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; not in Python's socket module
DPORT = 7777

pytestmark = pytest.mark.skipif(not two_cpus(), reason="the guest has one CPU: nothing to spread over")


def peer_in_order(w: topo.WirePair) -> None:
    """The Python peer gets what is sent in the order it is sent, and room for all of it.

    The pipeline's poll may send from either CPU; a veth delivers what each CPU sends through
    that CPU's backlog, unless RPS steers the receiving side to one CPU, as a NIC's RSS steers
    a flow.
    """
    steer(w.underlay.ns[1], OTHER_CPU)
    w.peer.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)


def sender(w: topo.WirePair) -> socket.socket:
    with topo.netns.inside(w.end.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    return s


def gso_send(s: socket.socket, first: int, tag: bytes = b"") -> None:
    """One UDP_SEGMENT write of SEGS segments, segment i filled with ``tag`` and its number (5 digits)."""
    labels = [tag + b"%05d" % (first + i) for i in range(SEGS)]
    data = b"".join((label * SEG)[:SEG] for label in labels)
    seg = [(socket.SOL_UDP, UDP_SEGMENT, SEG.to_bytes(2, "little"))]
    assert s.sendmsg([data], seg, 0, (topo.TUNNEL4[1], DPORT)) == len(data)


def received(w: topo.WirePair, n: int) -> list[codec.Decrypted]:
    """The next ``n`` UDP-carrying DATA_V2 packets the Python peer gets, decrypted."""
    out: list[codec.Decrypted] = []
    while len(out) < n:
        d = codec.decrypt(w.kernel_tx, w.recv())
        if d.plaintext[0] >> 4 == 4 and d.plaintext[9] == socket.IPPROTO_UDP:
            out.append(d)
    return out


def warm(w: topo.WirePair, s: socket.socket) -> int:
    """One datagram through the tunnel first: the underlay's neighbour is resolved. Its packet id."""
    s.sendto(b"warm", (topo.TUNNEL4[1], DPORT))
    (d,) = received(w, 1)
    assert codec.udp_payload(d.plaintext) == b"warm"
    return d.packet_id


@pytest.mark.parametrize("cipher", [Cipher.AES_256_GCM, Cipher.CHACHA20_POLY1305], ids=lambda c: c.name)
def test_bulk_sends_are_encrypted_off_the_sending_cpu_and_sent_in_order(wire, cipher):
    w = wire(cipher=cipher)
    peer_in_order(w)
    s = sender(w)
    first_pid = warm(w, s) + 1
    tx_before = w.end.stat("tx_packets")
    stats_before = w.end.ethtool_stats()

    with worker_runs("ovpn_tx_work") as runs:
        for i in range(SENDS):
            gso_send(s, i * SEGS)
        got = received(w, SENDS * SEGS)

    assert [d.packet_id for d in got] == list(range(first_pid, first_pid + SENDS * SEGS))
    assert [codec.udp_payload(d.plaintext)[:5] for d in got] == [b"%05d" % i for i in range(SENDS * SEGS)]
    assert all(len(codec.udp_payload(d.plaintext)) == SEG for d in got)
    assert w.end.stat("tx_packets") - tx_before == SENDS * SEGS
    stats = w.end.ethtool_stats()
    drops = {k: stats[k] - stats_before[k] for k in ("tx_errors", "tx_queue_full")}
    assert drops == {"tx_errors": 0, "tx_queue_full": 0}
    # the encryption spread: the pipeline's worker ran where the sender does not
    assert runs[OTHER_CPU] > 0, runs
    # Each segment was encrypted exactly once without counting the calls: at least once, as
    # every payload arrived decryptable; at most once, as encrypting consumes the packet's key
    # slot reference (ovpn_tx_encrypt() clears it), so a second encryption would oops the guest.


def test_a_lone_packet_queues_behind_a_bulk_send(wire):
    w = wire()
    peer_in_order(w)
    s = sender(w)
    first_pid = warm(w, s) + 1

    # the lone datagram follows within microseconds, while the segments are being encrypted
    gso_send(s, 0)
    s.sendto(b"lone", (topo.TUNNEL4[1], DPORT))
    got = received(w, SEGS + 1)

    assert [d.packet_id for d in got] == list(range(first_pid, first_pid + SEGS + 1))
    assert [codec.udp_payload(d.plaintext)[:5] for d in got] == [*(b"%05d" % i for i in range(SEGS)), b"lone"]


def test_two_cpus_sending_to_one_peer_send_its_ids_in_order(wire):
    """Both CPUs send to the peer at once: its packets share one cell and leave in id order.

    A receiver's replay window may be 64 ids (OpenVPN's default): ids that leave out of order
    by more than that would be dropped there as replays.
    """
    w = wire()
    peer_in_order(w)
    s0, s1 = sender(w), sender(w)
    first_pid = warm(w, s0) + 1

    def other() -> None:
        os.sched_setaffinity(0, {OTHER_CPU})  # this thread only
        for i in range(SENDS):
            gso_send(s1, i * SEGS, b"B")

    thread = threading.Thread(target=other)
    thread.start()
    for i in range(SENDS):
        gso_send(s0, i * SEGS, b"A")
    thread.join()
    got = received(w, 2 * SENDS * SEGS)

    assert [d.packet_id for d in got] == list(range(first_pid, first_pid + 2 * SENDS * SEGS))
    tags = [codec.udp_payload(d.plaintext)[:6] for d in got]
    for tag in (b"A", b"B"):
        assert [t for t in tags if t[:1] == tag] == [tag + b"%05d" % i for i in range(SENDS * SEGS)]
