"""kernel/netlink_gen_ovpn*.h: the upstream ovpn family's numbers and policies, as the in-tree driver has them."""

from __future__ import annotations

import re

import pytest

from pyharness.proto import nlgen, nlgen_ovpn
from pyharness.vm.paths import REPO

SPEC = nlgen.load(REPO / "uapi" / "linux" / nlgen_ovpn.SPEC_NAME)
UAPI = (REPO / nlgen_ovpn.UAPI_OUTPUT).read_text()
TABLES = (REPO / nlgen_ovpn.OUTPUT).read_text()


def constant(name: str) -> int:
    m = re.search(rf"^\t{name} = (\d+),$", UAPI, re.M)
    assert m, f"{name} not in {nlgen_ovpn.UAPI_OUTPUT}"
    return int(m.group(1))


def policy(name: str) -> dict[str, str]:
    """The initializers of one generated policy array, by attribute constant."""
    m = re.search(rf"^{name}\[[A-Z_]+ \+ 1\] = \{{\n(.*?)^\}};", TABLES, re.M | re.S)
    assert m, f"no policy {name}"
    body = re.sub(r"=\n\t+", "= ", m.group(1))
    return dict(re.findall(r"^\t\[([A-Z_0-9]+)\] = (.*),$", body, re.M))


# numbers of Linux 7.2's include/uapi/linux/ovpn.h (ABI: OpenVPN 2.7 is built against them)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OVPN_A_IFINDEX", 1),
        ("OVPN_A_PEER", 2),
        ("OVPN_A_KEYCONF", 3),
        ("OVPN_A_PEER_ID", 1),
        ("OVPN_A_PEER_REMOTE_PORT", 5),
        ("OVPN_A_PEER_SOCKET", 6),
        ("OVPN_A_PEER_KEEPALIVE_TIMEOUT", 14),
        ("OVPN_A_PEER_DEL_REASON", 15),
        ("OVPN_A_PEER_LINK_TX_PACKETS", 23),
        ("OVPN_A_PEER_TX_ID", 24),
        ("OVPN_A_KEYCONF_DECRYPT_DIR", 6),
        ("OVPN_A_KEYDIR_NONCE_TAIL", 2),
        ("OVPN_CMD_PEER_NEW", 1),
        ("OVPN_CMD_PEER_DEL_NTF", 5),
        ("OVPN_CMD_KEY_NEW", 6),
        ("OVPN_CMD_KEY_SWAP_NTF", 9),
        ("OVPN_CMD_KEY_DEL", 10),
        ("OVPN_CMD_PEER_FLOAT_NTF", 11),
        ("OVPN_NLGRP_PEERS", 0),
    ],
)
def test_implicit_numbers_follow_ynl(name: str, value: int) -> None:
    assert constant(name) == value


def test_enums_the_module_shares_are_asserted_not_redefined() -> None:
    assert "static_assert(OVPN_CIPHER_ALG_CHACHA20_POLY1305 == 2);" in UAPI
    assert "static_assert(OVPN_KEY_SLOT_SECONDARY == 1);" in UAPI
    assert "static_assert(OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT == 4);" in UAPI
    assert "\tOVPN_CIPHER_ALG_NONE =" not in UAPI


def test_checks_become_the_in_tree_policies() -> None:
    peer = policy("ovpn_nlo_peer_policy")
    assert peer["OVPN_A_PEER_ID"] == "NLA_POLICY_FULL_RANGE(NLA_U32, &ovpn_nlo_range_0_16777215)"
    assert peer["OVPN_A_PEER_REMOTE_IPV4"] == "{ .type = NLA_BE32 }"
    assert peer["OVPN_A_PEER_REMOTE_PORT"] == "NLA_POLICY_MIN(NLA_BE16, 1)"
    assert peer["OVPN_A_PEER_REMOTE_IPV6"] == "NLA_POLICY_EXACT_LEN(16)"
    assert peer["OVPN_A_PEER_SOCKET_NETNSID"] == "{ .type = NLA_S32 }"
    assert peer["OVPN_A_PEER_DEL_REASON"] == "NLA_POLICY_MAX(NLA_U32, 4)"
    assert peer["OVPN_A_PEER_VPN_RX_BYTES"] == "{ .type = OVPN_COMPAT_NLA_UINT }"
    keyconf = policy("ovpn_nlo_keyconf_policy")
    assert keyconf["OVPN_A_KEYCONF_SLOT"] == "NLA_POLICY_MAX(NLA_U32, 1)"
    assert keyconf["OVPN_A_KEYCONF_KEY_ID"] == "NLA_POLICY_MAX(NLA_U32, 7)"
    assert keyconf["OVPN_A_KEYCONF_CIPHER_ALG"] == "NLA_POLICY_MAX(NLA_U32, 2)"
    keydir = policy("ovpn_nlo_keydir_policy")
    assert keydir == {
        "OVPN_A_KEYDIR_CIPHER_KEY": "NLA_POLICY_MAX(NLA_BINARY, 256)",
        "OVPN_A_KEYDIR_NONCE_TAIL": "NLA_POLICY_EXACT_LEN(OVPN_NONCE_TAIL_SIZE)",
    }


def test_each_operation_validates_against_its_subset() -> None:
    assert set(policy("ovpn_nlo_peer_del_input_policy")) == {"OVPN_A_PEER_ID"}
    assert "OVPN_A_PEER_SOCKET" in policy("ovpn_nlo_peer_new_input_policy")
    assert "OVPN_A_PEER_SOCKET" not in policy("ovpn_nlo_peer_set_input_policy")
    assert set(policy("ovpn_nlo_keyconf_swap_input_policy")) == {"OVPN_A_KEYCONF_PEER_ID"}
    assert set(policy("ovpn_nlo_keyconf_get_policy")) == {
        "OVPN_A_KEYCONF_PEER_ID",
        "OVPN_A_KEYCONF_SLOT",
        "OVPN_A_KEYCONF_KEY_ID",
        "OVPN_A_KEYCONF_CIPHER_ALG",
    }
    # the request's top level: ifindex and the op's own nest, nothing else
    assert policy("ovpn_nlo_key_new_policy") == {
        "OVPN_A_IFINDEX": "{ .type = NLA_U32 }",
        "OVPN_A_KEYCONF": "NLA_POLICY_NESTED(ovpn_nlo_keyconf_policy)",
    }
    assert policy("ovpn_nlo_peer_set_policy")["OVPN_A_PEER"] == "NLA_POLICY_NESTED(ovpn_nlo_peer_set_input_policy)"


def test_ops_carry_their_policy_and_admin_perm() -> None:
    ops = re.findall(r"\t\{\n(.*?)\t\},", TABLES.split("ovpn_nlo_ops[] = {")[1], re.S)
    cmds = [re.search(r"\.cmd\t+= (\w+)", op).group(1) for op in ops]  # type: ignore[union-attr]
    assert cmds == [
        "OVPN_CMD_PEER_NEW",
        "OVPN_CMD_PEER_SET",
        "OVPN_CMD_PEER_GET",
        "OVPN_CMD_PEER_DEL",
        "OVPN_CMD_KEY_NEW",
        "OVPN_CMD_KEY_GET",
        "OVPN_CMD_KEY_SWAP",
        "OVPN_CMD_KEY_DEL",
    ]
    for op in ops:
        assert "GENL_ADMIN_PERM" in op and ".policy" in op and ".maxattr" in op
    assert ".dumpit\t\t= OVPN_NLO_PEER_GET_DUMPIT" in ops[2]


def test_the_spec_is_the_kernels_unchanged() -> None:
    """uapi/linux/ovpn.yaml is Linux's Documentation/netlink/specs/ovpn.yaml: notifications and tx-id included."""
    names = [op["name"] for op in SPEC["operations"]["list"]]
    assert names[-1] == "peer-float-ntf" and "key-swap-ntf" in names
    assert SPEC["protocol"] == "genetlink" and SPEC["name"] == "ovpn"
