"""The peer tables resize with the peers, keep peers that share a remote, and the cached route follows the routes."""

from __future__ import annotations

import errno
import re
import time

import pytest

from pyharness.bench import scale
from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink.genl import NetlinkError
from pyharness.proto.consts import Mode

EXTRA = range(1000, 5000)  # enough for every table to grow well past its first size


def received(out: str) -> int:
    m = re.search(r"(\d+) received", out)
    return int(m.group(1)) if m else 0


def every_client_answers(s: topo.Star) -> None:
    for i in s.clients:
        assert received(s.ping(s.server.ns, topo.client_vpn4(i), count=5)) == 5, i
        assert received(s.ping(s.server.ns, topo.client_vpn6(i), count=5)) == 5, i


@pytest.fixture
def star():
    s = topo.Star(clients4=2, clients6=1)
    yield s
    s.close()


def test_tables_grow_and_shrink_under_traffic(star):
    """4,000 peers added and deleted around three real clients: their lookups by VPN address
    (TX), by id (RX) and the dump see exactly the peers there are, at every size."""
    srv = star.server
    shared = star.sockets[0]
    # many peers share a few remotes (the transport table keeps each of them)
    nests = [
        srv.client.new_peer_attrs(
            i, shared.fileno(), ("192.0.2.99", 20_000 + i % 7), vpn_ipv4=scale.vpn_ipv4(i), vpn_ipv6=f"fd77::{i:x}"
        )
        for i in EXTRA
    ]
    srv.client.new_peers(srv.ifindex, nests)
    assert sorted(p.peer_id for p in srv.client.dump_peers(srv.ifindex)) == [*star.clients, *EXTRA]
    every_client_answers(star)
    # one of the extra peers, found by id and by its VPN addresses' uniqueness
    assert srv.client.get_peer(srv.ifindex, 4321).remote == ("192.0.2.99", 20_000 + 4321 % 7)
    with pytest.raises(NetlinkError) as exc:
        srv.client.new_peer(srv.ifindex, 9999, shared.fileno(), ("192.0.2.98", 1), vpn_ipv4=scale.vpn_ipv4(4321))
    assert exc.value.errno == errno.EEXIST

    srv.client.del_peers(srv.ifindex, list(EXTRA))
    time.sleep(1)  # the tables shrink in a deferred work
    assert sorted(p.peer_id for p in srv.client.dump_peers(srv.ifindex)) == list(star.clients)
    every_client_answers(star)
    with pytest.raises(NetlinkError) as exc:
        srv.client.get_peer(srv.ifindex, 4321)
    assert exc.value.errno == errno.ENOENT
    # its VPN address is free again
    srv.client.new_peer(srv.ifindex, 9999, shared.fileno(), ("192.0.2.98", 1), vpn_ipv4=scale.vpn_ipv4(4321))
    assert srv.client.get_peer(srv.ifindex, 9999).remote == ("192.0.2.98", 1)


def test_peers_sharing_a_remote_are_each_kept(underlay):
    e = topo.KernelEnd(underlay.ns[0], mode=Mode.MP, ifname="ovmp")
    sock = topo.udp_socket(underlay.ns[0], 4, (topo.UNDERLAY4[0], topo.PORT))
    try:
        remote = (topo.UNDERLAY4[1], topo.PORT)
        for i in (10, 11, 12):
            e.client.new_peer(e.ifindex, i, sock.fileno(), remote, vpn_ipv4=f"10.99.0.{i}")
        assert {p.peer_id: p.remote for p in e.client.dump_peers(e.ifindex)} == {10: remote, 11: remote, 12: remote}
        e.client.del_peer(e.ifindex, 11)
        assert [p.peer_id for p in e.client.dump_peers(e.ifindex)] == [10, 12]
        e.client.del_peer(e.ifindex, 10)
        assert e.client.get_peer(e.ifindex, 12).remote == remote
        e.client.del_peer(e.ifindex, 12)
        assert e.client.dump_peers(e.ifindex) == []
    finally:
        sock.close()
        e.close()


SECOND_PATH = {4: ("198.51.100.1", "198.51.100.2", "24", "32"), 6: ("2001:db8:1::1", "2001:db8:1::2", "64", "128")}


def tx_packets(ns: str, dev: str) -> int:
    return int(netns.run(ns, "cat", f"/sys/class/net/{dev}/statistics/tx_packets").stdout)


@pytest.mark.parametrize("outer", [4, 6])
def test_cached_route_follows_a_route_change(outer):
    """The peer's cached route is dropped when the routing changes: the tunnel's packets take
    a new host route to the remote at once, over a second link."""
    t = topo.Tunnel(outer=outer, ipv6=False)
    try:
        a, b = t.underlay.ns
        near, far, plen, host = SECOND_PATH[outer]
        netns.ip("link", "add", "va2", "netns", a, "type", "veth", "peer", "name", "vb2", "netns", b)
        for ns, dev, addr in ((a, "va2", near), (b, "vb2", far)):
            netns.ip("addr", "add", f"{addr}/{plen}", "dev", dev, *(["nodad"] if outer == 6 else []), netns=ns)
            netns.ip("link", "set", dev, "up", netns=ns)
        assert received(t.ping(0, count=3)) == 3  # the route over va is cached now
        before = tx_packets(a, "va2")
        netns.ip(f"-{outer}", "route", "add", f"{t.underlay.addr(1, outer)}/{host}", "via", far, "dev", "va2", netns=a)
        assert received(t.ping(0, count=5)) == 5
        # 5 requests (and nothing else from the tunnel) left over the second link
        assert tx_packets(a, "va2") - before >= 5
    finally:
        t.close()
