"""What the kernel accepts from the wire: replay window, malformed and forged packets."""

from __future__ import annotations

import os
import socket

import pytest

from pyharness.fuzz.pktmodel import DROPS
from pyharness.guest import netns
from pyharness.proto import wire as codec

WINDOW = 2048


def delivered(listener: socket.socket, last: int | None = None) -> list[int]:
    """Tags of the inner packets that reached the listener (payload = decimal tag): until 1.5 s of
    silence, or until the packet tagged ``last`` (the last one sent) arrives. A peer's packets are
    delivered in the order they came (the wire fixture sends from one CPU), so once ``last`` is in,
    every packet sent before it has been delivered or dropped, and counted."""
    out: list[int] = []
    listener.settimeout(1.5 if last is None else 10)
    try:
        while last is None or last not in out:
            out.append(int(listener.recv(100)))
    except TimeoutError:
        return out
    listener.settimeout(0)
    try:  # anything delivered after it, which would be a bug
        while True:
            out.append(int(listener.recv(100)))
    except BlockingIOError:
        return out


def send_ids(w, ids: list[int]) -> None:
    for pid in ids:
        w.send(w.inner_udp(str(pid).encode()), pid=pid)


@pytest.fixture
def rx(wire):
    """A kernel end and a listener (the wire fixture pins this process to one CPU)."""
    w = wire()
    yield w, w.listener()


def test_fresh_ids_accepted_in_order(rx):
    w, lst = rx
    send_ids(w, [1, 2, 3])
    assert delivered(lst, last=3) == [1, 2, 3]


def test_duplicate_dropped_and_counted(rx):
    w, lst = rx
    send_ids(w, [1, 2, 3, 2, 3, 1, 4])
    assert delivered(lst, last=4) == [1, 2, 3, 4]
    assert w.end.ethtool_stats()["rx_replay"] == 3


def test_packet_id_zero_rejected(rx):
    w, lst = rx
    send_ids(w, [0, 1])
    assert delivered(lst, last=1) == [1]
    assert w.end.ethtool_stats()["rx_replay"] == 1


def test_reordered_within_window_accepted_once(rx):
    w, lst = rx
    send_ids(w, [5, 3, 4, 1, 2, 4, 100, 6, 99])
    assert delivered(lst, last=99) == [5, 3, 4, 1, 2, 100, 6, 99]
    assert w.end.ethtool_stats()["rx_replay"] == 1


def test_window_edges(rx):
    w, lst = rx
    top = 5000
    oldest = top - WINDOW + 1
    send_ids(w, [top, oldest, oldest - 1, top + 1, oldest, top + WINDOW + 10, top + 12])
    # oldest is the last id inside a 2048-packet window; one below is too old; a far jump slides it
    assert delivered(lst, last=top + 12) == [top, oldest, top + 1, top + WINDOW + 10, top + 12]
    assert w.end.ethtool_stats()["rx_replay"] == 2


def test_replay_checked_only_after_authentication(rx):
    w, lst = rx
    forged = bytearray(w.seal(w.inner_udp(b"7"), pid=7))
    forged[10] ^= 0xFF  # corrupt the tag: must not burn id 7
    w.send_raw(bytes(forged))
    send_ids(w, [7])
    assert delivered(lst, last=7) == [7]
    stats = w.end.ethtool_stats()
    assert stats["rx_auth_failed"] == 1
    assert stats["rx_replay"] == 0


@pytest.mark.parametrize("length", range(1, codec.OVERHEAD))
def test_truncated_data_packet_dropped_as_malformed(rx, length):
    w, lst = rx
    pkt = w.seal(w.inner_udp(b"1"))
    w.send_raw(pkt[:length])
    send_ids(w, [50])
    assert delivered(lst, last=50) == [50]
    stats = w.end.ethtool_stats()
    assert stats["rx_malformed"] == 1
    assert w.end.stat("rx_dropped") == 1


def test_header_and_tag_without_payload_fails_authentication(rx):
    w, lst = rx
    w.send_raw(w.seal(w.inner_udp(b"1"))[: codec.OVERHEAD])
    send_ids(w, [50])
    assert delivered(lst, last=50) == [50]
    assert w.end.ethtool_stats()["rx_auth_failed"] == 1


def test_empty_datagram_dropped_as_malformed(rx):
    w, lst = rx
    w.send_raw(b"")
    send_ids(w, [9])
    assert delivered(lst, last=9) == [9]
    assert w.end.ethtool_stats()["rx_malformed"] == 1


def test_bad_tag_dropped(rx):
    w, lst = rx
    pkt = bytearray(w.seal(w.inner_udp(b"1"), pid=1))
    pkt[-1] ^= 1  # ciphertext bit flip
    w.send_raw(bytes(pkt))
    assert delivered(lst) == []
    assert w.end.ethtool_stats()["rx_auth_failed"] == 1


# packet id (AAD), first and last tag byte, first and last ciphertext byte
FLIPPED = {"pktid": 7, "tag_first": 8, "tag_last": 23, "text_first": 24, "text_last": -1}


@pytest.mark.parametrize("cipher", list(codec.Cipher), ids=[c.name for c in codec.Cipher])
@pytest.mark.parametrize("where", FLIPPED.values(), ids=FLIPPED.keys())
def test_a_flipped_bit_anywhere_authenticated_fails(wire, cipher, where):
    w = wire(cipher=cipher)
    lst = w.listener()
    pkt = bytearray(w.seal(w.inner_udp(b"5"), pid=5))
    pkt[where] ^= 0x10
    w.send_raw(bytes(pkt))
    send_ids(w, [5])  # the forgery did not burn id 5
    assert delivered(lst, last=5) == [5]
    stats = w.end.ethtool_stats()
    assert (stats["rx_auth_failed"], stats["rx_replay"]) == (1, 0)
    assert w.end.stat("rx_dropped") == 1


def test_unknown_peer_id_dropped(rx):
    w, lst = rx
    w.send(w.inner_udp(b"1"), peer_id=w.peer_id + 1)
    assert delivered(lst) == []
    assert w.end.ethtool_stats()["rx_unknown_peer"] == 1


def test_key_id_not_installed_dropped(rx):
    w, lst = rx
    w.send(w.inner_udp(b"1"), key_id=w.key_id + 1)
    assert delivered(lst) == []
    assert w.end.ethtool_stats()["rx_no_key"] == 1


def test_non_ip_plaintext_dropped(rx):
    w, lst = rx
    w.send(b"\x28" + b"not an ip packet")  # an OCC message starts with 0x28
    assert delivered(lst) == []
    assert w.end.ethtool_stats()["rx_malformed"] == 1


def test_random_garbage_with_data_opcode_never_crashes(rx):
    w, lst = rx
    rnd = os.urandom(64 * 200)
    for i in range(200):
        chunk = bytearray(rnd[i * 64 : i * 64 + 24 + i % 40])
        chunk[0] = 0x48 | (i % 8)
        chunk[1:4] = w.peer_id.to_bytes(3, "big")
        w.send_raw(bytes(chunk))
    send_ids(w, [1])
    assert delivered(lst, last=1) == [1]
    stats = w.end.ethtool_stats()
    assert stats["rx_auth_failed"] + stats["rx_no_key"] + stats["rx_malformed"] == 200
    assert w.end.stat("rx_dropped") == 200


def test_packet_for_a_device_that_is_down_dropped_as_an_error(rx):
    w, lst = rx
    netns.ip("link", "set", w.end.ifname, "down", netns=w.end.ns)
    try:
        send_ids(w, [1])
        assert delivered(lst) == []
        stats = w.end.ethtool_stats()
    finally:
        netns.ip("link", "set", w.end.ifname, "up", netns=w.end.ns)
    assert w.end.stat("rx_dropped") == 1
    # one drop, one reason
    assert {r: stats[r] for r in DROPS if stats[r]} == {"rx_errors": 1}
