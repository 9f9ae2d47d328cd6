"""mssfix against its oracle, real OpenVPN 2.6 without offload: the same SYN leaves the tunnel with the same MSS.

OpenVPN clamps on both ends by default (``mssfix 1492 mtu``); so does ovpn-dco. A SYN handed to
one end's tun0 is read on the other end's tun0, once with both ends in userspace
(``disable-dco``) and once offloaded, for each transport and underlay.
"""

from __future__ import annotations

import re

import pytest

from pyharness.guest import netns
from pyharness.net import packets, traffic
from pyharness.netlink import rtnl
from pyharness.netlink.dco import OvpnClient
from pyharness.openvpn import daemon
from pyharness.proto import mss
from pyharness.proto import wire as codec
from pyharness.proto.consts import DCO_V2

SPORT = 40001
TRANSPORTS = [("udp", 4), ("udp", 6), ("tcp", 4), ("tcp", 6)]


def mss_through(lab: daemon.Lab, underlay, proto: str, ip: int, offload: bool) -> dict[int, int]:
    """The MSS a 1460 (IPv4) and 1440 (IPv6) SYN from b's tun0 has at a's tun0."""
    a, b = daemon.p2p_pair(
        lab,
        underlay.ns,
        (underlay.addr(0, ip), underlay.addr(1, ip)),
        proto=proto,
        ipv6=ip == 6,
        disable_dco=(not offload, not offload),
    )
    for proc in (a, b):
        assert daemon.offload(proc).offloaded == offload, proc.tail()
    out = {}
    with packets.capture(a.ns, "tun0") as cap:
        for inner, addrs, mss_in in ((4, daemon.TUNNEL4, 1460), (6, daemon.TUNNEL6, 1440)):
            segment = codec.tcp_segment(addrs[1], addrs[0], SPORT, 5201, mss.TCP_SYN, mss.mss_option(mss_in))
            packets.inject(b.ns, "tun0", segment)
            got = packets.received_from_port(cap, SPORT)
            assert codec.tcp_checksum_ok(got), inner
            (out[inner],) = mss.mss_values(got)
    for proc in (a, b):
        proc.stop()
        proc.log_path.unlink()  # the next pair's readiness is read from a fresh log
    return out


@pytest.mark.parametrize(("proto", "ip"), TRANSPORTS, ids=[f"{p}{i}" for p, i in TRANSPORTS])
def test_offloaded_syn_gets_the_mss_of_openvpn_without_offload(underlay, ovpn_lab, tun_driver, proto, ip):
    userspace = mss_through(ovpn_lab, underlay, proto, ip, offload=False)
    offloaded = mss_through(ovpn_lab, underlay, proto, ip, offload=True)
    assert offloaded == userspace
    # and both are pyharness.proto.mss's arithmetic
    for inner in (4, 6):
        assert userspace[inner] == mss.max_mss(1492, outer_ipv6=ip == 6, tcp=proto == "tcp", inner_ipv6=inner == 6)


def reassembled(ns: str) -> int:
    """IP packets this namespace reassembled from fragments (Ip: ReasmOKs)."""
    snmp = netns.run(ns, "cat", "/proc/net/snmp").stdout
    head, values = (line.split() for line in re.findall(r"^Ip: .*$", snmp, flags=re.M)[:2])
    return int(dict(zip(head, values, strict=True))["ReasmOKs"])


def test_tcp_through_the_offloaded_tunnel_is_not_fragmented(underlay, ovpn_lab):
    """OpenVPN's default tun-mtu 1500 on a 1500-byte underlay: no fragments once the MSS is clamped."""
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)))
    tun = {proc.ns: int(str(rtnl.info("tun0", proc.ns)["ifindex"])) for proc in (a, b)}

    def run() -> tuple[int, int]:
        before = reassembled(a.ns)
        report = traffic.iperf3(a.ns, b.ns, daemon.TUNNEL4[0], seconds=2)
        return reassembled(a.ns) - before, report["end"]["sum_received"]["bytes"]

    frags, moved = run()
    assert moved > 100_000
    assert frags == 0
    # control: with clamping off on both ends the same run fragments, as it did before mssfix
    for ns, idx in tun.items():
        with netns.inside(ns):
            client = OvpnClient(DCO_V2)
        with client:
            client.set_mssfix(idx, 0)
    frags, moved = run()
    assert moved > 100_000
    assert frags > 100
