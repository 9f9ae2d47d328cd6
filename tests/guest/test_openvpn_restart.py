"""Restarting an OpenVPN end: the module lets go of its socket, the port can be bound again, the tunnel recovers."""

from __future__ import annotations

import signal

import pytest

from pyharness.guest import netns
from pyharness.net import traffic
from pyharness.netlink import rtnl
from pyharness.openvpn import daemon

KEEPALIVE = (1, 5)


def bound_ports(ns: str) -> str:
    return netns.run(ns, "ss", "-Hlun").stdout


@pytest.mark.parametrize("victim", [0, 1], ids=["restart-tls-server", "restart-tls-client"])
def test_terminated_end_restarts_and_the_tunnel_recovers(underlay, ovpn_lab, victim):
    procs = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), keepalive=KEEPALIVE)
    p = procs[victim]
    assert p.stop(signal.SIGTERM) == 0
    assert rtnl.names_of_kind(p.ns) == []  # OpenVPN deleted its device on the way out
    assert ":1194 " not in bound_ports(p.ns)  # and the module released the socket
    p.start()
    for q in procs:  # the survivor's kernel expires the old session, OpenVPN restarts it
        q.wait_ready(timeout=90, count=2)
    assert ":1194 " in bound_ports(p.ns)
    assert daemon.offload(p).offloaded
    assert traffic.ping(procs[0].ns, daemon.TUNNEL4[1], count=5).received == 5


def test_killed_end_restarts_and_the_tunnel_recovers(underlay, ovpn_lab):
    """SIGKILL: closing the socket removes the peer and frees the port; the device stays.

    OpenVPN cannot delete its device when killed, and 2.6.14 cannot take over an existing
    ovpn-dco device (it then sends NEW_PEER for ifindex 0), so the stale device is deleted
    as an administrator (or a service manager's ExecStopPost) would, before the restart.
    """
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), keepalive=KEEPALIVE)
    b.stop(signal.SIGKILL)
    assert rtnl.names_of_kind(b.ns) == ["tun0"]
    assert daemon.offload(b).peers == []
    assert ":1194 " not in bound_ports(b.ns)
    rtnl.delete("tun0", b.ns)
    b.start()
    for q in (a, b):
        q.wait_ready(timeout=90, count=2)
    assert daemon.offload(b).offloaded
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
