"""Keepalive: encrypted pings at the interval, expiry after the timeout, notified."""

from __future__ import annotations

import time

from pyharness.guest import netns
from pyharness.netlink.dco import OvpnClient
from pyharness.proto import wire as codec
from pyharness.proto.consts import DCO, DCO_V2, DelPeerReasonV2


def test_pings_sent_encrypted_at_the_interval(wire):
    w = wire()
    w.end.client.set_peer(w.end.ifindex, w.peer_id, 1, 0)
    start = time.monotonic()
    times, pids = [], []
    while time.monotonic() - start < 4.5:
        d = codec.decrypt(w.kernel_tx, w.recv(3))
        assert d.plaintext == codec.PING_MAGIC
        times.append(time.monotonic() - start)
        pids.append(d.packet_id)
    assert 3 <= len(times) <= 6
    assert pids == list(range(1, len(pids) + 1))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(0.5 < g < 2.0 for g in gaps), gaps
    # stop the pings, then count the ones sent after the loop ended
    w.end.client.set_peer(w.end.ifindex, w.peer_id, 0, 0)
    try:
        while True:
            pids.append(codec.decrypt(w.kernel_tx, w.recv(1.5)).packet_id)
    except TimeoutError:
        pass
    assert pids == list(range(1, len(pids) + 1))
    assert w.end.ethtool_stats()["tx_keepalive"] == len(pids)
    assert w.end.stat("tx_packets") == 0  # pings are not traffic of the device


def test_received_pings_keep_the_peer_and_never_reach_the_netdev(wire):
    w = wire()
    w.end.client.set_peer(w.end.ifindex, w.peer_id, 0, 2)
    for _ in range(8):
        w.send(codec.PING_MAGIC)
        time.sleep(0.5)
    assert w.end.client.get_peer(w.end.ifindex, w.peer_id).peer_id == w.peer_id
    assert w.end.ethtool_stats()["rx_keepalive"] == 8
    assert w.end.stat("rx_packets") == 0


def test_expiry_deletes_the_peer_and_notifies_both_families(wire):
    w = wire()
    with netns.inside(w.end.ns):
        v1, v2 = OvpnClient(DCO), OvpnClient(DCO_V2)
    try:
        v1.subscribe()
        v2.subscribe()
        start = time.monotonic()
        w.end.client.set_peer(w.end.ifindex, w.peer_id, 0, 2)
        events = v2.events(6)
        elapsed = time.monotonic() - start
        assert [(e.ifindex, e.peer_id, e.reason) for e in events] == [
            (w.end.ifindex, w.peer_id, DelPeerReasonV2.EXPIRED)
        ]
        assert 1.5 < elapsed < 4.5
        assert [(e.peer_id, e.reason) for e in v1.events(2)] == [(w.peer_id, DCO.reason.EXPIRED)]
        assert w.end.client.dump_peers(w.end.ifindex) == []
    finally:
        v1.close()
        v2.close()


def test_keepalive_values_reported_by_get_peer(wire):
    w = wire()
    w.end.client.set_peer(w.end.ifindex, w.peer_id, 10, 60)
    info = w.end.client.get_peer(w.end.ifindex, w.peer_id)
    assert (info.keepalive_interval, info.keepalive_timeout) == (10, 60)
