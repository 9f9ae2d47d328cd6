"""Renegotiation under OpenVPN 2.6 (and 2.7 on `ovpn`).

New keys go to the secondary slot, are swapped in, the old ones deleted.
"""

from __future__ import annotations

import time

import pytest

from pyharness.net import traffic
from pyharness.netlink import genl
from pyharness.openvpn import daemon, nlcapture
from pyharness.proto.consts import KeySlot

from .conftest import OPENVPN_VERSIONS

RENEG_SEC = 8
RENEGOTIATIONS = 3
# Lost pings across RENEGOTIATIONS renegotiations (interval 0.2 s). Measured: 0 of 140
# (and in every other run here); one per renegotiation is allowed for a loaded TCG guest.
LOSS_BOUND = RENEGOTIATIONS


@pytest.mark.parametrize("openvpn", OPENVPN_VERSIONS, indirect=True)
def test_traffic_continues_across_renegotiations(underlay, ovpn_lab, nl_monitor, openvpn):
    mon = nl_monitor(underlay.ns[0])
    reneg = [f"reneg-sec {RENEG_SEC}", "tran-window 4"]
    a, b = daemon.p2p_pair(
        ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), extra=(reneg, ["reneg-sec 0"])
    )
    fam = genl.family_id(nlcapture.family(openvpn))
    ping = traffic.PingStream(a.ns, daemon.TUNNEL4[1])
    try:
        # each renegotiation ends with a key swap in the kernel
        a.wait_for(r"TLS: soft reset", timeout=RENEG_SEC * 2 + 30, count=RENEGOTIATIONS)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ops = [k.op for k in nlcapture.key_ops(mon, openvpn)]
            if ops.count("swap") >= RENEGOTIATIONS and ops.count("del") >= RENEGOTIATIONS - 1:
                break
            time.sleep(0.5)
        time.sleep(1)
    finally:
        pings = ping.stop()
    print(f"rekey: {pings.transmitted} pings, {pings.lost} lost, {len(mon.exchanges(fam))} genl requests")
    assert pings.transmitted >= RENEG_SEC * RENEGOTIATIONS * 4
    assert pings.lost <= LOSS_BOUND, pings.output

    exchanges = mon.exchanges(fam)
    assert all(x.error == 0 for x in exchanges), [(x.cmd, x.error) for x in exchanges]
    ops = nlcapture.key_ops(mon, openvpn)
    new_keys = [k for k in ops if k.op == "new"]
    slots = [k.slot for k in new_keys]
    key_ids = [k.key_id for k in new_keys]
    assert slots[0] == KeySlot.PRIMARY and key_ids[0] == 0
    assert len(new_keys) >= RENEGOTIATIONS + 1
    assert set(slots[1:]) == {KeySlot.SECONDARY}  # every later key lands in the secondary slot
    assert key_ids[1 : RENEGOTIATIONS + 1] == list(range(1, RENEGOTIATIONS + 1))
    del_slots = [k.slot for k in ops if k.op == "del"]
    assert set(del_slots) == {KeySlot.SECONDARY}  # the retired key, after the swap
    # the order per renegotiation: NEW_KEY (secondary), then SWAP_KEYS, then DEL_KEY
    order = [k.op for k in ops]
    first_new = order.index("new", 1)
    assert order[first_new + 1] == "swap"
    assert daemon.offload(a).peers[0].stats["vpn_rx_packets"] >= pings.received
