"""``make fuzz`` inside the guest: both fuzzers at full counts, then the kernel's health.

Runs pyharness.fuzz.nlfuzz (or, with ``--family ovpn``, pyharness.fuzz.ovpnfuzz)
and pyharness.fuzz.pktfuzz, then checks that the kernel log holds no warning, BUG, oops, KASAN/UBSAN report, refcount
or leak message, that a fresh tunnel still carries a ping, and that the
module unloads; prints the figures and writes them as JSON. Exit status 1
on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..guest import module
from ..net import topo
from . import nlfuzz, ovpnfuzz

BAD_LOG = re.compile(
    r"WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|general protection|kernel BUG|refcount_t|"
    r"list_del corruption|lockdep|INFO: task .* blocked|leak",
    re.IGNORECASE,
)


def kernel_log_problems() -> list[str]:
    log = subprocess.run(["dmesg"], capture_output=True, text=True, check=False).stdout
    return [line for line in log.splitlines() if BAD_LOG.search(line)]


def sanity_tunnel() -> str | None:
    """A fresh tunnel between two namespaces still carries pings after the fuzzing."""
    tun = topo.Tunnel()
    try:
        out = tun.ping(0, count=3)
        return None if " 0% packet loss" in out else f"sanity ping lost packets:\n{out}"
    except subprocess.CalledProcessError as exc:
        return f"sanity ping failed: {exc.stdout}{exc.stderr}"
    finally:
        tun.close()


def provide_ovpn() -> None:
    """On a kernel with the in-tree ovpn, it provides the family (ovpn-dco does not register it there)."""
    if subprocess.run(["modinfo", "ovpn"], capture_output=True, check=False).returncode == 0:
        subprocess.run(["modprobe", "ovpn"], check=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--udp", type=int, default=100_000)
    p.add_argument("--tcp", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--family", choices=("dco", "ovpn"), default="dco", help="the netlink fuzzer's families")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    start = time.monotonic()
    subprocess.run(["dmesg", "-C"], check=False)
    print(f"fuzz: seed {seed} (replay: make fuzz FUZZ_SEED={seed})", flush=True)
    # the two fuzzers run side by side (the guest has two CPUs), on their own namespaces and devices
    fd, pk_path = tempfile.mkstemp(prefix="fuzz-packets-", suffix=".json")
    os.close(fd)
    pk_cmd = [sys.executable, "-m", "pyharness.fuzz.pktfuzz", "--udp", str(args.udp), "--tcp", str(args.tcp)]
    packets = subprocess.Popen([*pk_cmd, "--seed", str(seed), "--json", pk_path])
    cpus = os.sched_getaffinity(0)
    if len(cpus) > 1:  # the packet fuzzer takes the last CPU
        os.sched_setaffinity(0, cpus - {max(cpus)})
    nl_fig: nlfuzz.Figures | ovpnfuzz.Figures
    if args.family == "ovpn":
        provide_ovpn()
        nl_fig = ovpnfuzz.run(args.messages, seed, progress=True)
        print(ovpnfuzz.report(nl_fig), flush=True)
    else:
        nl_fig = nlfuzz.run(args.messages, seed, progress=True)
        print(nlfuzz.report(nl_fig), flush=True)
    packets.wait()
    pk_text = Path(pk_path).read_text()
    pk = json.loads(pk_text) if pk_text else {"problems": [f"the packet fuzzer exited with {packets.returncode}"]}
    os.unlink(pk_path)
    problems = [f"netlink: {x}" for x in nl_fig.problems[:50]] + [f"packets: {x}" for x in pk["problems"]]
    sanity = sanity_tunnel()
    if sanity:
        problems.append(sanity)
    problems += [f"kernel log: {line}" for line in kernel_log_problems()]
    unload = subprocess.run(["rmmod", module.NAME], capture_output=True, text=True, check=False)
    if unload.returncode != 0:
        problems.append(f"rmmod {module.NAME}: {unload.stderr.strip()}")
    problems += [f"kernel log after unload: {line}" for line in kernel_log_problems()]
    kernel = subprocess.run(["uname", "-r"], capture_output=True, text=True, check=False).stdout.strip()
    result = {
        "kernel": kernel,
        "seed": seed,
        "seconds": round(time.monotonic() - start, 1),
        "netlink": nl_fig.as_dict(),
        "packets": pk,
        "sanity_tunnel": sanity or "ok",
        "module_unloaded": unload.returncode == 0,
        "problems": problems[:100],
        "problem_count": len(problems) + max(0, len(nl_fig.problems) - 50) + max(0, pk.get("problem_count", 0) - 50),
        "result": "pass" if not problems else "FAIL",
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(f"fuzz: {result['result']} on {kernel}, seed {seed}, {result['seconds']} s, {len(problems)} problems")
    for line in problems[:30]:
        print(f"  {line}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
