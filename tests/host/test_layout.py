"""Kernel layout: one concern per file, calls run one way (docs/architecture.md)."""

from __future__ import annotations

import re
from pathlib import Path

from pyharness.vm import paths

KERNEL = paths.KERNEL_SRC
MAX_LINES = 700

# the data path and the peers: they reach netlink only through notify.h
BELOW_NETLINK = (
    "io.c",
    "io.h",
    "tx.c",
    "pipe.c",
    "pipe.h",
    "udp.c",
    "udp.h",
    "tcp.c",
    "tcp_sock.c",
    "tcp.h",
    "keepalive.c",
    "keepalive.h",
    "peer.c",
    "peer_lookup.c",
    "peer_route.c",
    "peer.h",
    "socket.c",
    "socket.h",
)


def code(path: Path) -> str:
    """The text of a C file without its comments."""
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def kbuild_objects() -> dict[str, list[str]]:
    """The objects of each ovpn-dco-<flavour> list of kernel/Kbuild, by flavour ("y" or the config variable)."""
    text = (KERNEL / "Kbuild").read_text().replace("\\\n", " ")
    lists: dict[str, list[str]] = {}
    for m in re.finditer(r"^ovpn-dco-(\S+)\s*[:+]?=\s*(.*)$", text, flags=re.M):
        lists.setdefault(m.group(1), []).extend(m.group(2).split())
    return lists


def test_no_kernel_c_file_is_over_700_lines():
    long = {
        str(p.relative_to(KERNEL)): n for p in KERNEL.rglob("*.c") if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_data_path_and_peers_do_not_include_netlink_h():
    offenders = [name for name in BELOW_NETLINK if re.search(r'#include\s+"netlink\.h"', (KERNEL / name).read_text())]
    assert offenders == []


def test_data_path_and_peers_call_no_netlink_function():
    calls = {name: re.findall(r"\b(ovpn_nl_\w+)\s*\(", code(KERNEL / name)) for name in BELOW_NETLINK}
    assert {name: found for name, found in calls.items() if found} == {}


def test_notify_interface_is_implemented_on_the_netlink_side():
    declared = re.findall(r"^\w[^;(]*\b(ovpn_notify_\w+)\(", (KERNEL / "notify.h").read_text(), flags=re.M)
    assert declared
    netlink_side = " ".join(code(p) for p in KERNEL.glob("netlink*.c"))
    for name in declared:
        assert re.search(rf"^\w[^;(]*\b{name}\(", netlink_side, flags=re.M), name


def test_compat_h_calls_no_driver_function():
    text = code(KERNEL / "compat.h")
    called = set(re.findall(r"\b(ovpn_\w+)\s*\(", text))
    defined = set(re.findall(r"(?:static inline [^;{]*?\b|#define\s+)(ovpn_\w+)\s*\(", text))
    assert called - defined == set()


def test_selftests_are_built_in_the_debug_flavour_only():
    lists = kbuild_objects()
    release = lists["y"]
    debug = lists["$(CONFIG_OVPN_DCO_DEBUG)"]
    selftests = sorted(f"selftest/{p.stem}.o" for p in (KERNEL / "selftest").glob("*.c"))
    assert selftests
    assert [o for o in release if o.startswith("selftest/")] == []
    assert sorted(o for o in debug if o.startswith("selftest/")) == selftests


def test_every_kernel_c_file_is_built():
    lists = kbuild_objects()
    built = {o for objs in lists.values() for o in objs}
    sources = {str(p.relative_to(KERNEL).with_suffix(".o")) for p in KERNEL.rglob("*.c")}
    assert sources - built == set()
