"""The peer's address floats only after a packet proved itself (AEAD and replay)."""

from __future__ import annotations

import socket

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.proto import wire as codec


def second_address(w) -> socket.socket:
    b = w.underlay.ns[1]
    netns.ip("addr", "add", "192.0.2.3/24", "dev", "vb", netns=b)
    s = topo.udp_socket(b, 4, ("192.0.2.3", 2000))
    s.settimeout(3)
    return s


def test_forged_packet_from_new_address_does_not_move_the_peer(wire):
    w = wire()
    other = second_address(w)
    forged = bytearray(w.seal(w.inner_udp(b"x")))
    forged[12] ^= 0x55
    other.sendto(bytes(forged), w.kernel_addr)
    replayed = w.seal(w.inner_udp(b"y"), pid=1)
    w.send_raw(replayed)
    other.sendto(replayed, w.kernel_addr)  # authentic but a replay
    assert w.end.client.get_peer(w.end.ifindex, w.peer_id).remote == w.peer_addr
    stats = w.end.ethtool_stats()
    assert (stats["rx_auth_failed"], stats["rx_replay"]) == (1, 1)


def test_valid_packet_from_new_address_moves_the_peer(wire):
    w = wire()
    other = second_address(w)
    other.sendto(w.seal(w.inner_udp(b"x")), w.kernel_addr)
    assert w.end.client.get_peer(w.end.ifindex, w.peer_id).remote == ("192.0.2.3", 2000)
    with topo.netns.inside(w.end.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"reply", (topo.TUNNEL4[1], 9))
    s.close()
    # the kernel now sends to the new address: first the ICMP error for "x", then the reply
    plaintexts = [codec.decrypt(w.kernel_tx, other.recv(65535)).plaintext for _ in range(2)]
    assert any(p.endswith(b"reply") for p in plaintexts), plaintexts
