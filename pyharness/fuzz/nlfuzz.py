"""Netlink fuzzer: random and mutated requests of both families against live devices.

``python -m pyharness.fuzz.nlfuzz --count N --seed S [--json PATH]`` (as root,
module loaded) sets up a P2P and an MP device with peers and keys
(pyharness.fuzz.nllab), then sends N requests: each command of
"ovpn-dco" and "ovpn-dco-v2" built well-formed from live values (devices,
peer ids, sockets) and then, mostly, mutated - attributes dropped,
duplicated, unknown, of the wrong width or nesting, out of range, huge,
the nest of another command, socket descriptors that are closed, not
sockets or sockets of the wrong kind, bit flips, truncation, garbage
after the attributes, broken netlink and generic netlink headers.
Requests go out in pipelined windows, one datagram each; every answer is
checked against pyharness.fuzz.nloracle: each request answered exactly
once (or, for a broken netlink header, not at all), with the predicted
errno, an extack message on every error of a command, and GET_PEER
replies and dumps naming the right peers. The same seed replays the
same requests.
"""

from __future__ import annotations

import argparse
import errno
import json
import random
import select
import socket
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..guest import netns
from ..netlink import genl
from ..netlink.dco import sockaddr
from ..proto.consts import DCO, DCO_V2, LAYOUTS, DevAttr, Layout, NewKeyAttr
from . import nlspec as spec
from .nllab import Lab
from .nloracle import HDR, Expect, Oracle

NETLINK_CAP_ACK = 10
NLM_F_CAPPED = 0x100
SO_RCVBUFFORCE = 33
WINDOW = 32
HUGE = (0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
# control packets around the largest UDP payload over IPv4 (65507); 65516 is the most a PACKET nest holds
BIG_PACKETS = (65507, 65508, 65516)
OPS = ("NEW_PEER", "SET_PEER", "DEL_PEER", "NEW_KEY", "SWAP_KEYS", "DEL_KEY", "GET_PEER", "SET_DEV", "GET_DEV")
MSSFIX_VALUES = (0, 1, 575, 576, 1400, 1492, 9000, 0xFFFF)


@dataclass
class Sent:
    seq: int
    data: bytes
    expect: Expect
    tags: list[str]


@dataclass
class Figures:
    """What a run did and found."""

    seed: int
    messages: int = 0
    answered: int = 0
    silent: int = 0
    successes: int = 0
    errors: int = 0
    errors_with_extack: int = 0
    get_replies: int = 0
    dumps: int = 0
    by_errno: Counter[str] = field(default_factory=Counter)
    by_stage: Counter[str] = field(default_factory=Counter)
    by_command: Counter[str] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        d = dict(self.__dict__)
        for k in ("by_errno", "by_stage", "by_command", "by_mutation"):
            d[k] = dict(sorted(getattr(self, k).items()))
        d["problems"] = self.problems[:50]
        d["problem_count"] = len(self.problems)
        return d


class Generator:
    """Builds one request at a time from the live set-up, mutated or not."""

    def __init__(self, lab: Lab, rng: random.Random, families: dict[str, int]) -> None:
        self.lab = lab
        self.rng = rng
        self.families = families

    # values -----------------------------------------------------------------------------

    def ifindex(self) -> tuple[str, int]:
        r = self.rng.random()
        if r < 0.9:
            key = self.rng.choice(("p2p", "mp"))
            return key, self.lab.devs[key].ifindex
        return "other", self.rng.choice((0, self.lab.lo_ifindex, 4242, 0xFFFFFFFF))

    def peer_id(self, key: str) -> int:
        r = self.rng.random()
        dev = self.lab.devs.get(key)
        if r < 0.65 and dev is not None and dev.peers:
            return self.rng.choice(list(dev.peers))
        if r < 0.8:
            return self.rng.randrange(0, 12)
        if r < 0.9:
            return self.rng.choice((0, 0xFFFFFF, 0xFFFFFE, 0x1000000, 0xFFFFFFFF))
        return self.rng.randrange(0, 1 << 24)

    def sockaddr(self, family: int) -> bytes:
        r = self.rng.random()
        if r < 0.7:
            host = (
                f"192.0.2.{self.rng.randrange(1, 255)}" if family == 4 else f"2001:db8::{self.rng.randrange(1, 999):x}"
            )
            return sockaddr((host, self.rng.choice((1194, 1, 65535))))
        if r < 0.74:  # routable: the datagrams of PACKET and keepalives really go out
            port = self.rng.choice(self.lab.bound_ports)
            return sockaddr(("127.0.0.1" if family == 4 else "::1", port))
        if r < 0.77:
            return sockaddr(("::ffff:192.0.2.9", 1194))
        if r < 0.8:
            return sockaddr(("192.0.2.9" if family == 4 else "2001:db8::9", 0))
        if r < 0.85:
            return sockaddr(("0.0.0.0" if family == 4 else "::", 1194))
        raw = bytearray(sockaddr(("192.0.2.9", 1194) if self.rng.random() < 0.5 else ("2001:db8::9", 1194)))
        raw[0:2] = struct.pack("=H", self.rng.choice((0, 1, 2, 10, 16, 0xFFFF)))
        return bytes(raw[: self.rng.choice((16, 20, 27, 28, len(raw)))])

    def fd(self) -> int:
        pool = self.lab.fds
        if self.rng.random() < 0.5:
            pool = [f for f in pool if f.expect == 0]
        return self.rng.choice(pool).fd

    def key_dir(self, size: int) -> spec.Attr:
        return spec.Attr(
            NewKeyAttr.ENCRYPT_KEY,
            [spec.Attr(1, self.rng.randbytes(size)), spec.Attr(2, self.rng.randbytes(8))],
        )

    # requests ---------------------------------------------------------------------------

    def nest_children(self, op: str, key: str) -> list[spec.Attr]:
        rng = self.rng
        pid = self.peer_id(key)
        u32 = lambda t, v: spec.Attr(t, struct.pack("=I", v & 0xFFFFFFFF))  # noqa: E731
        u8 = lambda t, v: spec.Attr(t, struct.pack("=B", v & 0xFF))  # noqa: E731
        if op == "NEW_PEER":
            if rng.random() < 0.5 and key == "mp":
                pid = rng.randrange(100, 4000)
            kids = [u32(1, pid), u32(3, self.fd())]
            if rng.random() < 0.9:
                kids.append(spec.Attr(2, self.sockaddr(rng.choice((4, 6)))))
            if key == "mp" or rng.random() < 0.2:
                if rng.random() < 0.8:
                    kids.append(spec.Attr(4, bytes([10, 77, rng.randrange(0, 16), rng.randrange(0, 256)])))
                if rng.random() < 0.4:
                    kids.append(spec.Attr(5, bytes.fromhex("fd77" + "00" * 13) + bytes([rng.randrange(256)])))
            if rng.random() < 0.2:
                kids.append(
                    spec.Attr(
                        6, rng.choice((bytes([127, 0, 0, 1]), bytes(15) + b"\1", bytes(10) + b"\xff\xff\x7f\0\0\1"))
                    )
                )
            return kids
        if op == "SET_PEER":
            kids = [u32(1, pid)]
            if rng.random() < 0.8:
                kids.append(u32(2, rng.choice((0, 1, 10, 3600, 0xFFFFFFFF, rng.randrange(1 << 32)))))
            if rng.random() < 0.8:
                small = rng.random() < 0.03
                kids.append(
                    u32(3, rng.randrange(2, 30) if small else rng.choice((0, 7200, 86400, 0x7FFFFFFF, 0xFFFFFFFF)))
                )
            return kids
        if op == "DEL_PEER":
            kids = [u32(2, pid)]
            if rng.random() < 0.3:
                kids.insert(0, u8(1, rng.randrange(0, 5)))
            return kids
        if op == "NEW_KEY":
            alg = rng.choice((1, 1, 2))
            size = rng.choice((16, 24, 32)) if alg == 1 else 32
            enc, dec = self.key_dir(size), self.key_dir(size)
            dec.atype = NewKeyAttr.DECRYPT_KEY
            return [
                u32(1, pid),
                u8(2, rng.randrange(0, 2)),
                u8(3, rng.randrange(0, 8)),
                spec.Attr(4, struct.pack("=H", alg)),
                enc,
                dec,
            ]
        if op == "DEL_KEY":
            return [u32(1, pid), u8(2, rng.randrange(0, 2))]
        if op == "SET_DEV":
            return [spec.Attr(1, struct.pack("=H", rng.choice((*MSSFIX_VALUES, rng.randrange(1 << 16)))))]
        if op == "PACKET":
            size = rng.choice((1, 8, 100, 1300, rng.randrange(1, 3000), rng.choice(BIG_PACKETS)))
            return [spec.Attr(1, rng.randbytes(size)), u32(2, pid)]
        return [u32(1, pid)]  # SWAP_KEYS, GET_PEER

    def build(self) -> tuple[Layout, int, int, list[spec.Attr], list[str]]:
        """A well-formed request: family layout, command, flags, top-level attributes, tags."""
        layout = self.rng.choice(LAYOUTS)
        ops = list(OPS) + (["PACKET", "REGISTER_PACKET"] if layout is DCO else [])
        op = self.rng.choice(ops)
        key, ifindex = self.ifindex()
        top = [spec.Attr(layout.attr.IFINDEX, struct.pack("=I", ifindex))]
        flags = genl.NLM_F_REQUEST | genl.NLM_F_ACK
        tags = [f"{layout.family}:{op}"]
        if op == "GET_PEER" and self.rng.random() < 0.25:
            flags |= genl.NLM_F_DUMP
            tags[0] += ":dump"
        elif op not in spec.NO_NEST:
            top.append(spec.Attr(layout.attr[spec.NEST_OF.get(op, op)], self.nest_children(op, key)))
        return layout, int(layout.cmd[op]), flags, top, tags

    # mutations --------------------------------------------------------------------------

    def mutate_tree(self, layout: Layout, top: list[spec.Attr]) -> str:
        rng = self.rng
        root = spec.Attr(0, top)
        nodes = root.walk()[1:]
        if not nodes:
            top.append(spec.Attr(rng.randrange(0, 0x4000), rng.randbytes(rng.randrange(0, 12))))
            return "unknown_attr"
        node, parent = rng.choice(nodes)
        kind = rng.choice(
            ("drop", "dup", "unknown", "width", "nested_flag", "as_raw", "as_nest", "value", "other_nest", "empty")
        )
        if kind == "drop":
            parent.remove(node)
        elif kind == "dup":
            parent.append(spec.Attr(node.atype, node.data if isinstance(node.data, bytes) else list(node.data)))
        elif kind == "unknown":
            parent.insert(rng.randrange(len(parent) + 1), spec.Attr(rng.choice((0, 7, 10, 11, 0x3FFF)), b"\0" * 4))
        elif kind == "width":
            node.data = rng.randbytes(rng.choice((0, 1, 2, 3, 5, 7, 8, 15, 17, 29, 33, 64)))
        elif kind == "nested_flag":
            node.flags = (0 if isinstance(node.data, list) else spec.NLA_F_NESTED) | rng.choice((0, 0x4000))
        elif kind == "as_raw":
            node.data = rng.randbytes(rng.randrange(0, 12))
            node.flags = spec.NLA_F_NESTED if rng.random() < 0.5 else None
        elif kind == "as_nest":
            node.data = [spec.Attr(rng.randrange(0, 8), rng.randbytes(rng.randrange(0, 9)))]
        elif kind == "value" and isinstance(node.data, bytes) and len(node.data) in (1, 2, 4):
            v = rng.choice(HUGE)
            node.data = v.to_bytes(8, "little")[: len(node.data)]
        elif kind == "other_nest" and node in top and isinstance(node.data, list):
            node.atype = rng.choice([int(layout.attr[o]) for o in spec.op_nests(layout)])
        else:
            node.data = [] if isinstance(node.data, list) else b""
            kind = "empty"
        return kind

    def mutate_bytes(self, attrs: bytes) -> tuple[bytes, str]:
        rng = self.rng
        if not attrs:
            return rng.randbytes(rng.randrange(1, 8)), "garbage"
        kind = rng.choice(("flip", "flip", "byte", "truncate", "append"))
        buf = bytearray(attrs)
        if kind == "flip":
            for _ in range(rng.randrange(1, 4)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif kind == "byte":
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif kind == "truncate":
            del buf[rng.randrange(len(buf)) :]
        else:
            buf += rng.randbytes(rng.randrange(1, 9))
        return bytes(buf), kind

    def message(self, seq: int) -> tuple[bytes, list[str]]:
        """One request as sent (possibly shorter than its header says), with its tags."""
        rng = self.rng
        layout, cmd, flags, top, tags = self.build()
        family = self.families[layout.family]
        r = rng.random()
        if r < 0.4:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                tags.append(self.mutate_tree(layout, top))
        attrs = b"".join(a.encode() for a in top)
        if 0.4 <= r < 0.55:
            attrs, kind = self.mutate_bytes(attrs)
            tags.append(kind)
        version = 1
        pid = reserved = 0
        if 0.55 <= r < 0.65:
            kind = rng.choice(
                ("cmd", "type", "ctrl_type", "no_request", "dump_flag", "version", "flags", "pid", "reserved")
            )
            tags.append("hdr_" + kind)
            if kind == "cmd":
                cmd = rng.randrange(256)
            elif kind == "type":
                family = rng.randrange(0x1000, 0x10000)
            elif kind == "ctrl_type":
                family = rng.randrange(0, 0x10)
            elif kind == "no_request":
                flags &= ~genl.NLM_F_REQUEST
            elif kind == "dump_flag":
                flags |= genl.NLM_F_DUMP
            elif kind == "version":
                version = rng.randrange(256)
            elif kind == "flags":
                flags |= rng.choice((0x8, 0x10, 0x20, 0x100, 0x200, 0x400, 0x800))
            elif kind == "reserved":
                reserved = rng.randrange(1, 1 << 16)
            else:
                pid = rng.randrange(1 << 32)
        body = struct.pack("=BBH", cmd, version, reserved) + attrs
        data = HDR.pack(HDR.size + len(body), family, flags, seq, pid) + body
        if 0.65 <= r < 0.7:
            kind = rng.choice(("len_short", "len_long", "genl_short", "cut"))
            tags.append("hdr_" + kind)
            if kind == "len_short":
                data = struct.pack("=I", rng.randrange(0, 16)) + data[4:]
            elif kind == "len_long":
                data = struct.pack("=I", len(data) + rng.randrange(1, 64)) + data[4:]
            else:
                cut = rng.randrange(16, 20) if kind == "genl_short" else rng.randrange(16, len(data) + 1)
                data = struct.pack("=I", cut) + data[4:cut]
        elif r >= 0.7:
            tags.append("plain")
        return data, tags


def _is_silent(data: bytes) -> bool:
    """A broken netlink header: the kernel drops the datagram without a word."""
    return len(data) < HDR.size or not HDR.size <= struct.unpack_from("=I", data)[0] <= len(data)


def _is_dump(data: bytes) -> bool:
    return not _is_silent(data) and struct.unpack_from("=H", data, 6)[0] & genl.NLM_F_DUMP == genl.NLM_F_DUMP


def _parse_answer(body: bytes, flags: int) -> tuple[int, str | None]:
    code = -struct.unpack_from("=i", body, 0)[0]
    extack = None
    if flags & genl.NLM_F_ACK_TLVS:
        start = 4 + HDR.size if flags & NLM_F_CAPPED else 4 + ((struct.unpack_from("=I", body, 4)[0] + 3) & ~3)
        for atype, payload in genl.parse_attrs(body[start:]):
            if atype == genl.NLMSGERR_ATTR_MSG:
                extack = payload.rstrip(b"\0").decode(errors="replace")
    return code, extack


class Runner:
    def __init__(self, lab: Lab, seed: int) -> None:
        self.lab = lab
        self.rng = random.Random(seed)
        self.fig = Figures(seed)
        with netns.inside(lab.ns):
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, genl.NETLINK_GENERIC)
            self.sock.setsockopt(genl.SOL_NETLINK, genl.NETLINK_EXT_ACK, 1)
            self.sock.setsockopt(genl.SOL_NETLINK, NETLINK_CAP_ACK, 1)
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
            self.sock.bind((0, 0))
            with genl.GenlSocket() as g:
                ids = {layout.family: g.resolve(layout.family).id for layout in LAYOUTS}
        self.oracle = Oracle(lab, {ids[layout.family]: layout for layout in LAYOUTS})
        self.gen = Generator(lab, self.rng, ids)
        self.seq = 0
        self.dump_ids: dict[int, set[int]] = {}

    def problem(self, sent: Sent, text: str) -> None:
        self.fig.problems.append(f"seq {sent.seq} {'/'.join(sent.tags)}: {text} [{sent.data.hex()}]")

    def _sentinel(self) -> Sent:
        """An answerable request (GET_PEER on ifindex 0: ENODEV) that closes every chunk."""
        self.seq += 1
        body = struct.pack("=BBH", DCO_V2.cmd.GET_PEER, 1, 0) + spec.Attr(1, struct.pack("=I", 0)).encode()
        family = self.gen.families[DCO_V2.family]
        hdr = HDR.pack(HDR.size + len(body), family, genl.NLM_F_REQUEST | genl.NLM_F_ACK, self.seq, 0)
        return Sent(self.seq, hdr + body, Expect(), ["sentinel"])

    def window(self, n: int) -> None:
        """Send ``n`` requests, pipelined; a dump ends a chunk (one dump at a time per socket)."""
        chunk: list[Sent] = []
        for i in range(n):
            self.seq += 1
            data, tags = self.gen.message(self.seq)
            chunk.append(Sent(self.seq, data, Expect(), tags))
            if _is_dump(data) or i == n - 1:
                chunk.append(self._sentinel())
                for s in chunk:
                    self.sock.send(s.data)
                self.collect(chunk)
                chunk = []

    def collect(self, batch: list[Sent]) -> None:
        by_seq = {s.seq: s for s in batch}
        order = [s.seq for s in batch]
        waiting = {s.seq for s in batch if not _is_silent(s.data)}
        answers: dict[int, list[tuple[int, int, bytes]]] = {}
        done: set[int] = set()
        deadline = time.monotonic() + 30
        while waiting - done:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                break
            data = self.sock.recv(1 << 22)
            off = 0
            while off + HDR.size <= len(data):
                length, mtype, mflags, mseq, _ = HDR.unpack_from(data, off)
                if length < HDR.size:
                    break
                body = data[off + HDR.size : off + length]
                off += (length + 3) & ~3
                if mseq == 0:
                    continue  # notifications, control packets
                if mseq not in by_seq:
                    self.fig.problems.append(f"answer for unknown seq {mseq}")
                    continue
                answers.setdefault(mseq, []).append((mtype, mflags, body))
                if mtype in (genl.NLMSG_ERROR, genl.NLMSG_DONE):
                    if mseq in done:
                        self.problem(by_seq[mseq], "answered twice")
                    done.add(mseq)
        # judge in order: the kernel handled them in order, so the model moves the same way
        for seq in order:
            self.judge(by_seq[seq], answers.get(seq, []), seq in done)

    def judge(self, sent: Sent, answers: list[tuple[int, int, bytes]], done: bool) -> None:
        fig = self.fig
        exp = self.oracle.expect(sent.data, len(sent.data))
        sent.expect = exp
        if sent.tags == ["sentinel"]:
            fig = Figures(0)  # checked like the others, counted apart
        else:
            fig.messages += 1
            fig.by_command[sent.tags[0]] += 1
            for t in sent.tags[1:]:
                fig.by_mutation[t] += 1
            fig.by_stage[exp.stage] += 1
        if exp.silent:
            fig.silent += 1
            if answers:
                self.problem(sent, "a request with a broken netlink header was answered")
            return
        if not done:
            self.problem(sent, "no answer")
            return
        fig.answered += 1
        mtype, mflags, body = answers[-1]
        if mtype == genl.NLMSG_DONE:  # a dump's end: its status, 0 or why the dump stopped
            err, extack = (-struct.unpack_from("=i", body)[0] if len(body) >= 4 else 0), None
        else:
            err, extack = _parse_answer(body, mflags)
        fig.by_errno[genl.errno_name(err) if err else "OK"] += 1
        if err:
            fig.errors += 1
            fig.errors_with_extack += extack is not None
            if exp.extack_expected and extack is None:
                self.problem(sent, f"error {genl.errno_name(err)} without an extack message")
        else:
            fig.successes += 1
        if not exp.accepts(err):
            want = genl.errno_name(exp.exact) if exp.exact is not None else sorted(map(genl.errno_name, exp.allowed))
            got = genl.errno_name(err) if err else "OK"
            self.problem(sent, f"answer {got} ({extack}), expected {want} at {exp.stage}")
            return
        if err == errno.ENOENT and exp.on_enoent:
            exp.on_enoent()
        if err:
            return
        self.check_content(sent, exp, answers[:-1])
        if exp.on_success:
            exp.on_success()

    def check_content(self, sent: Sent, exp: Expect, replies: list[tuple[int, int, bytes]]) -> None:
        if exp.reply is not None:
            _, ifindex, pid = exp.reply
            self.fig.get_replies += 1
            ids = [self._reply_peer(body, ifindex) for _, _, body in replies]
            if ids != [pid]:
                self.problem(sent, f"GET_PEER replies name peers {ids}, expected [{pid}]")
        elif exp.dev_reply is not None:
            self.fig.get_replies += 1
            got = [self._reply_dev(body) for _, _, body in replies]
            if got != [exp.dev_reply]:
                self.problem(sent, f"GET_DEV replies {got}, expected [{exp.dev_reply}]")
        elif exp.dump is not None:
            self.fig.dumps += 1
            dev = self.lab.devs[exp.dump]
            got = {self._reply_peer(body, dev.ifindex) for _, _, body in replies}
            sure = {p for p, st in dev.peers.items() if not st.volatile}
            if not sure <= got or not got <= set(dev.peers):
                self.problem(sent, f"dump of {exp.dump} gives {sorted(got)}, model {sorted(dev.peers)}")
        elif replies:
            self.problem(sent, f"{len(replies)} unexpected replies")

    @staticmethod
    def _reply_dev(body: bytes) -> tuple[int, int]:
        """(ifindex, mssfix) of a GET_DEV reply; -1 for what is missing."""
        top = genl.attr_map(body[4:])
        ifindex = genl.get_u32(top[1]) if len(top.get(1, b"")) == 4 else -1
        devs = [genl.attr_map(p) for t, p in top.items() if t != 1]
        mss = devs[0].get(DevAttr.MSSFIX, b"") if len(devs) == 1 else b""
        return ifindex, struct.unpack("=H", mss)[0] if len(mss) == 2 else -1

    def _reply_peer(self, body: bytes, ifindex: int) -> int:
        top = genl.attr_map(body[4:])
        if genl.get_u32(top.get(1, b"\0\0\0\0")) != ifindex:
            return -1
        for atype, payload in top.items():
            if atype != 1:
                return genl.get_u32(genl.attr_map(payload).get(1, b"\xff\xff\xff\xff"))
        return -1

    def run(self, count: int, progress: bool = False) -> Figures:
        start = time.monotonic()
        next_report = start + 30
        while self.fig.messages < count:
            self.window(min(WINDOW, count - self.fig.messages))
            if self.seq % 256 < WINDOW + 1:
                self.lab.drain()
                with netns.inside(self.lab.ns):
                    self.lab.trim()
                    self.lab.restore()
            if progress and time.monotonic() > next_report:
                next_report += 30
                rate = self.fig.messages / (time.monotonic() - start)
                print(
                    f"  netlink fuzz: {self.fig.messages}/{count} ({rate:.0f}/s), {len(self.fig.problems)} problems",
                    flush=True,
                )
        self.final_check()
        self.fig.seconds = round(time.monotonic() - start, 1)
        return self.fig

    def final_check(self) -> None:
        for key, dev in self.lab.devs.items():
            got = self.lab.dump_ids(dev)
            sure = {p for p, st in dev.peers.items() if not st.volatile}
            if not sure <= got or not got <= set(dev.peers):
                self.fig.problems.append(f"final dump of {key}: {sorted(got)}, model {sorted(dev.peers)}")

    def close(self) -> None:
        self.sock.close()


def run(count: int, seed: int, progress: bool = False) -> Figures:
    lab = Lab()
    try:
        runner = Runner(lab, seed)
        try:
            return runner.run(count, progress)
        finally:
            runner.close()
    finally:
        lab.close()


def report(fig: Figures) -> str:
    lines = [
        f"netlink fuzz: seed {fig.seed}, {fig.messages} messages in {fig.seconds} s "
        f"({fig.messages / max(fig.seconds, 0.001):.0f}/s)",
        f"  answered {fig.answered} (success {fig.successes}, error {fig.errors}, "
        f"{fig.errors_with_extack} with extack), silent by design {fig.silent}, "
        f"GET_PEER replies {fig.get_replies}, dumps {fig.dumps}",
        "  by errno: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_errno.items())),
        "  decided at: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_stage.items())),
        "  commands: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_command.items())),
        "  mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(fig.by_mutation.items())),
        f"  problems: {len(fig.problems)}",
    ]
    lines += [f"    {p}" for p in fig.problems[:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=None, help="default: random (printed, to replay)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(
        f"netlink fuzz: seed {seed} (replay: python -m pyharness.fuzz.nlfuzz --seed {seed} --count {args.count})",
        flush=True,
    )
    fig = run(args.count, seed, progress=True)
    print(report(fig), flush=True)
    if args.json:
        args.json.write_text(json.dumps(fig.as_dict(), indent=1))
    return 1 if fig.problems else 0


if __name__ == "__main__":
    sys.exit(main())
