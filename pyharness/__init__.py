"""Harness for the ovpn-dco kernel module: kernels, build, VMs, netlink, tests."""

__version__ = "0.1.0"
