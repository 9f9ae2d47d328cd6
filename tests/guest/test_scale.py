"""Ten thousand peers on one device: all added, dumped once each, deleted, nothing left."""

from __future__ import annotations

from pyharness import scale

PEERS = 10_000


def test_ten_thousand_peers_add_dump_delete():
    r = scale.run(PEERS)
    assert sorted(r.dumped_ids) == list(range(1, PEERS + 1))  # multi-part dump, each id once
    # every peer's memory came back: a leak of even 100 bytes per peer would show as 1 MB
    assert r.leaked_bytes < PEERS * 100, r
