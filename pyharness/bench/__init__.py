"""Benchmarks: ovpn-dco against WireGuard, userspace OpenVPN and veth, and many peers on one device.

``run`` is ``make bench`` on the host (and the results model and README table),
``guest`` the measurements inside the guest, ``ftrace_profile`` where the kernel spends
its time, ``scale`` ``make bench-scale``.
"""
