"""Counters: the device's and each peer's, exact after a known amount of traffic."""

from __future__ import annotations

import pytest

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink.dco import OvpnClient
from pyharness.proto.consts import DCO, DCO_V2, Layout

PINGS = 7
ICMP4 = 20 + 8 + 56  # default ping: 56 bytes of data


@pytest.fixture
def pinged(tunnel):
    t = tunnel(ipv6=False)  # no IPv6 chatter (RS, MLD) in the counts
    out = t.ping(0, count=PINGS)
    assert f" {PINGS} received" in out
    return t


def peer_stats(t: topo.Tunnel, layout: Layout) -> dict[str, int]:
    """GET_PEER counters of side a's peer, read through ``layout``'s family."""
    a = t.ends[0]
    with netns.inside(a.ns):
        client = OvpnClient(layout)
    try:
        return client.get_peer(a.ifindex, t.peer_id).stats
    finally:
        client.close()


def test_device_counters_exact(pinged):
    a, b = pinged.ends
    for end in (a, b):
        assert end.stat("tx_packets") == PINGS
        assert end.stat("rx_packets") == PINGS
        assert end.stat("tx_bytes") == PINGS * ICMP4
        assert end.stat("rx_bytes") == PINGS * ICMP4
        assert end.stat("rx_dropped") == 0
        assert end.stat("tx_dropped") == 0


def test_peer_counters_exact_in_ovpn_dco_v2(pinged):
    stats = peer_stats(pinged, DCO_V2)
    link = PINGS * (ICMP4 + 24)  # + DATA_V2 header, packet id and tag
    assert stats == {
        "vpn_rx_bytes": PINGS * ICMP4,
        "vpn_tx_bytes": PINGS * ICMP4,
        "vpn_rx_packets": PINGS,
        "vpn_tx_packets": PINGS,
        "link_rx_bytes": link,
        "link_tx_bytes": link,
        "link_rx_packets": PINGS,
        "link_tx_packets": PINGS,
    }


def test_peer_counters_exact_in_ovpn_dco(pinged):
    stats = peer_stats(pinged, DCO)
    assert stats == {
        "rx_bytes": PINGS * ICMP4,
        "tx_bytes": PINGS * ICMP4,
        "rx_packets": PINGS,
        "tx_packets": PINGS,
    }


def test_dump_reports_the_same_counters(pinged):
    a = pinged.ends[0]
    (info,) = a.client.dump_peers(a.ifindex)
    assert info == a.client.get_peer(a.ifindex, pinged.peer_id)
    assert info.remote == (topo.UNDERLAY4[1], topo.PORT)
    assert info.local_port == topo.PORT
