"""Netlink fuzzer of the upstream ``ovpn`` family: requests built from uapi/linux/ovpn.yaml, mutated, judged.

``python -m pyharness.fuzz.ovpnfuzz --count N --seed S [--json PATH]`` (as root,
with a provider of family ``ovpn`` loaded: ovpn-dco where it registers it, or
the in-tree driver) sets up a P2P and an MP ``ovpn`` device with peers and
keys, then sends N requests of every operation, well-formed from the spec's
attributes and live values (devices, peer ids, sockets) and then, often,
mutated: attributes dropped, duplicated, unknown, of another operation's
subset, of the wrong width or nesting, out of range, bit flips, truncation.
Each answer is judged: the policy check (pyharness.fuzz.nlspec, each
operation's policy from its YAML subset) predicts the errno exactly; past it,
a missing, unknown or non-ovpn ifindex and a missing nest have one answer,
and the handlers may answer only their known errnos; replies must name the
peer or key asked for, dumps only peers the device has; every error must
say why (an extack message, a missing attribute or a bad attribute's
offset; a dump's error before 6.2 cannot name a missing attribute). The same seed replays the same requests.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import platform
import random
import socket
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute

from ..guest import netns
from ..netlink import genl, upstream
from ..proto import upstream as up
from . import nlspec

OPS = ("peer-new", "peer-set", "peer-get", "peer-del", "key-new", "key-get", "key-swap", "key-del")
UNKNOWN_IFINDEXES = (0, 4242, 0xFFFFFFFF)
CLOSED_FD = 1000
# what the handlers may answer once the policy, the device and the nest are right
HANDLER_ERRNOS = frozenset(
    (
        0,
        errno.EINVAL,
        errno.ENOENT,
        errno.ENOTSOCK,
        errno.EBADF,
        errno.EADDRINUSE,
        errno.EBUSY,
        errno.EAFNOSUPPORT,
        errno.EEXIST,
        errno.EALREADY,
        errno.EOPNOTSUPP,
        errno.EADDRNOTAVAIL,
        errno.EPROTONOSUPPORT,
        errno.ENOTCONN,
    )
)
# NLMSG_DONE carries the missing attribute from 6.2 on (6.1's netlink_dump_done() puts only a message)
DONE_SAYS_MISSING = tuple(int(x) for x in platform.release().split(".")[:2]) >= (6, 2)
HUGE = (0, 1, 0xFF, 0xFFFF, 0xFFFFFF, 0x1000000, 0x7FFFFFFF, 0xFFFFFFFF)


@dataclass
class Figures:
    """What a run did and found."""

    seed: int
    messages: int = 0
    successes: int = 0
    errors: int = 0
    errors_without_extack: int = 0
    replies: int = 0
    by_errno: Counter[str] = field(default_factory=Counter)
    by_stage: Counter[str] = field(default_factory=Counter)
    by_op: Counter[str] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        d = dict(self.__dict__)
        for k in ("by_errno", "by_stage", "by_op", "by_mutation"):
            d[k] = dict(sorted(getattr(self, k).items()))
        d["problems"] = self.problems[:50]
        return d


class Lab:
    """A namespace with a P2P and an MP ``ovpn`` device, their UDP sockets, and descriptors of other kinds."""

    def __init__(self) -> None:
        self.ns = netns.create("ofz")
        netns.ip("link", "set", "lo", "up", netns=self.ns)
        self.devs = {"p2p": upstream.create_link("ofz0", self.ns), "mp": upstream.create_link("ofz1", self.ns, 1)}
        # every device of the namespace: lo, and the fallback tunnels (tunl0, sit0, ...) a kernel with
        # those drivers built in (the debug kernel) puts in each new namespace
        with IPRoute(netns=self.ns) as ipr:
            self.all_ifindexes = frozenset(int(link["index"]) for link in ipr.get_links())
        with netns.inside(self.ns):
            self.client = upstream.Client()
            self.socks = {
                "udp-p2p": socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
                "udp-mp": socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
                "udp6": socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
                "tcp": socket.socket(socket.AF_INET, socket.SOCK_STREAM),
                "unix": socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
            }
        self.socks["udp-p2p"].bind(("127.0.0.1", 11950))
        self.socks["udp-mp"].bind(("127.0.0.1", 11951))
        self.socks["udp6"].bind(("::1", 11952))
        self.notsock = os.open("/dev/null", os.O_RDONLY)
        self.fds = [s.fileno() for s in self.socks.values()] + [self.notsock, CLOSED_FD]

    def restore(self) -> None:
        """The base peers and keys again (P2P: peer 1; MP: peers 1-3), whatever the fuzzing did to them."""
        base = [("p2p", 1, "udp-p2p", None)] + [("mp", i, "udp-mp", f"10.8.0.{i + 1}") for i in (1, 2, 3)]
        for dev, pid, sock, vpn in base:
            peer: dict[str, Any] = upstream.udp_peer(pid, self.socks[sock].fileno(), ("127.0.0.1", 11960 + pid))
            if vpn:
                peer["vpn-ipv4"] = vpn
            for op, attrs in (
                ("peer-new", {"ifindex": self.devs[dev], "peer": peer}),
                ("key-new", {"ifindex": self.devs[dev], "keyconf": _keyconf(pid, 0, 1, 1, 32, 8)}),
            ):
                try:
                    self.client.call(op, attrs)
                except genl.NetlinkError:
                    pass  # already there (MP), or the fuzzing left something that refuses: fine

    def peers(self, dev: str) -> set[int]:
        return {p.id for p in self.client.peer_dump(self.devs[dev])}

    def close(self) -> None:
        self.client.close()
        for s in self.socks.values():
            s.close()
        os.close(self.notsock)
        netns.delete(self.ns)


def _keyconf(pid: int, slot: int, key_id: int, alg: int, key_len: int, nonce_len: int) -> dict[str, Any]:
    return {
        "peer-id": pid,
        "slot": slot,
        "key-id": key_id,
        "cipher-alg": alg,
        "encrypt-dir": {"cipher-key": bytes(key_len), "nonce-tail": bytes(nonce_len)},
        "decrypt-dir": {"cipher-key": b"\1" * key_len, "nonce-tail": b"\2" * nonce_len},
    }


def to_tree(data: bytes) -> list[nlspec.Attr]:
    """Attributes (encoded) back into a tree to mutate: nests are the attributes with NLA_F_NESTED."""
    out = []
    off = 0
    while off + 4 <= len(data):
        length, raw = struct.unpack_from("=HH", data, off)
        payload = data[off + 4 : off + length]
        atype = raw & nlspec.NLA_TYPE_MASK
        out.append(nlspec.Attr(atype, to_tree(payload)) if raw & nlspec.NLA_F_NESTED else nlspec.Attr(atype, payload))
        off += (length + 3) & ~3
    return out


class Generator:
    """One request at a time: a well-formed one from the spec and the lab, then maybe mutated."""

    def __init__(self, lab: Lab, rng: random.Random) -> None:
        self.lab = lab
        self.rng = rng

    def ifindex(self) -> tuple[str, int]:
        if self.rng.random() < 0.92:
            key = self.rng.choice(("p2p", "mp"))
            return key, self.lab.devs[key]
        return "other", self.rng.choice((1, *UNKNOWN_IFINDEXES))

    def peer_id(self) -> int:
        r = self.rng.random()
        if r < 0.75:
            return self.rng.choice((1, 1, 2, 3, 4))
        return self.rng.choice((0, 5, 0xFFFFFF, 0x1000000, self.rng.randrange(1 << 24)))

    def peer_value(self, name: str) -> Any:
        rng = self.rng
        values: dict[str, Any] = {
            "id": self.peer_id(),
            "remote-ipv4": rng.choice(("127.0.0.1", "192.0.2.7", "0.0.0.0")),
            "remote-ipv6": rng.choice(("::1", "2001:db8::7")),
            "remote-ipv6-scope-id": rng.choice((0, 1)),
            "remote-port": rng.choice((1194, 1, 65535, 0)),
            "socket": rng.choice(self.lab.fds),
            "vpn-ipv4": f"10.8.0.{rng.randrange(0, 12)}",
            "vpn-ipv6": f"fd00::{rng.randrange(0, 12):x}",
            "local-ipv4": rng.choice(("127.0.0.1", "192.0.2.1")),
            "local-ipv6": "::1",
            "keepalive-interval": rng.choice((0, 1, 10, 86400, 86401)),
            "keepalive-timeout": rng.choice((0, 5, 60, 86400, 86401)),
            "tx-id": rng.choice((0, 7, 0xFFFFFF, 0x1000000)),
            "local-port": rng.choice((1194, 0)),
        }
        if name in values:
            return values[name]
        return rng.choice((0, 1, 4))  # what only replies carry (del-reason, netnsid, counters): PEER_GET refuses it

    def keyconf(self, names: list[str]) -> dict[str, Any]:
        rng = self.rng
        alg = rng.choice((1, 1, 2, 2, 0, 3))
        kc = _keyconf(
            self.peer_id(),
            rng.choice((0, 1, 1, 2)),
            rng.choice((0, 1, 2, 7, 8)),
            alg,
            rng.choice((16, 24, 32, 32, 20, 0, 257)),
            rng.choice((8, 8, 8, 7, 0)),
        )
        return {n: kc[n] for n in names}

    def request(self) -> tuple[str, bool, bytes, list[str]]:
        rng = self.rng
        op = rng.choice(OPS)
        o = up.operations()[op]
        dump = op == "peer-get" and rng.random() < 0.2
        _, ifindex = self.ifindex()
        attrs: dict[str, Any] = {}
        if rng.random() < 0.96:
            attrs["ifindex"] = ifindex
        aset = up.attr_set(o.attribute_set or "ovpn")
        nest_name = "peer" if op.startswith("peer") else "keyconf"
        if not dump and rng.random() < 0.95:
            sub = up.attr_set(aset[nest_name].nested or nest_name)
            first = "id" if nest_name == "peer" else "peer-id"
            names = [n for n in sub if (n == first and rng.random() < 0.95) or rng.random() < 0.35]
            if nest_name == "peer":
                attrs["peer"] = {n: self.peer_value(n) for n in names}
            else:
                attrs["keyconf"] = self.keyconf(names)
        tags = [op + (":dump" if dump else "")]
        top = to_tree(upstream.encode("ovpn", attrs))
        r = rng.random()
        if r < 0.45:
            for _ in range(rng.choice((1, 1, 2))):
                tags.append(self.mutate(top, nest_name))
        data = b"".join(a.encode() for a in top)
        if 0.45 <= r < 0.55 and data:
            data, kind = self.mutate_bytes(data)
            tags.append(kind)
        return op, dump, data, tags

    def mutate(self, top: list[nlspec.Attr], nest_name: str) -> str:
        rng = self.rng
        nodes = nlspec.Attr(0, top).walk()[1:]
        if not nodes:
            top.append(nlspec.Attr(rng.randrange(0, 8), b"\0" * 4))
            return "unknown"
        node, parent = rng.choice(nodes)
        kind = rng.choice(("drop", "dup", "unknown", "foreign", "width", "nested_flag", "value", "empty", "other_nest"))
        if kind == "drop":
            parent.remove(node)
        elif kind == "dup":
            parent.append(nlspec.Attr(node.atype, node.data if isinstance(node.data, bytes) else list(node.data)))
        elif kind == "unknown":
            parent.insert(rng.randrange(len(parent) + 1), nlspec.Attr(rng.choice((0, 4, 25, 100, 0x3FFF)), bytes(4)))
        elif kind == "foreign":  # an attribute of the full set that the operation's subset lacks
            full = up.attr_set(nest_name)
            a = rng.choice(list(full.values()))
            payload = bytes(8 if a.type == "uint" else 16 if a.type == "binary" else 2 if a.type == "u16" else 4)
            target = next((n.data for n in top if isinstance(n.data, list)), top)
            target.append(nlspec.Attr(a.value, [] if a.type == "nest" else payload))
        elif kind == "width":
            node.data = rng.randbytes(rng.choice((0, 1, 2, 3, 5, 8, 15, 17)))
        elif kind == "nested_flag":
            node.flags = 0 if isinstance(node.data, list) else nlspec.NLA_F_NESTED
        elif kind == "value" and isinstance(node.data, bytes) and len(node.data) in (2, 4):
            node.data = rng.choice(HUGE).to_bytes(8, "little")[: len(node.data)]
        elif kind == "other_nest" and node in top:
            node.atype = rng.choice((2, 3))
        else:
            node.data = [] if isinstance(node.data, list) else b""
            kind = "empty"
        return kind

    def mutate_bytes(self, data: bytes) -> tuple[bytes, str]:
        rng = self.rng
        buf = bytearray(data)
        kind = rng.choice(("flip", "truncate", "append"))
        if kind == "flip":
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            del buf[rng.randrange(len(buf)) :]
        else:
            buf += rng.randbytes(rng.randrange(1, 9))
        return bytes(buf), kind


@dataclass(frozen=True)
class Expect:
    """The answers a request may get, and where it was decided."""

    stage: str
    allowed: frozenset[int]


def expect(lab: Lab, op: str, dump: bool, data: bytes) -> tuple[Expect, nlspec.Parsed]:
    """What the family must answer: the policy's errno exactly, then the device's, then the handler's set."""
    parsed = nlspec.validate(data, nlspec.upstream_op_policy(op, dump)) if data else nlspec.Parsed()
    if parsed.err:
        return Expect("policy", frozenset((parsed.err,))), parsed
    raw_ifindex = parsed.attrs.get(up.Attr.IFINDEX)
    if raw_ifindex is None:
        return Expect("device", frozenset((errno.EINVAL,))), parsed
    ifindex = genl.get_u32(raw_ifindex)
    if ifindex not in lab.devs.values():
        known = ifindex in lab.all_ifindexes  # a device, not an ovpn one
        return Expect("device", frozenset((errno.EINVAL if known else errno.ENODEV,))), parsed
    if dump:
        return Expect("dump", frozenset((0,))), parsed
    nest = up.Attr.PEER if op.startswith("peer") else up.Attr.KEYCONF
    if nest not in parsed.attrs:
        return Expect("nest", frozenset((errno.EINVAL,))), parsed
    return Expect("handler", HANDLER_ERRNOS), parsed


def _asked_id(parsed: nlspec.Parsed, op: str) -> int | None:
    nest = parsed.nests.get(up.Attr.PEER if op.startswith("peer") else up.Attr.KEYCONF)
    raw = nest.attrs.get(1) if nest else None  # OVPN_A_PEER_ID and OVPN_A_KEYCONF_PEER_ID are both 1
    return genl.get_u32(raw) if raw else None


class Runner:
    def __init__(self, lab: Lab, seed: int) -> None:
        self.lab = lab
        self.gen = Generator(lab, random.Random(seed))
        self.fig = Figures(seed)

    def one(self) -> None:
        fig = self.fig
        op, dump, data, tags = self.gen.request()
        exp, parsed = expect(self.lab, op, dump, data)
        fig.messages += 1
        fig.by_op[tags[0]] += 1
        fig.by_stage[exp.stage] += 1
        for t in tags[1:]:
            fig.by_mutation[t] += 1
        replies: list[dict[str, Any]] = []
        err = 0
        try:
            replies = self.lab.client.raw(op, data, dump=dump)
        except genl.NetlinkError as e:
            err = e.errno
            if e.extack is None and e.miss_type is None and e.offset is None and (not dump or DONE_SAYS_MISSING):
                fig.errors_without_extack += 1
                fig.problems.append(f"{'/'.join(tags)}: {genl.errno_name(err)} without extack [{data.hex()}]")
        except TimeoutError:
            fig.problems.append(f"{'/'.join(tags)}: no answer [{data.hex()}]")
            return
        fig.by_errno[genl.errno_name(err) if err else "OK"] += 1
        fig.successes += err == 0
        fig.errors += err != 0
        fig.replies += len(replies)
        if err not in exp.allowed:
            want = sorted(genl.errno_name(e) if e else "OK" for e in exp.allowed)
            fig.problems.append(
                f"{'/'.join(tags)}: {genl.errno_name(err) if err else 'OK'}, expected {want} at {exp.stage} "
                f"[{data.hex()}]"
            )
            return
        if not err:
            self.check_replies(op, dump, parsed, replies, tags, data)

    def check_replies(
        self, op: str, dump: bool, parsed: nlspec.Parsed, replies: list[dict[str, Any]], tags: list[str], data: bytes
    ) -> None:
        where = f"{'/'.join(tags)} [{data.hex()}]"
        if dump:
            if not all("id" in r.get("peer", {}) for r in replies):
                self.fig.problems.append(f"{where}: a dump reply without a peer id: {replies}")
            return
        if op in ("peer-get", "key-get"):
            key, idname = ("peer", "id") if op == "peer-get" else ("keyconf", "peer-id")
            got = [r.get(key, {}).get(idname) for r in replies]
            if got != [_asked_id(parsed, op)]:
                self.fig.problems.append(f"{where}: replies for {got}, asked {_asked_id(parsed, op)}")
        elif replies:
            self.fig.problems.append(f"{where}: {len(replies)} unexpected replies")

    def final_check(self) -> None:
        """Every peer a dump gives answers PEER_GET."""
        for dev, ifindex in self.lab.devs.items():
            for pid in self.lab.peers(dev):
                try:
                    self.lab.client.peer_get(ifindex, pid)
                except genl.NetlinkError as e:
                    self.fig.problems.append(f"final: {dev} dumps peer {pid} but PEER_GET says {e}")

    def run(self, count: int, progress: bool = False) -> Figures:
        start = time.monotonic()
        for i in range(count):
            if i % 50 == 0:
                self.lab.restore()
            self.one()
            if progress and i and i % 5000 == 0:
                print(f"  ovpn fuzz: {i}/{count}, {len(self.fig.problems)} problems", flush=True)
        self.final_check()
        self.fig.seconds = round(time.monotonic() - start, 1)
        return self.fig


def run(count: int, seed: int, progress: bool = False) -> Figures:
    lab = Lab()
    try:
        return Runner(lab, seed).run(count, progress)
    finally:
        lab.close()


def report(fig: Figures) -> str:
    lines = [
        f"ovpn netlink fuzz: seed {fig.seed}, {fig.messages} messages in {fig.seconds} s",
        f"  success {fig.successes}, error {fig.errors} ({fig.errors_without_extack} without any extack), "
        f"replies {fig.replies}",
        "  by errno: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_errno.items())),
        "  decided at: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_stage.items())),
        "  operations: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_op.items())),
        "  mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_mutation.items())),
        f"  problems: {len(fig.problems)}",
    ]
    return "\n".join(lines + [f"    {p}" for p in fig.problems[:20]])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=None, help="default: random (printed, to replay)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"ovpn netlink fuzz: seed {seed}", flush=True)
    fig = run(args.count, seed, progress=True)
    print(report(fig), flush=True)
    if args.json:
        args.json.write_text(json.dumps(fig.as_dict(), indent=1))
    return 1 if fig.problems else 0


if __name__ == "__main__":
    sys.exit(main())
