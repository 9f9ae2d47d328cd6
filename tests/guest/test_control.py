"""Control packets: up the transport socket untouched, or over netlink on "ovpn-dco"."""

from __future__ import annotations

import pytest

from pyharness.guest import netns
from pyharness.netlink.dco import OvpnClient
from pyharness.proto.consts import DCO

# P_CONTROL_HARD_RESET_CLIENT_V2 with key id 0, then session id and the rest
HARD_RESET = bytes([7 << 3]) + bytes(range(1, 14))
CONTROL = bytes([4 << 3 | 1]) + b"\x11" * 8 + b"control payload"


@pytest.mark.parametrize("packet", [HARD_RESET, CONTROL, b"\x30" + b"\x00" * 40], ids=["reset", "control", "ack"])
def test_non_data_packet_reaches_the_socket_unchanged(wire, packet):
    w = wire()
    w.send_raw(packet)
    w.end.sock.settimeout(3)
    data, src = w.end.sock.recvfrom(65535)
    assert data == packet
    assert src == w.peer_addr
    assert w.end.ethtool_stats()["rx_control"] == 1


def test_userspace_can_still_send_on_the_attached_socket(wire):
    w = wire()
    w.end.sock.sendto(CONTROL, w.peer_addr)
    assert w.recv() == CONTROL


def test_data_packets_do_not_reach_the_socket(wire):
    w = wire()
    w.send(w.inner_udp(b"x"))
    w.end.sock.settimeout(1)
    with pytest.raises(TimeoutError):
        w.end.sock.recvfrom(65535)


def registered_client(w) -> OvpnClient:
    with netns.inside(w.end.ns):
        client = OvpnClient(DCO)
    client.register_packet(w.end.ifindex)
    return client


def test_registered_listener_receives_control_packets_over_netlink(wire):
    w = wire(layout=DCO)
    client = registered_client(w)
    try:
        w.send_raw(CONTROL)
        assert client.packets(5) == [(w.end.ifindex, w.peer_id, CONTROL)]
        w.end.sock.settimeout(1)
        with pytest.raises(TimeoutError):
            w.end.sock.recvfrom(65535)
    finally:
        client.close()


def test_packet_command_sends_a_control_packet_to_the_peer(wire):
    w = wire(layout=DCO)
    client = registered_client(w)
    try:
        client.send_packet(w.end.ifindex, w.peer_id, HARD_RESET)
        data, src = w.peer.recvfrom(65535)
        assert data == HARD_RESET
        assert src == w.kernel_addr
    finally:
        client.close()


def test_closing_the_listener_restores_socket_delivery(wire):
    w = wire(layout=DCO)
    registered_client(w).close()
    w.send_raw(CONTROL)
    w.end.sock.settimeout(3)
    assert w.end.sock.recvfrom(65535)[0] == CONTROL


def test_packet_to_unknown_peer_is_enoent(wire):
    w = wire(layout=DCO)
    client = registered_client(w)
    try:
        with pytest.raises(Exception) as exc:
            client.send_packet(w.end.ifindex, w.peer_id + 1, CONTROL)
        assert exc.value.errno == 2
        assert exc.value.extack
    finally:
        client.close()
