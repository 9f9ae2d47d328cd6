"""Debian unstable's OpenVPN 2.7, unmodified, on both ends of a p2p tunnel over the `ovpn` API.

OpenVPN 2.7 speaks only the upstream API: it creates a device of kind `ovpn` over
rtnetlink and drives it through the generic netlink family `ovpn`. On a kernel without
the in-tree driver (CONFIG_OVPN unset: 6.1, 6.12) this module provides both; where the
kernel has its own (7.x) the module leaves them to it and these tests run against the
in-tree driver (see ``ovpn_api``).
"""

from __future__ import annotations

import struct
import time

import pytest

from pyharness.net import traffic
from pyharness.netlink import genl, ovpn_peers
from pyharness.openvpn import daemon, program

pytestmark = pytest.mark.openvpn27

CIPHER_ALG = {"AES-256-GCM": 1, "CHACHA20-POLY1305": 2}  # enum ovpn_cipher_alg


@pytest.fixture
def ovpn_api(ovpn_module) -> str:
    """Who serves the `ovpn` family: this module, or (kernel with CONFIG_OVPN) the in-tree driver."""
    return ovpn_peers.ensure_family()


@pytest.fixture
def openvpn27(ovpn_lab: daemon.Lab, ovpn_api: str) -> program.Program:
    """The lab runs Debian unstable's OpenVPN 2.7 (the plugin prepared its chroot)."""
    ovpn_lab.program = program.openvpn27()
    return ovpn_lab.program


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


def test_openvpn27_p2p_udp_ipv4_offloads_to_ovpn(underlay, ovpn_lab, openvpn27, nl_monitor):
    mon = nl_monitor(underlay.ns[0])
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)))
    for proc in (a, b):
        assert proc.log.count("OpenVPN 2.7.") == 1, proc.tail()
        assert_offloaded(proc)
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
    time.sleep(0.5)
    a0, b0 = counters(a), counters(b)
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=20, interval=0.05).received == 20
    time.sleep(0.5)
    a1, b1 = counters(a), counters(b)
    # 20 echo requests and 20 replies of 84 bytes each way, at least (IPv6 neighbour traffic may add)
    assert a1["vpn_tx_packets"] - a0["vpn_tx_packets"] >= 20
    assert a1["vpn_tx_bytes"] - a0["vpn_tx_bytes"] >= 20 * 84
    assert b1["vpn_rx_bytes"] - b0["vpn_rx_bytes"] >= 20 * 84
    # what one end's kernel sent is exactly what the other's received, inside and on the wire
    for key in ("vpn_tx_packets", "vpn_tx_bytes", "link_tx_packets", "link_tx_bytes"):
        rx = key.replace("tx", "rx")
        assert a1[key] - a0[key] == b1[rx] - b0[rx], key
        assert b1[key] - b0[key] == a1[rx] - a0[rx], key
    # OpenVPN installed the negotiated key in the kernel over the ovpn family: AES-256-GCM, 32-byte keys
    fam = genl.family_id(ovpn_peers.FAMILY)
    key_new = ovpn_peers.command("key-new")
    keys = [x for x in mon.exchanges(fam) if x.cmd == key_new]
    assert len(keys) == 1
    conf_attr = ovpn_peers.attrs("ovpn")["keyconf"]
    kc = ovpn_peers.attrs("keyconf")
    keyconf = keys[0].request.nested(conf_attr)
    assert struct.unpack("=I", keyconf[kc["cipher-alg"]])[0] == CIPHER_ALG["AES-256-GCM"]
    kd = ovpn_peers.attrs("keydir")
    for direction in ("encrypt-dir", "decrypt-dir"):
        keydir = genl.attr_map(keyconf[kc[direction]])
        assert len(keydir[kd["cipher-key"]]) == 32
        assert len(keydir[kd["nonce-tail"]]) == 8
    assert keys[0].error == 0
