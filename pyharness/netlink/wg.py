"""In-kernel WireGuard, configured over its generic netlink family (no ``wg`` tool needed).

Only what a two-namespace benchmark needs: a device's private key and listen
port, and one peer with its public key, endpoint and allowed IPs
(include/uapi/linux/wireguard.h, family "wireguard", version 1).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..guest import netns
from . import genl
from .dco import Address, sockaddr

FAMILY = "wireguard"
LINK_KIND = "wireguard"
CMD_SET_DEVICE = 1
# WGDEVICE_A_*
DEVICE_IFINDEX = 1
DEVICE_PRIVATE_KEY = 3
DEVICE_LISTEN_PORT = 6
DEVICE_PEERS = 8
# WGPEER_A_*
PEER_PUBLIC_KEY = 1
PEER_FLAGS = 3
PEER_ENDPOINT = 4
PEER_ALLOWEDIPS = 9
PEER_F_REPLACE_ALLOWEDIPS = 2
# WGALLOWEDIP_A_*
ALLOWEDIP_FAMILY = 1
ALLOWEDIP_IPADDR = 2
ALLOWEDIP_CIDR_MASK = 3
AF_INET = 2
AF_INET6 = 10


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes


def keypair() -> KeyPair:
    """A fresh Curve25519 key pair (raw 32-byte keys)."""
    key = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    return KeyPair(
        key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        key.public_key().public_bytes(raw, serialization.PublicFormat.Raw),
    )


def allowed_ip(network: str) -> bytes:
    """One element of WGPEER_A_ALLOWEDIPS, e.g. ``10.99.0.0/24``."""
    net = ipaddress.ip_network(network, strict=False)
    family = AF_INET if net.version == 4 else AF_INET6
    return genl.nest(
        0,
        genl.u16(ALLOWEDIP_FAMILY, family),
        genl.attr(ALLOWEDIP_IPADDR, net.network_address.packed),
        genl.u8(ALLOWEDIP_CIDR_MASK, net.prefixlen),
    )


def set_device_payload(
    ifindex: int, private_key: bytes, listen_port: int, peer_public: bytes, endpoint: Address, allowed: list[str]
) -> bytes:
    """WG_CMD_SET_DEVICE attributes: key, port and exactly one peer."""
    peer = genl.nest(
        0,
        genl.attr(PEER_PUBLIC_KEY, peer_public),
        genl.u32(PEER_FLAGS, PEER_F_REPLACE_ALLOWEDIPS),
        genl.attr(PEER_ENDPOINT, sockaddr(endpoint)),
        genl.nest(PEER_ALLOWEDIPS, *(allowed_ip(a) for a in allowed)),
    )
    return (
        genl.u32(DEVICE_IFINDEX, ifindex)
        + genl.attr(DEVICE_PRIVATE_KEY, private_key)
        + genl.u16(DEVICE_LISTEN_PORT, listen_port)
        + genl.nest(DEVICE_PEERS, peer)
    )


def configure(
    ns: str, ifindex: int, me: KeyPair, listen_port: int, peer: KeyPair, endpoint: Address, allowed: list[str]
) -> None:
    """Set the device's key and port and its one peer, from inside ``ns``."""
    with netns.inside(ns):
        sock = genl.GenlSocket()
    with sock:
        fam = sock.resolve(FAMILY)
        payload = set_device_payload(ifindex, me.private, listen_port, peer.public, endpoint, allowed)
        sock.request(fam.id, CMD_SET_DEVICE, payload)
