"""A client of the upstream ``ovpn`` generic netlink family (in-tree driver, or ovpn-dco where it provides it).

Requests are dicts keyed by the spec's attribute names (uapi/linux/ovpn.yaml,
through pyharness.proto.upstream), encoded by each attribute's type: ints,
addresses as strings, bytes as they are, dicts for nests, ``Raw`` for
attributes the spec does not have or of the wrong shape. Replies decode to
dicts the same way and then to typed objects (``PeerInfo``, ``KeyInfo``,
``Notification``); errors raise ``genl.NetlinkError`` with errno, extack
message, bad attribute offset and missing attribute type and nest.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from ..guest import netns
from ..proto import upstream as up
from ..proto.upstream import AttrDef
from ..proto.wire import Cipher, KeyDir
from . import genl, rtnl
from .dco import Address

FAMILY = up.FAMILY
LINK_KIND = up.LINK_KIND
MODULE = up.MODULE
MODE_P2P = 0
MODE_MP = 1


@dataclass(frozen=True)
class Raw:
    """An attribute sent as is: its number, payload and NLA_F_NESTED flag."""

    atype: int
    payload: bytes = b""
    nested: bool = False


def _int_bytes(a: AttrDef, value: int) -> bytes:
    if a.type == "uint":
        return struct.pack("=I" if value <= 0xFFFFFFFF else "=Q", value)
    fmt = {"u8": "B", "u16": "H", "u32": "I", "s32": "i", "u64": "Q"}[a.type]
    return struct.pack((">" if a.big_endian else "=") + fmt, value)


def encode_attr(a: AttrDef, value: Any) -> bytes:
    """One attribute of the spec: ints by type and byte order, addresses, bytes, nests from dicts."""
    if isinstance(value, Raw):
        return genl.attr(value.atype, value.payload, value.nested)
    if a.type == "nest":
        assert a.nested is not None
        return genl.attr(a.value, encode(a.nested, value), nested=True)
    if isinstance(value, bytes):
        return genl.attr(a.value, value)
    if isinstance(value, str):  # an address: u32 big-endian (IPv4) or 16 bytes (IPv6)
        return genl.attr(a.value, ipaddress.ip_address(value).packed)
    return genl.attr(a.value, _int_bytes(a, int(value)))


def encode(set_name: str, values: dict[str, Any]) -> bytes:
    """Attributes of ``set_name`` in the order given; a key the set lacks must carry a ``Raw`` value."""
    defs = up.attr_set(set_name)
    out = b""
    for name, value in values.items():
        if isinstance(value, Raw) and name not in defs:
            out += genl.attr(value.atype, value.payload, value.nested)
        else:
            out += encode_attr(defs[name], value)
    return out


def _decode_value(a: AttrDef, payload: bytes) -> Any:
    if a.type == "nest":
        assert a.nested is not None
        return decode(a.nested, payload)
    if a.type == "binary":
        if a.check("exact-len") == 16 and len(payload) == 16 and a.name.endswith("ipv6"):
            return str(ipaddress.IPv6Address(payload))
        return payload.hex()
    if a.type == "uint":
        return int.from_bytes(payload[:8], "little")
    fmt = {"u8": "B", "u16": "H", "u32": "I", "s32": "i", "u64": "Q"}[a.type]
    if len(payload) != struct.calcsize(fmt):  # narrower than the spec says (KEY_SWAP_NTF's u16 key id)
        return int.from_bytes(payload, "big" if a.big_endian else "little", signed=a.type == "s32")
    value = struct.unpack((">" if a.big_endian else "=") + fmt, payload)[0]
    if a.big_endian and a.type == "u32" and a.name.endswith("ipv4"):
        return str(ipaddress.IPv4Address(value))
    return int(value)


def decode(set_name: str, payload: bytes) -> dict[str, Any]:
    """Attributes of ``set_name`` by spec name; ones the set lacks as '#N' -> hex payload."""
    by_value = {a.value: a for a in up.attr_set(set_name).values()}
    out: dict[str, Any] = {}
    for atype, value in genl.parse_attrs(payload):
        a = by_value.get(atype)
        out[a.name if a else f"#{atype}"] = _decode_value(a, value) if a else value.hex()
    return out


def attr_path(set_name: str, message: bytes, offset: int) -> str:
    """The spec path ('peer/remote-port') of the attribute at ``offset`` of a sent request (from its nlmsghdr)."""
    hdr = 16 + 4  # nlmsghdr + genlmsghdr

    def walk(sname: str | None, data: bytes, base: int, prefix: str) -> str | None:
        by_value = {a.value: a for a in up.attr_set(sname).values()} if sname else {}
        off = 0
        while off + 4 <= len(data):
            length, raw_type = struct.unpack_from("=HH", data, off)
            if length < 4:
                break
            a = by_value.get(raw_type & genl.NLA_TYPE_MASK)
            name = prefix + (a.name if a else f"#{raw_type & genl.NLA_TYPE_MASK}")
            if base + off == offset:
                return name
            if base + off < offset < base + off + length and a is not None and a.nested:
                return walk(a.nested, data[off + 4 : off + length], base + off + 4, name + "/")
            off += (length + 3) & ~3
        return None

    return walk(set_name, message[hdr:], hdr, "") or f"@{offset}"


def attr_name(set_name: str, atype: int) -> str:
    return next((a.name for a in up.attr_set(set_name).values() if a.value == atype), f"#{atype}")


@dataclass(frozen=True)
class PeerInfo:
    """A peer as a reply or notification gives it; absent attributes are None."""

    id: int
    remote: tuple[str, int] | None = None
    local: str | None = None
    local_port: int | None = None
    vpn_ipv4: str | None = None
    vpn_ipv6: str | None = None
    socket: int | None = None
    socket_netnsid: int | None = None
    keepalive_interval: int | None = None
    keepalive_timeout: int | None = None
    del_reason: int | None = None
    tx_id: int | None = None
    stats: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_attrs(cls, d: dict[str, Any]) -> PeerInfo:
        host = d.get("remote-ipv4", d.get("remote-ipv6"))
        return cls(
            id=int(d["id"]),
            remote=(host, int(d.get("remote-port", 0))) if host is not None else None,
            local=d.get("local-ipv4", d.get("local-ipv6")),
            local_port=d.get("local-port"),
            vpn_ipv4=d.get("vpn-ipv4"),
            vpn_ipv6=d.get("vpn-ipv6"),
            socket=d.get("socket"),
            socket_netnsid=d.get("socket-netnsid"),
            keepalive_interval=d.get("keepalive-interval"),
            keepalive_timeout=d.get("keepalive-timeout"),
            del_reason=d.get("del-reason"),
            tx_id=d.get("tx-id"),
            stats={k.replace("-", "_"): int(v) for k, v in d.items() if k.startswith(("vpn-r", "vpn-t", "link-"))},
        )


@dataclass(frozen=True)
class KeyInfo:
    """KEY_GET's reply or a key-swap notification: no key material, only what identifies the key."""

    peer_id: int
    slot: int | None = None
    key_id: int | None = None
    cipher_alg: int | None = None

    @classmethod
    def from_attrs(cls, d: dict[str, Any]) -> KeyInfo:
        return cls(int(d["peer-id"]), d.get("slot"), d.get("key-id"), d.get("cipher-alg"))


@dataclass(frozen=True)
class Notification:
    """A message of the ``peers`` group: its operation name, device, and peer or key."""

    op: str
    ifindex: int | None
    peer: PeerInfo | None = None
    key: KeyInfo | None = None


def _op_name(cmd: int) -> str:
    return next((o.name for o in up.operations().values() if o.value == cmd), f"#{cmd}")


def notification(msg: genl.GenlMessage) -> Notification:
    d = decode("ovpn", msg.payload)
    peer = PeerInfo.from_attrs(d["peer"]) if "peer" in d else None
    key = KeyInfo.from_attrs(d["keyconf"]) if "keyconf" in d else None
    return Notification(_op_name(msg.cmd), d.get("ifindex"), peer, key)


def cipher_alg(cipher: Cipher) -> int:
    """The upstream enum value; the AES key size (128/192/256) follows from the key length."""
    return int(up.CipherAlg.CHACHA20_POLY1305 if cipher is Cipher.CHACHA20_POLY1305 else up.CipherAlg.AES_GCM)


def keydir(kd: KeyDir) -> dict[str, Any]:
    return {"cipher-key": kd.key, "nonce-tail": kd.nonce_tail}


def keyconf(peer_id: int, key_id: int, encrypt: KeyDir, decrypt: KeyDir, slot: int = 0) -> dict[str, Any]:
    """KEY_NEW's keyconf nest (enums are u32 in this family)."""
    return {
        "peer-id": peer_id,
        "slot": slot,
        "key-id": key_id,
        "cipher-alg": cipher_alg(encrypt.cipher),
        "encrypt-dir": keydir(encrypt),
        "decrypt-dir": keydir(decrypt),
    }


def udp_peer(peer_id: int, sock_fd: int, remote: Address) -> dict[str, Any]:
    """PEER_NEW's peer nest for a UDP peer: id, the socket's fd, the remote address and port."""
    host, port = remote
    ip = ipaddress.ip_address(host)
    return {
        "id": peer_id,
        "remote-ipv4" if ip.version == 4 else "remote-ipv6": host,
        "remote-port": port,
        "socket": sock_fd,
    }


def peer_new_payload(ifindex: int, peer_id: int, sock_fd: int, remote: Address) -> bytes:
    return encode("ovpn", {"ifindex": ifindex, "peer": udp_peer(peer_id, sock_fd, remote)})


def key_new_payload(ifindex: int, peer_id: int, key_id: int, encrypt: KeyDir, decrypt: KeyDir) -> bytes:
    return encode("ovpn", {"ifindex": ifindex, "keyconf": keyconf(peer_id, key_id, encrypt, decrypt)})


def create_link(ifname: str, ns: str | None = None, mode: int | None = None) -> int:
    """An ``ovpn`` device (IFLA_OVPN_MODE left out when ``mode`` is None: P2P); its ifindex."""
    return rtnl.create(ifname, mode, ns, kind=LINK_KIND)


class Client:
    """Requests of every operation of the family, replies decoded; ``last_request`` keeps the bytes sent."""

    def __init__(self, ns: str | None = None) -> None:
        if ns is None:
            self.genl = genl.GenlSocket()
        else:
            with netns.inside(ns):
                self.genl = genl.GenlSocket()
        fam = self.genl.resolve(FAMILY)
        self.family = fam.id
        self.groups = fam.groups
        self.last_request = b""

    def close(self) -> None:
        self.genl.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def raw(self, op: str, payload: bytes, dump: bool = False) -> list[dict[str, Any]]:
        """One request of ``op`` with ``payload`` as is; the replies decoded with the top-level set."""
        cmd = up.operations()[op].value
        flags = genl.NLM_F_REQUEST | genl.NLM_F_ACK | (genl.NLM_F_DUMP if dump else 0)
        self.last_request = struct.pack("=IHHII", 20 + len(payload), self.family, flags, 0, 0)
        self.last_request += struct.pack("=BBH", cmd, 1, 0) + payload
        return [decode("ovpn", m.payload) for m in self.genl.request(self.family, cmd, payload, dump=dump)]

    def call(self, op: str, attrs: dict[str, Any], dump: bool = False) -> list[dict[str, Any]]:
        return self.raw(op, encode("ovpn", attrs), dump)

    def peer_new(self, ifindex: int, peer: dict[str, Any]) -> None:
        self.call("peer-new", {"ifindex": ifindex, "peer": peer})

    def peer_set(self, ifindex: int, peer: dict[str, Any]) -> None:
        self.call("peer-set", {"ifindex": ifindex, "peer": peer})

    def peer_get(self, ifindex: int, peer_id: int) -> PeerInfo:
        (reply,) = self.call("peer-get", {"ifindex": ifindex, "peer": {"id": peer_id}})
        return PeerInfo.from_attrs(reply["peer"])

    def peer_dump(self, ifindex: int) -> list[PeerInfo]:
        return [PeerInfo.from_attrs(r["peer"]) for r in self.call("peer-get", {"ifindex": ifindex}, dump=True)]

    def peer_del(self, ifindex: int, peer_id: int) -> None:
        self.call("peer-del", {"ifindex": ifindex, "peer": {"id": peer_id}})

    def key_new(self, ifindex: int, conf: dict[str, Any]) -> None:
        self.call("key-new", {"ifindex": ifindex, "keyconf": conf})

    def key_get(self, ifindex: int, peer_id: int, slot: int) -> KeyInfo:
        (reply,) = self.call("key-get", {"ifindex": ifindex, "keyconf": {"peer-id": peer_id, "slot": slot}})
        return KeyInfo.from_attrs(reply["keyconf"])

    def key_swap(self, ifindex: int, peer_id: int) -> None:
        self.call("key-swap", {"ifindex": ifindex, "keyconf": {"peer-id": peer_id}})

    def key_del(self, ifindex: int, peer_id: int, slot: int) -> None:
        self.call("key-del", {"ifindex": ifindex, "keyconf": {"peer-id": peer_id, "slot": slot}})

    def subscribe(self) -> None:
        """Join the ``peers`` multicast group."""
        self.genl.join(self.groups[up.MCAST_GROUP_PEERS])

    def notifications(self, timeout: float) -> list[Notification]:
        return [notification(m) for m in self.genl.notifications(timeout) if m.msg_type == self.family]


@dataclass
class UpstreamEnd:
    """One end of a tunnel run by an ``ovpn`` device: device, UDP socket, netlink client."""

    ns: str
    ifname: str = "ovpn0"

    def __post_init__(self) -> None:
        self.ifindex = create_link(self.ifname, self.ns)
        self.client = Client(self.ns)
        self.sock: socket.socket | None = None

    def attach(self, local: Address, peer_id: int, remote: Address) -> None:
        """Bind a UDP socket to ``local`` and make ``remote`` the peer on it."""
        with netns.inside(self.ns):
            self.sock = socket.socket(socket.AF_INET if ":" not in local[0] else socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind(local)
        self.client.peer_new(self.ifindex, udp_peer(peer_id, self.sock.fileno(), remote))

    def key(self, peer_id: int, encrypt: KeyDir, decrypt: KeyDir, key_id: int = 0) -> None:
        self.client.key_new(self.ifindex, keyconf(peer_id, key_id, encrypt, decrypt))

    def peer_stats(self, peer_id: int) -> dict[str, int]:
        peer = self.client.peer_get(self.ifindex, peer_id)
        return {"peer_id": peer.id, **peer.stats}

    def close(self) -> None:
        self.client.close()
        if self.sock is not None:
            self.sock.close()
