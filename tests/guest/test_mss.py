"""mssfix in the kernel: TCP SYNs crossing the tunnel get OpenVPN's MSS, exactly as pyharness.proto.mss says."""

from __future__ import annotations

import errno
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyharness.net import packets, topo
from pyharness.netlink import genl
from pyharness.netlink.dco import OvpnClient
from pyharness.proto import mss
from pyharness.proto import wire as codec
from pyharness.proto.consts import DCO, DCO_V2, LAYOUTS, DevAttr, Layout

from .conftest import sh

PARAM = Path("/sys/module/ovpn_dco/parameters/mssfix")
SPORT = 40000
TRANSPORTS = [("udp", 4), ("udp", 6), ("tcp", 4), ("tcp", 6)]


def syn(inner: int, options: bytes, flags: int = mss.TCP_SYN, reverse: bool = False) -> bytes:
    """A SYN from the Python peer's tunnel address to the kernel side's (``reverse``: the other way)."""
    addrs = topo.TUNNEL4 if inner == 4 else topo.TUNNEL6
    src, dst = (addrs[0], addrs[1]) if reverse else (addrs[1], addrs[0])
    return codec.tcp_segment(src, dst, SPORT, 5201, flags, options)


def sent_segment(w: topo.WirePair) -> bytes:
    """The next plaintext of our test connection the kernel sent to the Python peer (not the stack's RSTs)."""
    while True:
        plain = codec.decrypt(w.kernel_tx, w.recv()).plaintext
        thoff = (plain[0] & 0x0F) * 4 if plain[0] >> 4 == 4 else 40
        if int.from_bytes(plain[thoff : thoff + 2], "big") == SPORT:
            return plain


def limits(outer: int, proto: str = "udp", mssfix: int = mss.DEFAULT_MSSFIX) -> tuple[int, int]:
    """The largest MSS of an inner IPv4 and of an inner IPv6 segment for a transport."""
    return tuple(  # type: ignore[return-value]
        mss.max_mss(mssfix, outer_ipv6=outer == 6, tcp=proto == "tcp", inner_ipv6=inner6) for inner6 in (False, True)
    )


def clamped(end: topo.KernelEnd) -> tuple[int, int]:
    stats = end.ethtool_stats()
    return stats["tx_mss_clamped"], stats["rx_mss_clamped"]


@pytest.fixture
def module_default() -> Iterator[None]:
    """Put the module parameter back as it was."""
    before = PARAM.read_text().strip()
    yield
    PARAM.write_text(before)


# --- the setting ----------------------------------------------------------------------------------------------------


def test_module_parameter_defaults_to_openvpns_mssfix():
    assert int(PARAM.read_text()) == mss.DEFAULT_MSSFIX == 1492


@pytest.mark.parametrize("layout", LAYOUTS, ids=[lay.family for lay in LAYOUTS])
def test_new_device_reports_the_default_over_get_dev(ovpn_dev, layout):
    _, idx = ovpn_dev()
    with OvpnClient(layout) as c:
        assert c.get_mssfix(idx) == 1492


def test_set_dev_through_one_family_is_read_through_the_other(ovpn_dev):
    _, idx = ovpn_dev()
    with OvpnClient(DCO_V2) as v2, OvpnClient(DCO) as v1:
        for value in (1300, 0, 576, 65535, 1492):
            v2.set_mssfix(idx, value)
            assert v1.get_mssfix(idx) == value


@pytest.mark.parametrize("value", [1, 100, 575])
def test_mssfix_below_576_is_rejected_and_nothing_changes(ovpn_dev, value):
    _, idx = ovpn_dev()
    with OvpnClient(DCO_V2) as c:
        c.set_mssfix(idx, 1400)
        with pytest.raises(genl.NetlinkError) as exc:
            c.set_mssfix(idx, value)
        assert (exc.value.errno, exc.value.extack) == (errno.EINVAL, "mssfix must be 0 (off) or at least 576")
        assert c.get_mssfix(idx) == 1400


def set_dev_raw(layout: Layout, idx: int, *attrs: bytes) -> genl.NetlinkError:
    with genl.GenlSocket() as s:
        fam = s.resolve(layout.family)
        with pytest.raises(genl.NetlinkError) as exc:
            s.request(fam.id, layout.cmd.SET_DEV, genl.u32(layout.attr.IFINDEX, idx) + b"".join(attrs))
    return exc.value


@pytest.mark.parametrize("layout", LAYOUTS, ids=[lay.family for lay in LAYOUTS])
def test_set_dev_requests_are_validated(ovpn_dev, layout):
    _, idx = ovpn_dev()
    err = set_dev_raw(layout, idx)
    assert (err.errno, err.extack) == (errno.EINVAL, "missing OVPN_ATTR_DEV")
    err = set_dev_raw(layout, idx, genl.nest(layout.attr.DEV))
    assert (err.errno, err.extack) == (errno.EINVAL, "missing required attribute")
    err = set_dev_raw(layout, idx, genl.nest(layout.attr.DEV, genl.u32(DevAttr.MSSFIX, 1400)))
    assert err.errno == errno.EINVAL and err.extack  # a u16 sent as u32
    err = set_dev_raw(layout, idx, genl.nest(layout.attr.DEV, genl.u16(DevAttr.MSSFIX, 1400), genl.u16(2, 1)))
    assert err.errno == errno.EINVAL and err.extack  # an attribute the nest does not have
    with OvpnClient(layout) as c:
        assert c.get_mssfix(idx) == 1492


def test_set_dev_on_another_kind_of_device_is_rejected():
    lo = int(sh("cat /sys/class/net/lo/ifindex").stdout)
    err = set_dev_raw(DCO_V2, lo, genl.nest(DCO_V2.attr.DEV, genl.u16(DevAttr.MSSFIX, 1400)))
    assert (err.errno, err.extack) == (errno.EINVAL, "not an ovpn-dco device")


def test_module_parameter_sets_the_default_of_new_devices_only(ovpn_dev, module_default):
    _, old = ovpn_dev()
    PARAM.write_text("1300")
    _, new = ovpn_dev()
    with OvpnClient(DCO_V2) as c:
        assert (c.get_mssfix(old), c.get_mssfix(new)) == (1492, 1300)
    for bad, code in (("575", errno.EINVAL), ("70000", errno.ERANGE), ("x", errno.EINVAL)):
        with pytest.raises(OSError) as exc:
            PARAM.write_text(bad)
        assert exc.value.errno == code, bad
    assert PARAM.read_text().strip() == "1300"


def test_cli_shows_and_sets_mssfix(ovpn_dev):
    name, idx = ovpn_dev()
    cli = [sys.executable, "-m", "pyharness.cli"]
    subprocess.run([*cli, "dev", "set", name, "--mssfix", "1350"], check=True, timeout=60)
    out = subprocess.run([*cli, "dev", "show", name], check=True, capture_output=True, text=True, timeout=60)
    assert out.stdout == "mssfix 1350\n"
    with OvpnClient(DCO_V2) as c:
        assert c.get_mssfix(idx) == 1350


# --- the data path, against the Python peer (exact bytes) --------------------------------------------------------


@pytest.mark.parametrize("outer", [4, 6])
@pytest.mark.parametrize("inner", [4, 6])
def test_syn_received_from_the_tunnel_is_clamped_exactly(wire, outer, inner):
    w = wire(outer=outer)
    cap = packets.capture(w.end.ns, w.end.ifname)
    sent = syn(inner, mss.mss_option(1460) + bytes([1, 3, 3, 7, 4, 2]))
    before = clamped(w.end)
    w.send(sent)
    got = packets.received_from_port(cap, SPORT)
    want, lowered = mss.clamp(sent, *limits(outer))
    assert lowered
    assert got == want
    assert mss.mss_values(got) == [{(4, 4): 1400, (4, 6): 1380, (6, 4): 1380, (6, 6): 1360}[(outer, inner)]]
    assert codec.tcp_checksum_ok(got)
    after = clamped(w.end)
    assert (after[0] - before[0], after[1] - before[1]) == (0, 1)


@pytest.mark.parametrize("inner", [4, 6])
def test_syn_sent_into_the_tunnel_is_clamped_exactly(wire, inner):
    w = wire()
    sent = syn(inner, mss.mss_option(1460), reverse=True)
    before = clamped(w.end)
    packets.inject(w.end.ns, w.end.ifname, sent)
    got = sent_segment(w)
    assert got == mss.clamp(sent, *limits(4))[0]
    assert mss.mss_values(got) == [1400 if inner == 4 else 1380]
    assert codec.tcp_checksum_ok(got)
    after = clamped(w.end)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 0)


CASES = {
    "smaller_mss_not_raised": (mss.TCP_SYN, mss.mss_option(1000)),
    "mss_equal_to_the_limit": (mss.TCP_SYN, mss.mss_option(1400)),
    "not_a_syn": (mss.TCP_ACK, mss.mss_option(1460)),
    **{name: (mss.TCP_SYN, opts) for name, opts in mss.MALFORMED_OPTIONS.items()},
}


@pytest.mark.parametrize("case", list(CASES))
def test_packets_the_clamp_must_not_touch_pass_byte_for_byte(wire, case):
    flags, options = CASES[case]
    w = wire()
    cap = packets.capture(w.end.ns, w.end.ifname)
    before = clamped(w.end)
    sent = syn(4, options, flags)
    w.send(sent)
    assert packets.received_from_port(cap, SPORT) == sent
    out = syn(4, options, flags, reverse=True)
    packets.inject(w.end.ns, w.end.ifname, out)
    assert sent_segment(w) == out
    assert clamped(w.end) == before


def test_syn_ack_and_mss_at_an_odd_offset_are_clamped(wire):
    w = wire()
    cap = packets.capture(w.end.ns, w.end.ifname)
    sent = syn(4, bytes([1]) + mss.mss_option(1460) + bytes([1, 1, 1]), flags=mss.TCP_SYN | mss.TCP_ACK)
    w.send(sent)
    got = packets.received_from_port(cap, SPORT)
    assert got == mss.clamp(sent, 1400, 1380)[0]
    assert mss.mss_values(got) == [1400]
    assert codec.tcp_checksum_ok(got)


def test_mssfix_zero_turns_clamping_off(wire):
    w = wire()
    w.end.client.set_mssfix(w.end.ifindex, 0)
    cap = packets.capture(w.end.ns, w.end.ifname)
    sent = syn(4, mss.mss_option(1460))
    w.send(sent)
    assert packets.received_from_port(cap, SPORT) == sent
    out = syn(4, mss.mss_option(1460), reverse=True)
    packets.inject(w.end.ns, w.end.ifname, out)
    assert sent_segment(w) == out
    assert clamped(w.end) == (0, 0)


def test_mssfix_value_of_the_device_sets_the_limit(wire):
    w = wire()
    w.end.client.set_mssfix(w.end.ifindex, 1300)
    cap = packets.capture(w.end.ns, w.end.ifname)
    w.send(syn(4, mss.mss_option(1460)))
    assert mss.mss_values(packets.received_from_port(cap, SPORT)) == [1300 - 92]


# --- every transport (kernel to kernel) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("proto", "outer"), TRANSPORTS, ids=[f"{p}{o}" for p, o in TRANSPORTS])
def test_limit_follows_the_peers_transport(tunnel, proto, outer):
    t = tunnel(outer=outer, proto=proto)
    a, b = t.ends
    b.client.set_mssfix(b.ifindex, 0)  # the far end only delivers: what arrives is a's clamp
    cap = packets.capture(b.ns, b.ifname)
    want4, want6 = limits(outer, proto)
    assert (want4, want6) == {
        ("udp", 4): (1400, 1380),
        ("udp", 6): (1380, 1360),
        ("tcp", 4): (1386, 1366),
        ("tcp", 6): (1366, 1346),
    }[(proto, outer)]
    for inner, want in ((4, want4), (6, want6)):
        packets.inject(a.ns, a.ifname, syn(inner, mss.mss_option(1460), reverse=True))
        got = packets.received_from_port(cap, SPORT)
        assert mss.mss_values(got) == [want], inner
        assert codec.tcp_checksum_ok(got)
    assert clamped(a) == (2, 0)
    assert clamped(b) == (0, 0)
