"""Multi-peer (server) mode: the routing table picks the peer, RX checks the source."""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import time

import pytest

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink.genl import NetlinkError
from pyharness.proto.consts import Mode
from pyharness.proto.wire import Cipher, keydir

PROTOS = pytest.mark.parametrize("proto", ["udp", "tcp"])


@pytest.fixture
def star():
    made = []

    def new(**kwargs):
        s = topo.Star(**kwargs)
        made.append(s)
        return s

    yield new
    for s in made:
        s.close()


def received(out: str) -> int:
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


@PROTOS
def test_server_reaches_every_client(star, proto):
    s = star(proto=proto)
    for i, client in s.clients.items():
        flood = s.ping(s.server.ns, topo.client_vpn4(i), count=200, extra=("-f",))
        assert received(flood) == 200, (i, flood[-300:])
        assert received(s.ping(s.server.ns, topo.client_vpn6(i), count=5)) == 5, i
        assert received(s.ping(client.ns, topo.TUNNEL4[0], count=5)) == 5, i


@PROTOS
def test_client_to_client_through_the_server(star, proto):
    s = star(proto=proto)
    netns.run(s.server.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    netns.run(s.server.ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    assert received(s.ping(s.clients[1].ns, topo.client_vpn4(5), count=5)) == 5
    assert received(s.ping(s.clients[6].ns, topo.client_vpn6(2), count=5)) == 5


def test_subnet_behind_a_client(star):
    s = star()
    c1 = s.clients[1]
    netns.ip("addr", "add", "10.200.0.1/32", "dev", "lo", netns=c1.ns)
    netns.ip("route", "add", "10.200.0.0/24", "via", topo.client_vpn4(1), "dev", s.server.ifname, netns=s.server.ns)
    assert received(s.ping(s.server.ns, "10.200.0.1", count=10)) == 10


def test_spoofed_inner_source_dropped_and_counted(star):
    s = star()
    c2 = s.clients[2]
    netns.ip("addr", "add", "10.200.0.1/32", "dev", "lo", netns=c2.ns)
    netns.ip("route", "add", "10.200.0.0/24", "via", topo.client_vpn4(1), "dev", s.server.ifname, netns=s.server.ns)
    before = s.server.ethtool_stats()["rx_bad_source"]
    assert received(s.ping(c2.ns, topo.TUNNEL4[0], count=4, extra=("-I", "10.200.0.1"))) == 0
    assert s.server.ethtool_stats()["rx_bad_source"] - before == 4
    assert received(s.ping(c2.ns, topo.TUNNEL4[0], count=2)) == 2  # its own address still works


def test_no_peer_for_destination_is_counted(star):
    # no IPv6 on the devices: their router solicitations and MLD reports (to multicast
    # groups no peer owns) would count too, whenever the kernel gets round to sending them
    s = star(ipv6=False)
    before = s.server.ethtool_stats()["tx_no_peer"]
    assert received(s.ping(s.server.ns, "10.99.0.200", count=3)) == 0
    assert s.server.ethtool_stats()["tx_no_peer"] - before == 3


def test_delete_peer_under_flood_ping(star):
    s = star(clients4=2, clients6=1)
    ping = subprocess.Popen(
        ["ip", "netns", "exec", s.server.ns, "ping", "-f", "-w", "6", "-W", "1", topo.client_vpn4(3)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1.5)
    s.server.client.del_peer(s.server.ifindex, 3)
    out, _ = ping.communicate(timeout=120)
    sent = int(re.search(r"(\d+) packets transmitted", out).group(1))
    assert 0 < received(out) < sent, out
    assert sorted(p.peer_id for p in s.server.client.dump_peers(s.server.ifindex)) == [1, 2]
    assert received(s.ping(s.server.ns, topo.client_vpn4(1), count=3)) == 3


def test_get_peer_counters_exact_per_peer(star):
    s = star(ipv6=False)
    pings = {i: 2 + i for i in s.clients}
    for i, n in pings.items():
        assert received(s.ping(s.server.ns, topo.client_vpn4(i), count=n)) == n
    icmp = 84
    by_id = {p.peer_id: p.stats for p in s.server.client.dump_peers(s.server.ifindex)}
    assert set(by_id) == set(pings)
    for i, n in pings.items():
        assert by_id[i]["vpn_tx_packets"] == n, i
        assert by_id[i]["vpn_rx_packets"] == n, i
        assert by_id[i]["vpn_tx_bytes"] == n * icmp, i
        assert by_id[i]["link_tx_packets"] == n, i


@pytest.fixture
def mp_end(underlay):
    """An MP device in namespace a and a UDP socket there for its peers."""
    e = topo.KernelEnd(underlay.ns[0], mode=Mode.MP, ifname="ovmp")
    sock = topo.udp_socket(underlay.ns[0], 4, (topo.UNDERLAY4[0], topo.PORT))
    yield e, sock
    sock.close()
    e.close()


def test_mp_peer_needs_a_vpn_address(mp_end):
    e, sock = mp_end
    with pytest.raises(NetlinkError) as exc:
        e.client.new_peer(e.ifindex, 1, sock.fileno(), (topo.UNDERLAY4[1], topo.PORT))
    assert exc.value.errno == errno.EINVAL
    assert exc.value.extack


def test_duplicate_peer_id_is_eexist(mp_end):
    e, sock = mp_end
    e.client.new_peer(e.ifindex, 1, sock.fileno(), (topo.UNDERLAY4[1], topo.PORT), vpn_ipv4="10.99.0.2")
    with pytest.raises(NetlinkError) as exc:
        e.client.new_peer(e.ifindex, 1, sock.fileno(), (topo.UNDERLAY4[1], 2000), vpn_ipv4="10.99.0.3")
    assert exc.value.errno == errno.EEXIST
    assert exc.value.extack


def test_local_ip_is_the_source_address(underlay):
    e = topo.KernelEnd(underlay.ns[0], mode=Mode.MP, ifname="ovmp")
    a, b = underlay.ns
    netns.ip("addr", "add", "192.0.2.9/24", "dev", "va", netns=a)
    with netns.inside(a):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("0.0.0.0", topo.PORT))
    peer = topo.udp_socket(b, 4, (topo.UNDERLAY4[1], topo.PORT))
    peer.settimeout(5)
    kd = keydir(Cipher.AES_128_GCM, 1)
    try:
        e.client.new_peer(
            e.ifindex, 1, sock.fileno(), (topo.UNDERLAY4[1], topo.PORT), local_ip="192.0.2.9", vpn_ipv4="10.99.0.2"
        )
        e.key(1, kd, kd)
        e.address(0, ipv6=False)
        netns.run(a, "ping", "-c", "1", "-W", "1", "10.99.0.2", check=False)
        _, src = peer.recvfrom(65535)
        assert src == ("192.0.2.9", topo.PORT)
    finally:
        peer.close()
        sock.close()
        e.close()
