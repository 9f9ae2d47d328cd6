"""Packet sockets on a device in a namespace: inject into its transmit path, read what its stack receives."""

from __future__ import annotations

import socket

from ..guest import netns

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


def capture(ns: str, ifname: str, timeout: float = 5) -> socket.socket:
    """A packet socket on ``ifname`` in ``ns`` (no link-layer header on an L3 device)."""
    with netns.inside(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        s.bind((ifname, ETH_P_ALL))
    s.settimeout(timeout)
    return s


def inject(ns: str, ifname: str, packet: bytes) -> None:
    """Hand the IPv4 or IPv6 ``packet`` to ``ifname``'s transmit path in ``ns``."""
    proto = ETH_P_IP if packet[0] >> 4 == 4 else ETH_P_IPV6
    with netns.inside(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    with s:
        s.sendto(packet, (ifname, proto))


def received_from_port(sock: socket.socket, sport: int) -> bytes:
    """The next received (not sent) IPv4 or IPv6 TCP/UDP packet with source port ``sport``.

    Raises TimeoutError when none comes within the socket's timeout. IPv6 extension headers
    are not looked through.
    """
    while True:
        data, addr = sock.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or not data:
            continue
        thoff = (data[0] & 0x0F) * 4 if data[0] >> 4 == 4 else 40
        if len(data) >= thoff + 2 and int.from_bytes(data[thoff : thoff + 2], "big") == sport:
            return data
