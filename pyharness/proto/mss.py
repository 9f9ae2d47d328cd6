"""TCP MSS clamping (mssfix) as kernel/mss.c does it: the reference model of the tests and fuzzer."""

from __future__ import annotations

import struct

DEFAULT_MSSFIX = 1492  # OpenVPN's default "mssfix 1492 mtu", the module parameter's default
MIN_MSSFIX = 576
DATA_V2_OVERHEAD = 24  # opcode and peer id 4, packet id 4, AEAD tag 16

TCPOPT_EOL = 0
TCPOPT_NOP = 1
TCPOPT_MSS = 2
TCPOLEN_MSS = 4
TCP_SYN = 0x02
IPPROTO_TCP = 6
# IPv6 extension headers ipv6_skip_exthdr() walks over: hop-by-hop, routing, fragment, dest opts, AH
_EXT_HDRS = {0, 43, 44, 60, 51}


def max_mss(mssfix: int, *, outer_ipv6: bool, tcp: bool, inner_ipv6: bool) -> int:
    """The largest MSS of a peer's tunnel: OpenVPN's mssfix arithmetic for "mssfix N mtu"."""
    overhead = DATA_V2_OVERHEAD + 40  # and an inner IPv4 + TCP header
    overhead += 40 if outer_ipv6 else 20
    overhead += 20 + 2 if tcp else 8  # TCP: its header and the 2-byte frame length
    overhead += 20 if inner_ipv6 else 0
    return max(mssfix - overhead, 0)


def _csum_replace2(check: int, old: int, new: int) -> int:
    """RFC 1624 incremental update of a 16-bit one's complement checksum."""
    total = (~check & 0xFFFF) + (~old & 0xFFFF) + new
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _swab16(v: int) -> int:
    return ((v & 0xFF) << 8) | (v >> 8)


def _fix_tcp(pkt: bytearray, thoff: int, end: int, limit: int) -> bool:
    if end < thoff + 20 or len(pkt) < thoff + 20:
        return False
    if not pkt[thoff + 13] & TCP_SYN:
        return False
    hlen = (pkt[thoff + 12] >> 4) * 4
    if hlen <= 20 or end < thoff + hlen:
        return False
    opts = thoff + 20
    olen = hlen - 20
    lowered = False
    i = 0
    while i < olen:
        kind = pkt[opts + i]
        if kind == TCPOPT_EOL:
            break
        if kind == TCPOPT_NOP:
            i += 1
            continue
        if olen - i < 2:
            break
        optlen = pkt[opts + i + 1]
        if optlen < 2 or optlen > olen - i:
            break
        if kind == TCPOPT_MSS and optlen == TCPOLEN_MSS and limit:
            mss = int.from_bytes(pkt[opts + i + 2 : opts + i + 4], "big")
            if mss > limit:
                pkt[opts + i + 2 : opts + i + 4] = limit.to_bytes(2, "big")
                old, new = (_swab16(mss), _swab16(limit)) if i & 1 else (mss, limit)
                check = int.from_bytes(pkt[thoff + 16 : thoff + 18], "big")
                pkt[thoff + 16 : thoff + 18] = _csum_replace2(check, old, new).to_bytes(2, "big")
                lowered = True
        i += optlen
    return lowered


def _ipv6_tcp_offset(pkt: bytes) -> int | None:
    """Offset of the TCP header after the extension headers, None if not TCP or a later fragment."""
    nexthdr = pkt[6]
    off = 40
    while nexthdr in _EXT_HDRS:
        if len(pkt) < off + 8:
            return None
        if nexthdr == 44:
            if struct.unpack_from(">H", pkt, off + 2)[0] & ~0x7:
                return None
            nexthdr, off = pkt[off], off + 8
        elif nexthdr == 51:
            nexthdr, off = pkt[off], off + (pkt[off + 1] + 2) * 4
        else:
            nexthdr, off = pkt[off], off + (pkt[off + 1] + 1) * 8
    return off if nexthdr == IPPROTO_TCP else None


def clamp(packet: bytes, limit4: int, limit6: int) -> tuple[bytes, bool]:
    """``packet`` as it leaves the clamp, and whether an MSS was lowered (limits 0: off)."""
    pkt = bytearray(packet)
    if not pkt:
        return packet, False
    version = pkt[0] >> 4
    lowered = False
    if version == 4 and len(pkt) >= 20 and limit4:
        ihl = (pkt[0] & 0x0F) * 4
        end = struct.unpack_from(">H", pkt, 2)[0]
        frag = struct.unpack_from(">H", pkt, 6)[0] & 0x1FFF
        if pkt[9] == IPPROTO_TCP and ihl >= 20 and not frag and ihl <= end <= len(pkt):
            lowered = _fix_tcp(pkt, ihl, end, limit4)
    elif version == 6 and len(pkt) >= 40 and limit6:
        plen = struct.unpack_from(">H", pkt, 4)[0]
        end = 40 + plen
        thoff = _ipv6_tcp_offset(bytes(pkt[:end])) if plen and end <= len(pkt) else None
        if thoff is not None:
            lowered = _fix_tcp(pkt, thoff, end, limit6)
    return (bytes(pkt), True) if lowered else (packet, False)


TCP_ACK = 0x10

# option lists the clamp must leave alone, byte for byte (each a multiple of 4 bytes)
MALFORMED_OPTIONS: dict[str, bytes] = {
    "zero_length_option": bytes([8, 0, 2, 4, 0x05, 0xB4, 0, 0]),  # an option of length 0 ends the walk
    "length_one_option": bytes([8, 1, 2, 4, 0x05, 0xB4, 0, 0]),
    "mss_wrong_length": bytes([2, 6, 0x05, 0xB4, 0, 0, 0, 0]),
    "option_past_header": bytes([1, 1, 1, 1, 1, 8, 10, 2]),
    "mss_after_eol": bytes([0, 1, 2, 4, 0x05, 0xB4, 1, 1]),
    "truncated_mss": bytes([1, 1, 1, 1, 1, 1, 2, 4]),
}


def mss_option(mss: int) -> bytes:
    return bytes([TCPOPT_MSS, TCPOLEN_MSS]) + mss.to_bytes(2, "big")


def mss_values(packet: bytes) -> list[int]:
    """The MSS options of the TCP header of an IPv4 or IPv6 packet (no extension headers), in order."""
    thoff = (packet[0] & 0x0F) * 4 if packet[0] >> 4 == 4 else 40
    opts = packet[thoff + 20 : thoff + (packet[thoff + 12] >> 4) * 4]
    out, i = [], 0
    while i < len(opts) and opts[i] != TCPOPT_EOL:
        if opts[i] == TCPOPT_NOP:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if opts[i] == TCPOPT_MSS and opts[i + 1] == TCPOLEN_MSS:
            out.append(int.from_bytes(opts[i + 2 : i + 4], "big"))
        i += opts[i + 1]
    return out
