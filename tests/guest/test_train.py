"""Trains (kernel/train.c): the encrypted segments of a GSO send leave as one UDP GSO packet.

The sender is a UDP_SEGMENT write of 43 segments into the tunnel: one GSO packet at the
device. Over a UDP transport its 43 DATA_V2 packets must cross the outer stack as one train,
be split below it into exactly the datagrams 43 single sends would have made, and arrive
whole and in order.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading

import pytest

from pyharness.guest import netns
from pyharness.net import packets, topo
from pyharness.proto.wire import decrypt, udp_checksum_ok, udp_payload

SEG = 1400  # UDP_SEGMENT size of the inner send
SEGS = 43
LAST = 1200  # the last segment is shorter: 42 x 1400 + 1200 = 60000 bytes
UDP_SEGMENT = 103  # <linux/udp.h>
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>
SO_SNDBUFFORCE = 32
INNER_HDR = 20 + 8  # inner IPv4 + UDP
OVERHEAD = 24  # DATA_V2 header + tag
TRAIN_LEN = (SEGS - 1) * (SEG + INNER_HDR + OVERHEAD) + LAST + INNER_HDR + OVERHEAD
DPORT = 5555


def payload(seg: int = SEG) -> bytes:
    """SEGS segments of ``seg`` bytes, the last LAST: segment i is filled with byte i + 1."""
    return b"".join(bytes([i + 1]) * (seg if i < SEGS - 1 else LAST) for i in range(SEGS))


def expected_datagrams(seg: int = SEG) -> list[bytes]:
    data = payload(seg)
    return [data[i : i + seg] for i in range(0, len(data), seg)]


def listener(t: topo.Tunnel) -> socket.socket:
    with netns.inside(t.ends[1].ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
        s.bind((topo.TUNNEL4[1], DPORT))
    s.settimeout(5)
    return s


def gso_send(t: topo.Tunnel, seg: int = SEG) -> None:
    """One UDP_SEGMENT write from end 0 to end 1: one GSO packet of SEGS segments at the device."""
    data = payload(seg)
    with netns.inside(t.ends[0].ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, seg)
        assert s.sendto(data, (topo.TUNNEL4[1], DPORT)) == len(data)


def receive(s: socket.socket, n: int) -> list[bytes]:
    return [s.recv(65535) for _ in range(n)]


def capture(t: topo.Tunnel) -> socket.socket:
    """A packet socket on end 0's underlay veth, with room for a whole train's datagrams."""
    cap = packets.capture(t.ends[0].ns, "va")
    cap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    return cap


def outgoing_tunnel_datagrams(cap: socket.socket) -> list[bytes]:
    """The UDP payloads of the tunnel datagrams (port 1194) the capture saw leave, until quiet."""
    cap.settimeout(1.5)
    out: list[bytes] = []
    try:
        while True:
            data, addr = cap.recvfrom(65535)
            if addr[2] != packets.PACKET_OUTGOING:
                continue
            v4 = data[0] >> 4 == 4
            hlen, proto = ((data[0] & 0x0F) * 4, data[9]) if v4 else (40, data[6])
            if proto == socket.IPPROTO_UDP and struct.unpack(">H", data[hlen + 2 : hlen + 4])[0] == topo.PORT:
                out.append(data)
    except TimeoutError:
        pass
    return out


def warm(t: topo.Tunnel) -> None:
    """Neighbour resolution done, so that nothing of the send waits for ARP or ND."""
    assert " 1 received" in t.ping(0, count=1)


@pytest.mark.parametrize("outer", [4, 6])
def test_a_gso_send_crosses_the_outer_stack_as_one_train(tunnel, outer):
    t = tunnel(outer=outer, ipv6=False)
    warm(t)
    lst = listener(t)
    cap = capture(t)
    before = t.ends[0].ethtool_stats()
    tx_before, rx_before = t.ends[0].stat("tx_packets"), t.ends[1].stat("rx_packets")

    gso_send(t)

    assert receive(lst, SEGS) == expected_datagrams()
    # veth passes UDP GSO packets on: the capture sees the train whole
    seen = outgoing_tunnel_datagrams(cap)
    assert [len(udp_payload(p)) for p in seen] == [TRAIN_LEN]
    after = t.ends[0].ethtool_stats()
    assert after["tx_trains"] - before["tx_trains"] == 1
    assert after["tx_train_packets"] - before["tx_train_packets"] == SEGS
    assert t.ends[0].stat("tx_packets") - tx_before == SEGS
    assert t.ends[1].stat("rx_packets") - rx_before == SEGS
    assert after["tx_errors"] == before["tx_errors"]


@pytest.mark.parametrize("outer", [4, 6])
def test_a_train_split_in_software_is_the_datagrams_single_sends_make(tunnel, outer):
    t = tunnel(outer=outer, ipv6=False)
    # what a NIC without UDP segmentation offload gets: the stack splits and checksums the train
    netns.run(t.ends[0].ns, "ethtool", "-K", "va", "tx-udp-segmentation", "off", "tx-checksumming", "off")
    warm(t)
    lst = listener(t)
    cap = capture(t)

    gso_send(t)

    assert receive(lst, SEGS) == expected_datagrams()
    seen = outgoing_tunnel_datagrams(cap)
    sizes = [len(udp_payload(p)) for p in seen]
    assert sizes == [SEG + INNER_HDR + OVERHEAD] * (SEGS - 1) + [LAST + INNER_HDR + OVERHEAD]
    assert all(udp_checksum_ok(p) for p in seen)
    opened = [decrypt(t.keys[0], udp_payload(p)) for p in seen]
    ids = [d.packet_id for d in opened]
    assert ids == list(range(ids[0], ids[0] + SEGS))
    assert [d.plaintext[INNER_HDR:] for d in opened] == expected_datagrams()
    if outer == 4:
        ip_ids = [struct.unpack(">H", p[4:6])[0] for p in seen]
        assert ip_ids == [(ip_ids[0] + i) & 0xFFFF for i in range(SEGS)]
        assert all(struct.unpack(">H", p[6:8])[0] & 0x4000 == 0 for p in seen)  # DF clear


@pytest.mark.parametrize("outer", [4, 6])
def test_a_train_of_datagrams_over_the_path_mtu_leaves_fragmented(tunnel, outer):
    # tunnel MTU 1500 on the 1500-byte veth: every 1502-byte DATA_V2 packet needs two fragments
    t = tunnel(outer=outer, ipv6=False, mtu=1500)
    warm(t)
    lst = listener(t)
    before = t.ends[0].ethtool_stats()

    gso_send(t, seg=1450)

    assert receive(lst, SEGS) == expected_datagrams(seg=1450)
    after = t.ends[0].ethtool_stats()
    assert after["tx_train_packets"] - before["tx_train_packets"] == SEGS
    assert after["tx_errors"] == before["tx_errors"]


def test_a_tcp_transport_sends_frames_not_trains(tunnel):
    t = tunnel(proto="tcp", ipv6=False)
    # room for the whole burst: a frame TCP takes only in part makes the next ones drop (tcp.c)
    assert t.ends[0].sock is not None
    t.ends[0].sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20)
    warm(t)
    lst = listener(t)
    before = t.ends[0].ethtool_stats()

    gso_send(t)

    assert receive(lst, SEGS) == expected_datagrams()
    after = t.ends[0].ethtool_stats()
    assert after["tx_trains"] == before["tx_trains"]
    assert after["tx_train_packets"] == before["tx_train_packets"]


@pytest.mark.parametrize("outer", [4, 6])
def test_a_tcp_stream_through_trains_arrives_intact(tunnel, outer):
    t = tunnel(outer=outer, ipv6=False)
    warm(t)
    data = hashlib.shake_256(b"trains").digest(8 << 20)  # not a Python loop: 8 MiB of it takes a TCG guest seconds
    srv, cli = topo.tcp_pair((t.ends[1].ns, t.ends[0].ns), 4, (topo.TUNNEL4[1], 6000), (topo.TUNNEL4[0], 6001))
    cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
    before = t.ends[0].ethtool_stats()

    def send() -> None:
        cli.sendall(data)
        cli.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    digest, got = hashlib.sha256(), 0
    srv.settimeout(60)
    while chunk := srv.recv(1 << 16):
        digest.update(chunk)
        got += len(chunk)
    sender.join()
    srv.close()
    cli.close()

    assert got == len(data)
    assert digest.digest() == hashlib.sha256(data).digest()
    after = t.ends[0].ethtool_stats()
    assert after["tx_trains"] > before["tx_trains"]
    assert after["tx_errors"] == before["tx_errors"]
