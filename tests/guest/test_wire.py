"""Byte-exact interoperability with an independent DATA_V2 codec (scapy + cryptography)."""

from __future__ import annotations

import socket

import pytest

from pyharness.net import topo
from pyharness.proto import wire as codec
from pyharness.proto.wire import Cipher

CIPHERS = pytest.mark.parametrize("cipher", list(Cipher), ids=[c.name for c in Cipher])


def captured_incoming(cap: socket.socket, want: int) -> list[bytes]:
    """Packets the stack received on the device (PACKET_HOST), until ``want`` arrived."""
    out = []
    while len(out) < want:
        data, addr = cap.recvfrom(65535)
        if addr[2] == socket.PACKET_HOST:
            out.append(data)
    return out


@CIPHERS
@pytest.mark.parametrize("inner", [4, 6])
def test_python_encrypted_packets_reach_the_netdev_byte_identical(wire, cipher, inner):
    w = wire(cipher=cipher, ipv6_on_device=inner == 6)
    cap = w.capture()
    listener = w.listener(inner=inner)
    sent = [w.inner_udp(f"hello {i}".encode() * (i + 1), inner=inner) for i in range(3)]
    for pkt in sent:
        w.send(pkt)
    assert captured_incoming(cap, 3) == sent
    assert [listener.recv(100) for _ in range(3)] == [codec.udp_payload(p) for p in sent]


@CIPHERS
def test_kernel_packets_decrypt_in_python_with_ids_from_one(wire, cipher):
    w = wire(cipher=cipher, key_id=3)
    with topo.netns.inside(w.end.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payloads = [b"one", b"two" * 50, b"three" * 200]
    for p in payloads:
        s.sendto(p, (topo.TUNNEL4[1], 7777))
    s.close()
    for expected_pid, payload in enumerate(payloads, start=1):
        datagram = w.recv()
        hdr = codec.parse(datagram)
        assert (hdr.opcode, hdr.key_id, hdr.peer_id, hdr.packet_id) == (9, 3, w.peer_id, expected_pid)
        assert datagram[0] == (9 << 3) | 3
        assert len(datagram) == codec.OVERHEAD + 20 + 8 + len(payload)
        d = codec.decrypt(w.kernel_tx, datagram)
        assert d.plaintext[:1] == b"\x45"
        assert d.plaintext[12:20] == bytes([10, 99, 0, 1, 10, 99, 0, 2])
        assert codec.udp_payload(d.plaintext) == payload


def test_kernel_ipv6_inner_packet_decrypts_in_python(wire):
    w = wire(ipv6_on_device=True)
    with topo.netns.inside(w.end.ns):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.sendto(b"six", (topo.TUNNEL6[1], 7777))
    s.close()
    for _ in range(20):  # the device also sends MLD / router solicitations
        d = codec.decrypt(w.kernel_tx, w.recv())
        if d.plaintext[0] >> 4 == 6 and d.plaintext[6] == 17:
            assert codec.udp_payload(d.plaintext) == b"six"
            return
    pytest.fail("the UDP packet never came")


def test_ipv6_outer_transport(wire):
    w = wire(outer=6)
    w.send(w.inner_udp(b"via v6"))
    listener = w.listener()
    w.send(w.inner_udp(b"via v6 again"))
    assert listener.recv(100) == b"via v6 again"
