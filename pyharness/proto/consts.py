"""Numeric layout of the two generic netlink families, read from their YAML specs at import.

uapi/linux/ovpn_dco.yaml and ovpn_dco_v2.yaml are the one source: every enum
below is built from an attribute set, a definition or the operations of a
spec (the enum shared by both families from ovpn_dco.yaml; the host test
tests/host/test_uapi_consistency.py checks that both specs agree on them,
and that the C headers in uapi/linux/ give the same names and values). The
two families differ in the commands, the top-level attributes, the GET_PEER
reply and the delete reasons.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / "uapi" / "linux"
SPEC_DCO = "ovpn_dco.yaml"
SPEC_DCO_V2 = "ovpn_dco_v2.yaml"

LINK_KIND = "ovpn-dco"


@functools.cache
def spec(name: str) -> dict[str, Any]:
    """One YAML spec of uapi/linux, parsed (cached)."""
    with (SPEC_DIR / name).open() as f:
        # libyaml's loader when PyYAML has it: the pure-Python one costs a CLI call seconds under TCG
        data: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def _members(name: str) -> str:
    return name.upper().replace("-", "_")


def _attr_set(spec_name: str, set_name: str) -> dict[str, Any]:
    sets = [s for s in spec(spec_name)["attribute-sets"] if s["name"] == set_name and "subset-of" not in s]
    if len(sets) != 1:
        raise KeyError(f"{spec_name}: no attribute set {set_name}")
    return sets[0]


def _definition(spec_name: str, def_name: str) -> dict[str, Any]:
    return next(d for d in spec(spec_name)["definitions"] if d["name"] == def_name)


def _make(cls_name: str, doc: str, members: list[tuple[str, int]], c_name: tuple[str, str]) -> type[IntEnum]:
    enum: type[IntEnum] = IntEnum(cls_name, members, module=__name__, qualname=cls_name)  # type: ignore[assignment]
    enum.__doc__ = doc
    C_NAMES[enum] = c_name
    return enum


def attr_enum(cls_name: str, spec_name: str, set_name: str, doc: str) -> type[IntEnum]:
    """An IntEnum of an attribute set: one member per attribute, named as the C constant after its prefix."""
    aset = _attr_set(spec_name, set_name)
    members = [(_members(a["name"]), int(a["value"])) for a in aset["attributes"]]
    return _make(cls_name, doc, members, (aset["enum-name"], aset["name-prefix"]))


def def_enum(cls_name: str, spec_name: str, def_name: str, doc: str) -> type[IntEnum]:
    """An IntEnum of an enum definition."""
    defn = _definition(spec_name, def_name)
    members = [(_members(e["name"]), int(e["value"])) for e in defn["entries"]]
    return _make(cls_name, doc, members, (defn["enum-name"], defn["name-prefix"]))


def cmd_enum(cls_name: str, spec_name: str, doc: str) -> type[IntEnum]:
    """An IntEnum of the operations, with the UNSPEC = 0 the header adds."""
    ops = spec(spec_name)["operations"]
    members = [("UNSPEC", 0)] + [(_members(op["name"]), int(op["value"])) for op in ops["list"]]
    return _make(cls_name, doc, members, (ops["enum-name"], ops["name-prefix"]))


# C enum name and constant prefix of each Python enum, per header (filled as the enums are made).
C_NAMES: dict[type[IntEnum], tuple[str, str]] = {}

MCAST_GROUP_PEERS: str = spec(SPEC_DCO)["mcast-groups"]["list"][0]["name"]

Cmd = cmd_enum("Cmd", SPEC_DCO, 'ovpn_nl_commands of family "ovpn-dco" (the seed\'s layout).')
CmdV2 = cmd_enum("CmdV2", SPEC_DCO_V2, 'ovpn_nl_commands of family "ovpn-dco-v2" (OpenVPN 2.6.2+).')
Attr = attr_enum("Attr", SPEC_DCO, "ovpn", 'ovpn_netlink_attrs (top level) of "ovpn-dco".')
AttrV2 = attr_enum("AttrV2", SPEC_DCO_V2, "ovpn", 'ovpn_netlink_attrs (top level) of "ovpn-dco-v2".')
CipherAlg = def_enum("CipherAlg", SPEC_DCO, "cipher-alg", "ovpn_cipher_alg.")
DelPeerReason = def_enum("DelPeerReason", SPEC_DCO, "del-peer-reason", 'ovpn_del_peer_reason of "ovpn-dco".')
DelPeerReasonV2 = def_enum("DelPeerReasonV2", SPEC_DCO_V2, "del-peer-reason", 'ovpn_del_peer_reason of "ovpn-dco-v2".')
KeySlot = def_enum("KeySlot", SPEC_DCO, "key-slot", "ovpn_key_slot.")
KeyDirAttr = attr_enum("KeyDirAttr", SPEC_DCO, "key-dir", "Inside NewKeyAttr.ENCRYPT_KEY and DECRYPT_KEY.")
NewKeyAttr = attr_enum("NewKeyAttr", SPEC_DCO, "new-key", "Inside Attr.NEW_KEY.")
DelKeyAttr = attr_enum("DelKeyAttr", SPEC_DCO, "del-key", "Inside Attr.DEL_KEY.")
SwapKeysAttr = attr_enum("SwapKeysAttr", SPEC_DCO, "swap-keys", "Inside Attr.SWAP_KEYS.")
NewPeerAttr = attr_enum("NewPeerAttr", SPEC_DCO, "new-peer", "Inside Attr.NEW_PEER.")
SetPeerAttr = attr_enum("SetPeerAttr", SPEC_DCO, "set-peer", "Inside Attr.SET_PEER.")
DelPeerAttr = attr_enum("DelPeerAttr", SPEC_DCO, "del-peer", "Inside Attr.DEL_PEER (request and notification).")
GetPeerAttr = attr_enum("GetPeerAttr", SPEC_DCO, "get-peer", "Inside Attr.GET_PEER (request).")
GetPeerRespAttr = attr_enum("GetPeerRespAttr", SPEC_DCO, "get-peer-response", 'GET_PEER reply of "ovpn-dco".')
GetPeerRespAttrV2 = attr_enum(
    "GetPeerRespAttrV2",
    SPEC_DCO_V2,
    "get-peer-response",
    'GET_PEER reply of "ovpn-dco-v2": VPN (inner) and LINK (outer) counters.',
)
DevAttr = attr_enum(
    "DevAttr", SPEC_DCO, "dev", "Inside Attr.DEV: a device's settings (SET_DEV request, GET_DEV reply)."
)
PacketAttr = attr_enum("PacketAttr", SPEC_DCO, "packet", "Inside Attr.PACKET (ovpn-dco only on the wire).")
PeerStatsAttr = attr_enum(
    "PeerStatsAttr",
    SPEC_DCO,
    "peer-stats",
    "Unused on the wire; part of the ABI of both headers (its UNSPEC has an ATTR_ infix).",
)
PeerAttr = attr_enum("PeerAttr", SPEC_DCO, "peer", "Unused on the wire; part of the ABI of both headers.")
IflaOvpn = attr_enum("IflaOvpn", SPEC_DCO, "ifla-ovpn", 'rtnetlink IFLA_INFO_DATA of link kind "ovpn-dco".')
Mode = def_enum("Mode", SPEC_DCO, "mode", "IFLA_OVPN_MODE values.")


@dataclass(frozen=True)
class Layout:
    """What differs between the two families."""

    family: str
    cmd: type[IntEnum]
    attr: type[IntEnum]
    reason: type[IntEnum]
    get_peer_resp: type[IntEnum]


DCO = Layout(spec(SPEC_DCO)["name"], Cmd, Attr, DelPeerReason, GetPeerRespAttr)
DCO_V2 = Layout(spec(SPEC_DCO_V2)["name"], CmdV2, AttrV2, DelPeerReasonV2, GetPeerRespAttrV2)
LAYOUTS = (DCO, DCO_V2)

# the spec each layout is read from
LAYOUT_SPEC: dict[str, str] = {DCO.family: SPEC_DCO, DCO_V2.family: SPEC_DCO_V2}

_NEST_ENUMS: dict[str, type[IntEnum]] = {
    "new-peer": NewPeerAttr,
    "set-peer": SetPeerAttr,
    "del-peer": DelPeerAttr,
    "new-key": NewKeyAttr,
    "swap-keys": SwapKeysAttr,
    "del-key": DelKeyAttr,
    "get-peer": GetPeerAttr,
    "packet": PacketAttr,
    "dev": DevAttr,
}

# Nested attribute set of each command's top-level nest (same in both families), as the spec's
# top-level set names it.
OP_NEST: dict[str, type[IntEnum]] = {
    _members(a["name"]): _NEST_ENUMS[a["nested-attributes"]]
    for a in _attr_set(SPEC_DCO, "ovpn")["attributes"]
    if a["type"] == "nest"
}

# Python enums describing each header.
HEADER_ENUMS: dict[str, tuple[type[IntEnum], ...]] = {
    "ovpn_dco.h": (
        Cmd,
        Attr,
        CipherAlg,
        DelPeerReason,
        KeySlot,
        KeyDirAttr,
        NewKeyAttr,
        DelKeyAttr,
        SwapKeysAttr,
        NewPeerAttr,
        SetPeerAttr,
        DelPeerAttr,
        GetPeerAttr,
        GetPeerRespAttr,
        PacketAttr,
        DevAttr,
        PeerStatsAttr,
        PeerAttr,
        IflaOvpn,
        Mode,
    ),
    "ovpn_dco_v2.h": (
        CmdV2,
        AttrV2,
        CipherAlg,
        DelPeerReasonV2,
        KeySlot,
        KeyDirAttr,
        NewKeyAttr,
        DelKeyAttr,
        SwapKeysAttr,
        NewPeerAttr,
        SetPeerAttr,
        DelPeerAttr,
        GetPeerAttr,
        GetPeerRespAttrV2,
        PacketAttr,
        DevAttr,
        PeerStatsAttr,
        PeerAttr,
        IflaOvpn,
        Mode,
    ),
}
