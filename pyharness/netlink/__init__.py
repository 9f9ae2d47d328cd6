"""Netlink clients: generic netlink, ovpn-dco's two families, rtnetlink, WireGuard, in-tree ovpn, nlmon.

``genl`` is the small generic netlink client everything else builds on; ``dco`` is the
client of this module's own families (``ovpn-dco``, ``ovpn-dco-v2``); ``rtnl`` creates and
deletes its devices; ``wg`` and ``upstream`` drive the in-kernel WireGuard and the
in-tree ``ovpn`` driver (Linux 6.16+), the benchmark's and coexistence tests' other
sides; ``nlmon`` captures what a process (OpenVPN) exchanges with the kernel. The OpenVPN
program itself is driven by ``pyharness.openvpn``.
"""
