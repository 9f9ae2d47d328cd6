"""The attribute policy of both families, as data, and a mirror of the kernel's strict validation.

The netlink fuzzer (pyharness.fuzz.nlfuzz) builds requests as trees of
attributes, mutates them, and asks ``validate()`` what the kernel's policy
check (lib/nlattr.c, NL_VALIDATE_STRICT, as genetlink applies it) must
answer: the errno of the first attribute that fails, or the attributes the
handler will see. The policies are read from the YAML specs of uapi/linux/,
as pyharness.proto.nlgen turns them into the kernel's (the same checks, the
same NLA types); only the attributes each command requires, which the YAML
cannot say, are written here as kernel/netlink_tmpl.h has them.
"""

from __future__ import annotations

import errno
import functools
import struct
from dataclasses import dataclass, field
from typing import Any

from ..proto import nlgen
from ..proto.consts import (
    LAYOUT_SPEC,
    DelKeyAttr,
    DelPeerAttr,
    GetPeerAttr,
    Layout,
    NewPeerAttr,
    PacketAttr,
    SetPeerAttr,
    SwapKeysAttr,
)
from ..proto.consts import spec as yaml_spec

NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF
_INT_SIZE = {"u8": 1, "u16": 2, "u32": 4, "be32": 4}


@dataclass(frozen=True)
class Spec:
    """One policy entry: an integer (exact width, value range), a binary (length range) or a nest."""

    kind: str
    lo: int = 0
    hi: int | None = None
    nested: dict[int, Spec] | None = None

    @property
    def maxtype(self) -> int:
        return max(self.nested) if self.nested else 0


def u8(hi: int | None = None, lo: int = 0) -> Spec:
    return Spec("u8", lo, hi)


def u16(lo: int = 0, hi: int | None = None) -> Spec:
    return Spec("u16", lo, hi)


def u32(hi: int | None = None) -> Spec:
    return Spec("u32", 0, hi)


def binary(lo: int = 0, hi: int | None = None) -> Spec:
    return Spec("bin", lo, hi)


def nest(children: dict[int, Spec]) -> Spec:
    return Spec("nest", nested=children)


_KINDS = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32", "NLA_BE32": "be32", "NLA_BINARY": "bin"}


def attr_spec(sets: dict[str, dict[str, Any]], attr: dict[str, Any]) -> Spec:
    """The policy entry of one YAML attribute: the check the generated kernel policy makes."""
    check = nlgen.kernel_check(attr)
    if check.nested is not None:
        return nest(set_policy(sets, check.nested))
    if check.nla_type not in _KINDS:
        raise ValueError(f"{attr['name']}: {check.nla_type} is not modelled")
    return Spec(_KINDS[check.nla_type], check.lo or 0, check.hi)


def set_policy(sets: dict[str, dict[str, Any]], set_name: str) -> dict[int, Spec]:
    """The policy of one attribute set: attribute type -> entry, every attribute the kernel accepts."""
    aset = sets[set_name]
    return {int(a["value"]): attr_spec(sets, a) for a in nlgen.wire_attrs(aset)}


@functools.cache
def op_nests(layout: Layout) -> dict[str, dict[int, Spec]]:
    """The nests of the family's operations, by top-level attribute name (NEW_PEER, ...), from its YAML."""
    data = yaml_spec(LAYOUT_SPEC[layout.family])
    sets = nlgen.attr_sets(data)
    return {
        nlgen.c_upper(a["name"]): set_policy(sets, a["nested-attributes"])
        for a in nlgen.wire_attrs(sets[nlgen.TOP_SET])
        if a["type"] == "nest"
    }


# attributes each operation's nest must hold (kernel/netlink_tmpl.h, OVPN_NL_*_REQUIRED), in type order
REQUIRED: dict[str, tuple[int, ...]] = {
    "NEW_PEER": (NewPeerAttr.PEER_ID, NewPeerAttr.SOCKET),
    "SET_PEER": (SetPeerAttr.PEER_ID,),
    "DEL_PEER": (DelPeerAttr.PEER_ID,),
    "NEW_KEY": tuple(range(1, 7)),
    "SWAP_KEYS": (SwapKeysAttr.PEER_ID,),
    "DEL_KEY": (DelKeyAttr.PEER_ID, DelKeyAttr.KEY_SLOT),
    "GET_PEER": (GetPeerAttr.PEER_ID,),
    "PACKET": (PacketAttr.PACKET, PacketAttr.PEER_ID),
}


@functools.cache
def top_policy(layout: Layout) -> dict[int, Spec]:
    """The family's top-level policy: IFINDEX and one nest per operation, from its YAML."""
    data = yaml_spec(LAYOUT_SPEC[layout.family])
    return set_policy(nlgen.attr_sets(data), nlgen.TOP_SET)


@dataclass
class Attr:
    """An attribute to send: raw payload or children; ``flags`` None means NLA_F_NESTED iff children."""

    atype: int
    data: bytes | list[Attr] = b""
    flags: int | None = None

    def encode(self) -> bytes:
        payload = b"".join(c.encode() for c in self.data) if isinstance(self.data, list) else self.data
        flags = (NLA_F_NESTED if isinstance(self.data, list) else 0) if self.flags is None else self.flags
        payload = payload[: 0xFFFF - 4]  # what an attribute can hold
        raw = struct.pack("=HH", 4 + len(payload), self.atype | flags) + payload
        return raw + b"\0" * (-len(raw) % 4)

    def walk(self) -> list[tuple[Attr, list[Attr]]]:
        """Every attribute below (and including) this one, with the list that holds its children."""
        out: list[tuple[Attr, list[Attr]]] = []
        if isinstance(self.data, list):
            for child in self.data:
                out.append((child, self.data))
                out.extend(child.walk()[1:])
        return [(self, [])] + out


def int_attr(atype: int, spec: Spec, value: int) -> Attr:
    fmt = {"u8": "=B", "u16": "=H", "u32": "=I", "be32": ">I"}[spec.kind]
    return Attr(atype, struct.pack(fmt, value & ((1 << (8 * _INT_SIZE[spec.kind])) - 1)))


@dataclass
class Parsed:
    """The outcome of validation: errno 0 and the attributes kept (last of each type), or the errno."""

    err: int = 0
    attrs: dict[int, bytes] = field(default_factory=dict)
    nests: dict[int, Parsed] = field(default_factory=dict)


def _int_value(spec: Spec, payload: bytes) -> int:
    fmt = {"u8": "=B", "u16": "=H", "u32": "=I", "be32": ">I"}[spec.kind]
    return int(struct.unpack(fmt, payload)[0])


def _validate_one(spec: Spec, flags: int, payload: bytes, depth: int) -> tuple[int, Parsed | None]:
    size = _INT_SIZE.get(spec.kind)
    if size is not None and len(payload) != size:
        return errno.EINVAL, None  # "invalid attribute length" (strict attrs)
    is_nest = spec.kind == "nest"
    if is_nest and not flags & NLA_F_NESTED:
        return errno.EINVAL, None  # "NLA_F_NESTED is missing"
    if not is_nest and flags & NLA_F_NESTED:
        return errno.EINVAL, None  # "NLA_F_NESTED not expected"
    if is_nest:
        if not payload:
            return 0, Parsed()
        if len(payload) < 4:
            return errno.ERANGE, None  # "Attribute failed policy validation"
        assert spec.nested is not None
        inner = validate(payload, spec.nested, depth + 1)
        return inner.err, inner
    value = len(payload) if spec.kind == "bin" else _int_value(spec, payload)
    if value < spec.lo or (spec.hi is not None and value > spec.hi):
        return errno.ERANGE, None
    return 0, None


def validate(data: bytes, policy: dict[int, Spec], depth: int = 0) -> Parsed:
    """Validate ``data`` (a run of attributes) like __nla_validate_parse() with NL_VALIDATE_STRICT."""
    out = Parsed()
    maxtype = max(policy)
    off, rem = 0, len(data)
    while rem >= 4:
        nla_len, raw_type = struct.unpack_from("=HH", data, off)
        if nla_len < 4 or nla_len > rem:
            break
        atype = raw_type & NLA_TYPE_MASK
        if atype == 0 or atype > maxtype:
            return Parsed(errno.EINVAL)  # "Unknown attribute type"
        payload = data[off + 4 : off + nla_len]
        err, inner = _validate_one(policy[atype], raw_type, payload, depth)
        if err:
            return Parsed(err)
        out.attrs[atype] = payload
        if inner is not None:
            out.nests[atype] = inner
        elif atype in out.nests:
            del out.nests[atype]
        step = (nla_len + 3) & ~3
        off += step
        rem -= step
    if rem > 0:
        return Parsed(errno.EINVAL)  # "bytes leftover after parsing attributes"
    return out
