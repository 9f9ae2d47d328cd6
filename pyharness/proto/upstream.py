"""Numeric layout and attribute model of the upstream ``ovpn`` family, read from uapi/linux/ovpn.yaml.

The spec gives no numbers: as in every ``genetlink`` spec, attributes count
from 1, enum entries from 0 and operations (notifications included) from 1
in the order listed. Attribute sets with ``subset-of`` take the types and
checks of their parent set, keep its numbers, and may name another nested
set for a nest (the policy of each operation is its own subset).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from .consts import spec

SPEC = "ovpn.yaml"
FAMILY: str = spec(SPEC)["name"]
LINK_KIND = "ovpn"
MODULE = "ovpn"  # the in-tree driver's module
MCAST_GROUP_PEERS: str = spec(SPEC)["mcast-groups"]["list"][0]["name"]
NONCE_TAIL_SIZE: int = next(int(d["value"]) for d in spec(SPEC)["definitions"] if d["name"] == "nonce-tail-size")


def _upper(name: str) -> str:
    return name.upper().replace("-", "_")


def _numbered(items: list[Any], first: int) -> list[tuple[str, int]]:
    """(name, value) of spec items, implicit values counted on from the previous one."""
    out: list[tuple[str, int]] = []
    nxt = first
    for item in items:
        name, value = (item, nxt) if isinstance(item, str) else (item["name"], int(item.get("value", nxt)))
        out.append((name, value))
        nxt = value + 1
    return out


@dataclass(frozen=True)
class AttrDef:
    """One attribute of a set as the kernel sees it: number, type, byte order, nested set, checks, enum."""

    name: str
    value: int
    type: str
    big_endian: bool = False
    nested: str | None = None
    checks: tuple[tuple[str, int], ...] = ()
    enum: str | None = None

    def check(self, name: str) -> int | None:
        return dict(self.checks).get(name)


def _raw_sets() -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in spec(SPEC)["attribute-sets"]}


def _const(value: Any) -> int:
    if isinstance(value, int):
        return value
    return next(int(d["value"]) for d in spec(SPEC)["definitions"] if d["name"] == value)


def _full_set(name: str) -> dict[str, AttrDef]:
    raw = _raw_sets()[name]
    out: dict[str, AttrDef] = {}
    for (aname, value), a in zip(_numbered(raw["attributes"], 1), raw["attributes"], strict=True):
        checks = tuple(sorted((k, _const(v)) for k, v in a.get("checks", {}).items()))
        out[aname] = AttrDef(
            aname,
            value,
            a["type"],
            a.get("byte-order") == "big-endian",
            a.get("nested-attributes"),
            checks,
            a.get("enum"),
        )
    return out


@functools.cache
def attr_set(name: str) -> dict[str, AttrDef]:
    """The attributes of a set by name; a subset's are its parent's, restricted and maybe re-nested."""
    raw = _raw_sets()[name]
    parent = raw.get("subset-of")
    if parent is None:
        return _full_set(name)
    full = attr_set(parent)
    out: dict[str, AttrDef] = {}
    for a in raw["attributes"]:
        base = full[a["name"]]
        nested = a.get("nested-attributes", base.nested)
        out[a["name"]] = AttrDef(base.name, base.value, base.type, base.big_endian, nested, base.checks, base.enum)
    return out


def set_names() -> list[str]:
    return list(_raw_sets())


@dataclass(frozen=True)
class Operation:
    """One operation: its number, the attribute set of its request (the policy), do/dump, notification."""

    name: str
    value: int
    attribute_set: str | None
    has_do: bool
    has_dump: bool
    notify: str | None
    do_request: tuple[str, ...] = ()
    dump_request: tuple[str, ...] = ()


@functools.cache
def operations() -> dict[str, Operation]:
    ops = spec(SPEC)["operations"]["list"]
    out: dict[str, Operation] = {}
    for (name, value), op in zip(_numbered(ops, 1), ops, strict=True):
        do, dump = op.get("do"), op.get("dump")
        out[name] = Operation(
            name,
            value,
            op.get("attribute-set"),
            do is not None,
            dump is not None,
            op.get("notify"),
            tuple(do["request"]["attributes"]) if do else (),
            tuple(dump["request"]["attributes"]) if dump else (),
        )
    return out


def _enum(cls_name: str, members: list[tuple[str, int]], doc: str) -> type[IntEnum]:
    enum: type[IntEnum] = IntEnum(cls_name, members, module=__name__, qualname=cls_name)  # type: ignore[assignment]
    enum.__doc__ = doc
    return enum


def _attrs(cls_name: str, set_name: str) -> type[IntEnum]:
    return _enum(cls_name, [(_upper(a.name), a.value) for a in attr_set(set_name).values()], f"set {set_name}.")


def _def(cls_name: str, def_name: str) -> type[IntEnum]:
    d = next(d for d in spec(SPEC)["definitions"] if d["name"] == def_name)
    return _enum(cls_name, [(_upper(n), v) for n, v in _numbered(d["entries"], 0)], f"enum {def_name}.")


Cmd = _enum("Cmd", [(_upper(o.name), o.value) for o in operations().values()], "ovpn_nl_commands (OVPN_CMD_*).")
Attr = _attrs("Attr", "ovpn")
PeerAttr = _attrs("PeerAttr", "peer")
KeyconfAttr = _attrs("KeyconfAttr", "keyconf")
KeydirAttr = _attrs("KeydirAttr", "keydir")
CipherAlg = _def("CipherAlg", "cipher-alg")
DelPeerReason = _def("DelPeerReason", "del-peer-reason")
KeySlot = _def("KeySlot", "key-slot")
