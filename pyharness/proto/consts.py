"""Numeric layout of the two generic netlink families, written out by hand.

tests/host/test_uapi_consistency.py checks these against the C headers in
uapi/linux/ and the YAML specs beside them. The two families share most
enums; they differ in the commands, the top-level attributes, the GET_PEER
reply and the delete reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

MCAST_GROUP_PEERS = "peers"
LINK_KIND = "ovpn-dco"


class Cmd(IntEnum):
    """ovpn_nl_commands of family "ovpn-dco" (the seed's layout)."""

    UNSPEC = 0
    NEW_PEER = 1
    SET_PEER = 2
    DEL_PEER = 3
    NEW_KEY = 4
    SWAP_KEYS = 5
    DEL_KEY = 6
    REGISTER_PACKET = 7
    PACKET = 8
    GET_PEER = 9


class CmdV2(IntEnum):
    """ovpn_nl_commands of family "ovpn-dco-v2" (OpenVPN 2.6.2+)."""

    UNSPEC = 0
    NEW_PEER = 1
    SET_PEER = 2
    DEL_PEER = 3
    NEW_KEY = 4
    SWAP_KEYS = 5
    DEL_KEY = 6
    GET_PEER = 7


class Attr(IntEnum):
    """ovpn_netlink_attrs (top level) of "ovpn-dco"."""

    UNSPEC = 0
    IFINDEX = 1
    NEW_PEER = 2
    SET_PEER = 3
    DEL_PEER = 4
    NEW_KEY = 5
    SWAP_KEYS = 6
    DEL_KEY = 7
    PACKET = 8
    GET_PEER = 9


class AttrV2(IntEnum):
    """ovpn_netlink_attrs (top level) of "ovpn-dco-v2"."""

    UNSPEC = 0
    IFINDEX = 1
    NEW_PEER = 2
    SET_PEER = 3
    DEL_PEER = 4
    NEW_KEY = 5
    SWAP_KEYS = 6
    DEL_KEY = 7
    GET_PEER = 8


class CipherAlg(IntEnum):
    NONE = 0
    AES_GCM = 1
    CHACHA20_POLY1305 = 2


class DelPeerReason(IntEnum):
    """ovpn_del_peer_reason of "ovpn-dco"."""

    TEARDOWN = 0
    USERSPACE = 1
    EXPIRED = 2
    TRANSPORT_ERROR = 3


class DelPeerReasonV2(IntEnum):
    """ovpn_del_peer_reason of "ovpn-dco-v2"."""

    TEARDOWN = 0
    USERSPACE = 1
    EXPIRED = 2
    TRANSPORT_ERROR = 3
    TRANSPORT_DISCONNECT = 4


class KeySlot(IntEnum):
    PRIMARY = 0
    SECONDARY = 1


class KeyDirAttr(IntEnum):
    UNSPEC = 0
    CIPHER_KEY = 1
    NONCE_TAIL = 2


class NewKeyAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1
    KEY_SLOT = 2
    KEY_ID = 3
    CIPHER_ALG = 4
    ENCRYPT_KEY = 5
    DECRYPT_KEY = 6


class DelKeyAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1
    KEY_SLOT = 2


class SwapKeysAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1


class NewPeerAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1
    SOCKADDR_REMOTE = 2
    SOCKET = 3
    IPV4 = 4
    IPV6 = 5
    LOCAL_IP = 6


class SetPeerAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1
    KEEPALIVE_INTERVAL = 2
    KEEPALIVE_TIMEOUT = 3


class DelPeerAttr(IntEnum):
    UNSPEC = 0
    REASON = 1
    PEER_ID = 2


class GetPeerAttr(IntEnum):
    UNSPEC = 0
    PEER_ID = 1


class GetPeerRespAttr(IntEnum):
    """GET_PEER reply of "ovpn-dco"."""

    UNSPEC = 0
    PEER_ID = 1
    SOCKADDR_REMOTE = 2
    IPV4 = 3
    IPV6 = 4
    LOCAL_IP = 5
    LOCAL_PORT = 6
    KEEPALIVE_INTERVAL = 7
    KEEPALIVE_TIMEOUT = 8
    RX_BYTES = 9
    TX_BYTES = 10
    RX_PACKETS = 11
    TX_PACKETS = 12


class GetPeerRespAttrV2(IntEnum):
    """GET_PEER reply of "ovpn-dco-v2": VPN (inner) and LINK (outer) counters."""

    UNSPEC = 0
    PEER_ID = 1
    SOCKADDR_REMOTE = 2
    IPV4 = 3
    IPV6 = 4
    LOCAL_IP = 5
    LOCAL_PORT = 6
    KEEPALIVE_INTERVAL = 7
    KEEPALIVE_TIMEOUT = 8
    VPN_RX_BYTES = 9
    VPN_TX_BYTES = 10
    VPN_RX_PACKETS = 11
    VPN_TX_PACKETS = 12
    LINK_RX_BYTES = 13
    LINK_TX_BYTES = 14
    LINK_RX_PACKETS = 15
    LINK_TX_PACKETS = 16


class PacketAttr(IntEnum):
    UNSPEC = 0
    PACKET = 1
    PEER_ID = 2


class PeerStatsAttr(IntEnum):
    """Unused on the wire; part of the ABI of both headers (its UNSPEC has an ATTR_ infix)."""

    ATTR_UNSPEC = 0
    BYTES = 1
    PACKETS = 2


class PeerAttr(IntEnum):
    """Unused on the wire; part of the ABI of both headers."""

    UNSPEC = 0
    PEER_ID = 1
    SOCKADDR_REMOTE = 2
    IPV4 = 3
    IPV6 = 4
    LOCAL_IP = 5
    KEEPALIVE_INTERVAL = 6
    KEEPALIVE_TIMEOUT = 7
    ENCRYPT_KEY = 8
    DECRYPT_KEY = 9
    RX_STATS = 10
    TX_STATS = 11


class IflaOvpn(IntEnum):
    UNSPEC = 0
    MODE = 1


class Mode(IntEnum):
    P2P = 0
    MP = 1


@dataclass(frozen=True)
class Layout:
    """What differs between the two families."""

    family: str
    cmd: type[IntEnum]
    attr: type[IntEnum]
    reason: type[IntEnum]
    get_peer_resp: type[IntEnum]


DCO = Layout("ovpn-dco", Cmd, Attr, DelPeerReason, GetPeerRespAttr)
DCO_V2 = Layout("ovpn-dco-v2", CmdV2, AttrV2, DelPeerReasonV2, GetPeerRespAttrV2)
LAYOUTS = (DCO, DCO_V2)

# Nested attribute set of each command's top-level nest (same in both families).
OP_NEST: dict[str, type[IntEnum]] = {
    "NEW_PEER": NewPeerAttr,
    "SET_PEER": SetPeerAttr,
    "DEL_PEER": DelPeerAttr,
    "NEW_KEY": NewKeyAttr,
    "SWAP_KEYS": SwapKeysAttr,
    "DEL_KEY": DelKeyAttr,
    "GET_PEER": GetPeerAttr,
    "PACKET": PacketAttr,
}

# C enum name and constant prefix of each Python enum, per header.
C_NAMES: dict[type[IntEnum], tuple[str, str]] = {
    Cmd: ("ovpn_nl_commands", "OVPN_CMD_"),
    CmdV2: ("ovpn_nl_commands", "OVPN_CMD_"),
    Attr: ("ovpn_netlink_attrs", "OVPN_ATTR_"),
    AttrV2: ("ovpn_netlink_attrs", "OVPN_ATTR_"),
    CipherAlg: ("ovpn_cipher_alg", "OVPN_CIPHER_ALG_"),
    DelPeerReason: ("ovpn_del_peer_reason", "OVPN_DEL_PEER_REASON_"),
    DelPeerReasonV2: ("ovpn_del_peer_reason", "OVPN_DEL_PEER_REASON_"),
    KeySlot: ("ovpn_key_slot", "OVPN_KEY_SLOT_"),
    KeyDirAttr: ("ovpn_netlink_key_dir_attrs", "OVPN_KEY_DIR_ATTR_"),
    NewKeyAttr: ("ovpn_netlink_new_key_attrs", "OVPN_NEW_KEY_ATTR_"),
    DelKeyAttr: ("ovpn_netlink_del_key_attrs", "OVPN_DEL_KEY_ATTR_"),
    SwapKeysAttr: ("ovpn_netlink_swap_keys_attrs", "OVPN_SWAP_KEYS_ATTR_"),
    NewPeerAttr: ("ovpn_netlink_new_peer_attrs", "OVPN_NEW_PEER_ATTR_"),
    SetPeerAttr: ("ovpn_netlink_set_peer_attrs", "OVPN_SET_PEER_ATTR_"),
    DelPeerAttr: ("ovpn_netlink_del_peer_attrs", "OVPN_DEL_PEER_ATTR_"),
    GetPeerAttr: ("ovpn_netlink_get_peer_attrs", "OVPN_GET_PEER_ATTR_"),
    GetPeerRespAttr: ("ovpn_netlink_get_peer_response_attrs", "OVPN_GET_PEER_RESP_ATTR_"),
    GetPeerRespAttrV2: ("ovpn_netlink_get_peer_response_attrs", "OVPN_GET_PEER_RESP_ATTR_"),
    PacketAttr: ("ovpn_netlink_packet_attrs", "OVPN_PACKET_ATTR_"),
    PeerStatsAttr: ("ovpn_netlink_peer_stats_attrs", "OVPN_PEER_STATS_"),
    PeerAttr: ("ovpn_netlink_peer_attrs", "OVPN_PEER_ATTR_"),
    IflaOvpn: ("ovpn_ifla_attrs", "IFLA_OVPN_"),
    Mode: ("ovpn_mode", "OVPN_MODE_"),
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
        PeerStatsAttr,
        PeerAttr,
        IflaOvpn,
        Mode,
    ),
}
