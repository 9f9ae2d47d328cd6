"""``make bench-scale`` inside the guest: many peers on one device - add rate, memory, lookup cost.

Run as root where the module is loaded. Two parts: pyharness.bench.scale adds, dumps and
deletes ``--peers`` peers on a quiet device (time, kernel memory per peer, memory left after);
then, as ``make bench`` does for its multi-peer rows, a device with one real client and a
device with that client plus ``--peers`` - 1 more are brought up side by side, and ftrace
times the peer lookups during 64-byte floods each way, rounds alternating between the two.
The lookup cost is the lookup's extra time with all the peers, as a share of the time of
the call it is made in (the per-packet work of that direction) with one peer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..guest import module
from . import guest, scale
from . import run as bench


def cpu_count(kind: str) -> int:
    """CPUs in /sys/devices/system/cpu/<kind> ("possible", "online"): a list like 0-63,65."""
    text = Path(f"/sys/devices/system/cpu/{kind}").read_text().strip()
    return count_cpus(text)


def count_cpus(ranges: str) -> int:
    """The number of CPUs of a kernel CPU list ("0-63", "0,2-3")."""
    n = 0
    for part in ranges.split(","):
        lo, _, hi = part.partition("-")
        n += int(hi or lo) - int(lo) + 1
    return n


def lookups(peers: int, rounds: int, seconds: float) -> bench.MultiPeer:
    """The lookup times on a 1-peer and a ``peers``-peer device, median of ``rounds`` rounds."""
    state = guest.MultiPeerState()
    one = guest.start_multipeer(0, guest.MultiPeerState())
    try:
        many = guest.start_multipeer(peers - 1, state)
        try:
            if state.added is None:
                raise RuntimeError("the many-peer device was brought up without its peers")
            medians = guest.lookup_rounds(one, many, rounds, seconds, "bench-scale")
            return bench.MultiPeer(peers, state.added.seconds, state.added.bytes_per_peer, medians)
        finally:
            many.close()
    finally:
        one.close()


def measure(peers: int, rounds: int, seconds: float) -> dict[str, Any]:
    """Every figure of ``make bench-scale``, as JSON-ready data."""
    r = scale.run(peers)
    if sorted(r.dumped_ids) != list(range(1, peers + 1)):
        raise RuntimeError(f"the dump returned {len(r.dumped_ids)} peers, not ids 1..{peers}")
    print(
        f"bench-scale: {peers} peers added in {r.add_seconds:.2f} s, {r.bytes_per_peer:.0f} bytes/peer",
        flush=True,
    )
    mp = lookups(peers, rounds, seconds)
    return {
        "release": os.uname().release,
        "possible_cpus": cpu_count("possible"),
        "online_cpus": cpu_count("online"),
        "peers": peers,
        "add_seconds": r.add_seconds,
        "dump_seconds": r.dump_seconds,
        "del_seconds": r.del_seconds,
        "bytes_per_peer": r.bytes_per_peer,
        "leaked_bytes": r.leaked_bytes,
        "multipeer": asdict(mp),
        "lookup_cost": [
            {"direction": name, "extra_us": extra, "call_us": call, "share": share}
            for name, extra, call, share in mp.lookup_cost()
        ],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="pyharness.bench.scale_guest")
    p.add_argument("--peers", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--out", required=True)
    p.add_argument("--module", help="the module to load first (unless loaded)")
    args = p.parse_args(argv)
    if args.module:
        module.load(Path(args.module))
    data = measure(args.peers, args.rounds, args.seconds)
    Path(args.out).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
