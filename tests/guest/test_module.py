"""Loading and unloading the module."""

from __future__ import annotations

from pyharness import link
from pyharness.consts import Mode

from .conftest import MODULE, load_module, module_loaded, sh

# Lines the kernel itself prints for any out-of-tree module.
KERNEL_OWN = ("taints kernel", "module verification failed")


def test_module_loads_without_banner():
    sh(f"rmmod {MODULE}")
    sh("dmesg -C")
    load_module()
    ours = [line for line in sh("dmesg").stdout.splitlines() if not any(k in line for k in KERNEL_OWN)]
    assert ours == []


def test_modinfo_aliases_and_version(ovpn_module):
    info = sh(f"modinfo {ovpn_module}").stdout
    aliases = {line.split()[1] for line in info.splitlines() if line.startswith("alias:")}
    assert {
        "rtnl-link-ovpn-dco",
        "net-pf-16-proto-16-family-ovpn-dco",
        "net-pf-16-proto-16-family-ovpn-dco-v2",
    } <= aliases
    assert sh(f"cat /sys/module/{MODULE}/version").stdout.strip() == next(
        line.split()[1] for line in info.splitlines() if line.startswith("version:")
    )


def test_unload_removes_devices_in_every_netns(netns):
    spaces = [netns() for _ in range(3)]
    link.create("ovroot0", Mode.P2P)
    for i, ns in enumerate(spaces):
        link.create(f"ovns{i}a", Mode.P2P, ns)
        link.create(f"ovns{i}b", Mode.MP, ns)
    sh(f"rmmod {MODULE}")
    assert not module_loaded()
    assert link.names_of_kind() == []
    for ns in spaces:
        assert link.names_of_kind(ns) == []
        assert "lo" in sh(f"ip -n {ns} -br link").stdout  # the namespaces themselves stay
    load_module()


def test_netns_deletion_removes_its_devices(netns):
    ns = netns()
    link.create("ovgone", Mode.MP, ns)
    sh(f"ip netns del {ns}")
    assert "ovgone" not in sh("ip -br link").stdout
    sh(f"rmmod {MODULE}")  # nothing left holding the module
    load_module()
