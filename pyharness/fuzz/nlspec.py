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
from ..proto import upstream as up
from ..proto.consts import (
    LAYOUT_SPEC,
    DelKeyAttr,
    DelPeerAttr,
    DevAttr,
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
_INT_SIZE = {"u8": 1, "u16": 2, "be16": 2, "u32": 4, "be32": 4, "s32": 4}
_INT_FMT = {"u8": "=B", "u16": "=H", "be16": ">H", "u32": "=I", "be32": ">I", "s32": "=i"}


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
    "SET_DEV": (DevAttr.MSSFIX,),
}

# the top-level nest of an operation's request, where it is not named after the operation
NEST_OF: dict[str, str] = {"SET_DEV": "DEV"}
# operations whose request has no nest (OVPN_ATTR_IFINDEX alone)
NO_NEST = ("REGISTER_PACKET", "GET_DEV")


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
    fmt = _INT_FMT[spec.kind].replace("i", "I")
    return Attr(atype, struct.pack(fmt, value & ((1 << (8 * _INT_SIZE[spec.kind])) - 1)))


@dataclass
class Parsed:
    """The outcome of validation: errno 0 and the attributes kept (last of each type), or the errno."""

    err: int = 0
    attrs: dict[int, bytes] = field(default_factory=dict)
    nests: dict[int, Parsed] = field(default_factory=dict)


def _int_value(spec: Spec, payload: bytes) -> int:
    return int(struct.unpack(_INT_FMT[spec.kind], payload)[0])


def _validate_one(spec: Spec, flags: int, payload: bytes, depth: int) -> tuple[int, Parsed | None]:
    size = _INT_SIZE.get(spec.kind)
    if size is not None and len(payload) != size:
        return errno.EINVAL, None  # "invalid attribute length" (strict attrs)
    if spec.kind == "unspec":  # a hole of the policy array: "Unsupported attribute" (strict)
        return errno.EINVAL, None
    is_nest = spec.kind == "nest"
    if is_nest and not flags & NLA_F_NESTED:
        return errno.EINVAL, None  # "NLA_F_NESTED is missing"
    if not is_nest and flags & NLA_F_NESTED:
        return errno.EINVAL, None  # "NLA_F_NESTED not expected"
    if spec.kind == "uint":  # NLA_UINT: 4 or 8 bytes
        return (0 if len(payload) in (4, 8) else errno.EINVAL), None
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


# the upstream ``ovpn`` family (uapi/linux/ovpn.yaml): one policy per operation, each nest its subset

_UP_KINDS = {("u32", True): "be32", ("u16", True): "be16", ("u32", False): "u32", ("u16", False): "u16"}


def upstream_attr_spec(a: up.AttrDef) -> Spec:
    """The policy entry the kernel's generated policy has for one attribute of ovpn.yaml."""
    if a.type == "nest":
        assert a.nested is not None
        return nest(upstream_set_policy(a.nested))
    if a.type == "binary":
        lo, hi = a.check("exact-len"), a.check("max-len")
        return binary(lo or 0, lo if lo is not None else hi)
    if a.type == "s32":  # no checks: any value
        return Spec(a.type, -(2**31))
    if a.type == "uint":
        return Spec(a.type)
    hi = a.check("max")
    if a.enum is not None:  # an enum: NLA_POLICY_MAX(type, last entry)
        hi = len(next(d for d in up_spec()["definitions"] if d["name"] == a.enum)["entries"]) - 1
    return Spec(_UP_KINDS[(a.type, a.big_endian)], a.check("min") or 0, hi)


def up_spec() -> dict[str, Any]:
    return yaml_spec(up.SPEC)


def _with_holes(entries: dict[int, Spec]) -> dict[int, Spec]:
    """A policy array up to its highest attribute: the types it does not name are NLA_UNSPEC."""
    return {t: entries.get(t, Spec("unspec")) for t in range(1, max(entries) + 1)}


@functools.cache
def upstream_set_policy(set_name: str) -> dict[int, Spec]:
    """The policy of one attribute set (a subset: its own attributes, with its parent's checks)."""
    return _with_holes({a.value: upstream_attr_spec(a) for a in up.attr_set(set_name).values()})


@functools.cache
def upstream_op_policy(op: str, dump: bool = False) -> dict[int, Spec]:
    """An operation's top-level policy: the request attributes of its do (or dump), from its attribute set."""
    o = up.operations()[op]
    assert o.attribute_set is not None
    aset = up.attr_set(o.attribute_set)
    names = o.dump_request if dump else o.do_request
    return _with_holes({aset[n].value: upstream_attr_spec(aset[n]) for n in names})
