"""The benchmark inside the guest (``make bench`` boots a guest and runs this as root).

Every setup gets its own pair of namespaces joined by a veth (the traffic
goes from side a to side b) and all are up at once, so the samples can be
taken round-robin: run 1 of every setup and metric, then run 2, ... - a
slow minute of the host then hits every setup alike. The raw samples go to
``--out`` (JSON) after each round, so a guest that dies leaves what it had.

Setups: veth alone; ovpn-dco driven by Debian's OpenVPN 2.6 (p2p, UDP) per
cipher; the same OpenVPN with ``disable-dco`` (tun, userspace crypto);
in-kernel WireGuard; the in-tree ``ovpn`` driver (when the kernel has it)
driven by pyharness.netlink.upstream; Debian unstable's OpenVPN 2.7
(``--openvpn27-root``) on the ``ovpn`` family, which the in-tree driver serves
where the kernel has one and ovpn-dco elsewhere; a multi-peer ovpn-dco device
(harness-driven) sending to one peer with that peer alone and with
``--peers`` peers configured; and, as the anchor, Debian 12's own
openvpn-dco-dkms module driven by the same OpenVPN 2.6 per cipher
(``--dkms-module``). The anchor registers the same ``ovpn-dco-v2`` family and
``ovpn-dco`` link kind as ovpn-dco, so its setups come last, in rounds of their
own: the other setups are closed, ovpn-dco is unloaded and the anchor loaded,
and ovpn-dco is loaded again at the end. Every tunnel carries an inner MTU of
1420 (WireGuard's default) over the veth's 1500, so no outer packet is
fragmented and every tunnel moves the same payload per packet.

Both ends of every tunnel share this guest, and each end stands for a host
with one vCPU of its own (sending end: vCPU 0, receiving end: vCPU 1): its
iperf3 and its OpenVPN process are pinned there, and its underlay receive
is steered there with RPS, as a NIC with RSS would spread it. A veth hands a
packet to the backlog of the CPU that sent it, so without RPS the receiving
end's packet work runs on the sending end's vCPU. Every setup gets the same
(WireGuard's crypto workers run on every vCPU regardless); the ovpn-dco rows
are also measured without RPS, to show what the steering does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..guest import module as ovpn_module
from ..guest import netns
from ..net import topo, traffic
from ..netlink import ovpn_peers, upstream, wg
from ..netlink.dco import OvpnClient
from ..openvpn import daemon, program
from ..proto.consts import DCO_V2
from ..proto.wire import Cipher, keydir
from . import ftrace_profile, rxload, scale
from . import run as bench

TUNNEL_MTU = 1420
UDP_LENGTH = 64
WG_PORT = 51820
CIPHER_ENUM = {
    "AES-256-GCM": Cipher.AES_256_GCM,
    "AES-128-GCM": Cipher.AES_128_GCM,
    "CHACHA20-POLY1305": Cipher.CHACHA20_POLY1305,
}


class SetupError(RuntimeError):
    """A setup could not be brought up as asked (e.g. OpenVPN did not offload)."""


@dataclass
class Target:
    """Where the traffic goes: iperf3 client in ``client_ns``, server in ``server_ns`` on ``addr``.

    ``links`` are the underlay veths (namespace, device) of the sending and the receiving end;
    ``back_addr`` is the sending end's address inside the tunnel.
    """

    client_ns: str
    server_ns: str
    addr: str
    links: tuple[tuple[str, str], tuple[str, str]]
    back_addr: str = ""
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for c in reversed(self.closers):
            try:
                c()
            except Exception as exc:  # noqa: BLE001 - cleanup goes on
                print(f"bench: cleanup: {exc}", flush=True)


OURS = "ovpn-dco"  # Setup.module: measured with ovpn-dco loaded (every setup but the anchor's)
DKMS = "openvpn-dco-dkms"  # Setup.module: measured with Debian 12's module loaded instead


@dataclass
class Setup:
    row: bench.Row
    start: Callable[[], Target]
    rps: bool = True
    target: Target | None = None
    module: str = OURS


END_CPUS = (0, 1)  # the vCPU of the sending end and of the receiving end


def can_steer() -> bool:
    return (os.cpu_count() or 1) > max(END_CPUS)


def steer(t: Target, on: bool) -> None:
    """Each end's underlay receive on its end's vCPU (RPS), or where the packet was sent (``on`` false)."""
    for (ns, dev), cpu in zip(t.links, END_CPUS, strict=True):
        mask = f"{1 << cpu:x}" if on else "0"
        netns.run(ns, "sh", "-c", f"echo {mask} > /sys/class/net/{dev}/queues/rx-0/rps_cpus")


def _comm(pid: str) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:  # gone
        return None


def pin_openvpn(t: Target) -> list[int]:
    """Pin each end's OpenVPN process (all its threads) to its end's vCPU; the pids pinned."""
    pinned = []
    for (ns, _dev), cpu in zip(t.links, END_CPUS, strict=True):
        for pid in netns.ip("netns", "pids", ns).split():
            if _comm(pid) == "openvpn":
                subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), pid], check=True, capture_output=True)
                pinned.append(int(pid))
    return pinned


# ---------------------------------------------------------------- setups


def _underlay(t: list[Callable[[], None]]) -> topo.Underlay:
    u = topo.Underlay()
    t.append(u.close)
    return u


def _tunnel(u: topo.Underlay, addrs: tuple[str, str], closers: list[Callable[[], None]]) -> Target:
    """Traffic from side a to side b of ``u``, to b's ``addrs[1]``; a's is ``addrs[0]``."""
    return Target(u.ns[0], u.ns[1], addrs[1], ((u.ns[0], "va"), (u.ns[1], "vb")), addrs[0], closers)


def start_veth() -> Target:
    closers: list[Callable[[], None]] = []
    u = _underlay(closers)
    return _tunnel(u, topo.UNDERLAY4, closers)


def start_openvpn(
    cipher: str,
    dco: bool,
    tun_mtu: int = TUNNEL_MTU,
    mssfix: int | None = None,
    driver: Callable[[daemon.Process, str], None] | None = None,
    openvpn: program.Program = program.DEBIAN12,
) -> Target:
    """OpenVPN p2p between the namespaces, offloaded or not; ``mssfix`` set on both ovpn-dco devices.

    ``openvpn`` is the program (default Debian 12's 2.6); ``driver`` checks, for each end and
    its DCO device, which module serves that device.
    """
    if not dco:  # OpenVPN without offload needs /dev/net/tun
        subprocess.run(["modprobe", "tun"], check=True)
    closers: list[Callable[[], None]] = []
    u = _underlay(closers)
    lab = daemon.Lab(program=openvpn)
    closers.append(lab.close)
    target = _tunnel(u, daemon.TUNNEL4, closers)
    try:
        mtu = [f"tun-mtu {tun_mtu}"]
        a, b = daemon.p2p_pair(
            lab,
            u.ns,
            (topo.UNDERLAY4[0], topo.UNDERLAY4[1]),
            ciphers=cipher,
            disable_dco=(not dco, not dco),
            extra=(mtu, mtu),
        )
        for p in (a, b):
            off = daemon.offload(p)
            if dco and not off.offloaded:
                raise SetupError(f"{p.name} did not offload: device {off.device}, kind {off.kind}")
            if not dco and (off.device is not None or not off.tun_fd):
                raise SetupError(f"{p.name} was meant to run in userspace (tun) but runs with DCO {off.device}")
            if mssfix is not None and off.device is not None:
                set_mssfix(p.ns, off.device, mssfix)
            if driver is not None and off.device is not None:
                driver(p, off.device)
    except Exception:
        print(lab.logs(30), flush=True)
        target.close()
        raise
    return target


def set_mssfix(ns: str, ifname: str, mssfix: int) -> None:
    ifindex = int(netns.run(ns, "cat", f"/sys/class/net/{ifname}/ifindex").stdout)
    with netns.inside(ns):
        client = OvpnClient(DCO_V2)
    with client:
        client.set_mssfix(ifindex, mssfix)


# ---------------------------------------------------------------- the anchor: openvpn-dco-dkms


def modinfo(ko: Path, field_name: str) -> str:
    out = subprocess.run(["modinfo", "-F", field_name, str(ko)], check=True, capture_output=True, text=True).stdout
    return out.strip()


def module_name(ko: Path) -> str:
    """The name a module file loads as (/sys/module/NAME)."""
    return modinfo(ko, "name") or ko.name.removesuffix(".ko").replace("-", "_")


def sys_module(name: str, attr: str) -> str | None:
    """/sys/module/NAME/ATTR of a loaded module; None when not loaded (or no such attribute)."""
    try:
        return Path("/sys/module", name, attr).read_text().strip()
    except OSError:
        return None


def loaded(name: str) -> bool:
    return Path("/sys/module", name).is_dir()


def insmod(ko: Path) -> None:
    """modprobe what ``ko`` depends on, then insmod it."""
    deps = [d for d in modinfo(ko, "depends").split(",") if d]
    if deps:
        subprocess.run(["modprobe", "-a", *deps], check=True)
    subprocess.run(["insmod", str(ko)], check=True, capture_output=True, text=True)


def rmmod(name: str, timeout: float = 30.0) -> None:
    """Unload ``name``, retrying while it is still in use (devices and sockets being released)."""
    deadline = time.monotonic() + timeout
    while True:
        proc = subprocess.run(["rmmod", name], capture_output=True, text=True)
        if proc.returncode == 0 or not loaded(name):
            return
        if time.monotonic() > deadline:
            raise SetupError(f"rmmod {name}: {proc.stderr.strip()}")
        time.sleep(0.5)


def swap_module(unload: str, ko: Path) -> str:
    """Unload module ``unload``, load ``ko`` in its place and prove it: the line saying what is loaded.

    Both ovpn-dco and openvpn-dco-dkms register the ``ovpn-dco-v2`` family and the
    ``ovpn-dco`` link kind, so they are never loaded together.
    """
    rmmod(unload)
    insmod(ko)
    name = module_name(ko)
    want = modinfo(ko, "srcversion")
    have = sys_module(name, "srcversion")
    if have != want:
        raise SetupError(f"{name} after insmod {ko}: srcversion {have}, expected {want}")
    if loaded(unload):
        raise SetupError(f"{unload} is still loaded beside {name}")
    return f"{name} {sys_module(name, 'version')} (srcversion {have}) loaded from {ko}, {unload} unloaded"


DCO_VERSION = re.compile(r"DCO version: (\S+)")


def ethtool_field(info: str, name: str) -> str:
    """A field of ``ethtool -i`` output, e.g. the driver's ``version`` ("" if none)."""
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return ""


def check_driver(name: str) -> Callable[[daemon.Process, str], None]:
    """A check that an OpenVPN process's DCO device is served by the loaded module ``name``.

    The device's driver version (``ethtool -i``) and the version OpenVPN logs (it reads
    /sys/module/ovpn_dco_v2/version) must be that module's, and ovpn-dco must not be loaded.
    """

    def check(proc: daemon.Process, device: str) -> None:
        version = sys_module(name, "version")
        if version is None:
            raise SetupError(f"{name} is not loaded under {proc.name}'s {device}")
        if loaded(ovpn_module.NAME):
            raise SetupError(f"{ovpn_module.NAME} is loaded: {device} may not be {name}'s")
        driver_version = ethtool_field(netns.run(proc.ns, "ethtool", "-i", device).stdout, "version")
        if driver_version != version:
            raise SetupError(f"{proc.name}'s {device}: driver version {driver_version!r}, not {name}'s {version!r}")
        logged = DCO_VERSION.search(proc.log)
        if logged is None or logged.group(1) != version:
            raise SetupError(f"{proc.name} logged {logged.group(0) if logged else 'no DCO version'}, not {version}")
        opened = daemon.DCO_OPENED.search(proc.log)
        print(
            f"bench: {proc.name}: '{opened.group(0) if opened else ''}', '{logged.group(0)}', "
            f"ethtool -i {device}: version {driver_version} ({name})",
            flush=True,
        )

    return check


@dataclass
class Anchor:
    """Debian 12's openvpn-dco-dkms in the guest: how rows name it and its module file."""

    label: str
    module: Path

    @property
    def name(self) -> str:
        return module_name(self.module)


def start_dkms(cipher: str, anchor: Anchor) -> Target:
    return start_openvpn(cipher, dco=True, driver=check_driver(anchor.name))


# ---------------------------------------------------------------- OpenVPN 2.7 on the ovpn API

INTREE = "in-tree ovpn"  # who serves the ovpn family, as ovpn_peers.ensure_family() says
DRIVERS = {INTREE: "ovpn", "ovpn-dco": "ovpn-dco"}  # ethtool -i driver of each one's devices


def check_ethtool_driver(provider: str) -> Callable[[daemon.Process, str], None]:
    """A check that an OpenVPN process's DCO device belongs to ``provider`` (its ethtool driver)."""

    def check(proc: daemon.Process, device: str) -> None:
        driver = ethtool_field(netns.run(proc.ns, "ethtool", "-i", device).stdout, "driver")
        if driver != DRIVERS[provider]:
            raise SetupError(f"{proc.name}'s {device}: ethtool driver {driver!r}, not {provider}'s")
        opened = daemon.DCO_OPENED.search(proc.log)
        shown = opened.group(0) if opened else ""
        print(f"bench: {proc.name}: '{shown}', ethtool -i {device}: driver {driver}", flush=True)

    return check


def start_openvpn27(cipher: str, root: Path, provider: str) -> Target:
    """Debian unstable's OpenVPN 2.7 (from the sid chroot ``root``) p2p on the ``ovpn`` family of ``provider``."""
    who = ovpn_peers.ensure_family()
    if who != provider:
        raise SetupError(f"the ovpn family is served by {who}, not {provider}")
    return start_openvpn(cipher, dco=True, driver=check_ethtool_driver(provider), openvpn=program.openvpn27(str(root)))


def _tunnel_address(ns: str, ifname: str, side: int) -> None:
    netns.ip("addr", "add", f"{topo.TUNNEL4[side]}/24", "dev", ifname, netns=ns)
    netns.ip("link", "set", ifname, "mtu", str(TUNNEL_MTU), "up", netns=ns)


def start_wireguard() -> Target:
    closers: list[Callable[[], None]] = []
    u = _underlay(closers)
    keys = (wg.keypair(), wg.keypair())
    for side, ns in enumerate(u.ns):
        netns.ip("link", "add", "wg0", "type", wg.LINK_KIND, netns=ns)
        ifindex = int(netns.ip("-o", "link", "show", "wg0", netns=ns).split(":")[0])
        wg.configure(
            ns,
            ifindex,
            keys[side],
            WG_PORT,
            keys[1 - side],
            (topo.UNDERLAY4[1 - side], WG_PORT),
            [f"{topo.TUNNEL4[1 - side]}/32"],
        )
        _tunnel_address(ns, "wg0", side)
    return _tunnel(u, topo.TUNNEL4, closers)


def start_upstream(cipher: str) -> Target:
    subprocess.run(["modprobe", upstream.MODULE], check=True)
    closers: list[Callable[[], None]] = []
    u = _underlay(closers)
    c = CIPHER_ENUM[cipher]
    keys = (keydir(c, 1), keydir(c, 2))
    for side, ns in enumerate(u.ns):
        end = upstream.UpstreamEnd(ns)
        closers.append(end.close)
        end.attach((topo.UNDERLAY4[side], topo.PORT), 1, (topo.UNDERLAY4[1 - side], topo.PORT))
        end.key(1, keys[side], keys[1 - side])
        _tunnel_address(ns, end.ifname, side)
    return _tunnel(u, topo.TUNNEL4, closers)


@dataclass
class MultiPeerState:
    added: scale.AddResult | None = None
    lookup: dict[str, dict[str, float]] | None = None  # "one"/"many" -> lookup_times()


def start_multipeer(extra_peers: int, state: MultiPeerState) -> Target:
    """A multi-peer ovpn-dco device (harness-driven, AES-256-GCM) and its one real client;
    with ``extra_peers`` more peers on the device's shared UDP socket."""
    star = topo.Star(clients4=1, clients6=0, ipv6=False)
    client = star.clients[1]
    links = ((star.server.ns, "s1"), (client.ns, "c1"))
    target = Target(star.server.ns, client.ns, topo.client_vpn4(1), links, topo.TUNNEL4[0], [star.close])
    try:
        for end in (star.server, client):
            netns.ip("link", "set", end.ifname, "mtu", str(TUNNEL_MTU), netns=end.ns)
        if extra_peers:
            shared = star.sockets[0]
            state.added = scale.add_peers(
                star.server.client, star.server.ifindex, shared.fileno(), range(2, extra_peers + 2), "192.0.2.99"
            )
            count = len(star.server.client.dump_peers(star.server.ifindex))
            if count != extra_peers + 1:
                raise SetupError(f"the device holds {count} peers, not {extra_peers + 1}")
    except Exception:
        target.close()
        raise
    return target


def setups(
    peers: int, upstream: bool, mp: MultiPeerState, anchor: Anchor | None = None, openvpn27: Path | None = None
) -> list[Setup]:
    """Every setup of a run, in table order (the anchor's rows, with ``anchor``, after WireGuard;
    OpenVPN 2.7's, with its chroot ``openvpn27``, after the in-tree driver's)."""
    out = [Setup(bench.Row(bench.VETH, "veth (no tunnel)", "veth", mtu=1500), start_veth)]
    for c in bench.CIPHERS:
        out.append(
            Setup(
                bench.Row(f"ovpn-dco/{c}", f"ovpn-dco + OpenVPN 2.6, {c}", "ovpn-dco", c, TUNNEL_MTU),
                lambda c=c: start_openvpn(c, dco=True),
            )
        )
    for c in bench.CIPHERS:
        out.append(
            Setup(
                bench.Row(
                    f"ovpn-dco/{c}/{bench.NO_RPS}", f"ovpn-dco + OpenVPN 2.6, {c}, no RPS", "ovpn-dco", c, TUNNEL_MTU
                ),
                lambda c=c: start_openvpn(c, dco=True),
                rps=False,
            )
        )
    for c in bench.CIPHERS:
        out.append(
            Setup(
                bench.Row(f"openvpn-userspace/{c}", f"OpenVPN 2.6 userspace, {c}", "openvpn-userspace", c, TUNNEL_MTU),
                lambda c=c: start_openvpn(c, dco=False),
            )
        )
    for on in (True, False):
        out.append(
            Setup(
                bench.Row(
                    bench.MSSFIX_ON if on else bench.MSSFIX_OFF,
                    f"ovpn-dco + OpenVPN 2.6, AES-256-GCM, tun-mtu 1500, mssfix {'on' if on else 'off'}",
                    "mssfix",
                    "AES-256-GCM",
                    1500,
                ),
                lambda on=on: start_openvpn("AES-256-GCM", dco=True, tun_mtu=1500, mssfix=None if on else 0),
            )
        )
    out.append(
        Setup(
            bench.Row(bench.WIREGUARD, "WireGuard", "wireguard", "CHACHA20-POLY1305", TUNNEL_MTU),
            start_wireguard,
        )
    )
    if anchor is not None:
        for c in bench.CIPHERS:
            out.append(
                Setup(
                    bench.Row(bench.dkms_setup(c), f"{anchor.label}, OpenVPN 2.6, {c}", bench.DKMS, c, TUNNEL_MTU),
                    lambda c=c: start_dkms(c, anchor),
                    module=DKMS,
                )
            )
    if upstream:
        for c in bench.CIPHERS:
            out.append(
                Setup(
                    bench.Row(f"upstream-ovpn/{c}", f"in-tree ovpn (harness), {c}", "upstream-ovpn", c, TUNNEL_MTU),
                    lambda c=c: start_upstream(c),
                )
            )
    if openvpn27 is not None:
        prefix, provider = (bench.OPENVPN27_INTREE, INTREE) if upstream else (bench.OPENVPN27_DCO, "ovpn-dco")
        for c in bench.CIPHERS:
            out.append(
                Setup(
                    bench.Row(f"{prefix}/{c}", f"{provider} + OpenVPN 2.7, {c}", bench.OPENVPN27, c, TUNNEL_MTU),
                    lambda c=c, provider=provider: start_openvpn27(c, openvpn27, provider),
                )
            )
    out.append(
        Setup(
            bench.Row(bench.MP_ONE, "ovpn-dco multi-peer, 1 peer", "multipeer", "AES-256-GCM", TUNNEL_MTU),
            lambda: start_multipeer(0, MultiPeerState()),
        )
    )
    out.append(
        Setup(
            bench.Row(
                bench.mp_many(peers), f"ovpn-dco multi-peer, {peers:,} peers", "multipeer", "AES-256-GCM", TUNNEL_MTU
            ),
            lambda: start_multipeer(peers - 1, mp),
        )
    )
    return out


def selected(all_setups: list[Setup], only: str | None) -> list[Setup]:
    if not only:
        return all_setups
    wanted = {w.strip() for w in only.split(",") if w.strip()}
    return [s for s in all_setups if s.row.setup in wanted or s.row.group in wanted]


def has_upstream_ovpn() -> bool:
    return subprocess.run(["modinfo", upstream.MODULE], capture_output=True).returncode == 0


# ---------------------------------------------------------------- measuring


def sample(t: Target, metric: str, seconds: float, rate_pps: int | None = None) -> float:
    """One iperf3 run of ``metric`` over ``t``: Mbit/s received (TCP) or datagrams/s received (UDP).

    ``rate_pps``: the UDP flood offered at that rate, not as fast as the sender can.
    """
    cpus = END_CPUS if can_steer() else None
    if metric == "udp64":
        report = traffic.iperf3(
            t.server_ns, t.client_ns, t.addr, seconds=seconds, udp_length=UDP_LENGTH, cpus=cpus, rate_pps=rate_pps
        )
        return traffic.received_pps(report)
    streams = 4 if metric == "tcp4" else 1
    report = traffic.iperf3(t.server_ns, t.client_ns, t.addr, seconds=seconds, streams=streams, cpus=cpus)
    return traffic.received_mbits(report)


def profile(t: Target, seconds: float) -> str:
    """Time spent in the data path's functions during a TCP 1-stream run over ``t`` (ftrace)."""

    def run() -> float:
        t0 = time.monotonic()
        sample(t, "tcp1", seconds)
        return time.monotonic() - t0

    return ftrace_profile.profile(run)


def lookup_times(t: Target, seconds: float) -> dict[str, float]:
    """Mean microseconds per call of a multi-peer device's peer lookups and of the calls they are made in.

    Traced (function_graph) during one-way floods of 64-byte UDP datagrams: to the client
    (the device sends: lookup by VPN address, in ovpn_net_xmit), then from it (the device
    receives: lookup by peer id, in ovpn_udp_encap_recv). One-way traffic keeps the client's
    P2P device out of the traced calls: it only receives in the first flood and only sends
    in the second.
    """
    out: dict[str, float] = {}
    flows = ((t.server_ns, t.client_ns, t.addr), (t.client_ns, t.server_ns, t.back_addr))
    for (_, lookup, path), (server_ns, client_ns, addr) in zip(bench.LOOKUP_CALLS, flows, strict=True):

        def run(server_ns: str = server_ns, client_ns: str = client_ns, addr: str = addr) -> float:
            t0 = time.monotonic()
            traffic.iperf3(server_ns, client_ns, addr, seconds=seconds, udp_length=UDP_LENGTH)
            return time.monotonic() - t0

        times, _ = ftrace_profile.trace(run, (lookup, path))
        means = {f.name: f.mean_us for f in times}
        missing = {lookup, path} - means.keys()
        if missing:
            raise RuntimeError(f"ftrace saw no call of {', '.join(sorted(missing))}")
        out |= {lookup: means[lookup], path: means[path]}
    return out


def write(out: Path, rows: list[bench.Row], args: argparse.Namespace, mp: MultiPeerState, complete: bool) -> None:
    data: dict[str, Any] = {
        "release": os.uname().release,
        "runs": args.runs,
        "seconds": args.seconds,
        "complete": complete,
        "rps": can_steer(),
        "rows": [bench.row_to_dict(r) for r in rows],
        "multipeer": None,
    }
    if mp.added is not None:
        data["multipeer"] = {
            "peers": args.peers,
            "add_seconds": mp.added.seconds,
            "bytes_per_peer": mp.added.bytes_per_peer,
            "lookup_us": mp.lookup,
        }
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(out)


def median_times(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per function, the median of its mean time over the rounds."""
    return {f: float(statistics.median(r[f] for r in rounds)) for f in rounds[0]}


def lookup_rounds(one: Target, many: Target, runs: int, seconds: float, who: str) -> dict[str, dict[str, float]]:
    """lookup_times() on the 1-peer and the many-peer device, ``runs`` rounds alternating: the median
    per function, under "one" and "many" (a slow moment of the host moves one round, not the result)."""
    rounds: dict[str, list[dict[str, float]]] = {"one": [], "many": []}
    for _ in range(runs):
        rounds["one"].append(lookup_times(one, seconds))
        rounds["many"].append(lookup_times(many, seconds))
    print(f"{who}: peer lookups (mean us per call, per round): {rounds}", flush=True)
    return {k: median_times(v) for k, v in rounds.items()}


def measure_lookups(todo: list[Setup], args: argparse.Namespace, mp: MultiPeerState) -> None:
    """The peer lookups' times on the 1-peer and on the many-peer device (when both are up).

    ``args.runs`` rounds of lookup_rounds().
    """
    by_id = {s.row.setup: s.target for s in todo}
    one, many = by_id.get(bench.MP_ONE), by_id.get(bench.mp_many(args.peers))
    if one is None or many is None or mp.added is None:
        return
    try:
        mp.lookup = lookup_rounds(one, many, args.runs, args.seconds, "bench")
    except Exception as exc:  # noqa: BLE001 - the throughput figures stand without it
        print(f"bench: timing the peer lookups failed: {exc}", flush=True)


def bring_up(todo: list[Setup], args: argparse.Namespace, mp: MultiPeerState) -> None:
    """Start every setup of ``todo`` (the many-peer device first), steered and pinned; failures recorded."""
    # the many-peer device first: its peers are added (and their memory measured) in a quiet guest
    order = sorted(todo, key=lambda s: 0 if s.row.setup == bench.mp_many(args.peers) else 1)
    for s in order:
        t0 = time.monotonic()
        try:
            s.target = s.start()
            if can_steer():
                steer(s.target, s.rps)
                pin_openvpn(s.target)
            print(f"bench: {s.row.label}: up in {time.monotonic() - t0:.1f} s", flush=True)
        except Exception as exc:  # noqa: BLE001 - one setup failing leaves the others
            s.row.error = f"setup failed: {exc}".splitlines()[0][:300]
            print(f"bench: {s.row.label}: {s.row.error}", flush=True)
            traceback.print_exc()
        if s.row.setup == bench.mp_many(args.peers) and mp.added is not None:
            a = mp.added
            print(f"bench: {a.peers} peers added in {a.seconds:.2f} s, {a.bytes_per_peer:.0f} bytes/peer", flush=True)


def measure(todo: list[Setup], rows: list[bench.Row], args: argparse.Namespace, mp: MultiPeerState) -> None:
    """``args.runs`` rounds over the setups that are up, every metric once per setup and round."""
    for run in range(args.runs):
        for s in todo:
            if s.target is None:
                continue
            for m in bench.METRICS:
                value = sample_into(s, run, m.key, args.seconds)
                shown = "failed" if value is None else f"{value / m.scale:.1f} {m.shown_unit}"
                print(f"bench: run {run + 1}/{args.runs} {s.row.label}: {m.title}: {shown}", flush=True)
            if s.row.setup in rxload.SETUPS:
                for pps in rxload.LADDER_PPS:
                    value = sample_into(s, run, "udp64", args.seconds, rate_pps=pps)
                    shown = "failed" if value is None else f"{value / 1000:.2f} kpps"
                    print(f"bench: run {run + 1}/{args.runs} {s.row.label}: UDP 64 B at {pps} pps: {shown}", flush=True)
            write(args.out, rows, args, mp, complete=False)


def sample_into(s: Setup, run: int, metric: str, seconds: float, rate_pps: int | None = None) -> float | None:
    """One sample of ``metric`` over ``s``, appended to its row (None if it failed).

    Offered at ``rate_pps``, it goes to its rxload ladder series; a TCP 1-stream sample of an
    rxload setup also records each vCPU's busy share.
    """
    key = metric if rate_pps is None else rxload.ladder_key(rate_pps)
    busy: dict[int, float] = {}
    assert s.target is not None
    target = s.target
    value: float | None
    try:
        if metric == "tcp1" and s.row.setup in rxload.SETUPS:
            value, busy = rxload.with_busy(lambda: sample(target, metric, seconds))
        else:
            value = sample(target, metric, seconds, rate_pps)
    except Exception as exc:  # noqa: BLE001 - a failed sample is recorded as such
        value = None
        s.row.error = f"{key} run {run + 1}: {exc}".splitlines()[0][:300]
    s.row.metrics.setdefault(key, bench.Series("pps" if rate_pps else "Mbit/s")).samples.append(value)
    for cpu in rxload.CPUS:
        if cpu in busy:
            s.row.metrics.setdefault(rxload.busy_key(cpu), bench.Series("share")).samples.append(busy[cpu])
    return value


def close(todo: list[Setup]) -> None:
    for s in todo:
        if s.target is not None:
            s.target.close()
            s.target = None


def measure_anchor(
    todo: list[Setup], rows: list[bench.Row], args: argparse.Namespace, mp: MultiPeerState, anchor: Anchor
) -> None:
    """The openvpn-dco-dkms setups, with that module in ovpn-dco's place; ovpn-dco is loaded again after.

    The two modules cannot be loaded together, so these setups are measured after the
    others are closed, in rounds of their own.
    """
    if not todo:
        return
    try:
        print(f"bench: {swap_module(ovpn_module.NAME, anchor.module)}", flush=True)
    except Exception as exc:  # noqa: BLE001 - the other rows stand without the anchor
        for s in todo:
            s.row.error = f"setup failed: {exc}".splitlines()[0][:300]
        print(f"bench: loading {anchor.label} failed: {exc}", flush=True)
        if loaded(anchor.name):
            rmmod(anchor.name)
        if args.module is not None and not loaded(ovpn_module.NAME):
            insmod(args.module)
        return
    try:
        bring_up(todo, args, mp)
        write(args.out, rows, args, mp, complete=False)
        measure(todo, rows, args, mp)
    finally:
        close(todo)
        if args.module is not None:
            print(f"bench: {swap_module(anchor.name, args.module)}", flush=True)
        else:
            rmmod(anchor.name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench_guest")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--module", type=Path, help="ovpn-dco.ko (loaded), to load again after the anchor's rows")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--peers", type=int, default=10_000)
    p.add_argument("--only")
    p.add_argument("--upstream", choices=["auto", "yes", "no"], default="auto")
    p.add_argument("--profile", help="comma-separated setup ids to profile (ftrace) after the runs")
    p.add_argument("--openvpn27-root", type=Path, help="the sid chroot with OpenVPN 2.7 (else no such rows)")
    p.add_argument("--dkms-label", help="how the openvpn-dco-dkms rows name the module")
    p.add_argument(
        "--dkms-module", type=Path, help="openvpn-dco-dkms's module built for this kernel (else no such rows)"
    )
    args = p.parse_args(argv)
    upstream = args.upstream == "yes" or (args.upstream == "auto" and has_upstream_ovpn())
    anchor = Anchor(args.dkms_label or "openvpn-dco-dkms", args.dkms_module) if args.dkms_module else None
    mp = MultiPeerState()
    todo = selected(setups(args.peers, upstream, mp, anchor, args.openvpn27_root), args.only)
    rows = [s.row for s in todo]
    for s in todo:
        for m in bench.METRICS:
            s.row.metrics[m.key] = bench.Series(m.unit)
    ours = [s for s in todo if s.module == OURS]
    bring_up(ours, args, mp)
    write(args.out, rows, args, mp, complete=False)
    measure(ours, rows, args, mp)
    for s in ours:
        if args.profile and s.row.setup in args.profile.split(",") and s.target is not None:
            try:
                print(f"bench: profile of {s.row.label}, TCP 1 stream:\n{profile(s.target, args.seconds)}", flush=True)
            except Exception as exc:  # noqa: BLE001 - the profile is extra
                print(f"bench: profile of {s.row.label} failed: {exc}", flush=True)
    measure_lookups(ours, args, mp)
    close(ours)
    theirs = [s for s in todo if s.module == DKMS]
    if anchor is not None:
        measure_anchor(theirs, rows, args, mp, anchor)
    write(args.out, rows, args, mp, complete=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
