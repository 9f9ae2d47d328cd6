"""The module's ``ovpn`` family and link kind (the in-tree driver's API, OpenVPN 2.7's) on kernels without it."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyroute2 import IPRoute

from pyharness.guest import module, netns
from pyharness.net import topo
from pyharness.netlink import genl, intree_ovpn
from pyharness.proto.wire import Cipher, KeyDir

pytestmark = pytest.mark.dco_ovpn_api

# numbers of uapi/linux/ovpn.yaml not in intree_ovpn yet
CMD_PEER_SET = 2
CMD_PEER_DEL_NTF = 5
CMD_KEY_GET = 7
CMD_KEY_SWAP = 8
CMD_KEY_DEL = 10
PEER_DEL_REASON = 15
PEER_TX_ID = 24
PEER_LOCAL_PORT = 12
REASON_USERSPACE = 1
SLOT_SECONDARY = 1


def keydir(seed: int) -> KeyDir:
    return KeyDir(Cipher.AES_256_GCM, bytes([seed]) * 32, bytes([seed + 1]) * 8)


class Pair:
    """Two ``ovpn`` devices of this module, in namespaces a and b, over one veth."""

    def __init__(self) -> None:
        self.underlay = topo.Underlay()
        self.ends = [intree_ovpn.UpstreamEnd(ns) for ns in self.underlay.ns]

    def connect(self, ids: tuple[int, int] = (1, 1), tx_ids: tuple[int, int] | None = None) -> None:
        """End i knows the other as peer ``ids[i]``; with ``tx_ids``, sends to it with ``tx_ids[i]``."""
        keys = (keydir(1), keydir(3))
        for side, end in enumerate(self.ends):
            end.attach((topo.UNDERLAY4[side], topo.PORT), ids[side], (topo.UNDERLAY4[1 - side], topo.PORT))
            if tx_ids is not None:
                set_peer(end, genl.u32(PEER_TX_ID, tx_ids[side]), ids[side])
            end.key(ids[side], keys[side], keys[1 - side])
            # IPv4 only: no IPv6 packets of the stack's own in the counters
            netns.run(end.ns, "sysctl", "-qw", f"net.ipv6.conf.{end.ifname}.disable_ipv6=1")
            netns.ip("addr", "add", f"{topo.TUNNEL4[side]}/24", "dev", end.ifname, netns=end.ns)
            netns.ip("link", "set", end.ifname, "up", netns=end.ns)

    def ping(self, count: int = 3) -> str:
        return netns.run(self.ends[0].ns, "ping", "-c", str(count), "-i", "0.2", "-W", "2", topo.TUNNEL4[1]).stdout

    def close(self) -> None:
        for end in self.ends:
            end.close()
        self.underlay.close()


@pytest.fixture
def pair() -> Iterator[Pair]:
    p = Pair()
    yield p
    p.close()


def request(end: intree_ovpn.UpstreamEnd, cmd: int, nest_type: int, *attrs: bytes) -> list[genl.GenlMessage]:
    payload = genl.u32(intree_ovpn.A_IFINDEX, end.ifindex) + genl.nest(nest_type, *attrs)
    return end.genl.request(end.family, cmd, payload)


def set_peer(end: intree_ovpn.UpstreamEnd, attr: bytes, peer_id: int) -> None:
    request(end, CMD_PEER_SET, intree_ovpn.A_PEER, genl.u32(intree_ovpn.PEER_ID, peer_id), attr)


def peer_attrs(end: intree_ovpn.UpstreamEnd, peer_id: int) -> dict[int, bytes]:
    (msg,) = request(end, intree_ovpn.CMD_PEER_GET, intree_ovpn.A_PEER, genl.u32(intree_ovpn.PEER_ID, peer_id))
    return genl.attr_map(msg.attrs[intree_ovpn.A_PEER])


def test_family_and_link_kind_are_the_modules(pair):
    """OpenVPN 2.7 finds genl family ``ovpn`` and creates kind ``ovpn``: both served by ovpn-dco, not a module
    named ovpn (so OpenVPN's version string reads "N/A", not an in-tree kernel's)."""
    fam = pair.ends[0].genl.resolve(intree_ovpn.FAMILY)
    assert fam.version == 1
    assert list(fam.groups) == ["peers"]
    assert not Path("/sys/module/ovpn").exists()
    assert Path("/sys/module/ovpn_dco").is_dir()
    with IPRoute(netns=pair.ends[0].ns) as ipr:
        (link,) = ipr.get_links(pair.ends[0].ifindex)
    info = link.get_attr("IFLA_LINKINFO")
    assert info.get_attr("IFLA_INFO_KIND") == "ovpn"


def test_tunnel_carries_traffic_and_counts_it(pair):
    pair.connect()
    before = [end.peer_stats(1) for end in pair.ends]  # the keepalive-free tunnel sends nothing of its own
    out = pair.ping(5)
    assert " 5 received" in out, out
    a, b = ({k: v - old[k] for k, v in end.peer_stats(1).items()} for end, old in zip(pair.ends, before, strict=True))
    assert a["vpn_tx_packets"] == 5 and b["vpn_rx_packets"] == 5
    assert b["vpn_tx_packets"] == 5 and a["vpn_rx_packets"] == 5
    # 5 ICMP echoes of 84 bytes (IPv4 header, ICMP header, 56 bytes of data) each way
    assert a["vpn_tx_bytes"] == b["vpn_rx_bytes"] == 5 * 84
    attrs = peer_attrs(pair.ends[0], 1)
    assert genl.get_u32(attrs[PEER_TX_ID]) == 1
    assert struct.unpack(">H", attrs[PEER_LOCAL_PORT])[0] == topo.PORT
    assert attrs[intree_ovpn.PEER_REMOTE_IPV4] == socket.inet_aton(topo.UNDERLAY4[1])


def test_asymmetric_peer_ids_with_tx_id(pair):
    """a knows b as peer 5 and sends with id 7; b knows a as peer 7 and sends with id 5."""
    pair.connect(ids=(5, 7), tx_ids=(7, 5))
    assert " 3 received" in pair.ping()
    assert genl.get_u32(peer_attrs(pair.ends[0], 5)[PEER_TX_ID]) == 7
    assert pair.ends[1].peer_stats(7)["vpn_rx_packets"] >= 3


def test_key_get_swap_del(pair):
    pair.connect()
    end = pair.ends[0]

    def key_get(slot: int) -> dict[int, int]:
        (msg,) = request(
            end,
            CMD_KEY_GET,
            intree_ovpn.A_KEYCONF,
            genl.u32(intree_ovpn.KEYCONF_PEER_ID, 1),
            genl.u32(intree_ovpn.KEYCONF_SLOT, slot),
        )
        return {t: genl.get_u32(v) for t, v in genl.parse_attrs(msg.attrs[intree_ovpn.A_KEYCONF])}

    assert key_get(intree_ovpn.SLOT_PRIMARY) == {
        intree_ovpn.KEYCONF_PEER_ID: 1,
        intree_ovpn.KEYCONF_SLOT: 0,
        intree_ovpn.KEYCONF_KEY_ID: 0,
        intree_ovpn.KEYCONF_CIPHER_ALG: intree_ovpn.ALG_AES_GCM,
    }
    with pytest.raises(genl.NetlinkError) as err:
        key_get(SLOT_SECONDARY)
    assert err.value.errno == 2  # ENOENT
    request(end, CMD_KEY_SWAP, intree_ovpn.A_KEYCONF, genl.u32(intree_ovpn.KEYCONF_PEER_ID, 1))
    assert key_get(SLOT_SECONDARY)[intree_ovpn.KEYCONF_KEY_ID] == 0
    request(
        end,
        CMD_KEY_DEL,
        intree_ovpn.A_KEYCONF,
        genl.u32(intree_ovpn.KEYCONF_PEER_ID, 1),
        genl.u32(intree_ovpn.KEYCONF_SLOT, SLOT_SECONDARY),
    )
    with pytest.raises(genl.NetlinkError):
        key_get(SLOT_SECONDARY)


def test_peer_del_notifies_the_peers_group(pair):
    pair.connect()
    end = pair.ends[0]
    with netns.inside(end.ns):
        listener = genl.GenlSocket()
    try:
        listener.join(listener.resolve(intree_ovpn.FAMILY).groups["peers"])
        request(end, intree_ovpn.CMD_PEER_DEL, intree_ovpn.A_PEER, genl.u32(intree_ovpn.PEER_ID, 1))
        deadline = time.monotonic() + 5
        msgs: list[genl.GenlMessage] = []
        while not msgs and time.monotonic() < deadline:
            msgs = listener.notifications(1.0)
    finally:
        listener.close()
    (msg,) = msgs
    assert msg.cmd == CMD_PEER_DEL_NTF
    assert genl.get_u32(msg.attrs[intree_ovpn.A_IFINDEX]) == end.ifindex
    peer = genl.attr_map(msg.attrs[intree_ovpn.A_PEER])
    assert genl.get_u32(peer[intree_ovpn.PEER_ID]) == 1
    assert genl.get_u32(peer[PEER_DEL_REASON]) == REASON_USERSPACE
    with pytest.raises(genl.NetlinkError) as err:
        peer_attrs(end, 1)
    assert err.value.errno == 2
    assert err.value.extack == not_found_message(1)


def not_found_message(peer_id: int) -> str:
    """The in-tree driver's words; kernels before 6.2 have no formatted extack: the same without the id."""
    major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    return f"ovpn: cannot find peer with id {peer_id}" if (major, minor) >= (6, 2) else "ovpn: cannot find peer with id"


class Listener:
    """A socket on the ``ovpn`` family's ``peers`` group in namespace ``ns``."""

    def __init__(self, ns: str) -> None:
        with netns.inside(ns):
            self.sock = genl.GenlSocket()
        self.sock.join(self.sock.resolve(intree_ovpn.FAMILY).groups["peers"])

    def messages(self, want: int, timeout: float = 5.0) -> list[genl.GenlMessage]:
        out: list[genl.GenlMessage] = []
        deadline = time.monotonic() + timeout
        while len(out) < want and time.monotonic() < deadline:
            out += self.sock.notifications(0.5)
        return out

    def close(self) -> None:
        self.sock.close()


CMD_KEY_SWAP_NTF = 9
CMD_PEER_FLOAT_NTF = 11
PEER_REMOTE_PORT = 5


def test_float_is_notified_with_the_new_endpoint():
    """Whichever family configured the peer, its float goes out as the ovpn family's PEER_FLOAT_NTF."""
    w = topo.WirePair()
    listener = Listener(w.end.ns)
    try:
        b = w.underlay.ns[1]
        netns.ip("addr", "add", "192.0.2.3/24", "dev", "vb", netns=b)
        other = topo.udp_socket(b, 4, ("192.0.2.3", 2000))
        other.sendto(w.seal(w.inner_udp(b"x")), w.kernel_addr)
        other.close()
        msgs = listener.messages(1)
        assert len(msgs) == 1, msgs
        (msg,) = msgs
        assert msg.cmd == CMD_PEER_FLOAT_NTF
        assert genl.get_u32(msg.attrs[intree_ovpn.A_IFINDEX]) == w.end.ifindex
        assert genl.parse_attrs(msg.attrs[intree_ovpn.A_PEER]) == [
            (intree_ovpn.PEER_ID, struct.pack("=I", w.peer_id)),
            (intree_ovpn.PEER_REMOTE_IPV4, socket.inet_aton("192.0.2.3")),
            (PEER_REMOTE_PORT, struct.pack(">H", 2000)),
        ]
        # the same address again is no float
        w.send(w.inner_udp(b"y"))
        w.send(w.inner_udp(b"z"))
        # back to the first address: one more; the second packet from there is no float
        assert [m.cmd for m in listener.messages(2, timeout=2)] == [CMD_PEER_FLOAT_NTF]
    finally:
        listener.close()
        w.close()


def test_exhausted_key_is_notified_once(sh_module_reload):
    """Debug build started near the end of the id space: the retired key's id goes out as KEY_SWAP_NTF."""
    w = topo.WirePair()
    listener = Listener(w.end.ns)
    try:
        with netns.inside(w.end.ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(4):
            s.sendto(b"p%d" % i, (topo.TUNNEL4[1], 9))
        s.close()
        msgs = listener.messages(2, timeout=3)
        assert [m.cmd for m in msgs] == [CMD_KEY_SWAP_NTF]
        assert genl.get_u32(msgs[0].attrs[intree_ovpn.A_IFINDEX]) == w.end.ifindex
        # key id as a u16, as the in-tree driver sends it (OpenVPN 2.7 reads it with nla_get_u16)
        assert genl.parse_attrs(msgs[0].attrs[intree_ovpn.A_KEYCONF]) == [
            (intree_ovpn.KEYCONF_PEER_ID, struct.pack("=I", w.peer_id)),
            (intree_ovpn.KEYCONF_KEY_ID, struct.pack("=H", w.key_id)),
        ]
    finally:
        listener.close()
        w.close()


@pytest.fixture
def sh_module_reload() -> Iterator[None]:
    """The debug module, its TX packet ids 3 short of the end, for one test; the normal one after."""
    module.unload()
    subprocess.run(["insmod", os.environ["OVPN_DCO_DEBUG_KO"], f"debug_tx_pktid_start={2**32 - 3}"], check=True)
    try:
        yield
    finally:
        subprocess.run(["rmmod", module.NAME], check=False)
        module.load(Path(os.environ["OVPN_DCO_KO"]))
