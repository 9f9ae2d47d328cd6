"""Side by side with the in-tree ``ovpn`` driver (Linux 6.16+, CONFIG_OVPN=m).

Both modules load together and each keeps its own link kind, generic netlink
families and devices; unloading one leaves the other working. These tests
are marked ``upstream_ovpn``: the plugin deselects them, saying so, for a
kernel whose .config has no CONFIG_OVPN, and runs them on every other.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyroute2 import IPRoute

from pyharness.net import topo
from pyharness.netlink import genl, rtnl
from pyharness.proto.consts import LINK_KIND, Mode

from .conftest import MODULE, load_module, sh

pytestmark = pytest.mark.upstream_ovpn

UPSTREAM = "ovpn"  # module, link kind and generic netlink family of the in-tree driver
OURS = ("ovpn-dco", "ovpn-dco-v2")


@pytest.fixture
def upstream() -> Iterator[None]:
    sh(f"modprobe {UPSTREAM}")
    yield
    sh(f"rmmod {UPSTREAM}", check=False)


def kind_of(ifname: str, ns: str) -> str:
    with IPRoute(netns=ns) as ipr:
        (msg,) = ipr.get_links(ipr.link_lookup(ifname=ifname)[0])
        return str(msg.get_attr("IFLA_LINKINFO").get_attr("IFLA_INFO_KIND"))


def add_upstream_link(ifname: str, ns: str) -> None:
    with IPRoute(netns=ns) as ipr:
        ipr.link("add", ifname=ifname, kind=UPSTREAM)


def families() -> dict[str, int]:
    with genl.GenlSocket() as s:
        return {name: s.resolve(name).id for name in (UPSTREAM, *OURS)}


def test_both_modules_are_loaded_side_by_side(upstream):
    assert sh(f"cat /sys/module/{UPSTREAM}/initstate").stdout.strip() == "live"
    assert sh(f"cat /sys/module/{MODULE}/initstate").stdout.strip() == "live"
    modules = {line.split()[0] for line in sh("lsmod").stdout.splitlines()[1:]}
    assert {UPSTREAM, MODULE} <= modules


def test_each_module_keeps_its_link_kind(upstream, netns):
    ns = netns()
    add_upstream_link("up0", ns)
    rtnl.create("dco0", Mode.MP, ns)
    assert kind_of("up0", ns) == UPSTREAM
    assert kind_of("dco0", ns) == LINK_KIND == "ovpn-dco"
    assert sorted(rtnl.names_of_kind(ns)) == ["dco0"]
    assert sorted(rtnl.names_of_kind(ns, kind=UPSTREAM)) == ["up0"]
    assert "driver: ovpn-dco" in sh(f"ip netns exec {ns} ethtool -i dco0").stdout


def test_each_module_keeps_its_generic_netlink_families(upstream):
    ids = families()
    assert len(set(ids.values())) == 3
    # unloading ours takes exactly our two families away
    sh(f"rmmod {MODULE}")
    with genl.GenlSocket() as s:
        assert s.resolve(UPSTREAM).id == ids[UPSTREAM]
        for name in OURS:
            with pytest.raises(genl.NetlinkError):
                s.resolve(name)
    load_module()
    assert set(families()) == {UPSTREAM, *OURS}


def test_unloading_either_module_leaves_the_other_s_devices(upstream, netns):
    ns = netns()
    add_upstream_link("up1", ns)
    rtnl.create("dco1", Mode.P2P, ns)
    sh(f"rmmod {MODULE}")
    assert rtnl.names_of_kind(ns, kind=UPSTREAM) == ["up1"]
    assert rtnl.names_of_kind(ns) == []
    load_module()
    rtnl.create("dco1", Mode.P2P, ns)
    sh(f"ip -n {ns} link del up1")
    sh(f"rmmod {UPSTREAM}")
    assert rtnl.names_of_kind(ns) == ["dco1"]


def test_tunnel_carries_traffic_with_the_in_tree_driver_loaded(upstream, netns):
    ns = netns()
    add_upstream_link("up2", ns)
    tun = topo.Tunnel()
    try:
        out = tun.ping(0, count=3)
        assert " 0% packet loss" in out
        assert tun.ends[1].stat("rx_packets") >= 3
    finally:
        tun.close()
    assert kind_of("up2", ns) == UPSTREAM
