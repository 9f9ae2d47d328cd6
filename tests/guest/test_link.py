"""The ovpn-dco network device, as rtnetlink and ip(8) see it."""

from __future__ import annotations

import errno
import socket

import pytest
from pyroute2.netlink.exceptions import NetlinkError

from pyharness.netlink import rtnl
from pyharness.proto.consts import LINK_KIND, Mode

from .conftest import sh

IFF_POINTOPOINT = 0x10
IFF_NOARP = 0x80
ARPHRD_NONE = 0xFFFE
OVERHEAD_UDP6 = 40 + 8 + 4 + 4 + 16  # IPv6 + UDP + opcode/peer id + packet id + tag


def test_default_mode_is_p2p(ovpn_dev):
    name, _ = ovpn_dev()
    info = rtnl.info(name)
    assert info["kind"] == LINK_KIND
    assert info["mode"] == Mode.P2P


def test_explicit_p2p_mode(ovpn_dev):
    name, _ = ovpn_dev(Mode.P2P)
    assert rtnl.info(name)["mode"] == Mode.P2P


def test_mp_mode(ovpn_dev):
    name, _ = ovpn_dev(Mode.MP)
    assert rtnl.info(name)["mode"] == Mode.MP


@pytest.mark.parametrize("mode", [2, 3, 255])
def test_bad_mode_rejected_with_extack(mode):
    with pytest.raises(NetlinkError) as exc:
        rtnl.create("ovbad", mode)
    assert exc.value.code == errno.ERANGE
    assert "ovbad" not in sh("ip -br link").stdout
    assert exc.value.args[1], "no extack message for a bad mode"


def test_delete_via_pyroute2(ovpn_dev):
    name, _ = ovpn_dev(Mode.MP)
    rtnl.delete(name)
    assert name not in rtnl.names_of_kind()


def test_ip_link_add_and_delete():
    sh("ip link add ovip0 type ovpn-dco")
    try:
        out = sh("ip -d link show ovip0").stdout
        assert "ovpn-dco" in out
        assert rtnl.info("ovip0")["mode"] == Mode.P2P
    finally:
        sh("ip link del ovip0")
    assert "ovip0" not in sh("ip -br link").stdout


def test_device_is_l3_point_to_point_without_arp(ovpn_dev):
    name, _ = ovpn_dev()
    info = rtnl.info(name)
    assert info["type"] == ARPHRD_NONE
    assert info["flags"] & IFF_POINTOPOINT
    assert info["flags"] & IFF_NOARP


def test_mtu_defaults_cover_udp_over_ipv6_overhead(ovpn_dev):
    name, _ = ovpn_dev()
    info = rtnl.info(name)
    assert info["mtu"] == 1500 - OVERHEAD_UDP6
    assert info["min_mtu"] == 68
    assert info["max_mtu"] == 65535 - OVERHEAD_UDP6


def test_mtu_1500_accepted_as_openvpn_sets_it(ovpn_dev):
    name, _ = ovpn_dev()
    sh(f"ip link set {name} mtu 1500")
    assert rtnl.info(name)["mtu"] == 1500


def test_mtu_outside_bounds_rejected(ovpn_dev):
    name, _ = ovpn_dev()
    assert sh(f"ip link set {name} mtu 67", check=False).returncode != 0
    assert sh(f"ip link set {name} mtu {65535 - OVERHEAD_UDP6 + 1}", check=False).returncode != 0


def test_single_tx_queue_and_no_qdisc(ovpn_dev):
    name, _ = ovpn_dev()
    sh(f"ip link set {name} up")
    info = rtnl.info(name)
    assert info["num_tx_queues"] == 1
    assert info["num_rx_queues"] == 1
    assert info["qdisc"] == "noqueue"


def test_ethtool_driver_info(ovpn_dev):
    name, _ = ovpn_dev()
    fields = dict(line.split(": ", 1) for line in sh(f"ethtool -i {name}").stdout.splitlines() if ": " in line)
    assert fields["driver"] == "ovpn-dco"
    assert fields["bus-info"] == "ovpn"


def read_stat(name: str, counter: str) -> int:
    with open(f"/sys/class/net/{name}/statistics/{counter}") as fh:
        return int(fh.read())


def test_xmit_without_peer_drops_and_counts(ovpn_dev):
    name, _ = ovpn_dev()
    sh(f"sysctl -qw net.ipv6.conf.{name}.disable_ipv6=1")  # no router solicitations in the count
    sh(f"ip addr add 10.200.0.1/24 dev {name} && ip link set {name} up")
    before = read_stat(name, "tx_dropped")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, name.encode())
    for _ in range(5):
        s.sendto(b"x" * 10, ("10.200.0.2", 9))
    s.close()
    assert read_stat(name, "tx_dropped") - before == 5
    assert read_stat(name, "tx_packets") == 0
    assert read_stat(name, "tx_bytes") == 0


def test_device_in_other_netns(netns, ovpn_dev):
    ns = netns()
    name, _ = ovpn_dev(Mode.MP, netns=ns)
    assert rtnl.info(name, netns=ns)["mode"] == Mode.MP
    assert name not in rtnl.names_of_kind()
