"""Peer objects over netlink: create, replace, delete, read; notifications; socket rules."""

from __future__ import annotations

import errno
import socket

import pytest

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink.dco import OvpnClient
from pyharness.netlink.genl import NetlinkError
from pyharness.proto import wire
from pyharness.proto.consts import DCO, DCO_V2


@pytest.fixture
def listeners(underlay):
    ns = underlay.ns[0]
    with netns.inside(ns):
        v1, v2 = OvpnClient(DCO), OvpnClient(DCO_V2)
    v1.subscribe()
    v2.subscribe()
    yield v1, v2
    v1.close()
    v2.close()


@pytest.fixture
def end(underlay):
    e = topo.KernelEnd(underlay.ns[0])
    yield e
    e.close()


def udp(underlay, port: int = topo.PORT, family: int = 4) -> socket.socket:
    return topo.udp_socket(underlay.ns[0], family, (underlay.addr(0, family), port))


REMOTE = (topo.UNDERLAY4[1], topo.PORT)


def test_new_peer_then_get_peer(underlay, end):
    s = udp(underlay)
    end.client.new_peer(
        end.ifindex, 7, s.fileno(), REMOTE, local_ip=topo.UNDERLAY4[0], vpn_ipv4="10.99.0.2", vpn_ipv6="fd99::2"
    )
    info = end.client.get_peer(end.ifindex, 7)
    assert (info.peer_id, info.remote, info.local_port) == (7, REMOTE, topo.PORT)
    assert info.local_ip == topo.UNDERLAY4[0]
    assert all(v == 0 for v in info.stats.values())
    s.close()


def test_p2p_new_peer_replaces_the_old_one(underlay, end, listeners):
    v1, v2 = listeners
    s = udp(underlay)
    end.client.new_peer(end.ifindex, 1, s.fileno(), REMOTE)
    end.client.new_peer(end.ifindex, 2, s.fileno(), REMOTE)
    assert [(e.ifindex, e.peer_id, e.reason) for e in v2.events(3)] == [(end.ifindex, 1, DCO_V2.reason.TEARDOWN)]
    assert [(e.peer_id, e.reason) for e in v1.events(3)] == [(1, DCO.reason.TEARDOWN)]
    assert [p.peer_id for p in end.client.dump_peers(end.ifindex)] == [2]


def test_del_peer_notifies_userspace_reason(underlay, end, listeners):
    v1, v2 = listeners
    s = udp(underlay)
    end.client.new_peer(end.ifindex, 3, s.fileno(), REMOTE)
    end.client.del_peer(end.ifindex, 3)
    assert [(e.peer_id, e.reason) for e in v2.events(3)] == [(3, DCO_V2.reason.USERSPACE)]
    assert [(e.peer_id, e.reason) for e in v1.events(3)] == [(3, DCO.reason.USERSPACE)]
    with pytest.raises(NetlinkError) as exc:
        end.client.get_peer(end.ifindex, 3)
    assert exc.value.errno == errno.ENOENT


def test_del_unknown_peer_is_enoent_with_extack(end):
    with pytest.raises(NetlinkError) as exc:
        end.client.del_peer(end.ifindex, 99)
    assert exc.value.errno == errno.ENOENT
    assert exc.value.extack == "no such peer"


def test_closing_the_socket_removes_its_peer(underlay, end, listeners):
    v1, v2 = listeners
    s = udp(underlay)
    end.client.new_peer(end.ifindex, 4, s.fileno(), REMOTE)
    s.close()
    assert [(e.peer_id, e.reason) for e in v2.events(3)] == [(4, DCO_V2.reason.TRANSPORT_DISCONNECT)]
    assert [(e.peer_id, e.reason) for e in v1.events(3)] == [(4, DCO.reason.TRANSPORT_ERROR)]
    assert end.client.dump_peers(end.ifindex) == []


def test_deleting_the_peer_gives_the_socket_back(underlay, end):
    s = udp(underlay)
    end.client.new_peer(end.ifindex, 5, s.fileno(), REMOTE)
    end.client.del_peer(end.ifindex, 5)
    peer = topo.udp_socket(underlay.ns[1], 4, REMOTE)
    peer.sendto(bytes([0x48]) + b"\x00\x00\x05" + b"z" * 40, (topo.UNDERLAY4[0], topo.PORT))
    s.settimeout(3)
    assert s.recv(100)[:4] == b"\x48\x00\x00\x05"  # a plain UDP socket again: DATA_V2 not consumed
    peer.close()
    s.close()


def test_link_delete_notifies_teardown(underlay, listeners):
    v1, v2 = listeners
    e = topo.KernelEnd(underlay.ns[0], ifname="ovdel")
    s = udp(underlay)
    e.client.new_peer(e.ifindex, 6, s.fileno(), REMOTE)
    netns.ip("link", "del", "ovdel", netns=underlay.ns[0])
    assert [(ev.ifindex, ev.peer_id, ev.reason) for ev in v2.events(3)] == [(e.ifindex, 6, DCO_V2.reason.TEARDOWN)]
    e.close()
    s.close()


def test_socket_used_by_another_device_is_ebusy(underlay, end):
    other = topo.KernelEnd(underlay.ns[0], ifname="ovother")
    s = udp(underlay)
    end.client.new_peer(end.ifindex, 1, s.fileno(), REMOTE)
    with pytest.raises(NetlinkError) as exc:
        other.client.new_peer(other.ifindex, 1, s.fileno(), REMOTE)
    assert exc.value.errno == errno.EBUSY
    assert exc.value.extack
    other.close()
    s.close()


def test_fd_that_is_not_a_socket_rejected(end):
    with open("/proc/self/status", "rb") as f, pytest.raises(NetlinkError) as exc:
        end.client.new_peer(end.ifindex, 1, f.fileno(), REMOTE)
    assert exc.value.errno == errno.ENOTSOCK
    assert exc.value.extack


def test_fd_that_does_not_exist_rejected(end):
    with pytest.raises(NetlinkError) as exc:
        end.client.new_peer(end.ifindex, 1, 987654, REMOTE)
    assert exc.value.errno == errno.EBADF
    assert exc.value.extack


def test_udp_peer_needs_a_remote_address(underlay, end):
    s = udp(underlay)
    with pytest.raises(NetlinkError) as exc:
        end.client.new_peer(end.ifindex, 1, s.fileno())
    assert exc.value.errno == errno.EINVAL
    assert exc.value.extack
    s.close()


def test_ipv4_peer_on_dual_stack_socket(underlay):
    t = topo.KernelEnd(underlay.ns[0], ifname="ovds")
    with netns.inside(underlay.ns[0]):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", topo.PORT))
    k1, k2 = wire.keydir(wire.Cipher.AES_128_GCM, 1), wire.keydir(wire.Cipher.AES_128_GCM, 2)
    t.client.new_peer(t.ifindex, 9, s.fileno(), REMOTE)
    t.key(9, k1, k2)
    t.address(0)
    peer = topo.udp_socket(underlay.ns[1], 4, REMOTE)
    peer.settimeout(3)
    with netns.inside(underlay.ns[0]):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"dual", (topo.TUNNEL4[1], 9))
    data, src = peer.recvfrom(65535)
    assert src == (topo.UNDERLAY4[0], topo.PORT)
    assert wire.decrypt(k1, data).plaintext.endswith(b"dual")
    for x in (u, peer, s):
        x.close()
    t.close()
