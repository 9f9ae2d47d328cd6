"""The upstream ``ovpn`` family as the harness reads it from uapi/linux/ovpn.yaml, and its client's encoding."""

from __future__ import annotations

import struct

from pyharness.netlink import conformance, genl, upstream
from pyharness.proto import upstream as up


def test_operations_are_numbered_from_one_in_spec_order_notifications_included():
    assert [(c.name, int(c)) for c in up.Cmd] == [
        ("PEER_NEW", 1),
        ("PEER_SET", 2),
        ("PEER_GET", 3),
        ("PEER_DEL", 4),
        ("PEER_DEL_NTF", 5),
        ("KEY_NEW", 6),
        ("KEY_GET", 7),
        ("KEY_SWAP", 8),
        ("KEY_SWAP_NTF", 9),
        ("KEY_DEL", 10),
        ("PEER_FLOAT_NTF", 11),
    ]


def test_attributes_count_from_one_and_enums_from_zero():
    assert (up.Attr.IFINDEX, up.Attr.PEER, up.Attr.KEYCONF) == (1, 2, 3)
    assert (up.PeerAttr.ID, up.PeerAttr.SOCKET, up.PeerAttr.DEL_REASON, up.PeerAttr.TX_ID) == (1, 6, 15, 24)
    assert (up.KeyconfAttr.PEER_ID, up.KeyconfAttr.DECRYPT_DIR) == (1, 6)
    assert (up.KeydirAttr.CIPHER_KEY, up.KeydirAttr.NONCE_TAIL) == (1, 2)
    assert [int(a) for a in up.CipherAlg] == [0, 1, 2]
    assert up.DelPeerReason.TRANSPORT_DISCONNECT == 4
    assert (up.KeySlot.PRIMARY, up.KeySlot.SECONDARY) == (0, 1)


def test_a_subset_keeps_its_parents_numbers_and_checks_and_only_its_attributes():
    peer_set = up.attr_set("peer-set-input")
    assert "socket" not in peer_set and "del-reason" not in peer_set
    assert peer_set["id"] == up.attr_set("peer")["id"]
    assert peer_set["id"].check("max") == 0xFFFFFF
    assert list(up.attr_set("peer-del-input")) == ["id"]
    assert up.attr_set("ovpn-peer-new-input")["peer"].nested == "peer-new-input"
    assert up.attr_set("ovpn-keyconf-get")["keyconf"].nested == "keyconf-get"


def test_named_constants_in_checks_are_resolved():
    assert up.attr_set("keydir")["nonce-tail"].check("exact-len") == up.NONCE_TAIL_SIZE == 8
    assert up.attr_set("keydir")["cipher-key"].check("max-len") == 256
    port = up.attr_set("peer")["remote-port"]
    assert (port.type, port.big_endian, port.check("min")) == ("u16", True, 1)


def test_operations_know_their_policy_set_and_request_attributes():
    ops = up.operations()
    assert ops["peer-get"].has_dump and ops["peer-get"].dump_request == ("ifindex",)
    assert ops["peer-get"].attribute_set == "ovpn"
    assert ops["key-swap"].attribute_set == "ovpn-keyconf-swap-input"
    assert ops["peer-float-ntf"].notify == "peer-get" and not ops["peer-float-ntf"].has_do
    assert up.FAMILY == "ovpn" and up.MCAST_GROUP_PEERS == "peers"


def test_encode_follows_types_and_byte_order():
    data = upstream.encode("peer", {"id": 3, "remote-ipv6": "2001:db8::1", "remote-port": 1194, "vpn-ipv4": "10.8.0.2"})
    attrs = genl.parse_attrs(data)
    assert attrs == [
        (1, struct.pack("=I", 3)),
        (3, bytes.fromhex("20010db8000000000000000000000001")),
        (5, b"\x04\xaa"),
        (8, bytes([10, 8, 0, 2])),
    ]


def test_raw_attributes_go_out_as_given():
    data = upstream.encode("ovpn", {"ifindex": 1, "x": upstream.Raw(9, b"ab", nested=True)})
    assert data[8:] == struct.pack("=HH", 6, 9 | genl.NLA_F_NESTED) + b"ab\0\0"


def test_decode_gives_names_addresses_and_counters_and_types_it_does_not_know():
    payload = upstream.encode(
        "peer",
        {
            "id": 7,
            "remote-ipv4": "192.0.2.1",
            "remote-port": 1194,
            "vpn-rx-bytes": 2**40,
            "x": upstream.Raw(99, b"\x01"),
        },
    )
    assert upstream.decode("peer", payload) == {
        "id": 7,
        "remote-ipv4": "192.0.2.1",
        "remote-port": 1194,
        "vpn-rx-bytes": 2**40,
        "#99": "01",
    }


def test_peer_info_from_a_decoded_reply():
    info = upstream.PeerInfo.from_attrs(
        {"id": 1, "remote-ipv4": "192.0.2.1", "remote-port": 1194, "vpn-tx-packets": 5, "keepalive-interval": 10}
    )
    assert info.remote == ("192.0.2.1", 1194)
    assert info.stats == {"vpn_tx_packets": 5}
    assert info.keepalive_interval == 10 and info.vpn_ipv4 is None


def test_attr_path_names_a_nested_attribute_by_its_offset():
    payload = upstream.encode("ovpn", {"ifindex": 5, "peer": {"id": 1, "remote-port": 0}})
    message = bytes(20) + payload
    # ifindex at 20 (8 bytes), the peer nest at 28, its id at 32, the port at 40
    assert upstream.attr_path("ovpn", message, 20) == "ifindex"
    assert upstream.attr_path("ovpn", message, 28) == "peer"
    assert upstream.attr_path("ovpn", message, 40) == "peer/remote-port"
    assert upstream.attr_path("ovpn", message, 41) == "@41"


def test_conformance_steps_have_unique_names_and_known_operations():
    names = [s.name for s in conformance.STEPS]
    assert len(names) == len(set(names))
    assert {s.op for s in conformance.STEPS} == {conformance.PACKET, "peer-new", "peer-set", "peer-get", "peer-del"} | {
        "key-new",
        "key-get",
        "key-swap",
        "key-del",
    }


def test_differences_name_each_step_that_differs():
    golden = {"a": {"errno": None}, "b": {"errno": "EINVAL"}}
    assert conformance.differences({"a": {"errno": None}, "b": {"errno": "EINVAL"}}, golden) == []
    (line,) = conformance.differences({"a": {"errno": None}, "b": {"errno": "ENOENT"}}, golden)
    assert line.startswith("b: expected")


def test_with_changes_replaces_values_by_path_and_leaves_the_record_alone():
    rec = {"errno": None, "reply": [{"peer": {"id": 1, "local-ipv4": "127.0.0.1"}}]}
    changed = conformance.with_changes(rec, {"reply/0/peer/local-ipv4": "0.0.0.0", "errno": "EEXIST"})
    assert changed == {"errno": "EEXIST", "reply": [{"peer": {"id": 1, "local-ipv4": "0.0.0.0"}}]}
    assert rec["reply"][0]["peer"]["local-ipv4"] == "127.0.0.1"


def test_decode_takes_an_integer_narrower_than_the_spec():
    # KEY_SWAP_NTF carries the key id as a u16 (the spec says u32), as OpenVPN 2.7 reads it
    payload = genl.u32(1, 3) + genl.u16(3, 5)
    assert upstream.decode("keyconf", payload) == {"peer-id": 3, "key-id": 5}
