"""Guest-side fixtures: the module is loaded, the kernel log stays clean."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from pyharness.guest import module, statickeys
from pyharness.net import topo
from pyharness.netlink import nlmon, ovpn_peers, rtnl
from pyharness.openvpn import daemon, program

MODULE = module.NAME
# The OpenVPN versions a test runs under (indirect parameter of the ``openvpn`` fixture): Debian 12's
# 2.6 in the default suite, Debian unstable's 2.7 in the longer set (make test-openvpn27).
OPENVPN_VERSIONS = ["2.6", pytest.param("2.7", marks=pytest.mark.openvpn27_full)]
T = TypeVar("T")
# Lines in the kernel log that mean the kernel is unhappy.
BAD_LOG = re.compile(
    r"WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|general protection|kernel BUG|refcount_t|"
    r"list_del corruption|lockdep|INFO: task .* blocked"
)


def module_path() -> Path:
    path = os.environ.get("OVPN_DCO_KO")
    if not path:
        pytest.fail("OVPN_DCO_KO is not set: guest tests run through the pyharness plugin")
    return Path(path)


def module_loaded() -> bool:
    return module.loaded()


def load_module() -> None:
    module.load(module_path())


def sh(cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=True, check=check, text=True, capture_output=True)


@pytest.fixture(scope="session", autouse=True)
def static_keys() -> Iterator[list[socket.socket]]:
    """The networking static keys the tests flip stay on all session (see pyharness.guest.statickeys)."""
    with statickeys.held() as socks:
        yield socks


@pytest.fixture(scope="session", autouse=True)
def ovpn_module() -> Iterator[Path]:
    """The module, loaded for the session: a warning or splat while it loads fails every test.

    The per-test check below clears the log first, so it would never see one (a WARN_ONCE of
    7.x's alloc_workqueue() went unnoticed that way).
    """
    sh("dmesg -C")
    load_module()
    log = sh("dmesg").stdout
    if any(BAD_LOG.search(line) for line in log.splitlines()):
        pytest.fail("kernel log after loading the module:\n" + log[-4000:])
    yield module_path()


@pytest.fixture(autouse=True)
def clean_kernel_log(ovpn_module: Path) -> Iterator[None]:
    """Fail a test that made the kernel log a warning, a BUG or a splat."""
    sh("dmesg -C")
    yield
    log = sh("dmesg").stdout
    bad = [line for line in log.splitlines() if BAD_LOG.search(line)]
    if bad:
        pytest.fail("kernel log after the test:\n" + log[-4000:])
    load_module()  # a test that unloads the module leaves it loaded for the next


@pytest.fixture
def netns() -> Iterator[Callable[[], str]]:
    """Factory of fresh network namespaces, deleted afterwards."""
    made: list[str] = []

    def new() -> str:
        name = f"t{uuid.uuid4().hex[:8]}"
        sh(f"ip netns add {name}")
        sh(f"ip -n {name} link set lo up")
        made.append(name)
        return name

    yield new
    for name in made:
        sh(f"ip netns del {name}", check=False)


@pytest.fixture
def ovpn_dev() -> Iterator[Callable[..., tuple[str, int]]]:
    """Factory of ovpn-dco devices in the test's netns, deleted afterwards."""
    made: list[tuple[str, str | None]] = []

    def new(mode: int | None = None, netns: str | None = None) -> tuple[str, int]:
        name = f"ovt{len(made)}{uuid.uuid4().hex[:4]}"
        ifindex = rtnl.create(name, mode, netns)
        made.append((name, netns))
        return name, ifindex

    yield new
    for name, ns in made:
        prefix = f"ip -n {ns}" if ns else "ip"
        sh(f"{prefix} link del {name}", check=False)


def _factory(make: Callable[..., T]) -> Iterator[Callable[..., T]]:
    """Yield a constructor that remembers what it built, then close all of it."""
    made: list[T] = []

    def new(*args: object, **kwargs: object) -> T:
        obj = make(*args, **kwargs)
        made.append(obj)
        return obj

    yield new
    for obj in made:
        obj.close()  # type: ignore[attr-defined]


@pytest.fixture
def tunnel() -> Iterator[Callable[..., topo.Tunnel]]:
    """Factory of two-namespace tunnels (see pyharness.net.topo.Tunnel), torn down afterwards."""
    yield from _factory(topo.Tunnel)


@pytest.fixture
def underlay() -> Iterator[topo.Underlay]:
    u = topo.Underlay()
    yield u
    u.close()


@pytest.fixture
def wire() -> Iterator[Callable[..., topo.WirePair]]:
    """Factory of kernel-vs-Python-peer setups (see pyharness.net.topo.WirePair), with this
    process pinned to one CPU meanwhile.

    Tests of these setups check what arrives, in order. The stack keeps the order of packets
    received on one CPU (veth backlog, then the receive pipeline's cell, are per CPU); packets this process
    sends after migrating to another CPU may overtake the earlier ones, with or without
    ovpn-dco.
    """
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        yield from _factory(topo.WirePair)
    finally:
        os.sched_setaffinity(0, cpus)


@pytest.fixture
def lan() -> Iterator[Callable[..., topo.Lan]]:
    """Factory of server-and-clients LANs (see pyharness.net.topo.Lan), deleted afterwards."""
    yield from _factory(topo.Lan)


@pytest.fixture
def tun_driver() -> None:
    """The tun driver, for OpenVPN ends that run without offload (/dev/net/tun)."""
    sh("modprobe tun")


@pytest.fixture
def ovpn_lab() -> Iterator[daemon.Lab]:
    """A throwaway PKI and directory for real OpenVPN processes, all stopped afterwards."""
    lab = daemon.Lab()
    yield lab
    lab.close()


@pytest.fixture
def openvpn(request: pytest.FixtureRequest, ovpn_lab: daemon.Lab) -> program.Program:
    """The OpenVPN ``ovpn_lab`` runs: "2.6" (default) or, as an indirect parameter, "2.7".

    2.7 needs the generic netlink family ``ovpn``: this module's, or on a kernel with the
    in-tree driver (CONFIG_OVPN) that driver's, loaded here.
    """
    version = getattr(request, "param", "2.6")
    if version == "2.7":
        ovpn_peers.ensure_family()
    ovpn_lab.program = program.by_version(version)
    return ovpn_lab.program


@pytest.fixture
def nl_monitor() -> Iterator[Callable[..., nlmon.NetlinkMonitor]]:
    """Factory of generic netlink captures (one nlmon device per namespace)."""
    yield from _factory(nlmon.NetlinkMonitor)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that ran OpenVPN carries the tail of every OpenVPN log in its report."""
    outcome = yield
    report = outcome.get_result()
    lab = getattr(item, "funcargs", {}).get("ovpn_lab")
    if report.failed and isinstance(lab, daemon.Lab):
        report.sections.append(("harness: openvpn logs", lab.logs()))
