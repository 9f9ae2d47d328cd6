"""Packet fuzzer: mutated OpenVPN packets over UDP and mutated TCP streams against live peers.

``python -m pyharness.fuzz.pktfuzz --udp N --tcp M --seed S [--json PATH]``
(as root, module loaded) builds pyharness.fuzz.pktlab's devices and sends:

- UDP: N datagrams to a P2P and an MP device - valid DATA_V2 packets
  (fresh, out of order, replayed, packet id 0, too old, keepalives, non-IP
  and spoofed-source plaintexts, TCP segments with fuzzed flags and options
  for the MSS clamp, both key slots) and their mutations (bit
  flips, truncation, extension, wrong opcode, key id or peer id), control
  packets, garbage, empty datagrams;
- TCP: at least M frames over TCP peers, one connection each session: the
  same packets length-prefixed, with bad length prefixes (short, long,
  0xFFFF), a zero length, garbage after valid frames, and a reference
  stream cut at every offset in turn.

Each packet's fate is predicted by pyharness.fuzz.pktmodel, and after each
batch the device's counters must match exactly: rx_packets (accepted) and
every reason counter of ``ethtool -S`` (rx_mss_clamped as pyharness.proto.mss
predicts), rx_dropped equal to the sum of the drop reasons, the peers'
LINK_RX packets equal to what they authenticated, the inner packets at the
listener, the control packets on the kernel's UDP socket or, byte for byte,
in the TCP socket's stream.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import socket
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..guest import timing
from ..net import topo
from ..netlink import genl
from ..proto import mss
from ..proto.wire import OP_CONTROL_V1, PING_MAGIC, tcp_segment
from . import pktlab as lab_mod
from .pktlab import LISTEN_PORT, PacketLab, Target, install_keys
from .pktmodel import ACCEPTED, RX_COUNTERS, UNPREDICTED, Device, Peer, tcp_frames

BATCH = 2000
MSS_CLAMPED = "rx_mss_clamped"  # counted on top of a packet's fate (accepted)


@dataclass
class PacketFigures:
    seed: int
    udp_sent: int = 0
    tcp_sessions: int = 0
    tcp_frames: int = 0
    tcp_bytes: int = 0
    outcome: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    listener: int = 0
    control_on_socket: int = 0
    mss_clamped: int = 0  # delivered TCP segments whose MSS the kernel lowered, as predicted
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        d = dict(self.__dict__)
        d["outcome"] = dict(sorted(self.outcome.items()))
        d["by_kind"] = dict(sorted(self.by_kind.items()))
        d["problem_count"] = len(self.problems)
        d["problems"] = self.problems[:50]
        return d


@dataclass
class Planned:
    target: Target
    sender: int
    data: bytes
    fate: str
    auth: Peer | None
    to_listener: bool
    kind: str


class PacketGen:
    """Valid packets sealed like OpenVPN, and their mutations."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.recent: list[bytes] = []

    def tcp_segment(self, src: str) -> bytes:
        """A TCP segment with fuzzed flags and options (the MSS clamp's input), to an unrouted address."""
        rng = self.rng
        flags = rng.choice((mss.TCP_SYN,) * 6 + (mss.TCP_SYN | mss.TCP_ACK, mss.TCP_ACK, rng.randrange(256)))
        r = rng.random()
        if r < 0.3:
            opts = rng.choice((b"", b"\1", b"\1\1\1")) + mss.mss_option(rng.choice((536, 1380, 1400, 1460, 9000)))
            opts += rng.choice((b"", bytes([4, 2]), bytes([1, 3, 3, 7]), bytes([8, 10]) + rng.randbytes(8)))
        elif r < 0.5:
            opts = rng.choice(list(mss.MALFORMED_OPTIONS.values()))
        elif r < 0.8:
            opts = rng.randbytes(rng.randrange(0, 41))
        else:
            opts = bytes(rng.choice((0, 1, 2, 4, 8, 255)) for _ in range(rng.randrange(0, 41)))
        seg = bytearray(tcp_segment(src, "192.0.2.200", rng.randrange(1, 65536), 80, flags, opts[:40]))
        if rng.random() < 0.15:  # a data offset that disagrees with the options
            seg[32] = (rng.randrange(16) << 4) | (seg[32] & 0x0F)
        if rng.random() < 0.1:  # a segment cut short, the IP length kept
            del seg[rng.randrange(20, len(seg)) :]
        return bytes(seg)

    def plaintext(self, t: Target, peer: Peer) -> tuple[bytes, str]:
        rng = self.rng
        src = peer.vpn4 or f"{t.net}.2"
        if rng.random() < 0.08:
            return self.tcp_segment(src), "tcp_options"
        r = rng.random()
        if r < 0.5:
            size = rng.choice((0, 1, 20, 100, rng.randrange(0, 1300)))
            return inner_udp(src, f"{t.net}.1", rng.randbytes(size), rng.randrange(65536)), "udp"
        if r < 0.6:
            return PING_MAGIC, "ping"
        if r < 0.7:
            junk = bytearray(rng.randbytes(rng.randrange(0, 60)))
            if junk and junk[0] >> 4 in (4, 6):
                junk[0] = 0x15
            return bytes(junk), "junk"
        if r < 0.75:
            return bytes([0x45]) + rng.randbytes(rng.randrange(0, 19)), "short_ip"
        if r < 0.85:
            raw = bytearray(rng.randbytes(rng.randrange(20, 200)))
            raw[0] = 0x40 | (raw[0] & 0x0F)
            raw[12:16] = bytes(int(x) for x in src.split("."))
            raw[16:20] = bytes([192, 0, 2, 200])  # not local, not forwarded: no ICMP back
            return bytes(raw), "bad_ip"
        if r < 0.9:
            raw = bytearray(rng.randbytes(rng.randrange(40, 120)))
            raw[0] = 0x60 | (raw[0] & 0x0F)
            return bytes(raw), "ipv6"
        other = rng.choice([p for p in t.model.peers.values()] or [peer])
        spoof = rng.choice((f"{t.net}.77", "172.16.0.1", other.vpn4 or f"{t.net}.2"))
        if not t.model.mp:
            spoof = src  # P2P has no source check: keep the listener count exact
        return inner_udp(spoof, f"{t.net}.1", b"spoof", 7), "spoof"

    def packet(self, t: Target) -> tuple[int, bytes, str, bool]:
        """(sender peer id, payload, kind, whether it is valid inner UDP for the listener)."""
        rng = self.rng
        sender = rng.choice(list(t.senders))
        peer = t.model.peers[sender]
        if t.model.mp and rng.random() < 0.1:
            peer = rng.choice(list(t.model.peers.values()))  # another peer's packet: float, not drop
        kid = rng.choice((0, 0, 0, 3))
        plain, pkind = self.plaintext(t, peer)
        listener = pkind in ("udp", "spoof")
        r = rng.random()
        if r < 0.3:
            pkt = peer.fresh(kid, plain)
            self.recent.append(pkt)
            del self.recent[:-512]
            return sender, pkt, "fresh_" + pkind, listener
        if r < 0.35:
            top = peer.windows.get(kid)
            hi = top.top if top else 1
            return sender, peer.seal(kid, rng.randrange(max(1, hi - 1500), hi + 20), plain), "reorder", listener
        if r < 0.37:
            return sender, peer.seal(kid, 0, plain), "pid0", False
        if r < 0.4:
            top = peer.windows.get(kid)
            hi = top.top if top else 0
            if hi > 2100:
                return sender, peer.seal(kid, rng.randrange(1, hi - 2048), plain), "too_old", False
        if r < 0.47 and self.recent:
            return sender, rng.choice(self.recent), "replay", False
        base = bytearray(peer.fresh(kid, plain))
        if r < 0.72:
            for _ in range(rng.randrange(1, 4)):
                base[rng.randrange(len(base))] ^= 1 << rng.randrange(8)
            return sender, bytes(base), "bitflip", False
        if r < 0.79:
            return sender, bytes(base[: rng.randrange(0, len(base))]), "truncate", False
        if r < 0.84:
            return sender, bytes(base) + rng.randbytes(rng.randrange(1, 64)), "extend", False
        if r < 0.89:
            field_ = rng.choice(("opcode", "key_id", "peer_id"))
            if field_ == "opcode":
                base[0] = (rng.randrange(32) << 3) | (base[0] & 7)
            elif field_ == "key_id":
                base[0] = (base[0] & 0xF8) | rng.randrange(8)
            else:
                base[1:4] = rng.choice((rng.randrange(1 << 24), rng.choice(list(t.senders)))).to_bytes(3, "big")
            return sender, bytes(base), "rewrite_" + field_, False
        if r < 0.94:
            opcode = rng.choice((OP_CONTROL_V1, 5, 7, 8, 10, 1, 2, 3, 0, 31))
            return (
                sender,
                bytes([opcode << 3 | rng.randrange(8)]) + rng.randbytes(rng.randrange(0, 200)),
                "control",
                False,
            )
        if r < 0.98:
            return sender, rng.randbytes(rng.randrange(1, 100)), "garbage", False
        return sender, rng.choice((b"", b"\x48", b"\x48\0\0\x05")), "tiny", False


class UdpFuzz:
    def __init__(self, lab: PacketLab, rng: random.Random, fig: PacketFigures) -> None:
        self.lab = lab
        self.gen = PacketGen(rng)
        self.rng = rng
        self.fig = fig

    def plan(self, n: int) -> list[Planned]:
        out = []
        targets = list(self.lab.targets.values())
        for _ in range(n):
            t = self.rng.choice(targets)
            sender, data, kind, listener = self.gen.packet(t)
            fate, auth = t.model.fate(data)
            # a mutation may leave the packet as it was: the model, not the kind, decides
            to_listener = fate == ACCEPTED and auth is not None and _is_udp_to_listener(auth.good[data].plain, t.net)
            out.append(Planned(t, sender, data, fate, auth, to_listener, kind))
        return out

    def link_rx(self) -> dict[tuple[str, int], int]:
        out = {}
        for t in self.lab.targets.values():
            for pid in t.model.peers:
                out[(t.name, pid)] = self.lab.client.get_peer(t.ifindex, pid).stats["link_rx_packets"]
        return out

    def batch(self, n: int) -> None:
        fig = self.fig
        names = list(self.lab.targets)
        plan = self.plan(n)
        before = self.lab.counters(names)
        rx_before = self.link_rx()
        for p in plan:
            p.target.senders[p.sender].sendto(p.data, p.target.kernel_addr)
        fig.udp_sent += n
        expect: dict[str, Counter[str]] = {name: Counter() for name in names}
        auth: Counter[tuple[str, int]] = Counter()
        for p in plan:
            expect[p.target.name][p.fate] += 1
            clamped = p.target.model.mss_clamped(p.data, p.fate, p.auth)
            expect[p.target.name][MSS_CLAMPED] += clamped
            fig.mss_clamped += clamped
            fig.outcome[p.fate] += 1
            fig.by_kind[p.kind] += 1
            if p.auth is not None:
                auth[(p.target.name, p.auth.peer_id)] += 1
        landed = {x: sum(expect[x].values()) - expect[x][MSS_CLAMPED] for x in names}  # one fate per packet
        deadline = time.monotonic() + 30
        while True:
            after = self.lab.counters(names)
            if all(lab_mod.settled(before[x], after[x], landed[x]) for x in names):
                break
            if time.monotonic() > deadline:
                fig.problems.append("UDP batch: packets unaccounted for after 30 s")
                break
            time.sleep(0.005)
        for name in names:
            for counter in (ACCEPTED, *RX_COUNTERS, *UNPREDICTED, MSS_CLAMPED):
                got = lab_mod.delta_of(before[name], after[name], counter)
                if got != expect[name][counter]:
                    fig.problems.append(f"UDP {name}: {counter} +{got}, expected +{expect[name][counter]}")
            extra = lab_mod.unexplained_drops(before[name], after[name])
            if extra:
                fig.problems.append(f"UDP {name}: {extra} drops in rx_dropped without a reason counter")
        rx_after = self.link_rx()
        for key, value in rx_after.items():
            if value - rx_before[key] != auth[key]:
                fig.problems.append(f"UDP {key}: LINK_RX_PACKETS +{value - rx_before[key]}, expected +{auth[key]}")
        self.check_sockets(plan)

    def check_sockets(self, plan: list[Planned]) -> None:
        fig = self.fig
        want = sum(p.to_listener for p in plan)
        got = len(self.lab.drain(self.lab.listener, want))
        fig.listener += got
        if got != want:
            fig.problems.append(f"UDP: {got} inner packets at the listener, expected {want}")
        for t in self.lab.targets.values():
            want_ctl = [p.data for p in plan if p.target is t and p.fate == "rx_control"]
            ctl = self.lab.drain(t.kernel_sock, len(want_ctl))
            fig.control_on_socket += len(ctl)
            if ctl != want_ctl:
                pairs = enumerate(zip(ctl, want_ctl, strict=False))
                diff = next((i for i, (x, y) in pairs if x != y), min(len(ctl), len(want_ctl)))
                got1 = ctl[diff].hex() if diff < len(ctl) else "-"
                want1 = want_ctl[diff].hex() if diff < len(want_ctl) else "-"
                fig.problems.append(
                    f"UDP {t.name}: {len(ctl)} control packets on the socket, expected {len(want_ctl)}; "
                    f"#{diff} is {got1[:80]}, expected {want1[:80]}"
                )

    def run(self, count: int, progress: bool) -> None:
        start = time.monotonic()
        while self.fig.udp_sent < count:
            self.batch(min(BATCH, count - self.fig.udp_sent))
            if progress:
                rate = self.fig.udp_sent / (time.monotonic() - start)
                print(f"  packet fuzz (UDP): {self.fig.udp_sent}/{count} ({rate:.0f}/s)", flush=True)


TCP_PEER = 7
STREAM_MUTATIONS = ("plain", "plain", "plain", "badlen", "zero", "huge", "garbage", "cut", "cut")


class TcpFuzz:
    """Sessions over TCP peers: one connection, one peer and fresh keys each."""

    def __init__(self, lab: PacketLab, rng: random.Random, fig: PacketFigures) -> None:
        self.lab = lab
        self.rng = rng
        self.gen = PacketGen(rng)
        self.fig = fig
        self.port = 20000

    def stream(self, frames: list[bytes], how: str) -> bytes:
        rng = self.rng
        parts = [len(f).to_bytes(2, "big") + f for f in frames]
        i = rng.randrange(len(parts))
        if how == "badlen":
            bad = rng.choice((1, 2, 23, 24, 25, 100, 1500, rng.randrange(1, 65536)))
            parts[i] = bad.to_bytes(2, "big") + parts[i][2:]
        elif how == "zero":
            parts.insert(i, b"\0\0")
        elif how == "huge":
            parts.insert(i, b"\xff\xff")
        elif how == "garbage":
            parts.append(rng.randbytes(rng.randrange(1, 300)))
        data = b"".join(parts)
        if how == "cut":
            data = data[: rng.randrange(len(data))]
        return data

    @staticmethod
    def reference(t: Target, peer: Peer) -> bytes:
        """Two data frames around a control frame: the stream cut at every offset."""
        inner = inner_udp(f"{t.net}.2", f"{t.net}.1", b"ref!", 1)
        frames = [peer.fresh(0, inner), bytes([OP_CONTROL_V1 << 3]) + b"ctl", peer.fresh(0, inner)]
        return b"".join(len(f).to_bytes(2, "big") + f for f in frames)

    def session(self, how: str, n: int = 0, cut: int | None = None) -> int:
        """One connection; returns the length of the reference stream (for ``cut``)."""
        lab = self.lab
        self.port += 1
        srv, cli = topo.tcp_pair(
            (lab.ns, lab.peer_ns), 4, (topo.UNDERLAY4[0], self.port), (topo.UNDERLAY4[1], self.port)
        )
        peer = Peer(TCP_PEER, {})
        model = Device(False, {TCP_PEER: peer}, tcp=True)
        t = Target("fzt", lab.tcp_ifindex, model, srv, ("", 0), {TCP_PEER: cli}, "10.97.0")
        try:
            lab.client.new_peer(lab.tcp_ifindex, TCP_PEER, srv.fileno())
            install_keys(lab.client, lab.tcp_ifindex, peer, 7000 + self.fig.tcp_sessions)
            if cut is not None:
                full = self.reference(t, peer)
                data = full[:cut]
            else:
                full = self.stream([self.gen.packet(t)[1] for _ in range(n)], how)
                data = full
            self.judge(t, peer, srv, cli, data, how)
            return len(full)
        finally:
            cli.close()
            srv.close()

    def judge(self, t: Target, peer: Peer, srv: socket.socket, cli: socket.socket, data: bytes, how: str) -> None:
        fig, lab = self.fig, self.lab
        kernel_frames, zero = tcp_frames(data)
        expect: Counter[str] = Counter()
        auth = listener = 0
        control = b""
        for f in kernel_frames:
            fate, who = t.model.fate(f)
            expect[fate] += 1
            clamped = t.model.mss_clamped(f, fate, who)
            expect[MSS_CLAMPED] += clamped
            fig.mss_clamped += clamped
            fig.outcome["tcp_" + fate] += 1
            auth += who is not None
            if fate == "rx_control":
                control += len(f).to_bytes(2, "big") + f
            good = peer.good.get(f)
            listener += fate == ACCEPTED and good is not None and _is_udp_to_listener(good.plain, t.net)
        fig.tcp_sessions += 1
        fig.tcp_frames += len(kernel_frames)
        fig.tcp_bytes += len(data)
        fig.by_kind["tcp_" + how] += 1
        tag = f"TCP session {fig.tcp_sessions} ({how}, {len(data)} bytes)"
        before = lab.counters(["fzt"])["fzt"]
        self._send(cli, data)
        after = self._settle(before, sum(expect.values()) - expect[MSS_CLAMPED])
        for counter in (ACCEPTED, *RX_COUNTERS, *UNPREDICTED, MSS_CLAMPED):
            got = lab_mod.delta_of(before, after, counter)
            if got != expect[counter]:
                fig.problems.append(f"{tag}: {counter} +{got}, expected +{expect[counter]} [{data.hex()}]")
        if lab_mod.unexplained_drops(before, after):
            fig.problems.append(f"{tag}: drops without a reason counter [{data.hex()}]")
        got_listener = len(lab.drain(lab.listener, listener))
        fig.listener += got_listener
        if got_listener != listener:
            fig.problems.append(f"{tag}: {got_listener} inner packets at the listener, expected {listener}")
        if not zero:
            rx = lab.client.get_peer(lab.tcp_ifindex, TCP_PEER).stats["link_rx_packets"]
            if rx != auth:
                fig.problems.append(f"{tag}: LINK_RX_PACKETS {rx}, expected {auth}")
        self._check_control(srv, control, tag)
        cli.close()
        self._wait_gone(tag)

    def _settle(self, before: dict[str, int], total: int) -> dict[str, int]:
        deadline = time.monotonic() + 30
        while True:
            after = self.lab.counters(["fzt"])["fzt"]
            if lab_mod.settled(before, after, total) or time.monotonic() > deadline:
                return after
            time.sleep(0.005)

    def _send(self, cli: socket.socket, data: bytes) -> None:
        """The stream in random pieces, so frames and length prefixes straddle segments."""
        off = 0
        while off < len(data):
            n = self.rng.choice((1, 2, 3, 7, 100, 1000, len(data)))
            cli.sendall(data[off : off + n])
            off += n

    def _check_control(self, srv: socket.socket, control: bytes, tag: str) -> None:
        """The control frames, length prefixes included, are what userspace reads from the socket."""
        srv.settimeout(timing.scaled(5))
        got = b""
        try:
            while len(got) < len(control):
                chunk = srv.recv(len(control) - len(got))
                if not chunk:
                    break
                got += chunk
        except TimeoutError:
            pass
        self.fig.control_on_socket += len(got)
        if got != control:
            self.fig.problems.append(f"{tag}: control stream {got[:48].hex()}, expected {control[:48].hex()}")

    def _wait_gone(self, tag: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.lab.client.get_peer(self.lab.tcp_ifindex, TCP_PEER)
            except genl.NetlinkError:
                return
            time.sleep(0.02)
        self.fig.problems.append(f"{tag}: the TCP peer outlived its connection")

    def run(self, min_frames: int, offsets: int | None, progress: bool) -> None:
        """The reference stream cut at every offset (or ``offsets`` of them), then random sessions."""
        start = time.monotonic()
        length = self.session("every_offset", cut=0)
        cuts = list(range(1, length + 1))
        if offsets is not None:
            cuts = sorted(self.rng.sample(cuts, min(offsets, len(cuts))) + [length])
        for cut in cuts:
            self.session("every_offset", cut=cut)
        while self.fig.tcp_frames < min_frames:
            self.session(self.rng.choice(STREAM_MUTATIONS), n=self.rng.randrange(20, 200))
            if progress and self.fig.tcp_sessions % 50 == 0:
                rate = self.fig.tcp_frames / (time.monotonic() - start)
                print(f"  packet fuzz (TCP): {self.fig.tcp_frames}/{min_frames} frames ({rate:.0f}/s)", flush=True)


@functools.cache
def _packed(addr: str) -> bytes:
    return socket.inet_aton(addr)


def inner_udp(src: str, dst: str, payload: bytes, ident: int) -> bytes:
    """An IPv4/UDP packet to the listener, UDP checksum 0 (none): cheap to build, valid to deliver."""
    ulen = 8 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident, 0x4000, 64, 17, 0, _packed(src), _packed(dst))
    total = sum(struct.unpack("!10H", hdr))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    csum = ~total & 0xFFFF
    return hdr[:10] + struct.pack("!H", csum) + hdr[12:] + struct.pack("!HHHH", 4444, LISTEN_PORT, ulen, 0) + payload


def _is_udp_to_listener(plain: bytes, net: str) -> bool:
    """An inner packet inner_udp() made for the listener (the device's .1, port 5555)."""
    dst = _packed(f"{net}.1")
    return (
        len(plain) >= 28
        and plain[0] == 0x45
        and plain[9] == 17
        and plain[16:20] == dst
        and plain[22:24] == LISTEN_PORT.to_bytes(2, "big")
    )


def run(udp: int, tcp: int, seed: int, offsets: int | None = None, progress: bool = False) -> PacketFigures:
    # one CPU sends everything: packets queued on two CPUs' backlogs may be handled out of order,
    # which is not the module's to keep (the control packets on the socket are compared in order)
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cpus)})
    try:
        return _run(udp, tcp, seed, offsets, progress)
    finally:
        os.sched_setaffinity(0, cpus)


def _run(udp: int, tcp: int, seed: int, offsets: int | None, progress: bool) -> PacketFigures:
    fig = PacketFigures(seed)
    rng = random.Random(seed)
    start = time.monotonic()
    lab = PacketLab()
    try:
        UdpFuzz(lab, rng, fig).run(udp, progress)
        TcpFuzz(lab, rng, fig).run(tcp, offsets, progress)
    finally:
        lab.close()
    fig.seconds = round(time.monotonic() - start, 1)
    return fig


def report(fig: PacketFigures) -> str:
    total = fig.udp_sent + fig.tcp_frames
    lines = [
        f"packet fuzz: seed {fig.seed}, {total} packets ({fig.udp_sent} UDP datagrams, {fig.tcp_frames} TCP frames "
        f"in {fig.tcp_sessions} sessions, {fig.tcp_bytes} bytes) in {fig.seconds} s",
        "  outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.outcome.items())),
        "  kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_kind.items())),
        f"  inner packets at the listener {fig.listener}, control packets on the UDP sockets / bytes on TCP "
        f"{fig.control_on_socket}, TCP MSS lowered on delivery {fig.mss_clamped}",
        f"  problems: {len(fig.problems)}",
    ]
    lines += [f"    {p[:400]}" for p in fig.problems[:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--udp", type=int, default=100_000, help="UDP datagrams")
    p.add_argument("--tcp", type=int, default=20_000, help="TCP frames, at least")
    p.add_argument("--offsets", type=int, default=None, help="cut the reference TCP stream at this many offsets only")
    p.add_argument("--seed", type=int, default=None, help="default: random (printed, to replay)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(
        f"packet fuzz: seed {seed} (replay: python -m pyharness.fuzz.pktfuzz --seed {seed} "
        f"--udp {args.udp} --tcp {args.tcp})",
        flush=True,
    )
    fig = run(args.udp, args.tcp, seed, args.offsets, progress=True)
    print(report(fig), flush=True)
    if args.json:
        args.json.write_text(json.dumps(fig.as_dict(), indent=1))
    return 1 if fig.problems else 0


if __name__ == "__main__":
    sys.exit(main())
