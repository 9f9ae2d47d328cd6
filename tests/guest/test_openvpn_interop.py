"""ovpn-dco against OpenVPN without offload (disable-dco, /dev/net/tun), and OpenVPN without the module.

OpenVPN 2.7 on `ovpn` against 2.7 with disable-dco too (the ``openvpn`` parameter).
"""

from __future__ import annotations

import pytest

from pyharness.guest import module
from pyharness.net import traffic
from pyharness.netlink import rtnl
from pyharness.openvpn import daemon

from .conftest import OPENVPN_VERSIONS

CIPHERS = ["AES-256-GCM", "CHACHA20-POLY1305"]


def assert_userspace(proc: daemon.Process) -> None:
    off = daemon.offload(proc)
    assert off.device is None and off.tun_fd, proc.tail()
    assert rtnl.names_of_kind(proc.ns, proc.program.dco_kind) == []


@pytest.mark.parametrize("openvpn", OPENVPN_VERSIONS, indirect=True)
@pytest.mark.parametrize("cipher", CIPHERS)
@pytest.mark.parametrize("offloaded", [0, 1], ids=["dco-server", "dco-client"])
def test_offloaded_end_interoperates_with_userspace_end(underlay, ovpn_lab, tun_driver, openvpn, offloaded, cipher):
    procs = daemon.p2p_pair(
        ovpn_lab,
        underlay.ns,
        (underlay.addr(0, 4), underlay.addr(1, 4)),
        ciphers=cipher,
        disable_dco=(offloaded != 0, offloaded != 1),
    )
    dco, user = procs[offloaded], procs[1 - offloaded]
    assert daemon.offload(dco).offloaded, dco.tail()
    assert_userspace(user)
    assert f"cipher '{cipher}'" in dco.log and f"cipher '{cipher}'" in user.log
    tunnel_ip = {p.name: daemon.TUNNEL4[i] for i, p in enumerate(procs)}
    for src, dst in ((dco, user), (user, dco)):
        assert traffic.ping(src.ns, tunnel_ip[dst.name], count=5).received == 5
    before = daemon.offload(dco).peers[0].stats
    up = traffic.iperf3(user.ns, dco.ns, tunnel_ip[user.name], seconds=2)["end"]["sum_received"]["bytes"]
    down = traffic.iperf3(dco.ns, user.ns, tunnel_ip[dco.name], seconds=2)["end"]["sum_received"]["bytes"]
    after = daemon.offload(dco).peers[0].stats
    assert up > 100_000 and down > 100_000
    assert after["vpn_tx_bytes"] - before["vpn_tx_bytes"] >= up
    assert after["vpn_rx_bytes"] - before["vpn_rx_bytes"] >= down


def test_openvpn_falls_back_to_tun_without_the_module(underlay, ovpn_lab, tun_driver):
    module.unload()
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), extra=(["verb 4"], []))
    for proc in (a, b):
        assert daemon.DCO_MISSING in proc.log
        assert_userspace(proc)
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
