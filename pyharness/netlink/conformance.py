"""The ``ovpn`` conformance conversation: one scripted run of requests, good and malformed, and its answers.

Run against fresh devices (a P2P and an MP ``ovpn`` link in a new namespace),
each step records what the family answered: errno and extack message, the
bad attribute and the missing attribute (as spec paths), the replies and the
``peers`` notifications it caused, normalized (device indexes, socket
descriptors and counters replaced by placeholders). The in-tree driver's
record is the golden file tests/guest/data/ovpn_conformance.json; the same
conversation against ovpn-dco's family must give the same record
(tests/guest/test_ovpn_conformance.py).
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..guest import netns
from ..proto import upstream as up
from ..proto import wire
from . import genl
from .upstream import Client, Raw, attr_name, attr_path, create_link, decode

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "guest" / "data" / "ovpn_conformance.json"
RECORD_ENV = "OVPN_DCO_RECORD_CONFORMANCE"
COUNTER = "<n>"
UNKNOWN_IFINDEX = 0x7FFFFFF0
CLOSED_FD = 1000
PORT_P2P, PORT_MP, PORT_REMOTE, PORT_FLOAT = 11940, 11941, 11942, 11943
PACKET = "packet"  # a step that is no request: a DATA_V2 packet from a new source port (the peer floats)


@dataclass
class Ctx:
    """What the steps refer to: device indexes and descriptors of this run."""

    p2p: int
    mp: int
    udp: int
    udp_mp: int
    tcp: int
    notsock: int
    unix: int


Attrs = Callable[[Ctx], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One request of the conversation: operation, top-level attributes (from the context), dump or do."""

    name: str
    op: str
    attrs: Attrs
    dump: bool = False


AES_KEY = bytes(range(32))
DECRYPT_KEY = bytes(reversed(AES_KEY))
NONCE = bytes(range(8))


def _dir(key: bytes = AES_KEY, nonce: bytes = NONCE) -> dict[str, Any]:
    return {"cipher-key": key, "nonce-tail": nonce}


def _kc(peer_id: int = 1, slot: int = 0, key_id: int = 1, alg: int = 1, **over: Any) -> dict[str, Any]:
    kc: dict[str, Any] = {
        "peer-id": peer_id,
        "slot": slot,
        "key-id": key_id,
        "cipher-alg": alg,
        "encrypt-dir": _dir(),
        "decrypt-dir": _dir(DECRYPT_KEY),
    }
    kc.update(over)
    return {k: v for k, v in kc.items() if v is not None}


def _udp_peer(c: Ctx, peer_id: int = 1, **over: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"id": peer_id, "remote-ipv4": "127.0.0.1", "remote-port": PORT_REMOTE, "socket": c.udp}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def _mp_peer(c: Ctx, peer_id: int, **over: Any) -> dict[str, Any]:
    return _udp_peer(c, peer_id, socket=c.udp_mp, **over)


def _peer(dev: str, peer: Callable[[Ctx], dict[str, Any]]) -> Attrs:
    return lambda c: {"ifindex": getattr(c, dev), "peer": peer(c)}


def _key(dev: str, kc: dict[str, Any]) -> Attrs:
    return lambda c: {"ifindex": getattr(c, dev), "keyconf": kc}


def _s(name: str, op: str, attrs: Attrs, dump: bool = False) -> Step:
    return Step(name, op, attrs, dump)


STEPS: tuple[Step, ...] = (
    _s("dump-empty-device", "peer-get", lambda c: {"ifindex": c.p2p}, dump=True),
    _s("dump-missing-ifindex", "peer-get", lambda c: {}, dump=True),
    _s("dump-unknown-ifindex", "peer-get", lambda c: {"ifindex": UNKNOWN_IFINDEX}, dump=True),
    _s("peer-new-missing-ifindex", "peer-new", lambda c: {"peer": _udp_peer(c)}),
    _s("peer-new-unknown-ifindex", "peer-new", lambda c: {"ifindex": UNKNOWN_IFINDEX, "peer": _udp_peer(c)}),
    _s("peer-new-ifindex-not-ovpn", "peer-new", lambda c: {"ifindex": 1, "peer": _udp_peer(c)}),
    _s("peer-new-missing-nest", "peer-new", lambda c: {"ifindex": c.p2p}),
    _s(
        "peer-new-nest-not-nested",
        "peer-new",
        lambda c: {"ifindex": c.p2p, "peer": Raw(2, b"\x08\x00\x01\x00\x01\x00\x00\x00")},
    ),
    _s("peer-new-missing-peer-id", "peer-new", _peer("p2p", lambda c: _udp_peer(c, id=None))),
    _s("peer-new-peer-id-too-big", "peer-new", _peer("p2p", lambda c: _udp_peer(c, 0x1000000))),
    _s("peer-new-peer-id-u16", "peer-new", _peer("p2p", lambda c: _udp_peer(c, id=Raw(1, b"\x01\x00")))),
    _s("peer-new-unknown-attr-in-nest", "peer-new", _peer("p2p", lambda c: _udp_peer(c, junk=Raw(100, b"\0" * 4)))),
    _s("peer-new-unknown-top-attr", "peer-new", lambda c: {"ifindex": c.p2p, "peer": _udp_peer(c), "x": Raw(9, b"")}),
    _s("peer-new-del-reason-not-in-subset", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"del-reason": 1}))),
    _s("peer-new-counter-not-in-subset", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"vpn-rx-bytes": 1}))),
    _s("peer-new-remote-port-0", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"remote-port": 0}))),
    _s(
        "peer-new-ipv6-wrong-length",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv4": None, "remote-ipv6": b"\1" * 4})),
    ),
    _s("peer-new-both-remote-families", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv6": "::1"}))),
    _s("peer-new-port-without-ip", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv4": None}))),
    _s("peer-new-ip-without-port", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"remote-port": None}))),
    _s(
        "peer-new-local-without-remote",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv4": None, "remote-port": None, "local-ipv4": "127.0.0.1"})),
    ),
    _s("peer-new-local-family-mismatch", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"local-ipv6": "::1"}))),
    _s(
        "peer-new-scope-id-without-ipv6",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv6-scope-id": 1})),
    ),
    _s("peer-new-vpn-ipv4-on-p2p", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"vpn-ipv4": "10.8.0.2"}))),
    _s(
        "peer-new-keepalive-interval-alone",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"keepalive-interval": 10})),
    ),
    _s(
        "peer-new-keepalive-too-big",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"keepalive-interval": 86401, "keepalive-timeout": 60})),
    ),
    _s("peer-new-tx-id-too-big", "peer-new", _peer("p2p", lambda c: _udp_peer(c, **{"tx-id": 0x1000000}))),
    _s("peer-new-missing-socket", "peer-new", _peer("p2p", lambda c: _udp_peer(c, socket=None))),
    _s("peer-new-socket-not-a-socket", "peer-new", _peer("p2p", lambda c: _udp_peer(c, socket=c.notsock))),
    _s("peer-new-socket-closed-fd", "peer-new", _peer("p2p", lambda c: _udp_peer(c, socket=CLOSED_FD))),
    _s("peer-new-socket-wrong-protocol", "peer-new", _peer("p2p", lambda c: _udp_peer(c, socket=c.unix))),
    _s(
        "peer-new-udp-without-remote",
        "peer-new",
        _peer("p2p", lambda c: _udp_peer(c, **{"remote-ipv4": None, "remote-port": None})),
    ),
    _s("peer-new-tcp-with-remote", "peer-new", _peer("p2p", lambda c: _udp_peer(c, socket=c.tcp))),
    _s("peer-new-p2p", "peer-new", _peer("p2p", lambda c: _udp_peer(c))),
    _s("peer-get", "peer-get", _peer("p2p", lambda c: {"id": 1})),
    _s("peer-get-unknown-peer", "peer-get", _peer("p2p", lambda c: {"id": 2})),
    _s("peer-get-missing-nest", "peer-get", lambda c: {"ifindex": c.p2p}),
    _s("peer-get-missing-peer-id", "peer-get", _peer("p2p", lambda c: {})),
    _s("peer-get-extra-attr", "peer-get", _peer("p2p", lambda c: {"id": 1, "keepalive-interval": 1})),
    _s("peer-get-counter-wrong-length", "peer-get", _peer("p2p", lambda c: {"id": 1, "vpn-rx-bytes": Raw(16)})),
    _s("dump-one-peer", "peer-get", lambda c: {"ifindex": c.p2p}, dump=True),
    _s("peer-set-socket-not-in-subset", "peer-set", _peer("p2p", lambda c: {"id": 1, "socket": c.udp})),
    _s(
        "peer-set-unknown-peer",
        "peer-set",
        _peer("p2p", lambda c: {"id": 2, "keepalive-interval": 10, "keepalive-timeout": 60}),
    ),
    _s(
        "peer-set-missing-peer-id",
        "peer-set",
        _peer("p2p", lambda c: {"keepalive-interval": 10, "keepalive-timeout": 60}),
    ),
    _s(
        "peer-set-keepalive",
        "peer-set",
        _peer("p2p", lambda c: {"id": 1, "keepalive-interval": 10, "keepalive-timeout": 60}),
    ),
    _s(
        "peer-set-remote",
        "peer-set",
        _peer("p2p", lambda c: {"id": 1, "remote-ipv4": "127.0.0.2", "remote-port": 4000}),
    ),
    _s("peer-get-after-set", "peer-get", _peer("p2p", lambda c: {"id": 1})),
    _s("key-new-missing-keyconf", "key-new", lambda c: {"ifindex": c.p2p}),
    _s("key-new-missing-peer-id", "key-new", _key("p2p", _kc(**{"peer-id": None}))),
    _s("key-new-key-id-8", "key-new", _key("p2p", _kc(key_id=8))),
    _s("key-new-slot-2", "key-new", _key("p2p", _kc(slot=2))),
    _s("key-new-cipher-none", "key-new", _key("p2p", _kc(alg=0))),
    _s("key-new-cipher-99", "key-new", _key("p2p", _kc(alg=99))),
    _s("key-new-nonce-tail-7", "key-new", _key("p2p", _kc(**{"encrypt-dir": _dir(nonce=NONCE[:7])}))),
    _s("key-new-key-too-long", "key-new", _key("p2p", _kc(**{"encrypt-dir": _dir(key=b"\1" * 257)}))),
    _s("key-new-key-wrong-size", "key-new", _key("p2p", _kc(**{"encrypt-dir": _dir(key=b"\1" * 20)}))),
    _s("key-new-missing-decrypt-dir", "key-new", _key("p2p", _kc(**{"decrypt-dir": None}))),
    _s("key-new-missing-nonce-tail", "key-new", _key("p2p", _kc(**{"decrypt-dir": {"cipher-key": AES_KEY}}))),
    _s("key-new-unknown-peer", "key-new", _key("p2p", _kc(peer_id=5))),
    _s("key-get-no-key", "key-get", _key("p2p", {"peer-id": 1, "slot": 0})),
    _s("key-new-primary", "key-new", _key("p2p", _kc(key_id=1, alg=1))),
    _s("key-new-secondary", "key-new", _key("p2p", _kc(slot=1, key_id=2, alg=2))),
    _s("key-get-primary", "key-get", _key("p2p", {"peer-id": 1, "slot": 0})),
    _s("key-get-secondary", "key-get", _key("p2p", {"peer-id": 1, "slot": 1})),
    _s("key-get-missing-slot", "key-get", _key("p2p", {"peer-id": 1})),
    _s("key-get-unknown-peer", "key-get", _key("p2p", {"peer-id": 5, "slot": 0})),
    _s("key-get-key-material-not-in-subset", "key-get", _key("p2p", {"peer-id": 1, "slot": 0, "encrypt-dir": _dir()})),
    _s("key-swap", "key-swap", _key("p2p", {"peer-id": 1})),
    _s("key-get-primary-after-swap", "key-get", _key("p2p", {"peer-id": 1, "slot": 0})),
    _s("key-swap-unknown-peer", "key-swap", _key("p2p", {"peer-id": 5})),
    _s("key-swap-missing-peer-id", "key-swap", _key("p2p", {})),
    _s("key-swap-slot-not-in-subset", "key-swap", _key("p2p", {"peer-id": 1, "slot": 0})),
    _s("key-del-secondary", "key-del", _key("p2p", {"peer-id": 1, "slot": 1})),
    _s("key-get-secondary-after-del", "key-get", _key("p2p", {"peer-id": 1, "slot": 1})),
    _s("key-del-secondary-again", "key-del", _key("p2p", {"peer-id": 1, "slot": 1})),
    _s("key-del-missing-slot", "key-del", _key("p2p", {"peer-id": 1})),
    _s("key-del-unknown-peer", "key-del", _key("p2p", {"peer-id": 5, "slot": 0})),
    _s("float-by-authenticated-packet", PACKET, lambda c: {}),
    _s("peer-get-after-float", "peer-get", _peer("p2p", lambda c: {"id": 1})),
    _s("peer-del-missing-peer-id", "peer-del", _peer("p2p", lambda c: {})),
    _s("peer-del-extra-attr", "peer-del", _peer("p2p", lambda c: {"id": 1, "keepalive-interval": 1})),
    _s("peer-del", "peer-del", _peer("p2p", lambda c: {"id": 1})),
    _s("peer-del-twice", "peer-del", _peer("p2p", lambda c: {"id": 1})),
    _s("dump-empty-again", "peer-get", lambda c: {"ifindex": c.p2p}, dump=True),
    _s("mp-peer-new-without-vpn-ip", "peer-new", _peer("mp", lambda c: _mp_peer(c, 10))),
    _s(
        "mp-peer-new-vpn-ipv4-multicast",
        "peer-new",
        _peer("mp", lambda c: _mp_peer(c, 10, **{"vpn-ipv4": "224.0.0.1"})),
    ),
    _s(
        "mp-peer-new-vpn-ipv6-wrong-length",
        "peer-new",
        _peer("mp", lambda c: _mp_peer(c, 10, **{"vpn-ipv6": b"\1" * 15})),
    ),
    _s("mp-peer-new", "peer-new", _peer("mp", lambda c: _mp_peer(c, 10, **{"vpn-ipv4": "10.8.0.2"}))),
    _s("mp-peer-new-same-vpn-ip", "peer-new", _peer("mp", lambda c: _mp_peer(c, 11, **{"vpn-ipv4": "10.8.0.2"}))),
    _s(
        "mp-peer-new-ipv6-tx-id",
        "peer-new",
        _peer("mp", lambda c: _mp_peer(c, 12, **{"vpn-ipv6": "fd00::3", "tx-id": 100})),
    ),
    _s("mp-peer-new-same-id", "peer-new", _peer("mp", lambda c: _mp_peer(c, 10, **{"vpn-ipv4": "10.8.0.9"}))),
    _s("mp-dump", "peer-get", lambda c: {"ifindex": c.mp}, dump=True),
    _s("mp-key-new", "key-new", _key("mp", _kc(peer_id=12, key_id=3, alg=2))),
    _s("mp-key-get", "key-get", _key("mp", {"peer-id": 12, "slot": 0})),
    _s("mp-peer-del", "peer-del", _peer("mp", lambda c: {"id": 12})),
    _s("mp-dump-after-del", "peer-get", lambda c: {"ifindex": c.mp}, dump=True),
)


def _walk_names(rec: Any, fds: dict[int, str], ifindexes: dict[int, str]) -> Any:
    """Replace what varies between runs: counters, descriptors, device indexes."""
    if isinstance(rec, dict):
        out: dict[str, Any] = {}
        for k, v in rec.items():
            if k.startswith(("vpn-rx", "vpn-tx", "link-")):
                out[k] = COUNTER
            elif k == "socket" and isinstance(v, int):
                out[k] = fds.get(v, "<fd?>")
            elif k == "ifindex" and isinstance(v, int):
                out[k] = ifindexes.get(v, "<ifindex?>")
            else:
                out[k] = _walk_names(v, fds, ifindexes)
        return out
    if isinstance(rec, list):
        return [_walk_names(v, fds, ifindexes) for v in rec]
    return rec


def _ctx_names(c: Ctx) -> tuple[dict[int, str], dict[int, str]]:
    fds = {c.udp: "<udp>", c.udp_mp: "<udp-mp>", c.tcp: "<tcp>", c.notsock: "<notsock>", c.unix: "<unix>"}
    return fds, {c.p2p: "<p2p>", c.mp: "<mp>"}


def _text(text: str | None, c: Ctx) -> str | None:
    if text is None:
        return None
    fds, _ = _ctx_names(c)
    return re.sub(r"fd=(\d+)", lambda m: "fd=" + fds.get(int(m.group(1)), m.group(1)), text)


def float_packet() -> bytes:
    """What the P2P peer sends after the swap and the delete: DATA_V2, key id 2 (ChaCha20-Poly1305), packet id 1."""
    kd = wire.KeyDir(wire.Cipher.CHACHA20_POLY1305, DECRYPT_KEY, NONCE)
    return wire.encrypt(kd, 2, 1, 1, wire.ipv4_udp("10.9.0.2", "10.9.0.1", 1000, 1000, b"float"))


def run_step(
    client: Client, listener: Client, c: Ctx, step: Step, send_packet: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Send one step; its normalized record."""
    attrs = step.attrs(c)
    rec: dict[str, Any] = {"op": step.op, "dump": step.dump}
    try:
        if step.op == PACKET:
            assert send_packet is not None
            send_packet()
            replies: list[dict[str, Any]] = []
        else:
            replies = client.call(step.op, attrs, dump=step.dump)
        rec.update(errno=None, extack=None, bad_attr=None, missing=None, missing_nest=None, reply=replies)
    except genl.NetlinkError as err:
        sent = client.last_request
        nest_path = attr_at(sent, err.miss_nest) if err.miss_nest is not None else None
        rec.update(
            errno=genl.errno_name(err.errno),
            extack=_text(err.extack, c),
            bad_attr=attr_at(sent, err.offset) if err.offset is not None else None,
            missing=_missing_name(nest_path, err.miss_type),
            missing_nest=nest_path,
            reply=[],
        )
    rec["notifications"] = [
        {"op": _op_name(m.cmd), **decode("ovpn", m.payload)}
        for m in listener.genl.notifications(2.0 if step.op == PACKET else 0.05)
        if m.msg_type == listener.family
    ]
    if step.dump:  # a dump's order is the order of the driver's hash table, not part of the API
        rec["reply"] = sorted(rec["reply"], key=lambda r: r.get("peer", {}).get("id", -1))
    fds, ifindexes = _ctx_names(c)
    return dict(_walk_names(rec, fds, ifindexes))


def attr_at(sent: bytes, offset: int) -> str:
    return attr_path("ovpn", sent, offset)


def _op_name(cmd: int) -> str:
    return next((o.name for o in up.operations().values() if o.value == cmd), f"#{cmd}")


def _missing_name(nest_path: str | None, miss_type: int | None) -> str | None:
    if miss_type is None:
        return None
    set_name = "ovpn"
    for part in (nest_path or "").split("/") if nest_path else []:
        a = up.attr_set(set_name).get(part)
        if a is None or a.nested is None:
            return f"#{miss_type}"
        set_name = a.nested
    return attr_name(set_name, miss_type)


class Conversation:
    """Fresh devices and descriptors in a new namespace; ``run()`` gives the record of every step."""

    def __init__(self) -> None:
        self.ns = netns.create("conf")
        netns.ip("link", "set", "lo", "up", netns=self.ns)
        self.p2p = create_link("ovc0", self.ns)
        netns.ip("link", "set", "ovc0", "up", netns=self.ns)
        self.mp = create_link("ovc1", self.ns, mode=1)
        with netns.inside(self.ns):
            self.client = Client()
            self.listener = Client()
            self.socks = [
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
                socket.socket(socket.AF_INET, socket.SOCK_STREAM),
                socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
            ]
            self.floater = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.floater.bind(("127.0.0.1", PORT_FLOAT))
        self.listener.subscribe()
        self.socks[0].bind(("127.0.0.1", PORT_P2P))
        self.socks[1].bind(("127.0.0.1", PORT_MP))
        self.notsock = os.open("/dev/null", os.O_RDONLY)
        udp, udp_mp, tcp, unix = (s.fileno() for s in self.socks)
        self.ctx = Ctx(self.p2p, self.mp, udp, udp_mp, tcp, self.notsock, unix)

    def run(self) -> dict[str, dict[str, Any]]:
        return {step.name: run_step(self.client, self.listener, self.ctx, step, self.send_float) for step in STEPS}

    def send_float(self) -> None:
        self.floater.sendto(float_packet(), ("127.0.0.1", PORT_P2P))

    def close(self) -> None:
        self.client.close()
        self.listener.close()
        for s in [*self.socks, self.floater]:
            s.close()
        os.close(self.notsock)
        netns.delete(self.ns)


def record() -> dict[str, dict[str, Any]]:
    conv = Conversation()
    try:
        return conv.run()
    finally:
        conv.close()


def load(path: Path = GOLDEN) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(path.read_text())["steps"]
    return data


def save(steps: dict[str, dict[str, Any]], source: str, path: Path = GOLDEN) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"recorded-on": source, "steps": steps}, indent=1, sort_keys=False) + "\n")


def with_changes(rec: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a step's record with values replaced, each named by its path ('reply/0/peer/local-ipv4')."""
    out: dict[str, Any] = json.loads(json.dumps(rec))
    for path, value in changes.items():
        *parents, last = path.split("/")
        node: Any = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    return out


def differences(live: dict[str, dict[str, Any]], golden: dict[str, dict[str, Any]]) -> list[str]:
    """One line per step whose record differs (or that one side lacks)."""
    out = []
    for name in list(golden) + [n for n in live if n not in golden]:
        if live.get(name) != golden.get(name):
            out.append(f"{name}: expected {json.dumps(golden.get(name))}, got {json.dumps(live.get(name))}")
    return out
