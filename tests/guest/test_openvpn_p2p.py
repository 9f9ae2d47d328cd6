"""Debian's OpenVPN 2.6 on both ends of a p2p tunnel, its data channel in ovpn-dco (and OpenVPN 2.7 on `ovpn`)."""

from __future__ import annotations

import re
import time

import pytest

from pyharness.guest import netns
from pyharness.net import traffic
from pyharness.openvpn import daemon, nlcapture
from pyharness.proto.consts import CipherAlg

from .conftest import OPENVPN_VERSIONS

CIPHERS = {"AES-256-GCM": CipherAlg.AES_GCM, "CHACHA20-POLY1305": CipherAlg.CHACHA20_POLY1305}
# every pair of transport, address family and cipher once (all 8 combinations cost a TCG guest a minute)
CASES = [
    ("udp", 4, "AES-256-GCM"),
    ("udp", 6, "CHACHA20-POLY1305"),
    ("tcp", 4, "CHACHA20-POLY1305"),
    ("tcp", 6, "AES-256-GCM"),
]


def assert_offloaded(proc: daemon.Process) -> daemon.Offload:
    off = daemon.offload(proc)
    assert off.device == "tun0", proc.tail()
    assert off.kind == proc.program.dco_kind  # ovpn-dco for 2.6, ovpn for 2.7
    assert not off.tun_fd, "OpenVPN holds /dev/net/tun: the data channel is not offloaded"
    assert proc.program.dco_missing not in proc.log
    assert len(off.peers) == 1
    # both ends use the peer id OpenVPN derived from the TLS session (P2P NCP)
    negotiated = re.search(r"P2P mode NCP negotiation result: .*peer-id (\d+)", proc.log)
    assert negotiated, proc.tail()
    assert off.peers[0].peer_id == int(negotiated.group(1))
    return off


@pytest.mark.parametrize("openvpn", OPENVPN_VERSIONS, indirect=True)
@pytest.mark.parametrize(("proto", "ip", "cipher"), CASES, ids=[f"{p}-ipv{i}-{c}" for p, i, c in CASES])
def test_p2p_tunnel_is_offloaded_and_carries_traffic(underlay, ovpn_lab, nl_monitor, openvpn, proto, ip, cipher):
    mon = nl_monitor(underlay.ns[0])
    a, b = daemon.p2p_pair(
        ovpn_lab,
        underlay.ns,
        (underlay.addr(0, ip), underlay.addr(1, ip)),
        proto=proto,
        ipv6=ip == 6,
        ciphers=cipher,
    )
    for proc in (a, b):
        assert_offloaded(proc)
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
    assert traffic.ping(b.ns, daemon.TUNNEL6[0], count=5).received == 5
    before = daemon.offload(a).peers[0].stats
    report = traffic.iperf3(b.ns, a.ns, daemon.TUNNEL4[1], seconds=2)
    received = report["end"]["sum_received"]["bytes"]
    assert received > 100_000
    after = daemon.offload(a).peers[0].stats
    # every byte iperf3 delivered went through the kernel's peer (plus IP/TCP headers)
    assert after["vpn_tx_bytes"] - before["vpn_tx_bytes"] >= received
    assert after["link_tx_bytes"] - before["link_tx_bytes"] > after["vpn_tx_bytes"] - before["vpn_tx_bytes"]
    # OpenVPN installed the negotiated cipher in the kernel: one NEW_KEY (2.7: KEY_NEW), 32-byte keys,
    # 8-byte nonce tails, key id 0 in the primary slot
    new_keys = [k for k in nlcapture.key_ops(mon, openvpn) if k.op == "new"]
    assert new_keys == [nlcapture.KeyOp("new", 0, 0, 0, CIPHERS[cipher], (32, 32), (8, 8))]


def read_p2p_status(path) -> dict[str, int]:
    rows = [line.split(",", 1) for line in path.read_text().splitlines() if "bytes," in line]
    return {k: int(v) for k, v in rows}


def test_openvpn_status_shows_the_kernel_counters(underlay, ovpn_lab):
    """p2p --status: OpenVPN's TUN/TAP byte counts are the GET_PEER VPN counters.

    IPv6 neighbour traffic may move the counters at any time, so a status write whose
    GET_PEER came after a first kernel reading must lie between that reading and a second one.
    """
    status = ovpn_lab.path("a.status")
    a, b = daemon.p2p_pair(
        ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), extra=([f"status {status} 1"], [])
    )
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=20, interval=0.05).received == 20
    first = daemon.offload(a).peers[0].stats
    assert first["vpn_rx_bytes"] >= 20 * 84
    # the file is rewritten every second; the GET_PEER behind a write may precede the write
    # by a while on a loaded machine, so only the second rewrite after `first` is sure to
    # have asked the kernel after it
    seen: list[float] = []
    deadline = time.monotonic() + 15
    rows: dict[str, int] = {}
    while time.monotonic() < deadline:
        mtime = status.stat().st_mtime if status.exists() else 0.0
        if not seen or mtime != seen[-1]:
            seen.append(mtime)
        if len(seen) >= 3:
            rows = read_p2p_status(status)
            if len(rows) >= 4:  # not caught in the middle of a rewrite
                break
        time.sleep(0.05)
    second = daemon.offload(a).peers[0].stats
    assert first["vpn_rx_bytes"] <= rows["TUN/TAP read bytes"] <= second["vpn_rx_bytes"]
    assert first["vpn_tx_bytes"] <= rows["TUN/TAP write bytes"] <= second["vpn_tx_bytes"]
    assert rows["TCP/UDP read bytes"] >= first["link_rx_bytes"]  # plus the control channel's
    assert rows["TCP/UDP write bytes"] >= first["link_tx_bytes"]


def test_openvpn_exit_deletes_the_device_and_frees_the_port(underlay, ovpn_lab):
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)))
    assert a.stop() == 0
    assert "tun0" not in netns.ip("-br", "link", netns=a.ns)
    assert ":1194 " not in netns.run(a.ns, "ss", "-Hlun").stdout
