"""The fuzzers' reference models, on the host: the policy mirror, the replay window, TCP framing."""

from __future__ import annotations

import errno
import random
import struct

from pyharness.fuzz import nlspec as spec
from pyharness.fuzz.pktmodel import Window, tcp_frames
from pyharness.proto.consts import DCO, DCO_V2

TOP = spec.top_policy(DCO_V2)


def attrs(*items: spec.Attr) -> bytes:
    return b"".join(a.encode() for a in items)


def u32(t: int, v: int) -> spec.Attr:
    return spec.Attr(t, struct.pack("=I", v))


def test_policy_mirror_accepts_a_well_formed_request() -> None:
    data = attrs(u32(1, 3), spec.Attr(DCO_V2.attr.GET_PEER, [u32(1, 5)]))
    parsed = spec.validate(data, TOP)
    assert parsed.err == 0
    assert parsed.nests[DCO_V2.attr.GET_PEER].attrs[1] == struct.pack("=I", 5)


def test_policy_mirror_rejects_like_the_kernel() -> None:
    gp = DCO_V2.attr.GET_PEER
    cases = {
        "u32 of 3 bytes": (attrs(spec.Attr(1, b"\1\2\3")), errno.EINVAL),
        "unknown top attribute": (attrs(u32(9, 1)), errno.EINVAL),
        "type 0": (attrs(u32(0, 1)), errno.EINVAL),
        "nest without NLA_F_NESTED": (attrs(spec.Attr(gp, u32(1, 5).encode(), flags=0)), errno.EINVAL),
        "scalar with NLA_F_NESTED": (attrs(spec.Attr(1, struct.pack("=I", 1), flags=spec.NLA_F_NESTED)), errno.EINVAL),
        "nest of 2 bytes": (attrs(spec.Attr(gp, b"\0\0", flags=spec.NLA_F_NESTED)), errno.ERANGE),
        "peer id above 24 bits": (attrs(spec.Attr(gp, [u32(1, 1 << 24)])), errno.ERANGE),
        "trailing bytes": (attrs(u32(1, 3)) + b"\1\0", errno.EINVAL),
    }
    for name, (data, err) in cases.items():
        assert spec.validate(data, TOP).err == err, name


def test_delete_reasons_differ_between_the_families() -> None:
    def del_peer(layout: object, reason: int) -> int:
        top = spec.top_policy(layout)  # type: ignore[arg-type]
        nest = spec.Attr(layout.attr.DEL_PEER, [spec.Attr(1, bytes([reason])), u32(2, 1)])  # type: ignore[attr-defined]
        return spec.validate(attrs(nest), top).err

    assert del_peer(DCO, 3) == 0 and del_peer(DCO, 4) == errno.ERANGE
    assert del_peer(DCO_V2, 4) == 0 and del_peer(DCO_V2, 5) == errno.ERANGE


def test_replay_window_model_follows_pktid_c() -> None:
    w = Window()
    assert not w.check(0)
    assert w.check(1) and not w.check(1)
    assert w.check(3000) and w.check(3000 - 2047) and not w.check(3000 - 2048)
    assert w.check(2) is False  # far below the window
    assert w.check(2999) and not w.check(2999)


def test_replay_window_model_matches_a_brute_force_reference() -> None:
    rng = random.Random(5)
    w, seen, top = Window(), set(), 0
    for _ in range(20000):
        pid = max(0, top + rng.randrange(-2200, 60))
        fresh = pid != 0 and (pid > top or (top - pid < 2048 and pid not in seen))
        assert w.check(pid) == fresh
        if fresh:
            seen.add(pid)
            top = max(top, pid)


def test_tcp_framing_model() -> None:
    assert tcp_frames(b"\0\3abc\0\1z\0") == ([b"abc", b"z"], False)
    assert tcp_frames(b"\0\2ab\0\0\0\1x") == ([b"ab"], True)
    assert tcp_frames(b"\xff\xff" + b"x" * 100) == ([], False)
