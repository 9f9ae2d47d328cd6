"""The fuzzers, short and with a fixed seed: every request answered as predicted, every packet counted.

`make fuzz` runs the same code at 100,000+ requests and packets with a random seed.
"""

from __future__ import annotations

import json

import pytest

from pyharness.fuzz import nlfuzz, ovpnfuzz, pktfuzz
from pyharness.fuzz.pktmodel import ACCEPTED, RX_COUNTERS
from pyharness.guest import netns
from pyharness.netlink import rtnl
from pyharness.proto.consts import Mode

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


def test_the_netlink_fuzzer_knows_which_devices_of_its_namespace_are_not_ovpn_dco() -> None:
    """A request naming lo or a fallback tunnel is refused as not an ovpn-dco device (EINVAL), one
    naming no device with ENODEV: a kernel with sit built in (the debug kernel) puts sit0 into every
    new namespace, at the ifindex the fuzzer's first device gets elsewhere. A dummy stands for it."""
    ns = netns.create("fzk")
    try:
        netns.ip("link", "add", "other0", "type", "dummy", netns=ns)
        ours = rtnl.create("fzk0", Mode.P2P, ns)
        other = int(rtnl.info("other0", ns)["ifindex"])  # type: ignore[call-overload]
        links = json.loads(netns.ip("-j", "-d", "link", "show", netns=ns))
        # as ip(8) sees them: lo, the dummy, and whatever fallback tunnels this kernel has built in
        expected = {ln["ifindex"] for ln in links if ln.get("linkinfo", {}).get("info_kind") != "ovpn-dco"}
        assert {1, other} <= expected and ours not in expected
        assert rtnl.ifindexes_not_of_kind(ns) == expected
    finally:
        netns.delete(ns)


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
