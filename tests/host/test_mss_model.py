"""The MSS clamping model (pyharness.proto.mss): OpenVPN's numbers, valid checksums, malformed options left alone."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment

from pyharness.proto import mss, wire

TRANSPORTS = {
    # (outer IPv6, TCP transport): largest MSS of an inner IPv4 segment with mssfix 1492
    (False, False): 1400,  # OpenVPN 2.6 without offload, UDP over IPv4 (measured in the issue)
    (True, False): 1380,
    (False, True): 1386,
    (True, True): 1366,
}


@pytest.mark.parametrize(("outer6", "tcp"), list(TRANSPORTS))
def test_max_mss_follows_openvpn_arithmetic(outer6, tcp):
    v4 = mss.max_mss(mss.DEFAULT_MSSFIX, outer_ipv6=outer6, tcp=tcp, inner_ipv6=False)
    v6 = mss.max_mss(mss.DEFAULT_MSSFIX, outer_ipv6=outer6, tcp=tcp, inner_ipv6=True)
    assert v4 == TRANSPORTS[(outer6, tcp)]
    assert v6 == v4 - 20


def syn4(options: list, flags: str = "S") -> bytes:
    return bytes(IP(src="10.99.0.1", dst="10.99.0.2") / TCP(sport=40000, dport=5201, flags=flags, options=options))


def syn6(options: list, ext: bool = False) -> bytes:
    ip = IPv6(src="fd99::1", dst="fd99::2")
    if ext:
        ip = ip / IPv6ExtHdrDestOpt()
    return bytes(ip / TCP(sport=40000, dport=5201, flags="S", options=options))


def tcp_of(raw: bytes) -> TCP:
    pkt = IP(raw) if raw[0] >> 4 == 4 else IPv6(raw)
    return pkt[TCP]


def checksum_ok(raw: bytes) -> bool:
    pkt = IP(raw) if raw[0] >> 4 == 4 else IPv6(raw)
    got = pkt[TCP].chksum
    del pkt[TCP].chksum
    return (IP(bytes(pkt)) if raw[0] >> 4 == 4 else IPv6(bytes(pkt)))[TCP].chksum == got


def test_syn_is_lowered_with_a_valid_checksum():
    out, lowered = mss.clamp(syn4([("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]), 1400, 1380)
    assert lowered
    assert dict(tcp_of(out).options)["MSS"] == 1400
    assert checksum_ok(out)


def test_mss_at_an_odd_offset_keeps_the_checksum_valid():
    raw = syn4([("NOP", None), ("MSS", 1460), ("NOP", None), ("NOP", None), ("NOP", None)])
    out, lowered = mss.clamp(raw, 1400, 1380)
    assert lowered
    assert out[20 + 20 + 1 : 20 + 20 + 5] == bytes([2, 4, 0x05, 0x78])
    assert checksum_ok(out)


def test_syn_ack_is_lowered_too():
    out, lowered = mss.clamp(syn4([("MSS", 1460)], flags="SA"), 1400, 1380)
    assert lowered and dict(tcp_of(out).options)["MSS"] == 1400


def test_smaller_mss_is_never_raised():
    raw = syn4([("MSS", 1000)])
    assert mss.clamp(raw, 1400, 1380) == (raw, False)


def test_segments_without_syn_pass_unchanged():
    raw = syn4([("MSS", 1460)], flags="A")
    assert mss.clamp(raw, 1400, 1380) == (raw, False)


def test_zero_limit_is_off():
    raw = syn4([("MSS", 1460)])
    assert mss.clamp(raw, 0, 0) == (raw, False)


def test_ipv6_uses_the_ipv6_limit_and_skips_extension_headers():
    out, lowered = mss.clamp(syn6([("MSS", 1440)], ext=True), 1400, 1380)
    assert lowered and dict(tcp_of(out).options)["MSS"] == 1380
    assert checksum_ok(out)


def test_ipv6_later_fragment_passes():
    raw = bytes(IPv6(src="fd99::1", dst="fd99::2") / IPv6ExtHdrFragment(offset=10, nh=6) / (b"\x00" * 40))
    assert mss.clamp(raw, 1400, 1380) == (raw, False)


def raw_syn4(opts: bytes) -> bytes:
    """A SYN with the raw option bytes ``opts`` (a multiple of 4), checksum filled in by scapy."""
    tcp = TCP(sport=40000, dport=5201, flags="S", dataofs=5 + len(opts) // 4)
    return bytes(IP(src="10.99.0.1", dst="10.99.0.2") / tcp / opts)


@pytest.mark.parametrize("name", list(mss.MALFORMED_OPTIONS))
def test_malformed_options_pass_unchanged(name):
    raw = raw_syn4(mss.MALFORMED_OPTIONS[name])
    assert mss.clamp(raw, 1400, 1380) == (raw, False)


def test_header_longer_than_the_packet_passes_unchanged():
    raw = bytearray(syn4([("MSS", 1460)]))
    raw[32] = 0xF0  # data offset 15: 60 bytes of header in a 24-byte segment
    assert mss.clamp(bytes(raw), 1400, 1380) == (bytes(raw), False)


def test_ip_length_shorter_than_the_options_passes_unchanged():
    raw = bytearray(syn4([("MSS", 1460)]))
    raw[2:4] = (40).to_bytes(2, "big")  # the IP length stops before the MSS option
    assert mss.clamp(bytes(raw), 1400, 1380) == (bytes(raw), False)


def test_every_mss_option_is_lowered():
    out, lowered = mss.clamp(raw_syn4(bytes([2, 4, 0x05, 0xB4, 2, 4, 0x05, 0xB4])), 1400, 1380)
    assert lowered
    assert out[40:48] == bytes([2, 4, 0x05, 0x78, 2, 4, 0x05, 0x78])
    assert checksum_ok(out)


def test_tcp_segment_builder_matches_scapy():
    raw = wire.tcp_segment("10.99.0.1", "10.99.0.2", 40000, 5201, mss.TCP_SYN, mss.mss_option(1460))
    assert wire.tcp_checksum_ok(raw) and checksum_ok(raw)
    assert dict(tcp_of(raw).options)["MSS"] == 1460
    raw6 = wire.tcp_segment("fd99::1", "fd99::2", 40000, 5201, mss.TCP_SYN, mss.mss_option(1440))
    assert wire.tcp_checksum_ok(raw6) and checksum_ok(raw6)
    assert mss.mss_values(raw6) == [1440]
