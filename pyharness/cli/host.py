"""ovpn-dco-harness's commands that build, boot and cache: the host side.

Imported only when one of them runs: the device commands (pyharness.cli.ctl) start without the
build and VM machinery, which costs a call seconds in a TCG guest.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..guest import timing
from ..matrix import cache, openvpn27, resolve
from ..openvpn import program
from ..vm import build, kconfig, kernels, paths, vng

ERRORS = (kconfig.KconfigError, build.BuildError, kernels.KernelNotFound)


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
