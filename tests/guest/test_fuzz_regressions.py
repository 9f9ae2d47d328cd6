"""Inputs the fuzzers found the module mishandling, replayed exactly."""

from __future__ import annotations

import errno
import socket

import pytest

from pyharness.guest import netns as nsmod
from pyharness.netlink import genl
from pyharness.netlink.dco import OvpnClient
from pyharness.proto.consts import DCO, Mode

# the largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP)
UDP4_MAX = 65507


@pytest.fixture
def p2p_udp4(netns, ovpn_dev):
    """A P2P device whose peer is a UDP socket on 127.0.0.1 reachable over lo: (client, ifindex, receiver)."""
    ns = netns()
    _, ifindex = ovpn_dev(Mode.P2P, ns)
    with nsmod.inside(ns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        rcv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rcv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        rcv.bind(("127.0.0.1", 0))
        rcv.settimeout(5)
        client = OvpnClient(DCO)
    client.new_peer(ifindex, 1, sock.fileno(), rcv.getsockname())
    yield client, ifindex, rcv
    client.close()
    rcv.close()
    sock.close()


def test_control_packet_too_big_for_a_udp4_datagram_is_refused(p2p_udp4) -> None:
    """fuzz_netlink (BIG_PACKETS): 65508 bytes were accepted (0), the datagram then lost as oversized."""
    client, ifindex, _ = p2p_udp4
    with pytest.raises(genl.NetlinkError) as exc:
        client.send_packet(ifindex, 1, b"\x20" + b"x" * UDP4_MAX)
    assert exc.value.errno == errno.EMSGSIZE
    assert exc.value.extack


def test_control_packet_of_the_largest_udp4_payload_arrives_whole(p2p_udp4) -> None:
    client, ifindex, rcv = p2p_udp4
    data = b"\x20" + b"y" * (UDP4_MAX - 1)
    client.send_packet(ifindex, 1, data)
    assert rcv.recv(1 << 17) == data
