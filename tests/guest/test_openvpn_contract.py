"""One OpenVPN p2p session watched through nlmon: what OpenVPN 2.6.14 asks of the module and gets back.

Checked against ../shared/reference/openvpn26-dco-contract.md sections 2-3: interface creation
by OpenVPN's own rtnetlink code, every generic netlink command answered with an ACK, exact
attribute widths, the GET_PEER counters it reads, DEL_PEER notifications, and control
traffic through its socket.
"""

from __future__ import annotations

import errno
import signal
import struct
import time

import pytest

from pyharness.net import topo, traffic
from pyharness.netlink import genl, nlmon, rtnl
from pyharness.openvpn import daemon
from pyharness.proto.consts import (
    AttrV2,
    CmdV2,
    DelPeerAttr,
    DelPeerReasonV2,
    GetPeerAttr,
    GetPeerRespAttrV2,
    NewPeerAttr,
    SetPeerAttr,
)

RTM_NEWLINK, RTM_DELLINK = 16, 17
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_OVPN_MODE = 3, 18, 1, 2, 1
IFINFOMSG = 16
KEEPALIVE = (2, 10)


@pytest.fixture(scope="module")
def session():
    """A p2p session of side a, from start to SIGTERM, with one renegotiation and status writes."""
    underlay, lab = topo.Underlay(), daemon.Lab()
    mon = nlmon.NetlinkMonitor(underlay.ns[0])
    try:
        yield _run_session(underlay, lab, mon)
    except Exception:
        print(lab.logs())
        raise
    finally:
        mon.close()
        lab.close()
        underlay.close()


def _run_session(underlay, lab, mon):
    status = lab.path("a.status")
    a, b = daemon.p2p_pair(
        lab,
        underlay.ns,
        (underlay.addr(0, 4), underlay.addr(1, 4)),
        keepalive=KEEPALIVE,
        extra=([f"status {status} 1", "reneg-sec 6"], ["reneg-sec 0"]),
    )
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
    fam = genl.family_id("ovpn-dco-v2")
    a.wait_for(r"TLS: soft reset", timeout=30)
    counters = rtnl.ethtool_stats("tun0", a.ns)
    ports = a.netlink_ports()
    peer_id = daemon.offload(a).peers[0].peer_id
    deadline = time.monotonic() + 20
    while not any(x.cmd == CmdV2.SWAP_KEYS for x in mon.exchanges(fam)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert a.stop(signal.SIGTERM) == 0
    time.sleep(0.5)  # the last ACKs and notifications reach the capture
    return mon, fam, counters, peer_id, ports


def test_openvpn_creates_the_device_with_its_own_rtnetlink_request(session):
    mon, *_ = session
    creates = [
        x for x in mon.exchanges(RTM_NEWLINK, nlmon.NETLINK_ROUTE) if x.request.flags & NLM_F_CREATE
    ]  # the others set the MTU and bring the link up
    (new,) = creates
    req = new.request
    assert req.flags & (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK) == (
        NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK
    )
    attrs = genl.attr_map(req.body[IFINFOMSG:])
    assert attrs[IFLA_IFNAME] == b"tun0\x00"
    info = genl.attr_map(attrs[IFLA_LINKINFO])
    assert info[IFLA_INFO_KIND] == b"ovpn-dco\x00"
    assert genl.attr_map(info[IFLA_INFO_DATA])[IFLA_OVPN_MODE] == b"\x00"  # one byte: P2P
    assert new.error == 0
    dels = mon.exchanges(RTM_DELLINK, nlmon.NETLINK_ROUTE)
    assert [x.error for x in dels] == [0]


def test_every_generic_netlink_request_is_answered(session):
    """OpenVPN spins until each request gets an ACK or an error: none may go unanswered.

    The only errors: GET_PEER for peer id 0xFFFFFFFF (OpenVPN's "no peer yet", sent by its
    status writes during the handshake) is out of the 24-bit range and refused (ERANGE).
    """
    mon, fam, _, _, ports = session
    exchanges = [x for x in mon.exchanges(fam) if x.request.pid in ports]
    assert [CmdV2(x.cmd).name for x in exchanges if x.error is None] == []
    errors = [x for x in exchanges if x.error != 0]
    for x in errors:
        assert x.cmd == CmdV2.GET_PEER and x.error == errno.ERANGE
        assert x.request.nested(AttrV2.GET_PEER)[GetPeerAttr.PEER_ID] == b"\xff\xff\xff\xff"
    first_peer = next(i for i, x in enumerate(exchanges) if x.cmd == CmdV2.NEW_PEER)
    assert all(x.error == 0 for x in exchanges[first_peer:])
    cmds = {CmdV2(x.cmd) for x in exchanges}
    assert {CmdV2.NEW_PEER, CmdV2.NEW_KEY, CmdV2.SET_PEER, CmdV2.SWAP_KEYS, CmdV2.GET_PEER, CmdV2.DEL_PEER} <= cmds


def test_new_peer_and_set_peer_carry_the_contract_widths(session):
    mon, fam, _, peer_id, _ = session
    exchanges = mon.exchanges(fam)
    (new_peer,) = [x.request.nested(AttrV2.NEW_PEER) for x in exchanges if x.cmd == CmdV2.NEW_PEER]
    assert genl.get_u32(new_peer[NewPeerAttr.PEER_ID]) == peer_id
    assert len(new_peer[NewPeerAttr.SOCKET]) == 4  # an fd number in OpenVPN's table
    remote = new_peer[NewPeerAttr.SOCKADDR_REMOTE]
    assert len(remote) == 16 and struct.unpack_from("=H", remote)[0] == 2  # raw sockaddr_in
    (set_peer,) = [x.request.nested(AttrV2.SET_PEER) for x in exchanges if x.cmd == CmdV2.SET_PEER]
    assert genl.get_u32(set_peer[SetPeerAttr.KEEPALIVE_INTERVAL]) == KEEPALIVE[0]
    assert genl.get_u32(set_peer[SetPeerAttr.KEEPALIVE_TIMEOUT]) == KEEPALIVE[1]


def test_get_peer_replies_carry_64_bit_counters(session):
    mon, fam, _, peer_id, ports = session
    replies = [m for m in mon.family(fam) if not m.is_request and m.pid in ports and m.cmd == CmdV2.GET_PEER]
    assert replies, "OpenVPN's status writes send GET_PEER"
    for m in replies:
        peer = m.nested(AttrV2.GET_PEER)
        assert genl.get_u32(peer[GetPeerRespAttrV2.PEER_ID]) == peer_id
        for attr in ("VPN_RX_BYTES", "VPN_TX_BYTES", "LINK_RX_BYTES", "LINK_TX_BYTES"):
            assert len(peer[GetPeerRespAttrV2[attr]]) == 8, attr
    last = replies[-1].nested(AttrV2.GET_PEER)
    assert genl.get_u64(last[GetPeerRespAttrV2.VPN_TX_BYTES]) >= 5 * 84


def test_deleting_the_peer_is_notified(session):
    mon, fam, _, peer_id, _ = session
    events = []
    for m in mon.notifications(fam, CmdV2.DEL_PEER):
        nest = m.nested(AttrV2.DEL_PEER)
        assert len(m.attrs[AttrV2.IFINDEX]) == 4
        events.append((genl.get_u32(nest[DelPeerAttr.PEER_ID]), nest[DelPeerAttr.REASON][0]))
    assert (peer_id, DelPeerReasonV2.USERSPACE) in events


def test_control_packets_reach_openvpn_through_its_socket(session):
    """The renegotiation ran over the UDP socket the peer lives on: the module passed it up."""
    _, _, counters, _, _ = session
    assert counters["rx_control"] > 0
    assert counters["rx_malformed"] == counters["rx_unknown_peer"] == counters["rx_auth_failed"] == 0
