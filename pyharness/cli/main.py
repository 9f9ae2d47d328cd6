"""ovpn-dco-harness: build, boot and poke at the module from the shell."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..guest import timing
from ..matrix import cache, openvpn27, resolve
from ..netlink import genl, rtnl
from ..openvpn import program
from ..proto import consts, upstream
from ..vm import build, kconfig, kernels, paths, vng
from . import ctl


def _kernel(args: argparse.Namespace) -> kernels.Kernel:
    return resolve.select(args.kernel)


def cmd_build(args: argparse.Namespace) -> int:
    result = build.build(_kernel(args), debug=args.debug)
    for w in result.warnings:
        print(w, file=sys.stderr)
    print(result.module)
    return 0


def cmd_check_kconfig(args: argparse.Namespace) -> int:
    config = Path(args.config) if args.config else _kernel(args).config
    found = kconfig.problems(config)
    for p in found:
        print(p)
    if not found:
        print(f"{config}: every option ovpn-dco needs is set")
    return 1 if found else 0


def cmd_vm_run(args: argparse.Namespace) -> int:
    guest = vng.GuestVM(_kernel(args))
    result = guest.run(" ".join(args.command), timeout=args.timeout, on_output=print)
    return result.returncode


def cmd_link_add(args: argparse.Namespace) -> int:
    mode = None if args.mode is None else consts.Mode[args.mode.upper()]
    print(rtnl.create(args.name, mode))
    return 0


def cmd_link_show(_args: argparse.Namespace) -> int:
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


DEMO_SCRIPT = """
set -e
echo '### module loaded (its dependencies by modprobe, then insmod)'
lsmod | grep -E '^(ovpn_dco|udp_tunnel|ip6_udp_tunnel) '
echo '### modinfo'
modinfo {ko} | grep -E '^(filename|version|description|vermagic)'
echo '### generic netlink families'
{cli} families
{env}{python} -m pyharness.openvpn.demo --openvpn {openvpn}
"""


def cmd_demo(args: argparse.Namespace) -> int:
    kernel = _kernel(args)
    env = ""
    if args.openvpn == "2.7":
        # unstable's OpenVPN 2.7, installed on the host in the sid chroot the guest sees
        root = openvpn27.ensure()
        print(f"### OpenVPN 2.7: Debian unstable's openvpn {openvpn27.version(root)} in {root}", flush=True)
        env = f"{program.ROOT_ENV}={shlex.quote(str(root))} "
    print(f"### building ovpn-dco.ko for {kernel.release}, booting it under {vng.detect_accel(kernel)}", flush=True)
    ko = shlex.quote(str(build.build(kernel).module))
    cli = f"{shlex.quote(paths.python())} -m pyharness.cli"
    code = _boot_with_module(
        args,
        DEMO_SCRIPT.format(ko=ko, cli=cli, python=shlex.quote(paths.python()), env=env, openvpn=args.openvpn),
    )
    if code:
        print(f"demo failed (status {code})", file=sys.stderr)
    return code


def load_module_line(ko: str) -> str:
    """Shell: modprobe what the module ``ko`` (quoted) needs - nothing where it is built in, as on the
    debug kernel - then insmod it."""
    return f'deps=$(modinfo -F depends {ko} | tr , " "); {{ [ -z "$deps" ] || modprobe -a $deps; }} && insmod {ko}'


def _boot_with_module(args: argparse.Namespace, command: str) -> int:
    """Build, boot, load the module, run ``command`` (a shell line) as root; stream its output."""
    kernel = _kernel(args)
    result = build.build(kernel)
    ko = shlex.quote(str(result.module))
    script = f"{load_module_line(ko)} && {command}"
    run = vng.GuestVM(kernel).run(f"bash -c {shlex.quote(script)}", timeout=args.timeout, on_output=print)
    return run.returncode


def cmd_bench_scale(args: argparse.Namespace) -> int:
    from ..bench import scale_run

    return scale_run.main(
        ["--kernel", args.kernel or "bookworm", "--peers", str(args.peers), "--timeout", str(args.timeout)]
    )


def fuzz_command(ko: str, out: Path, args: argparse.Namespace, slowdown: float) -> str:
    """The guest's command of ``make fuzz``: load the module, run both fuzzers; the fuzzers' waits
    scale with the kernel's slowdown (pyharness.guest.timing)."""
    seed = [f"--seed {args.seed}"] if args.seed is not None else []
    run = " ".join(
        [f"env {timing.SLOWDOWN_ENV}={slowdown}", shlex.quote(paths.python()), "-m pyharness.fuzz.run"]
        + [f"--messages {args.messages}", f"--udp {args.udp}", f"--tcp {args.tcp}"]
        + [f"--json {shlex.quote(str(out / 'results.json'))}", f"--family {args.family}", *seed]
    )
    root = shlex.quote(str(paths.REPO))
    return f"cd {root} && {load_module_line(shlex.quote(ko))} && {run}"


def cmd_fuzz(args: argparse.Namespace) -> int:
    """Both fuzzers at full counts in one guest; figures to OUT/results.json (a writable dir).
    On a slow (debug) kernel the guest's timeout is scaled by its slowdown."""
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    kernel = _kernel(args)
    script = fuzz_command(str(build.build(kernel).module), out, args, kernel.slowdown)
    result = vng.GuestVM(kernel, rwdirs=[out]).run(
        f"bash -c {shlex.quote(script)}", timeout=args.timeout * kernel.slowdown, on_output=print
    )
    return result.returncode


def cmd_cache(args: argparse.Namespace) -> int:
    """What the caches hold and its size; with --prune, remove what nothing uses."""
    if args.prune:
        removed = cache.prune()
        for e in removed:
            print(f"removed {cache.human(e.size):>7}  {e.path}  ({e.unused})")
        print(f"removed {cache.human(sum(e.size for e in removed))} in {len(removed)} entries")
    for line in cache.report(cache.entries()):
        print(line)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ovpn-dco-harness", description=__doc__)
    p.add_argument("--kernel", help="kernel release or prefix (default: Debian 12's 6.1)")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the module for a kernel")
    b.add_argument("--debug", action="store_true", help="with CONFIG_OVPN_DCO_DEBUG=y")
    b.set_defaults(func=cmd_build)
    k = sub.add_parser("check-kconfig", help="check a kernel .config against Kconfig")
    k.add_argument("--config", help="path of a .config (default: the selected kernel's)")
    k.set_defaults(func=cmd_check_kconfig)
    r = sub.add_parser("vm-run", help="boot the kernel and run a command as root")
    r.add_argument("--timeout", type=float, default=600)
    r.add_argument("command", nargs="+")
    r.set_defaults(func=cmd_vm_run)
    d = sub.add_parser("demo", help="build, boot, load, run a real OpenVPN tunnel over ovpn-dco")
    d.add_argument("--timeout", type=float, default=600)
    d.add_argument(
        "--openvpn",
        choices=["2.6", "2.7"],
        default="2.6",
        help="Debian 12's OpenVPN 2.6 (family ovpn-dco-v2) or unstable's 2.7 (family ovpn)",
    )
    d.set_defaults(func=cmd_demo)
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
    bs.set_defaults(func=cmd_bench_scale)
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
    fz.set_defaults(func=cmd_fuzz)
    c = sub.add_parser("cache", help="what the build cache and the downloads hold, and what nothing uses")
    c.add_argument("--prune", action="store_true", help="remove what no checkout or kernel uses")
    c.set_defaults(func=cmd_cache)
    ctl.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (kconfig.KconfigError, build.BuildError, kernels.KernelNotFound, genl.NetlinkError) as exc:
        print(f"ovpn-dco-harness: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
