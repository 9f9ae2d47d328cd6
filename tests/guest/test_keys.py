"""Key slots: rekey through the secondary slot while traffic flows, deletion, empty slots."""

from __future__ import annotations

import re
import socket
import subprocess
import time

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.proto import wire
from pyharness.proto.consts import KeySlot


def data_key_ids(ns: str, dev: str, seconds: float) -> set[int]:
    """Key ids of DATA_V2 packets seen on a veth for a while."""
    with netns.inside(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
        s.bind((dev, 0))
    s.settimeout(0.2)
    ids = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pkt = s.recv(65535)
        except TimeoutError:
            continue
        if len(pkt) > 28 and pkt[9] == 17 and pkt[28] >> 3 == wire.OP_DATA_V2:
            ids.add(pkt[28] & 7)
    s.close()
    return ids


def test_rekey_with_traffic_flowing(tunnel):
    t = tunnel()
    a, b = t.ends
    ping = subprocess.Popen(
        ["ip", "netns", "exec", a.ns, "ping", "-i", "0.05", "-c", "100", "-W", "1", topo.TUNNEL4[1]],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    new_a, new_b = wire.keydir(t.cipher, 21), wire.keydir(t.cipher, 22)
    a.key(t.peer_id, new_a, new_b, key_id=1, slot=KeySlot.SECONDARY)
    b.key(t.peer_id, new_b, new_a, key_id=1, slot=KeySlot.SECONDARY)
    b.client.swap_keys(b.ifindex, t.peer_id)  # b sends with key 1 first; a still accepts it in its secondary
    time.sleep(0.5)
    a.client.swap_keys(a.ifindex, t.peer_id)
    assert data_key_ids(t.underlay.ns[1], "vb", 1.0) == {1}
    for end in (a, b):
        end.client.del_key(end.ifindex, t.peer_id, KeySlot.SECONDARY)  # the old key retires
    out, _ = ping.communicate(timeout=60)
    received = int(re.search(r"(\d+) received", out).group(1))
    assert received >= 98, out  # measured loss bound: at most 2 of 100 across the rekey


def test_deleting_the_primary_stops_tx(tunnel):
    t = tunnel()
    a = t.ends[0]
    a.client.del_key(a.ifindex, t.peer_id, KeySlot.PRIMARY)
    assert " 0 received" in netns.run(a.ns, "ping", "-c", "2", "-W", "1", topo.TUNNEL4[1], check=False).stdout
    assert a.ethtool_stats()["tx_no_key"] >= 2
    a.key(t.peer_id, *t.keys)
    assert " 3 received" in t.ping(0)


def test_empty_slot_operations_succeed(tunnel):
    t = tunnel()
    a = t.ends[0]
    a.client.del_key(a.ifindex, t.peer_id, KeySlot.SECONDARY)
    a.client.del_key(a.ifindex, t.peer_id, KeySlot.SECONDARY)
    a.client.swap_keys(a.ifindex, t.peer_id)  # primary moves to the empty secondary...
    a.client.swap_keys(a.ifindex, t.peer_id)  # ...and back
    assert " 3 received" in t.ping(0)


def test_new_key_replaces_an_occupied_slot(tunnel):
    t = tunnel()
    a, b = t.ends
    k1, k2 = wire.keydir(t.cipher, 31), wire.keydir(t.cipher, 32)
    a.key(t.peer_id, k1, k2, key_id=2)
    b.key(t.peer_id, k2, k1, key_id=2)
    assert " 3 received" in t.ping(0)


def test_key_for_unknown_peer_is_enoent(tunnel):
    t = tunnel()
    a = t.ends[0]
    try:
        a.key(t.peer_id + 1, *t.keys)
    except OSError as exc:
        assert exc.errno == 2
        assert exc.extack == "no such peer"
    else:
        raise AssertionError("NEW_KEY for an unknown peer succeeded")


def test_wrong_key_size_for_cipher_rejected(tunnel):
    t = tunnel(cipher=wire.Cipher.CHACHA20_POLY1305)
    a = t.ends[0]
    short = wire.KeyDir(wire.Cipher.CHACHA20_POLY1305, b"k" * 16, b"n" * 8)
    try:
        a.key(t.peer_id, short, short)
    except OSError as exc:
        assert exc.errno == 22
        assert exc.extack
    else:
        raise AssertionError("a 16-byte ChaCha20-Poly1305 key was accepted")
