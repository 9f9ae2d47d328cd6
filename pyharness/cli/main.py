"""ovpn-dco-harness: build, boot and poke at the module from the shell."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from ..netlink import genl
from ..proto import consts, upstream
from . import ctl


def _host(name: str) -> Callable[[argparse.Namespace], int]:
    """pyharness.cli.host's command ``name``, imported when it runs."""

    def run(args: argparse.Namespace) -> int:
        host = importlib.import_module(".host", __package__)
        try:
            return int(getattr(host, name)(args))
        except host.ERRORS as exc:
            print(f"ovpn-dco-harness: {exc}", file=sys.stderr)
            return 1

    return run


def cmd_link_add(args: argparse.Namespace) -> int:
    from ..netlink import rtnl  # pyroute2: seconds of start-up in a TCG guest, for these two only

    mode = None if args.mode is None else consts.Mode[args.mode.upper()]
    print(rtnl.create(args.name, mode))
    return 0


def cmd_link_show(_args: argparse.Namespace) -> int:
    from ..netlink import rtnl

    for name in rtnl.names_of_kind():
        info = rtnl.info(name)
        mode = info["mode"].name.lower() if info["mode"] is not None else "?"
        print(f"{name}: ifindex {info['ifindex']} kind {info['kind']} mode {mode} mtu {info['mtu']}")
    return 0


def cmd_families(_args: argparse.Namespace) -> int:
    with genl.GenlSocket() as sock:
        for name in (*(layout.family for layout in consts.LAYOUTS), upstream.FAMILY):
            try:
                fam = sock.resolve(name)
            except genl.NetlinkError:
                print(f"{name}: not registered")
                continue
            print(f"{fam.name}: id {fam.id}, version {fam.version}, maxattr {fam.maxattr}, groups {fam.groups}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ovpn-dco-harness", description=__doc__)
    p.add_argument("--kernel", help="kernel release or prefix (default: Debian 12's 6.1)")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the module for a kernel")
    b.add_argument("--debug", action="store_true", help="with CONFIG_OVPN_DCO_DEBUG=y")
    b.set_defaults(func=_host("cmd_build"))
    k = sub.add_parser("check-kconfig", help="check a kernel .config against Kconfig")
    k.add_argument("--config", help="path of a .config (default: the selected kernel's)")
    k.set_defaults(func=_host("cmd_check_kconfig"))
    r = sub.add_parser("vm-run", help="boot the kernel and run a command as root")
    r.add_argument("--timeout", type=float, default=600)
    r.add_argument("command", nargs="+")
    r.set_defaults(func=_host("cmd_vm_run"))
    d = sub.add_parser("demo", help="build, boot, load, run a real OpenVPN tunnel over ovpn-dco")
    d.add_argument("--timeout", type=float, default=600)
    d.add_argument(
        "--openvpn",
        choices=["2.6", "2.7"],
        default="2.6",
        help="Debian 12's OpenVPN 2.6 (family ovpn-dco-v2) or unstable's 2.7 (family ovpn)",
    )
    d.set_defaults(func=_host("cmd_demo"))
    lk = sub.add_parser("link", help="ovpn-dco devices (run as root where the module is loaded)")
    lsub = lk.add_subparsers(dest="link_cmd", required=True)
    la = lsub.add_parser("add", help="create a device")
    la.add_argument("name")
    la.add_argument("--mode", choices=["p2p", "mp"])
    la.set_defaults(func=cmd_link_add)
    ls = lsub.add_parser("show", help="ovpn-dco devices and their mode")
    ls.set_defaults(func=cmd_link_show)
    f = sub.add_parser("families", help="resolve both generic netlink families")
    f.set_defaults(func=cmd_families)
    bs = sub.add_parser(
        "bench-scale", help="boot with 64 possible CPUs, put many peers on one device: times, memory, lookup cost"
    )
    bs.add_argument("--peers", type=int, default=100_000)
    bs.add_argument("--timeout", type=float, default=3600)
    bs.set_defaults(func=_host("cmd_bench_scale"))
    fz = sub.add_parser("fuzz", help="boot, then run the netlink and packet fuzzers at full counts")
    fz.add_argument("--messages", type=int, default=100_000, help="netlink requests")
    fz.add_argument("--udp", type=int, default=100_000, help="UDP datagrams")
    fz.add_argument("--tcp", type=int, default=20_000, help="TCP frames (at least)")
    fz.add_argument("--seed", type=int, default=None, help="replay a run (default: random, printed)")
    fz.add_argument(
        "--family",
        choices=("dco", "ovpn"),
        default="dco",
        help="netlink fuzzer's target: ovpn-dco and ovpn-dco-v2 (default), or the upstream ovpn family",
    )
    fz.add_argument("--out", default="fuzz", help="directory for results.json")
    fz.add_argument("--timeout", type=float, default=3600)
    fz.set_defaults(func=_host("cmd_fuzz"))
    c = sub.add_parser("cache", help="what the build cache and the downloads hold, and what nothing uses")
    c.add_argument("--prune", action="store_true", help="remove what no checkout or kernel uses")
    c.set_defaults(func=_host("cmd_cache"))
    ctl.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except genl.NetlinkError as exc:
        print(f"ovpn-dco-harness: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
