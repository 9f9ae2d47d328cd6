"""The main job, inside the guest: a real OpenVPN p2p tunnel whose data channel is ovpn-dco.

Run as root with the module loaded (``ovpn-dco-harness demo`` boots a guest and does that).
Two namespaces joined by a veth, the same OpenVPN on both ends (UDP, AES-256-GCM,
certificates pinned by fingerprint), then the proof that the data channel is offloaded and
traffic through it. ``--openvpn 2.6`` (default): Debian 12's /usr/sbin/openvpn on family
``ovpn-dco-v2``; ``--openvpn 2.7``: Debian unstable's, from the sid chroot
(``$OVPN_DCO_OPENVPN27_ROOT``), on family ``ovpn``. Exit status 0 only if every check held.
"""

from __future__ import annotations

import argparse
import sys

from ..guest import netns
from ..net import topo, traffic
from . import daemon, program


def section(title: str) -> None:
    print(f"\n### {title}", flush=True)


def check(ok: bool, what: str) -> bool:
    print(f"[{'ok' if ok else 'FAILED'}] {what}", flush=True)
    return ok


def show_proof(proc: daemon.Process) -> bool:
    """Print and check what shows ``proc`` offloads its data channel; True if all held."""
    off = daemon.offload(proc)
    section(f"{proc.name}: OpenVPN's own log lines about DCO")
    for line in proc.log.splitlines():
        if (" = " not in line and "dco" in line.lower()) or "Initialization Sequence Completed" in line:
            print("  " + line)
    section(f"{proc.name}: ip -d link show {off.device}")
    print(netns.run(proc.ns, "ip", "-d", "link", "show", off.device or "tun0", check=False).stdout.rstrip())
    section(f"{proc.name}: GET_PEER counters (kernel)")
    for peer in off.peers:
        print(f"  peer {peer.peer_id} remote {peer.remote}: " + ", ".join(f"{k} {v}" for k, v in peer.stats.items()))
    section(f"{proc.name}: file descriptors")
    fds = proc.fd_targets()
    print("  " + " ".join(sorted(set(fds))))
    results = [
        check(off.device == "tun0", "OpenVPN logged 'DCO device tun0 opened'"),
        check(off.kind == proc.program.dco_kind, f"tun0 is of kind {proc.program.dco_kind}"),
        check(not off.tun_fd and not any("/dev/net/tun" in f for f in fds), "no /dev/net/tun: no tun device"),
        check(len(off.peers) == 1, "the kernel holds exactly one peer"),
    ]
    return all(results)


def version_line(prog: program.Program) -> str:
    """The first line of ``openvpn --version`` of ``prog``."""
    argv = [program.BINARY, "--version"]
    if prog.root is not None:
        argv = ["chroot", str(prog.root), *argv]
    return netns.run(None, *argv, check=False).stdout.splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyharness.openvpn.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--openvpn", choices=["2.6", "2.7"], default="2.6")
    prog = program.by_version(parser.parse_args(argv).openvpn)
    underlay = topo.Underlay()
    lab = daemon.Lab(program=prog)
    ok = True
    try:
        section(f"OpenVPN {prog.version} on both ends (p2p, UDP over 192.0.2.0/24, AES-256-GCM)")
        print(version_line(prog))
        a, b = daemon.p2p_pair(lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)))
        for proc in (a, b):
            ok &= show_proof(proc)
        section(f"ping {daemon.TUNNEL4[1]} through the tunnel")
        ping = traffic.ping(a.ns, daemon.TUNNEL4[1], count=5)
        print(ping.output.rstrip())
        ok &= check(ping.received == 5, "5 of 5 pings answered")
        section("iperf3 through the tunnel (3 s, TCP)")
        before = daemon.offload(a).peers[0].stats
        report = traffic.iperf3(b.ns, a.ns, daemon.TUNNEL4[1], seconds=3)
        after = daemon.offload(a).peers[0].stats
        received = report["end"]["sum_received"]
        mbits = received["bits_per_second"] / 1e6
        print(f"  {mbits:.1f} Mbit/s, {received['bytes']} bytes (under qemu TCG: slow, not a benchmark)")
        grew = after["vpn_tx_bytes"] - before["vpn_tx_bytes"]
        print(f"  kernel peer vpn_tx_bytes grew by {grew}")
        ok &= check(grew >= received["bytes"], "every byte iperf3 moved went through the ovpn-dco peer")
        section("GET_PEER counters after the traffic (both ends)")
        for proc in (a, b):
            for peer in daemon.offload(proc).peers:
                print(f"  {proc.name} peer {peer.peer_id}: " + ", ".join(f"{k} {v}" for k, v in peer.stats.items()))
    except (daemon.OpenVPNError, RuntimeError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        ok = False
    finally:
        if not ok:
            print(lab.logs(), file=sys.stderr)
        lab.close()
        underlay.close()
    print("\ndemo: OK" if ok else "\ndemo: FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
