"""The ovpn fuzzer's policy model, read from uapi/linux/ovpn.yaml, against the in-tree driver's recorded answers."""

from __future__ import annotations

import errno
import random

import pytest

from pyharness.fuzz import nlspec, ovpnfuzz
from pyharness.netlink import conformance, genl, upstream

# extack messages of lib/nlattr.c's policy check: the steps the policy decides
POLICY_MESSAGES = {
    "integer out of range",
    "binary attribute size out of range",
    "Unsupported attribute",
    "Unknown attribute type",
    "invalid attribute length",
    "NLA_F_NESTED is missing",
}


def test_each_operation_has_its_subset_as_nest_policy():
    peer_new = nlspec.upstream_op_policy("peer-new")
    assert sorted(peer_new) == [1, 2]
    nest = peer_new[2].nested
    assert nest is not None and max(nest) == 24
    assert nest[6] == nlspec.Spec("u32") and nest[15] == nlspec.Spec("unspec") and nest[16] == nlspec.Spec("unspec")
    assert nest[5] == nlspec.Spec("be16", 1) and nest[2] == nlspec.Spec("be32")
    assert nest[3] == nlspec.Spec("bin", 16, 16)
    assert nlspec.upstream_op_policy("peer-set")[2].nested[6] == nlspec.Spec("unspec")  # type: ignore[index]
    assert sorted(nlspec.upstream_op_policy("peer-del")[2].nested or {}) == [1]


def test_peer_get_do_takes_the_full_peer_set_and_its_dump_only_the_ifindex():
    assert nlspec.upstream_op_policy("peer-get", dump=True) == {1: nlspec.Spec("u32")}
    full = nlspec.upstream_op_policy("peer-get")[2].nested or {}
    assert (
        full[16] == nlspec.Spec("uint")
        and full[7] == nlspec.Spec("s32", -(2**31))
        and full[15] == nlspec.Spec("u32", 0, 4)
    )


def test_key_policies_range_enums_and_lengths():
    kc = nlspec.upstream_op_policy("key-new")[3].nested or {}
    assert (kc[2], kc[3], kc[4]) == (nlspec.Spec("u32", 0, 1), nlspec.Spec("u32", 0, 7), nlspec.Spec("u32", 0, 2))
    keydir = kc[5].nested or {}
    assert keydir == {1: nlspec.Spec("bin", 0, 256), 2: nlspec.Spec("bin", 8, 8)}
    assert sorted(nlspec.upstream_op_policy("key-get")[3].nested or {}) == [1, 2, 3, 4]
    assert sorted(nlspec.upstream_op_policy("key-swap")[3].nested or {}) == [1]


def _step_payloads() -> list[tuple[str, str, bool, bytes]]:
    ctx = conformance.Ctx(p2p=5, mp=6, udp=10, udp_mp=11, tcp=12, notsock=13, unix=14)
    return [
        (s.name, s.op, s.dump, upstream.encode("ovpn", s.attrs(ctx)))
        for s in conformance.STEPS
        if s.op != conformance.PACKET
    ]


@pytest.mark.parametrize(
    ("name", "op", "dump", "payload"), _step_payloads(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_model_predicts_the_intree_policy_answer_of_each_conformance_step(name, op, dump, payload):
    golden = conformance.load()[name]
    parsed = nlspec.validate(payload, nlspec.upstream_op_policy(op, dump))
    if golden["extack"] in POLICY_MESSAGES:
        assert genl.errno_name(parsed.err) == golden["errno"]
    else:
        assert parsed.err == 0


class _FakeLab:
    devs = {"p2p": 5, "mp": 6}
    all_ifindexes = frozenset({1, 5, 6})


def test_expect_after_the_policy_checks_the_device_then_the_nest():
    lab = _FakeLab()
    ifindex_only = upstream.encode("ovpn", {"ifindex": 5})
    exp, _ = ovpnfuzz.expect(lab, "peer-new", False, ifindex_only)  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("nest", frozenset({errno.EINVAL}))
    exp, _ = ovpnfuzz.expect(lab, "peer-new", False, upstream.encode("ovpn", {"ifindex": 4242}))  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("device", frozenset({errno.ENODEV}))
    exp, _ = ovpnfuzz.expect(lab, "peer-get", True, upstream.encode("ovpn", {"ifindex": 1}))  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("device", frozenset({errno.EINVAL}))
    exp, _ = ovpnfuzz.expect(lab, "peer-get", True, ifindex_only)  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("dump", frozenset({0}))
    exp, _ = ovpnfuzz.expect(lab, "key-del", False, upstream.encode("ovpn", {"ifindex": 5, "peer": {"id": 1}}))  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("policy", frozenset({errno.EINVAL}))  # peer is not in key-del's policy


def test_a_device_of_another_kind_in_the_namespace_is_einval_not_enodev():
    """The debug kernel puts fallback tunnels (tunl0, sit0, ...) in every namespace: devices, not ovpn ones."""
    lab = _FakeLab()
    lab.all_ifindexes = frozenset({1, 2, 3, 5, 6})
    exp, _ = ovpnfuzz.expect(lab, "peer-del", False, upstream.encode("ovpn", {"ifindex": 3}))  # type: ignore[arg-type]
    assert (exp.stage, exp.allowed) == ("device", frozenset({errno.EINVAL}))


def test_a_negative_socket_netnsid_passes_the_policy():
    """s32 without checks: any value (the in-tree policy is a plain NLA_S32)."""
    data = upstream.encode("ovpn", {"ifindex": 5, "peer": {"id": 1, "socket-netnsid": -1}})
    assert nlspec.validate(data, nlspec.upstream_op_policy("peer-get")).err == 0


def test_to_tree_gives_back_what_was_encoded():
    data = upstream.encode("ovpn", {"ifindex": 5, "keyconf": {"peer-id": 1, "encrypt-dir": {"nonce-tail": bytes(8)}}})
    assert b"".join(a.encode() for a in ovpnfuzz.to_tree(data)) == data


def test_the_same_seed_builds_the_same_requests():
    lab = _FakeLab()
    lab.fds = [10, 11, 12]  # type: ignore[attr-defined]

    def requests(seed: int) -> list[tuple[str, bool, bytes, list[str]]]:
        gen = ovpnfuzz.Generator(lab, random.Random(seed))  # type: ignore[arg-type]
        return [gen.request() for _ in range(200)]

    first = requests(7)
    assert first == requests(7) and first != requests(8)
    assert {r[0] for r in first} == set(ovpnfuzz.OPS)
