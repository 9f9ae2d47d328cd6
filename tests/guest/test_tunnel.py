"""Two namespaces, a tunnel configured only through netlink, real traffic through it."""

from __future__ import annotations

import sys

import pytest

from pyharness.guest import netns
from pyharness.net import topo, traffic
from pyharness.proto.consts import DCO, DCO_V2
from pyharness.proto.wire import Cipher

OUTER_INNER = [(4, 4), (4, 6), (6, 4), (6, 6)]


@pytest.mark.parametrize(("outer", "inner"), OUTER_INNER, ids=[f"outer{o}-inner{i}" for o, i in OUTER_INNER])
def test_ping_and_iperf3(tunnel, outer, inner):
    t = tunnel(outer=outer)
    out = t.ping(0, inner=inner, count=5)
    assert " 5 received" in out
    server = (topo.TUNNEL4 if inner == 4 else topo.TUNNEL6)[1]
    report = traffic.iperf3(t.ends[1].ns, t.ends[0].ns, server, seconds=2)
    assert report["end"]["sum_received"]["bytes"] > 100_000


@pytest.mark.parametrize("outer", [4, 6])
def test_large_ping_fragments_the_outer_packet(tunnel, outer):
    t = tunnel(outer=outer, mtu=1500)
    assert " 3 received" in t.ping(0, size=3000)


@pytest.mark.parametrize("cipher", list(Cipher), ids=[c.name for c in Cipher])
def test_every_cipher_carries_traffic(tunnel, cipher):
    t = tunnel(cipher=cipher)
    assert " 3 received" in t.ping(1)


@pytest.mark.parametrize("layout", [DCO, DCO_V2], ids=["ovpn-dco", "ovpn-dco-v2"])
def test_both_families_configure_a_tunnel(tunnel, layout):
    t = tunnel(layout=layout)
    assert " 3 received" in t.ping(0, inner=6)


def test_gso_packets_are_segmented_and_all_sent(tunnel):
    t = tunnel()
    for end in t.ends:
        offload = netns.run(end.ns, "ethtool", "-k", end.ifname).stdout
        assert "generic-segmentation-offload: on" in offload
    before = t.ends[1].stat("rx_packets")
    sent_before = t.ends[0].stat("tx_packets")
    res = netns.run(t.ends[0].ns, sys.executable, "-c", GSO_SENDER, topo.TUNNEL4[1], timeout=60)
    assert res.stdout.strip() == "sent 60000"
    # one 60000-byte UDP_SEGMENT write reaches the device as one GSO packet of 43 segments
    assert t.ends[0].stat("tx_packets") - sent_before >= 43
    assert t.ends[1].stat("rx_packets") - before >= 43


GSO_SENDER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1400)  # UDP_SEGMENT: one GSO super-packet
n = s.sendto(b"g" * 60000, (sys.argv[1], 9))
print("sent", n)
"""
