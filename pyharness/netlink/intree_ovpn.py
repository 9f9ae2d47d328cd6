"""A small client of the in-tree ``ovpn`` driver (Linux 6.16+, module ``ovpn``).

The upstream driver has its own link kind and generic netlink family, both
named ``ovpn`` (include/uapi/linux/ovpn.h, Documentation/netlink/specs/ovpn.yaml).
The harness drives it directly - create a link, PEER_NEW with a UDP socket
the caller owns, KEY_NEW with the same key material ovpn-dco gets - so it can
be measured side by side with ovpn-dco under the same keys and traffic.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass

from pyroute2 import IPRoute

from ..guest import netns
from ..proto.wire import Cipher, KeyDir
from . import genl
from .dco import Address

FAMILY = "ovpn"
LINK_KIND = "ovpn"
MODULE = "ovpn"

# enum ovpn_cipher_alg
ALG_AES_GCM = 1
ALG_CHACHA20_POLY1305 = 2
# commands
CMD_PEER_NEW = 1
CMD_PEER_GET = 3
CMD_PEER_DEL = 4
CMD_KEY_NEW = 6
# top-level OVPN_A_*
A_IFINDEX = 1
A_PEER = 2
A_KEYCONF = 3
# OVPN_A_PEER_*
PEER_ID = 1
PEER_REMOTE_IPV4 = 2
PEER_REMOTE_IPV6 = 3
PEER_REMOTE_PORT = 5
PEER_SOCKET = 6
PEER_VPN_RX_BYTES = 16
PEER_VPN_TX_BYTES = 17
PEER_VPN_RX_PACKETS = 18
PEER_VPN_TX_PACKETS = 19
# OVPN_A_KEYCONF_*
KEYCONF_PEER_ID = 1
KEYCONF_SLOT = 2
KEYCONF_KEY_ID = 3
KEYCONF_CIPHER_ALG = 4
KEYCONF_ENCRYPT_DIR = 5
KEYCONF_DECRYPT_DIR = 6
# OVPN_A_KEYDIR_*
KEYDIR_CIPHER_KEY = 1
KEYDIR_NONCE_TAIL = 2
SLOT_PRIMARY = 0

_STATS = {
    PEER_VPN_RX_BYTES: "vpn_rx_bytes",
    PEER_VPN_TX_BYTES: "vpn_tx_bytes",
    PEER_VPN_RX_PACKETS: "vpn_rx_packets",
    PEER_VPN_TX_PACKETS: "vpn_tx_packets",
}


def cipher_alg(cipher: Cipher) -> int:
    """The upstream enum value; AES key size (128/192/256) follows from the key length."""
    return ALG_CHACHA20_POLY1305 if cipher is Cipher.CHACHA20_POLY1305 else ALG_AES_GCM


def peer_new_payload(ifindex: int, peer_id: int, sock_fd: int, remote: Address) -> bytes:
    """PEER_NEW for a UDP peer: id, the socket's fd, the remote address and port."""
    host, port = remote
    ip = ipaddress.ip_address(host)
    addr = (
        genl.attr(PEER_REMOTE_IPV4, ip.packed)  # u32, big-endian: the address as on the wire
        if ip.version == 4
        else genl.attr(PEER_REMOTE_IPV6, ip.packed)
    )
    peer = genl.nest(
        A_PEER,
        genl.u32(PEER_ID, peer_id),
        addr,
        genl.attr(PEER_REMOTE_PORT, struct.pack(">H", port)),
        genl.u32(PEER_SOCKET, sock_fd),
    )
    return genl.u32(A_IFINDEX, ifindex) + peer


def key_new_payload(ifindex: int, peer_id: int, key_id: int, encrypt: KeyDir, decrypt: KeyDir) -> bytes:
    """KEY_NEW into the primary slot; enums are u32 in this family."""

    def direction(atype: int, kd: KeyDir) -> bytes:
        return genl.nest(atype, genl.attr(KEYDIR_CIPHER_KEY, kd.key), genl.attr(KEYDIR_NONCE_TAIL, kd.nonce_tail))

    keyconf = genl.nest(
        A_KEYCONF,
        genl.u32(KEYCONF_PEER_ID, peer_id),
        genl.u32(KEYCONF_SLOT, SLOT_PRIMARY),
        genl.u32(KEYCONF_KEY_ID, key_id),
        genl.u32(KEYCONF_CIPHER_ALG, cipher_alg(encrypt.cipher)),
        direction(KEYCONF_ENCRYPT_DIR, encrypt),
        direction(KEYCONF_DECRYPT_DIR, decrypt),
    )
    return genl.u32(A_IFINDEX, ifindex) + keyconf


def parse_peer(payload: bytes) -> dict[str, int]:
    """Counters of a PEER_GET reply's peer nest (``uint``: 4 or 8 bytes)."""
    out: dict[str, int] = {}
    for atype, value in genl.parse_attrs(payload):
        if atype == PEER_ID:
            out["peer_id"] = genl.get_u32(value)
        elif atype in _STATS:
            out[_STATS[atype]] = int.from_bytes(value[:8], "little")
    return out


def create_link(ifname: str, ns: str) -> int:
    """An ``ovpn`` device in P2P mode (the default without IFLA_OVPN_MODE); its ifindex."""
    with IPRoute(netns=ns) as ipr:
        ipr.link("add", ifname=ifname, kind=LINK_KIND)
        return int(ipr.link_lookup(ifname=ifname)[0])


@dataclass
class UpstreamEnd:
    """One end of a tunnel run by the upstream driver: device, UDP socket, netlink socket."""

    ns: str
    ifname: str = "ovpn0"

    def __post_init__(self) -> None:
        self.ifindex = create_link(self.ifname, self.ns)
        with netns.inside(self.ns):
            self.genl = genl.GenlSocket()
        self.family = self.genl.resolve(FAMILY).id
        self.sock: socket.socket | None = None

    def attach(self, local: Address, peer_id: int, remote: Address) -> None:
        """Bind a UDP socket to ``local`` and make ``remote`` the peer on it."""
        with netns.inside(self.ns):
            self.sock = socket.socket(socket.AF_INET if ":" not in local[0] else socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind(local)
        self.genl.request(
            self.family, CMD_PEER_NEW, peer_new_payload(self.ifindex, peer_id, self.sock.fileno(), remote)
        )

    def key(self, peer_id: int, encrypt: KeyDir, decrypt: KeyDir, key_id: int = 0) -> None:
        self.genl.request(self.family, CMD_KEY_NEW, key_new_payload(self.ifindex, peer_id, key_id, encrypt, decrypt))

    def peer_stats(self, peer_id: int) -> dict[str, int]:
        req = genl.u32(A_IFINDEX, self.ifindex) + genl.nest(A_PEER, genl.u32(PEER_ID, peer_id))
        (msg,) = self.genl.request(self.family, CMD_PEER_GET, req)
        return parse_peer(msg.attrs[A_PEER])

    def close(self) -> None:
        self.genl.close()
        if self.sock is not None:
            self.sock.close()
