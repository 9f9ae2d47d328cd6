"""Loading and unloading the module."""

from __future__ import annotations

import os
import re
import socket

import pytest

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink import rtnl
from pyharness.proto import wire as codec
from pyharness.proto.consts import Mode
from pyharness.vm import paths

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
    version = re.search(r'^#define OVPN_DRV_VERSION\s+"([^"]+)"', (paths.KERNEL_SRC / "main.h").read_text(), re.M)
    assert version
    assert next(line.split()[1] for line in info.splitlines() if line.startswith("version:")) == version.group(1)
    assert sh(f"cat /sys/module/{MODULE}/version").stdout.strip() == version.group(1)


def test_unload_removes_devices_in_every_netns(netns):
    spaces = [netns() for _ in range(3)]
    rtnl.create("ovroot0", Mode.P2P)
    for i, ns in enumerate(spaces):
        rtnl.create(f"ovns{i}a", Mode.P2P, ns)
        rtnl.create(f"ovns{i}b", Mode.MP, ns)
    sh(f"rmmod {MODULE}")
    assert not module_loaded()
    assert rtnl.names_of_kind() == []
    for ns in spaces:
        assert rtnl.names_of_kind(ns) == []
        assert "lo" in sh(f"ip -n {ns} -br link").stdout  # the namespaces themselves stay
    load_module()


def test_netns_deletion_removes_its_devices(netns):
    ns = netns()
    rtnl.create("ovgone", Mode.MP, ns)
    sh(f"ip netns del {ns}")
    assert "ovgone" not in sh("ip -br link").stdout
    sh(f"rmmod {MODULE}")  # nothing left holding the module
    load_module()


# kernel/selftest/pktid.c ovpn_pktid_selftest(): basic 23, edges 9 + (5 * 2048 + 3006), far jump 16,
# two random sequences of 10,000 ids against the reference, TX ids 7.
SELFTEST_CASES = 23 + 9 + 5 * 2048 + 3006 + 16 + 2 * 10_000 + 7


def test_debug_build_passes_its_self_tests_at_load():
    """The debug build checks its replay window and TX ids at load: one summary line, no failure."""
    debug = os.environ.get("OVPN_DCO_DEBUG_KO")
    assert debug, "the plugin passes the debug build in OVPN_DCO_DEBUG_KO"
    sh(f"rmmod {MODULE}")
    sh("dmesg -C")
    try:
        sh(f"insmod {debug}")
        log = sh("dmesg").stdout
    finally:
        sh(f"rmmod {MODULE}", check=False)
        load_module()
    lines = [line.split("] ", 1)[-1] for line in log.splitlines() if "self-test" in line]
    summary = f"ovpn-dco: pktid self-test: {SELFTEST_CASES} cases run, {SELFTEST_CASES} passed, 0 failed"
    assert lines == [summary], log


def test_tx_packet_id_exhaustion_retires_the_key():
    """Debug build started near the end of the id space: ids never wrap, the key is retired."""
    debug = os.environ["OVPN_DCO_DEBUG_KO"]
    sh(f"rmmod {MODULE}")
    sh(f"insmod {debug} debug_tx_pktid_start={2**32 - 3}")
    w = topo.WirePair()
    try:
        with netns.inside(w.end.ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(4):
            s.sendto(b"p%d" % i, (topo.TUNNEL4[1], 9))
        s.close()
        got = [codec.decrypt(w.kernel_tx, w.recv()) for _ in range(2)]
        assert [d.packet_id for d in got] == [2**32 - 2, 2**32 - 1]
        assert [codec.udp_payload(d.plaintext) for d in got] == [b"p0", b"p1"]
        w.peer.settimeout(1)
        with pytest.raises(TimeoutError):
            w.peer.recv(65535)
        stats = w.end.ethtool_stats()
        assert (stats["tx_key_exhausted"], stats["tx_no_key"]) == (1, 1)
    finally:
        w.close()
        sh(f"rmmod {MODULE}", check=False)
        load_module()
