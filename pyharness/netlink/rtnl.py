"""rtnetlink for ovpn-dco devices, through pyroute2.

pyroute2 does not know the kind; its IFLA_INFO_DATA layout (IFLA_OVPN_MODE,
u8) is registered here so devices can be created in either mode and their
mode read back.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink import nla

from ..guest.netns import inside
from ..proto.consts import LINK_KIND, Mode
from ..proto.upstream import LINK_KIND as UPSTREAM_KIND


class ovpn_dco_data(nla):  # noqa: N801 - pyroute2 names nla classes after the kind
    prefix = "IFLA_"
    nla_map = (("IFLA_OVPN_UNSPEC", "none"), ("IFLA_OVPN_MODE", "uint8"))


@contextmanager
def iproute(netns: str | None = None) -> Iterator[IPRoute]:
    """An IPRoute socket (in ``netns`` if given) that understands kind ovpn-dco.

    The socket is opened in this thread after setns(), not by pyroute2's ``netns=``: that forks
    a child with a 10 s deadline, which a loaded debug kernel missed.
    """
    with inside(netns):
        ipr = IPRoute(ext_ack=True)
    try:
        # the upstream kind "ovpn" has the same IFLA_INFO_DATA (IFLA_OVPN_MODE = 1, u8)
        ipr.register_link_kind(module={LINK_KIND: ovpn_dco_data, UPSTREAM_KIND: ovpn_dco_data})
        yield ipr
    finally:
        ipr.close()


def create(ifname: str, mode: int | None = None, netns: str | None = None, kind: str = LINK_KIND) -> int:
    """Create an ovpn-dco (or ``kind``) device; ``mode`` None leaves IFLA_OVPN_MODE out. Returns the ifindex."""
    with iproute(netns) as ipr:
        kwargs: dict[str, object] = {"ifname": ifname, "kind": kind}
        if mode is not None:
            kwargs["ovpn_mode"] = mode
        ipr.link("add", **kwargs)
        return int(ipr.link_lookup(ifname=ifname)[0])


def delete(ifname: str, netns: str | None = None) -> None:
    with iproute(netns) as ipr:
        ipr.link("del", index=ipr.link_lookup(ifname=ifname)[0])


def info(ifname: str, netns: str | None = None) -> dict[str, object]:
    """Kind, mode and basic properties of a device, as the kernel reports them."""
    with iproute(netns) as ipr:
        (msg,) = ipr.get_links(ipr.link_lookup(ifname=ifname)[0])
        linkinfo = msg.get_attr("IFLA_LINKINFO")
        data = linkinfo.get_attr("IFLA_INFO_DATA") if linkinfo else None
        mode = data.get_attr("IFLA_OVPN_MODE") if data is not None and not isinstance(data, str) else None
        return {
            "kind": linkinfo.get_attr("IFLA_INFO_KIND") if linkinfo else None,
            "mode": Mode(mode) if mode is not None else None,
            "mtu": msg.get_attr("IFLA_MTU"),
            "min_mtu": msg.get_attr("IFLA_MIN_MTU"),
            "max_mtu": msg.get_attr("IFLA_MAX_MTU"),
            "flags": msg["flags"],
            "txqlen": msg.get_attr("IFLA_TXQLEN"),
            "num_tx_queues": msg.get_attr("IFLA_NUM_TX_QUEUES"),
            "num_rx_queues": msg.get_attr("IFLA_NUM_RX_QUEUES"),
            "qdisc": msg.get_attr("IFLA_QDISC"),
            "type": msg["ifi_type"],
            "ifindex": msg["index"],
        }


def _kind(msg: Any) -> str | None:
    """A link message's kind (IFLA_INFO_KIND), None for a link without one (lo)."""
    li = msg.get_attr("IFLA_LINKINFO")
    return li.get_attr("IFLA_INFO_KIND") if li is not None else None


def names_of_kind(netns: str | None = None, kind: str = LINK_KIND) -> list[str]:
    with iproute(netns) as ipr:
        return [msg.get_attr("IFLA_IFNAME") for msg in ipr.get_links() if _kind(msg) == kind]


def ifindexes_not_of_kind(netns: str | None = None, kind: str = LINK_KIND) -> set[int]:
    """The ifindexes of the links of another kind (or of none, as lo) in ``netns``."""
    with iproute(netns) as ipr:
        return {msg["index"] for msg in ipr.get_links() if _kind(msg) != kind}


def ethtool_stats(ifname: str, netns: str | None = None) -> dict[str, int]:
    """The driver's own counters (``ethtool -S``): drops and special packets by reason."""
    cmd = ["ethtool", "-S", ifname]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    stats = {}
    for line in out.splitlines()[1:]:
        name, _, value = line.strip().partition(": ")
        stats[name] = int(value)
    return stats
