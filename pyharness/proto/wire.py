"""An independent codec of OpenVPN's DATA_V2 packets: scapy layer plus AEAD.

Layout (as OpenVPN 2.6 writes it):
  [opcode 5 bits | key id 3 bits][peer id 24 bits][packet id 32 bits][tag 16][ciphertext]
The AEAD's associated data are the first 8 bytes, its 12-byte nonce is the
packet id (as on the wire) followed by the 8-byte nonce tail of the direction.
"""

from __future__ import annotations

import functools
import ipaddress
import struct
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .consts import CipherAlg

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
    from scapy.packet import Packet

OP_DATA_V2 = 9
OP_CONTROL_V1 = 4
OP_ACK_V1 = 5
OP_HARD_RESET_CLIENT_V2 = 7
HEADER_SIZE = 8
TAG_SIZE = 16
OVERHEAD = HEADER_SIZE + TAG_SIZE
NONCE_TAIL_SIZE = 8
PING_MAGIC = bytes.fromhex("2a187bf3641eb4cb07ed2d0a981fc748")


class Cipher(Enum):
    """A cipher OpenVPN offloads, with its key size."""

    AES_128_GCM = (CipherAlg.AES_GCM, 16)
    AES_192_GCM = (CipherAlg.AES_GCM, 24)
    AES_256_GCM = (CipherAlg.AES_GCM, 32)
    CHACHA20_POLY1305 = (CipherAlg.CHACHA20_POLY1305, 32)

    @property
    def alg(self) -> CipherAlg:
        return self.value[0]

    @property
    def key_size(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class KeyDir:
    """Key material of one direction."""

    cipher: Cipher
    key: bytes
    nonce_tail: bytes

    def aead(self) -> AESGCM | ChaCha20Poly1305:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

        if self.cipher.alg == CipherAlg.CHACHA20_POLY1305:
            return ChaCha20Poly1305(self.key)
        return AESGCM(self.key)


def keydir(cipher: Cipher, seed: int) -> KeyDir:
    """Deterministic key material for tests, distinct per seed."""
    key = bytes((seed * 31 + i * 7) & 0xFF for i in range(cipher.key_size))
    tail = bytes((seed * 17 + i * 13 + 1) & 0xFF for i in range(NONCE_TAIL_SIZE))
    return KeyDir(cipher, key, tail)


def header(key_id: int, peer_id: int, packet_id: int, opcode: int = OP_DATA_V2) -> bytes:
    return struct.pack(">II", ((opcode << 3 | key_id) << 24) | peer_id, packet_id)


def encrypt(kd: KeyDir, key_id: int, peer_id: int, packet_id: int, plaintext: bytes) -> bytes:
    """A complete DATA_V2 packet, exactly as OpenVPN would send it."""
    hdr = header(key_id, peer_id, packet_id)
    sealed = kd.aead().encrypt(hdr[4:8] + kd.nonce_tail, plaintext, hdr)
    return hdr + sealed[-TAG_SIZE:] + sealed[:-TAG_SIZE]


@dataclass(frozen=True)
class Decrypted:
    opcode: int
    key_id: int
    peer_id: int
    packet_id: int
    plaintext: bytes


@functools.cache
def _data_v2_layer() -> type[Packet]:
    """The scapy layer of a DATA_V2 packet's clear part (the payload is the ciphertext); scapy is
    imported on first use, not by the CLI's device commands, which use this module's keys only."""
    from scapy.fields import BitField, IntField, X3BytesField, XStrFixedLenField
    from scapy.packet import Packet

    class OpenVPNDataV2(Packet):
        name = "OpenVPN DATA_V2"
        fields_desc = [
            BitField("opcode", OP_DATA_V2, 5),
            BitField("key_id", 0, 3),
            X3BytesField("peer_id", 0),
            IntField("packet_id", 1),
            XStrFixedLenField("tag", b"\0" * TAG_SIZE, TAG_SIZE),
        ]

    return OpenVPNDataV2


def parse(packet: bytes) -> Packet:
    """The clear header fields of a DATA_V2 packet, as a scapy packet."""
    return _data_v2_layer()(packet)


def decrypt(kd: KeyDir, packet: bytes) -> Decrypted:
    """Authenticate and decrypt; raises cryptography's InvalidTag on a bad packet."""
    if len(packet) < OVERHEAD:
        raise ValueError(f"DATA_V2 packet of {len(packet)} bytes is shorter than {OVERHEAD}")
    hdr, tag, ct = packet[:HEADER_SIZE], packet[HEADER_SIZE:OVERHEAD], packet[OVERHEAD:]
    plain = kd.aead().decrypt(hdr[4:8] + kd.nonce_tail, ct + tag, hdr)
    word, pid = struct.unpack(">II", hdr)
    return Decrypted(word >> 27, (word >> 24) & 7, word & 0xFFFFFF, pid, plain)


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_udp(src: str, dst: str, sport: int, dport: int, payload: bytes, ident: int = 1) -> bytes:
    """An IPv4/UDP packet with correct checksums (what the tunnel carries)."""
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident, 0x4000, 64, 17, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", _checksum(hdr)) + hdr[12:]
    return hdr + udp


def ipv6_udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!I3xB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    return struct.pack("!IHBB16s16s", 6 << 28, ulen, 17, 64, s, d) + udp


def tcp_segment(src: str, dst: str, sport: int, dport: int, flags: int, options: bytes, payload: bytes = b"") -> bytes:
    """An IPv4 or IPv6 (by the addresses) TCP segment with correct checksums; ``options`` padded to 4 bytes."""
    options += b"\0" * (-len(options) % 4)
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    tlen = 20 + len(options) + len(payload)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, (5 + len(options) // 4) << 4, flags, 64240, 0, 0)
    tcp += options + payload
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, 6, tlen)
    else:
        pseudo = s + d + struct.pack("!I3xB", tlen, 6)
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    if len(s) == 16:
        return struct.pack("!IHBB16s16s", 6 << 28, tlen, 6, 64, s, d) + tcp
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tlen, 1, 0x4000, 64, 6, 0, s, d)
    return hdr[:10] + struct.pack("!H", _checksum(hdr)) + hdr[12:] + tcp


def _l4_checksum_ok(ip_packet: bytes, proto: int) -> bool:
    """Whether the TCP or UDP (``proto``) checksum of an IPv4 or IPv6 packet without extension headers is right."""
    if ip_packet[0] >> 4 == 4:
        start = (ip_packet[0] & 0x0F) * 4
        l4 = ip_packet[start : struct.unpack_from("!H", ip_packet, 2)[0]]
        pseudo = ip_packet[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    else:
        l4 = ip_packet[40 : 40 + struct.unpack_from("!H", ip_packet, 4)[0]]
        pseudo = ip_packet[8:40] + struct.pack("!I3xB", len(l4), proto)
    return _checksum(pseudo + l4) == 0


def tcp_checksum_ok(ip_packet: bytes) -> bool:
    """Whether the TCP checksum of an IPv4 or IPv6 packet without extension headers is right."""
    return _l4_checksum_ok(ip_packet, 6)


def udp_checksum_ok(ip_packet: bytes) -> bool:
    """Whether the (non-zero) UDP checksum of an IPv4 or IPv6 packet without extension headers is right."""
    return _l4_checksum_ok(ip_packet, 17)


def udp_payload(ip_packet: bytes) -> bytes:
    """The UDP payload of an IPv4 or IPv6 packet without extension headers."""
    start = (ip_packet[0] & 0x0F) * 4 if ip_packet[0] >> 4 == 4 else 40
    return ip_packet[start + 8 :]
