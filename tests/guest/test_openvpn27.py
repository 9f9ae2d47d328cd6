"""Debian unstable's OpenVPN 2.7, unmodified, on both ends of a p2p tunnel over the `ovpn` API.

OpenVPN 2.7 speaks only the upstream API: it creates a device of kind `ovpn` over
rtnetlink and drives it through the generic netlink family `ovpn`. On a kernel without
the in-tree driver (CONFIG_OVPN unset: 6.1, 6.12) this module provides both; where the
kernel has its own (7.x) the module leaves them to it and these tests run against the
in-tree driver (the conftest's ``openvpn`` fixture loads it).
"""

from __future__ import annotations

import time

import pytest

from pyharness.net import traffic
from pyharness.openvpn import daemon, nlcapture

pytestmark = pytest.mark.openvpn27


def assert_offloaded(proc: daemon.Process) -> daemon.Offload:
    """OpenVPN's own log line, link kind, no /dev/net/tun, and one peer in the kernel."""
    off = daemon.offload(proc)
    assert off.device == "tun0", proc.tail()
    assert off.kind == proc.program.dco_kind
    assert not off.tun_fd, "OpenVPN holds /dev/net/tun: the data channel is not offloaded"
    assert proc.program.dco_missing not in proc.log
    assert len(off.peers) == 1
    return off


def counters(proc: daemon.Process) -> dict[str, int]:
    return daemon.offload(proc).peers[0].stats


@pytest.mark.parametrize("openvpn", ["2.7"], indirect=True)
def test_openvpn27_p2p_udp_ipv4_offloads_to_ovpn(underlay, ovpn_lab, openvpn, nl_monitor):
    mon = nl_monitor(underlay.ns[0])
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)))
    for proc in (a, b):
        assert proc.log.count("OpenVPN 2.7.") == 1, proc.tail()
        assert_offloaded(proc)
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
    # what one end's kernel sent is exactly what the other's received, inside and on the wire; a
    # packet of the stacks' own (IPv6 neighbour discovery, MLD) in flight while the four counters
    # are read can break that for one round: three rounds, one must be exact
    for _ in range(3):
        time.sleep(0.5)
        a0, b0 = counters(a), counters(b)
        assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=20, interval=0.05).received == 20
        time.sleep(0.5)
        a1, b1 = counters(a), counters(b)
        # 20 echo requests and 20 replies of 84 bytes each way, at least
        assert a1["vpn_tx_packets"] - a0["vpn_tx_packets"] >= 20
        assert a1["vpn_tx_bytes"] - a0["vpn_tx_bytes"] >= 20 * 84
        assert b1["vpn_rx_bytes"] - b0["vpn_rx_bytes"] >= 20 * 84
        pairs = [
            (x1[key] - x0[key], y1[key.replace("tx", "rx")] - y0[key.replace("tx", "rx")], key)
            for key in ("vpn_tx_packets", "vpn_tx_bytes", "link_tx_packets", "link_tx_bytes")
            for x0, x1, y0, y1 in ((a0, a1, b0, b1), (b0, b1, a0, a1))
        ]
        if all(sent == got for sent, got, _ in pairs):
            break
    assert [(k, s, g) for s, g, k in pairs if s != g] == []
    # OpenVPN installed the negotiated key in the kernel over the ovpn family: one KEY_NEW, AES-GCM
    # (cipher-alg 1) with 32-byte keys (AES-256), 8-byte nonce tails, key id 0 in the primary slot
    ops = nlcapture.key_ops(mon, openvpn)
    assert ops == [nlcapture.KeyOp("new", 0, slot=0, key_id=0, alg=1, key_lens=(32, 32), nonce_lens=(8, 8))]
