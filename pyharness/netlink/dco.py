"""High-level client of the ovpn-dco generic netlink API, for both families.

Every method sends exactly what OpenVPN (or the RFC v2 tooling) would send:
top-level IFINDEX plus the operation's nest, with the wire widths of the
headers. Errors surface as genl.NetlinkError carrying the extack message.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass, field

from ..proto.consts import (
    DCO,
    DCO_V2,
    MCAST_GROUP_PEERS,
    DelKeyAttr,
    DelPeerAttr,
    DevAttr,
    GetPeerAttr,
    KeyDirAttr,
    KeySlot,
    Layout,
    NewKeyAttr,
    NewPeerAttr,
    PacketAttr,
    SetPeerAttr,
    SwapKeysAttr,
)
from ..proto.wire import KeyDir
from . import genl

Address = tuple[str, int]


def sockaddr(addr: Address) -> bytes:
    """struct sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes), family in host order."""
    host, port = addr
    ip = ipaddress.ip_address(host)
    if ip.version == 4:
        return struct.pack("=H", socket.AF_INET) + struct.pack(">H", port) + ip.packed + b"\0" * 8
    return struct.pack("=H", socket.AF_INET6) + struct.pack(">HI", port, 0) + ip.packed + struct.pack("=I", 0)


def parse_sockaddr(raw: bytes) -> Address:
    family = struct.unpack_from("=H", raw)[0]
    port = struct.unpack_from(">H", raw, 2)[0]
    if family == socket.AF_INET:
        return str(ipaddress.IPv4Address(raw[4:8])), port
    return str(ipaddress.IPv6Address(raw[8:24])), port


@dataclass
class PeerInfo:
    """A GET_PEER reply, decoded; counters the family lacks stay None."""

    peer_id: int
    remote: Address | None = None
    local_ip: str | None = None
    local_port: int | None = None
    vpn_ipv4: str | None = None
    vpn_ipv6: str | None = None
    keepalive_interval: int | None = None
    keepalive_timeout: int | None = None
    stats: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DelPeerEvent:
    ifindex: int
    peer_id: int
    reason: int


class OvpnClient:
    """Netlink client for one family; create it in the netns of the device."""

    def __init__(self, layout: Layout = DCO_V2) -> None:
        self.layout = layout
        self.sock = genl.GenlSocket()
        self.family = self.sock.resolve(layout.family)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> OvpnClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _req(self, cmd: str, ifindex: int, nest: bytes | None = None, dump: bool = False) -> list[genl.GenlMessage]:
        attrs = genl.u32(self.layout.attr.IFINDEX, ifindex) + (nest or b"")
        return self.sock.request(self.family.id, self.layout.cmd[cmd], attrs, dump=dump)

    def _nest(self, op: str, *children: bytes) -> bytes:
        return genl.nest(self.layout.attr[op], *children)

    def new_peer_attrs(
        self,
        peer_id: int,
        sock_fd: int,
        remote: Address | None = None,
        local_ip: str | None = None,
        vpn_ipv4: str | None = None,
        vpn_ipv6: str | None = None,
    ) -> bytes:
        """The NEW_PEER nest, for new_peer() and batches."""
        kids = [genl.u32(NewPeerAttr.PEER_ID, peer_id), genl.u32(NewPeerAttr.SOCKET, sock_fd)]
        if remote is not None:
            kids.append(genl.attr(NewPeerAttr.SOCKADDR_REMOTE, sockaddr(remote)))
        if local_ip is not None:
            kids.append(genl.attr(NewPeerAttr.LOCAL_IP, ipaddress.ip_address(local_ip).packed))
        if vpn_ipv4 is not None:
            kids.append(genl.attr(NewPeerAttr.IPV4, ipaddress.IPv4Address(vpn_ipv4).packed))
        if vpn_ipv6 is not None:
            kids.append(genl.attr(NewPeerAttr.IPV6, ipaddress.IPv6Address(vpn_ipv6).packed))
        return self._nest("NEW_PEER", *kids)

    def new_peers(self, ifindex: int, nests: list[bytes]) -> None:
        """Many NEW_PEERs (nests from new_peer_attrs()), pipelined."""
        top = genl.u32(self.layout.attr.IFINDEX, ifindex)
        self.sock.request_many(self.family.id, self.layout.cmd.NEW_PEER, [top + n for n in nests])

    def del_peers(self, ifindex: int, peer_ids: list[int]) -> None:
        top = genl.u32(self.layout.attr.IFINDEX, ifindex)
        nests = [top + self._nest("DEL_PEER", genl.u32(DelPeerAttr.PEER_ID, p)) for p in peer_ids]
        self.sock.request_many(self.family.id, self.layout.cmd.DEL_PEER, nests)

    def new_peer(
        self,
        ifindex: int,
        peer_id: int,
        sock_fd: int,
        remote: Address | None = None,
        local_ip: str | None = None,
        vpn_ipv4: str | None = None,
        vpn_ipv6: str | None = None,
    ) -> None:
        self._req("NEW_PEER", ifindex, self.new_peer_attrs(peer_id, sock_fd, remote, local_ip, vpn_ipv4, vpn_ipv6))

    def set_peer(self, ifindex: int, peer_id: int, interval: int, timeout: int) -> None:
        self._req(
            "SET_PEER",
            ifindex,
            self._nest(
                "SET_PEER",
                genl.u32(SetPeerAttr.PEER_ID, peer_id),
                genl.u32(SetPeerAttr.KEEPALIVE_INTERVAL, interval),
                genl.u32(SetPeerAttr.KEEPALIVE_TIMEOUT, timeout),
            ),
        )

    def del_peer(self, ifindex: int, peer_id: int) -> None:
        self._req("DEL_PEER", ifindex, self._nest("DEL_PEER", genl.u32(DelPeerAttr.PEER_ID, peer_id)))

    def new_key(self, ifindex: int, peer_id: int, slot: KeySlot, key_id: int, encrypt: KeyDir, decrypt: KeyDir) -> None:
        def direction(atype: int, kd: KeyDir) -> bytes:
            return genl.nest(
                atype, genl.attr(KeyDirAttr.CIPHER_KEY, kd.key), genl.attr(KeyDirAttr.NONCE_TAIL, kd.nonce_tail)
            )

        self._req(
            "NEW_KEY",
            ifindex,
            self._nest(
                "NEW_KEY",
                genl.u32(NewKeyAttr.PEER_ID, peer_id),
                genl.u8(NewKeyAttr.KEY_SLOT, slot),
                genl.u8(NewKeyAttr.KEY_ID, key_id),
                genl.u16(NewKeyAttr.CIPHER_ALG, encrypt.cipher.alg),
                direction(NewKeyAttr.ENCRYPT_KEY, encrypt),
                direction(NewKeyAttr.DECRYPT_KEY, decrypt),
            ),
        )

    def swap_keys(self, ifindex: int, peer_id: int) -> None:
        self._req("SWAP_KEYS", ifindex, self._nest("SWAP_KEYS", genl.u32(SwapKeysAttr.PEER_ID, peer_id)))

    def del_key(self, ifindex: int, peer_id: int, slot: KeySlot) -> None:
        self._req(
            "DEL_KEY",
            ifindex,
            self._nest("DEL_KEY", genl.u32(DelKeyAttr.PEER_ID, peer_id), genl.u8(DelKeyAttr.KEY_SLOT, slot)),
        )

    def _peer_info(self, msg: genl.GenlMessage) -> PeerInfo:
        resp = self.layout.get_peer_resp
        a = genl.attr_map(msg.attrs[self.layout.attr.GET_PEER])
        info = PeerInfo(genl.get_u32(a[resp.PEER_ID]))
        if resp.SOCKADDR_REMOTE in a:
            info.remote = parse_sockaddr(a[resp.SOCKADDR_REMOTE])
        if resp.LOCAL_IP in a:
            info.local_ip = str(ipaddress.ip_address(a[resp.LOCAL_IP]))
        if resp.LOCAL_PORT in a:
            info.local_port = struct.unpack(">H", a[resp.LOCAL_PORT][:2])[0]
        if resp.IPV4 in a:
            info.vpn_ipv4 = str(ipaddress.IPv4Address(a[resp.IPV4][:4]))
        if resp.IPV6 in a:
            info.vpn_ipv6 = str(ipaddress.IPv6Address(a[resp.IPV6][:16]))
        if resp.KEEPALIVE_INTERVAL in a:
            info.keepalive_interval = genl.get_u32(a[resp.KEEPALIVE_INTERVAL])
        if resp.KEEPALIVE_TIMEOUT in a:
            info.keepalive_timeout = genl.get_u32(a[resp.KEEPALIVE_TIMEOUT])
        for member in resp:
            if member.name.endswith(("_BYTES", "_PACKETS")) and member in a:
                if len(a[member]) != 8:
                    raise ValueError(f"{member.name} is {len(a[member])} bytes, not a u64")
                info.stats[member.name.lower()] = genl.get_u64(a[member])
        return info

    def get_peer(self, ifindex: int, peer_id: int) -> PeerInfo:
        (msg,) = self._req("GET_PEER", ifindex, self._nest("GET_PEER", genl.u32(GetPeerAttr.PEER_ID, peer_id)))
        return self._peer_info(msg)

    def dump_peers(self, ifindex: int) -> list[PeerInfo]:
        return [self._peer_info(m) for m in self._req("GET_PEER", ifindex, dump=True)]

    def subscribe(self) -> None:
        """Join the "peers" multicast group."""
        self.sock.join(self.family.groups[MCAST_GROUP_PEERS])

    def events(self, timeout: float) -> list[DelPeerEvent]:
        """DEL_PEER notifications received within ``timeout`` (after subscribe())."""
        out = []
        for msg in self.sock.notifications(timeout):
            if msg.cmd != self.layout.cmd.DEL_PEER:
                continue
            a = msg.attrs
            d = genl.attr_map(a[self.layout.attr.DEL_PEER])
            out.append(
                DelPeerEvent(
                    genl.get_u32(a[self.layout.attr.IFINDEX]),
                    genl.get_u32(d[DelPeerAttr.PEER_ID]),
                    d[DelPeerAttr.REASON][0],
                )
            )
        return out

    def set_mssfix(self, ifindex: int, mssfix: int) -> None:
        """SET_DEV: the device's mssfix (0: no MSS clamping)."""
        self._req("SET_DEV", ifindex, self._nest("DEV", genl.u16(DevAttr.MSSFIX, mssfix)))

    def get_mssfix(self, ifindex: int) -> int:
        """GET_DEV: the device's mssfix."""
        (msg,) = self._req("GET_DEV", ifindex)
        if genl.get_u32(msg.attrs[self.layout.attr.IFINDEX]) != ifindex:
            raise ValueError("GET_DEV reply for another device")
        dev = genl.attr_map(msg.attrs[self.layout.attr.DEV])
        if len(dev[DevAttr.MSSFIX]) < 2:
            raise ValueError("MSSFIX shorter than a u16")
        return int(struct.unpack("=H", dev[DevAttr.MSSFIX][:2])[0])

    # control packets over netlink: "ovpn-dco" family only
    def register_packet(self, ifindex: int) -> None:
        self._req("REGISTER_PACKET", ifindex)

    def send_packet(self, ifindex: int, peer_id: int, data: bytes) -> None:
        self._req(
            "PACKET",
            ifindex,
            self._nest("PACKET", genl.u32(PacketAttr.PEER_ID, peer_id), genl.attr(PacketAttr.PACKET, data)),
        )

    def packets(self, timeout: float) -> list[tuple[int, int, bytes]]:
        """OVPN_CMD_PACKET messages unicast to us: (ifindex, peer id, packet)."""
        out = []
        for msg in self.sock.notifications(timeout):
            if msg.cmd != DCO.cmd.PACKET:
                continue
            a = msg.attrs
            p = genl.attr_map(a[DCO.attr.PACKET])
            out.append((genl.get_u32(a[DCO.attr.IFINDEX]), genl.get_u32(p[PacketAttr.PEER_ID]), p[PacketAttr.PACKET]))
        return out
