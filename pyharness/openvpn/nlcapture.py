"""What OpenVPN and the kernel said to each other, read from a netlink capture, for either API.

OpenVPN 2.6 speaks ``ovpn-dco-v2`` (NEW_KEY, SWAP_KEYS, DEL_KEY, DEL_PEER notifications),
OpenVPN 2.7 the upstream ``ovpn`` (KEY_NEW, KEY_SWAP, KEY_DEL, PEER_DEL_NTF); both carry
the same slot, key id, cipher, key material and deletion reasons, so a test reads them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..netlink import genl, ovpn_peers
from ..netlink.nlmon import Exchange, NetlinkMonitor
from ..proto import consts
from ..proto.consts import AttrV2, CmdV2, DelKeyAttr, DelPeerAttr, DelPeerReasonV2, KeyDirAttr, NewKeyAttr
from .program import Program


@dataclass(frozen=True)
class KeyOp:
    """One key request: ``op`` is "new", "swap" or "del"; fields the request lacks are None."""

    op: str
    error: int
    slot: int | None = None
    key_id: int | None = None
    alg: int | None = None  # the cipher enum: 1 AES-GCM, 2 ChaCha20-Poly1305 (same in both APIs)
    key_lens: tuple[int, ...] = ()  # encrypt, decrypt
    nonce_lens: tuple[int, ...] = ()


def _int(raw: bytes | None) -> int | None:
    return None if raw is None else int.from_bytes(raw, "little")


def _v2(x: Exchange) -> KeyOp | None:
    if x.cmd == CmdV2.NEW_KEY:
        key = x.request.nested(AttrV2.NEW_KEY)
        dirs = [genl.attr_map(key[d]) for d in (NewKeyAttr.ENCRYPT_KEY, NewKeyAttr.DECRYPT_KEY)]
        return KeyOp(
            "new",
            x.error,
            _int(key.get(NewKeyAttr.KEY_SLOT)),
            _int(key.get(NewKeyAttr.KEY_ID)),
            _int(key.get(NewKeyAttr.CIPHER_ALG)),
            tuple(len(d[KeyDirAttr.CIPHER_KEY]) for d in dirs),
            tuple(len(d[KeyDirAttr.NONCE_TAIL]) for d in dirs),
        )
    if x.cmd == CmdV2.SWAP_KEYS:
        return KeyOp("swap", x.error)
    if x.cmd == CmdV2.DEL_KEY:
        return KeyOp("del", x.error, _int(x.request.nested(AttrV2.DEL_KEY).get(DelKeyAttr.KEY_SLOT)))
    return None


def _ovpn(x: Exchange) -> KeyOp | None:
    kc, kd = ovpn_peers.attrs("keyconf"), ovpn_peers.attrs("keydir")
    ops = {ovpn_peers.command(f"key-{op}"): op for op in ("new", "swap", "del")}
    op = ops.get(x.cmd)
    if op is None:
        return None
    conf = x.request.nested(ovpn_peers.attrs("ovpn")["keyconf"])
    dirs = [genl.attr_map(conf[kc[d]]) for d in ("encrypt-dir", "decrypt-dir") if kc[d] in conf]
    return KeyOp(
        op,
        x.error,
        _int(conf.get(kc["slot"])),
        _int(conf.get(kc["key-id"])),
        _int(conf.get(kc["cipher-alg"])),
        tuple(len(d[kd["cipher-key"]]) for d in dirs),
        tuple(len(d[kd["nonce-tail"]]) for d in dirs),
    )


def family(program: Program) -> str:
    """The generic netlink family ``program`` offloads through."""
    return ovpn_peers.FAMILY if program.dco_kind == ovpn_peers.FAMILY else "ovpn-dco-v2"


def key_ops(mon: NetlinkMonitor, program: Program) -> list[KeyOp]:
    """The key requests (and the kernel's answers) in ``mon``'s capture, in order, of ``program``'s API."""
    parse = _ovpn if family(program) == ovpn_peers.FAMILY else _v2
    ops = (parse(x) for x in mon.exchanges(genl.family_id(family(program))))
    return [op for op in ops if op is not None]


def peer_deletions(mon: NetlinkMonitor, program: Program) -> list[tuple[int, str]]:
    """(peer id, reason) of every peer-deleted notification in ``mon``'s capture, of ``program``'s API;
    the reason by name ("expired", "transport_disconnect", ...)."""
    out = []
    if program.dco_kind == ovpn_peers.FAMILY:
        peer_attr, pa = ovpn_peers.attrs("ovpn")["peer"], ovpn_peers.attrs("peer")
        (reasons,) = [
            d["entries"] for d in consts.spec(ovpn_peers.SPEC)["definitions"] if d["name"] == "del-peer-reason"
        ]
        family = genl.family_id(ovpn_peers.FAMILY)
        for m in mon.notifications(family, ovpn_peers.command("peer-del-ntf")):
            nest = m.nested(peer_attr)
            reason = str(reasons[int.from_bytes(nest[pa["del-reason"]], "little")])
            out.append((genl.get_u32(nest[pa["id"]]), reason.replace("-", "_")))
        return out
    for m in mon.notifications(genl.family_id("ovpn-dco-v2"), CmdV2.DEL_PEER):
        nest = m.nested(AttrV2.DEL_PEER)
        out.append((genl.get_u32(nest[DelPeerAttr.PEER_ID]), DelPeerReasonV2(nest[DelPeerAttr.REASON][0]).name.lower()))
    return out
