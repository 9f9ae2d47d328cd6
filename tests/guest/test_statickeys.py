"""The session's static-key holders (pyharness.guest.statickeys) are in place."""

from __future__ import annotations

import socket

from pyharness.guest import statickeys


def test_timestamping_and_udp_encapsulation_are_held_on(static_keys):
    stamp, encap = static_keys
    assert stamp.getsockopt(socket.SOL_SOCKET, statickeys.SO_TIMESTAMP) == 1
    assert encap.family == socket.AF_INET6
    assert encap.getsockopt(socket.IPPROTO_UDP, statickeys.UDP_ENCAP) == statickeys.UDP_ENCAP_L2TPINUDP
