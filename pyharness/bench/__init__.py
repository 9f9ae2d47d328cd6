"""Benchmarks: ovpn-dco against WireGuard, userspace OpenVPN and veth, and many peers on one device.

``run`` is ``make bench`` on the host (and the results model and README table),
``guest`` the measurements inside the guest, ``dkms_anchor`` Debian 12's openvpn-dco-dkms
module fetched and built for them, ``ftrace_profile`` where the kernel spends its time,
``scale`` ``make bench-scale``.
"""
