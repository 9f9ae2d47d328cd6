"""TCP transport: length-framed stream, data in the kernel, control frames to userspace."""

from __future__ import annotations

import errno
import select
import socket
import struct
import time

import pytest

from pyharness.guest import netns
from pyharness.net import topo, traffic
from pyharness.netlink.dco import OvpnClient
from pyharness.netlink.genl import NetlinkError
from pyharness.proto import wire as codec
from pyharness.proto.consts import DCO_V2

CONTROL_1 = bytes([4 << 3]) + b"\x01" * 8 + b"first control frame"
CONTROL_2 = bytes([5 << 3 | 2]) + b"\x02" * 30


def frame(packet: bytes) -> bytes:
    return struct.pack(">H", len(packet)) + packet


@pytest.mark.parametrize("outer", [4, 6])
def test_tcp_tunnel_ping_and_large_ping(tunnel, outer):
    t = tunnel(outer=outer, proto="tcp", mtu=1500)
    assert " 5 received" in t.ping(0, count=5)
    assert " 3 received" in t.ping(1, inner=6, size=3000)


@pytest.mark.parametrize("outer", [4, 6])
def test_tcp_tunnel_iperf3(tunnel, outer):
    t = tunnel(outer=outer, proto="tcp")
    report = traffic.iperf3(t.ends[1].ns, t.ends[0].ns, topo.TUNNEL4[1], seconds=2)
    assert report["end"]["sum_received"]["bytes"] > 100_000


class TcpPeer:
    """ovpn-dco on an accepted TCP socket in namespace a; a Python peer on the other end."""

    def __init__(self, underlay: topo.Underlay) -> None:
        self.underlay = underlay
        self.end = topo.KernelEnd(underlay.ns[0])
        self.ksock, self.peer = topo.tcp_pair(
            underlay.ns, 4, (topo.UNDERLAY4[0], topo.PORT), (topo.UNDERLAY4[1], topo.PORT)
        )
        self.kernel_tx, self.kernel_rx = (
            codec.keydir(codec.Cipher.AES_256_GCM, 1),
            codec.keydir(codec.Cipher.AES_256_GCM, 2),
        )
        self.end.attach(self.ksock, 1, (topo.UNDERLAY4[1], topo.PORT))
        self.end.key(1, self.kernel_tx, self.kernel_rx)
        self.end.address(0, ipv6=False)
        self.pid = 1

    def data(self, payload: bytes) -> bytes:
        inner = codec.ipv4_udp(topo.TUNNEL4[1], topo.TUNNEL4[0], 4444, 5555, payload)
        pkt = codec.encrypt(self.kernel_rx, 0, 1, self.pid, inner)
        self.pid += 1
        return frame(pkt)

    def listener(self) -> socket.socket:
        with netns.inside(self.end.ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((topo.TUNNEL4[0], 5555))
        s.settimeout(5)
        return s

    def read_user(self, n: int) -> bytes:
        self.ksock.settimeout(5)
        out = b""
        while len(out) < n:
            chunk = self.ksock.recv(n - len(out))
            if not chunk:
                break
            out += chunk
        return out


@pytest.fixture
def tcp_peer(underlay):
    p = TcpPeer(underlay)
    yield p
    p.peer.close()
    p.ksock.close()
    p.end.close()


def test_interleaved_stream_split_at_every_byte(tcp_peer):
    p = tcp_peer
    lst = p.listener()
    stream = frame(CONTROL_1) + p.data(b"d1") + frame(CONTROL_2) + p.data(b"d2") + p.data(b"d3")
    for byte in stream:  # every boundary is a segment boundary
        p.peer.send(bytes([byte]))
        time.sleep(0.003)
    assert p.read_user(len(frame(CONTROL_1) + frame(CONTROL_2))) == frame(CONTROL_1) + frame(CONTROL_2)
    assert [lst.recv(100) for _ in range(3)] == [b"d1", b"d2", b"d3"]


def test_many_frames_in_one_segment(tcp_peer):
    p = tcp_peer
    lst = p.listener()
    stream = b"".join(p.data(str(i).encode()) + frame(CONTROL_1) for i in range(20))
    p.peer.sendall(stream)
    assert p.read_user(20 * len(frame(CONTROL_1))) == frame(CONTROL_1) * 20
    assert sorted(int(lst.recv(100)) for _ in range(20)) == list(range(20))


def test_poll_reports_readable_only_with_control_frames(tcp_peer):
    p = tcp_peer
    poller = select.poll()
    poller.register(p.ksock, select.POLLIN)
    p.peer.sendall(p.data(b"only data"))
    time.sleep(0.5)
    assert poller.poll(200) == []
    p.peer.sendall(frame(CONTROL_2))
    assert poller.poll(3000) == [(p.ksock.fileno(), select.POLLIN)]
    assert p.read_user(len(frame(CONTROL_2))) == frame(CONTROL_2)


def test_userspace_send_still_works(tcp_peer):
    p = tcp_peer
    p.ksock.sendall(frame(CONTROL_1))
    p.peer.settimeout(5)
    assert p.peer.recv(100) == frame(CONTROL_1)


def test_kernel_frames_its_packets(tcp_peer):
    p = tcp_peer
    with netns.inside(p.end.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"to the peer", (topo.TUNNEL4[1], 9))
    s.close()
    p.peer.settimeout(5)
    (length,) = struct.unpack(">H", p.peer.recv(2, socket.MSG_WAITALL))
    pkt = p.peer.recv(length, socket.MSG_WAITALL)
    d = codec.decrypt(p.kernel_tx, pkt)
    assert (d.peer_id, d.packet_id) == (1, 1)
    assert codec.udp_payload(d.plaintext) == b"to the peer"


def events_after(p: TcpPeer, action) -> list[tuple[int, int]]:
    with netns.inside(p.end.ns):
        listener = OvpnClient(DCO_V2)
    try:
        listener.subscribe()
        action()
        return [(e.peer_id, e.reason) for e in listener.events(5)]
    finally:
        listener.close()


def test_zero_length_frame_is_a_transport_error(tcp_peer):
    p = tcp_peer
    assert events_after(p, lambda: p.peer.sendall(b"\x00\x00")) == [(1, DCO_V2.reason.TRANSPORT_ERROR)]


def test_peer_closing_the_connection_disconnects(tcp_peer):
    p = tcp_peer
    assert events_after(p, p.peer.close) == [(1, DCO_V2.reason.TRANSPORT_DISCONNECT)]
    assert p.read_user(1) == b""  # userspace sees the end of the stream


def test_socket_is_plain_tcp_again_after_del_peer(tcp_peer):
    p = tcp_peer
    p.end.client.del_peer(p.end.ifindex, 1)
    raw = p.data(b"x")
    p.peer.sendall(raw)
    assert p.read_user(len(raw)) == raw


def test_unconnected_tcp_socket_rejected(underlay):
    e = topo.KernelEnd(underlay.ns[0])
    with netns.inside(underlay.ns[0]):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetlinkError) as exc:
            e.client.new_peer(e.ifindex, 1, s.fileno(), (topo.UNDERLAY4[1], topo.PORT))
        assert exc.value.errno == errno.EINVAL
        assert exc.value.extack
    finally:
        s.close()
        e.close()
