"""The peers of an ``ovpn`` device (upstream API, OpenVPN 2.7's) as PEER_GET dumps them.

Attribute numbers come from uapi/linux/ovpn.yaml through ``proto.upstream``.
Counters are ``uint`` (4 or 8 bytes).
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import struct
import subprocess
from pathlib import Path

from ..guest import netns
from ..proto import upstream
from . import genl
from .dco import PeerInfo

FAMILY = upstream.FAMILY
SPEC = upstream.SPEC
COUNTERS = (
    "vpn-rx-bytes",
    "vpn-tx-bytes",
    "vpn-rx-packets",
    "vpn-tx-packets",
    "link-rx-bytes",
    "link-tx-bytes",
    "link-rx-packets",
    "link-tx-packets",
)


@functools.cache
def attrs(set_name: str) -> dict[str, int]:
    """The attribute numbers of one attribute set of the ``ovpn`` spec (proto.upstream's numbering)."""
    return {name: a.value for name, a in upstream.attr_set(set_name).items()}


@functools.cache
def command(name: str) -> int:
    """The number of one of the spec's operations (e.g. "peer-get")."""
    return upstream.operations()[name].value


def parse_peer(nest: bytes) -> PeerInfo:
    """A peer nest of a PEER_GET reply: id, remote, VPN address, keepalive and the counters."""
    num = attrs("peer")
    by_num = genl.attr_map(nest)

    def get(name: str) -> bytes | None:
        return by_num.get(num[name])

    remote = None
    port = get("remote-port")
    for name in ("remote-ipv4", "remote-ipv6"):
        raw = get(name)
        if raw is not None and port is not None:
            remote = (str(ipaddress.ip_address(raw)), struct.unpack(">H", port)[0])
    vpn4 = get("vpn-ipv4")
    interval, timeout = get("keepalive-interval"), get("keepalive-timeout")
    raw_id = get("id")
    assert raw_id is not None, "a PEER_GET reply without a peer id"
    return PeerInfo(
        peer_id=genl.get_u32(raw_id),
        remote=remote,
        vpn_ipv4=str(ipaddress.ip_address(vpn4)) if vpn4 is not None else None,
        keepalive_interval=genl.get_u32(interval) if interval is not None else None,
        keepalive_timeout=genl.get_u32(timeout) if timeout is not None else None,
        stats={
            name.replace("-", "_"): int.from_bytes(value, "little")
            for name in COUNTERS
            if (value := get(name)) is not None
        },
    )


def dump_peers(ns: str | None, ifindex: int) -> list[PeerInfo]:
    """PEER_GET dump of the ``ovpn`` device ``ifindex`` in ``ns``, sorted by peer id."""
    top = attrs("ovpn")
    with netns.inside(ns):
        sock = genl.GenlSocket()
    with sock:
        family = sock.resolve(FAMILY).id
        replies = sock.request(family, command("peer-get"), genl.u32(top["ifindex"], ifindex), dump=True)
    return sorted((parse_peer(m.attrs[top["peer"]]) for m in replies), key=lambda p: p.peer_id)


def family_present() -> bool:
    """Whether the generic netlink family ``ovpn`` is registered (in this thread's namespace)."""
    try:
        genl.family_id(FAMILY)
    except genl.NetlinkError:
        return False
    return True


def ensure_family() -> str:
    """Make sure someone serves the ``ovpn`` family and say who: this module ("ovpn-dco"), or on a
    kernel with its own driver (CONFIG_OVPN) the in-tree one ("in-tree ovpn", loaded if need be)."""
    if not family_present():
        subprocess.run(["modprobe", "ovpn"], check=False, capture_output=True)
    if not family_present():
        raise genl.NetlinkError(errno.ENOENT, "no generic netlink family ovpn: neither ovpn-dco nor the kernel has it")
    return "in-tree ovpn" if Path("/sys/module/ovpn").exists() else "ovpn-dco"
