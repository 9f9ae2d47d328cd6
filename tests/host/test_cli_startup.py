"""ovpn-dco-harness starts without its heavy imports: each costs seconds in a TCG guest.

The device commands (peer, key, dev, events, families) run many times per guest test; the build
and VM machinery (cli.host), pyroute2 (only `link add` and `link show` use it), scapy and
cryptography are imported by the commands that need them, when they run.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pyroute2", "scapy", "cryptography", "pyharness.cli.host", "pyharness.vm.build")


def modules_after(code: str) -> set[str]:
    """The names of the modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_cli_imports_none_of_the_heavy_modules() -> None:
    loaded = modules_after("import pyharness.cli.main as m\nm.parser()")
    assert [h for h in HEAVY if h in loaded] == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The control: what `link show` imports as it runs shows up."""
    loaded = modules_after("import pyharness.cli.main\nfrom pyharness.netlink import rtnl")
    assert {"pyroute2", "pyharness.netlink.rtnl"} <= loaded


def test_ifindex_of_a_missing_device_is_a_clear_error() -> None:
    from pyharness.cli import ctl

    with pytest.raises(SystemExit, match="no device nosuchdev0"):
        ctl.ifindex("nosuchdev0")


def test_ifindex_of_loopback() -> None:
    from pyharness.cli import ctl

    assert ctl.ifindex("lo") == 1
