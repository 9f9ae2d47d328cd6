"""The fuzzers, short and with a fixed seed: every request answered as predicted, every packet counted.

`make fuzz` runs the same code at 100,000+ requests and packets with a random seed.
"""

from __future__ import annotations

import pytest

from pyharness.fuzz import nlfuzz, ovpnfuzz, pktfuzz
from pyharness.fuzz.pktmodel import ACCEPTED, RX_COUNTERS

from .conftest import sh

SEED = 20261128


def test_netlink_fuzz_answers_every_request_as_predicted() -> None:
    fig = nlfuzz.run(2000, SEED)
    print(nlfuzz.report(fig))
    assert fig.problems == []
    assert fig.messages == 2000
    assert fig.answered + fig.silent == fig.messages
    assert fig.errors_with_extack > 0  # and the oracle found none missing where a command failed
    # every command of both families, and requests that reach each layer
    families = {"ovpn-dco": 11, "ovpn-dco-v2": 9}
    for family, n in families.items():
        assert len({c.split(":")[1] for c in fig.by_command if c.startswith(family + ":")}) == n
    for stage in ("header", "genl", "policy", "common", "handler"):
        assert fig.by_stage[stage] > 0, stage
    assert fig.successes > 100 and fig.get_replies > 0 and fig.dumps > 0


def test_packet_fuzz_counts_every_packet_where_the_model_says() -> None:
    fig = pktfuzz.run(udp=2000, tcp=300, seed=SEED, offsets=4)
    assert fig.mss_clamped > 0 and fig.by_kind["fresh_tcp_options"] > 0  # the MSS clamp was fuzzed too
    print(pktfuzz.report(fig))
    assert fig.problems == []
    assert fig.udp_sent == 2000 and fig.tcp_frames >= 300
    assert sum(v for k, v in fig.outcome.items() if not k.startswith("tcp_")) == fig.udp_sent
    for fate in (ACCEPTED, *RX_COUNTERS):
        assert fig.outcome[fate] > 0, fate
    assert fig.listener > 0 and fig.control_on_socket > 0


def check_ovpn_fuzz(fig: ovpnfuzz.Figures, count: int) -> None:
    print(ovpnfuzz.report(fig))
    assert fig.problems == []
    assert fig.messages == count == fig.successes + fig.errors
    assert {op.split(":")[0] for op in fig.by_op} == set(ovpnfuzz.OPS)
    for stage in ("policy", "device", "nest", "handler", "dump"):
        assert fig.by_stage[stage] > 0, stage
    assert fig.successes > 0 and fig.replies > 0


@pytest.mark.dco_ovpn_api
def test_ovpn_fuzz_answers_every_request_as_predicted() -> None:
    check_ovpn_fuzz(ovpnfuzz.run(400, SEED), 400)


@pytest.mark.upstream_ovpn
def test_ovpn_fuzz_oracle_holds_for_the_intree_driver() -> None:
    sh("modprobe ovpn")
    try:
        check_ovpn_fuzz(ovpnfuzz.run(400, SEED), 400)
    finally:
        sh("rmmod ovpn", check=False)
