"""The live set-up the netlink fuzzer works against, and its shadow model.

A namespace with a P2P and an MP ovpn-dco device (plus ``lo``, which is not
one), peers with keys on both, and a pool of file descriptors: sockets
that can carry peers, sockets of the wrong kind, descriptors that are not
sockets, closed ones. ``Model`` is what the fuzzer believes the devices
hold; requests that succeed update it and every answer is checked against it.
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass, field

from ..guest import netns
from ..netlink import genl, rtnl
from ..netlink.dco import OvpnClient
from ..proto.consts import DCO_V2, KeySlot, Mode
from ..proto.mss import DEFAULT_MSSFIX
from ..proto.wire import Cipher, keydir

# what NEW_PEER must answer for a descriptor, before any address check:
# 0 = a socket that may carry a peer, else the errno
FD_OK = 0
BASE_PEERS = {"p2p": [1], "mp": [1, 2, 3, 4]}


@dataclass
class Fd:
    name: str
    fd: int
    expect: int  # FD_OK or errno (EBADF, ENOTSOCK, EINVAL)
    family: int = 0  # 4 or 6 for inet sockets
    v6only: bool = False
    keep: object = None


@dataclass
class PeerState:
    vpn4: bytes | None = None
    vpn6: bytes | None = None
    volatile: bool = False  # may expire by itself (short keepalive timeout)
    sock: str | None = None  # the pool name of its socket
    transport: str = "udp4"  # udp4, udp6 (its remote's family) or tcp


@dataclass
class DevModel:
    name: str
    ifindex: int
    mode: Mode
    peers: dict[int, PeerState] = field(default_factory=dict)
    mssfix: int = DEFAULT_MSSFIX  # SET_DEV changes it, GET_DEV reads it

    def vpn_in_use(self, vpn4: bytes | None, vpn6: bytes | None) -> bool:
        return any((vpn4 and p.vpn4 == vpn4) or (vpn6 and p.vpn6 == vpn6) for p in self.peers.values())


IPPROTO_UDPLITE = 136


def _sock(family: int, kind: int, proto: int = 0) -> socket.socket:
    return socket.socket(family, kind, proto)


class Lab:
    """Devices, peers, keys and the descriptor pool, in a fresh namespace."""

    def __init__(self) -> None:
        self.ns = netns.create("fz")
        self.devs: dict[str, DevModel] = {}
        self.fds: list[Fd] = []
        self._held: list[object] = []
        self._ports: dict[str, int] = {}
        for name, mode in (("p2p", Mode.P2P), ("mp", Mode.MP)):
            ifindex = rtnl.create(f"fz{name}", mode, self.ns)
            self.devs[name] = DevModel(f"fz{name}", ifindex, mode)
            netns.ip("link", "set", f"fz{name}", "up", netns=self.ns)
        self.lo_ifindex = 1
        # lo, and the fallback tunnels a kernel with them built in (sit0 on the debug kernel) puts
        # into every new namespace: a request naming one is refused as not an ovpn-dco device
        self.other_ifindexes = rtnl.ifindexes_not_of_kind(self.ns)
        with netns.inside(self.ns):
            self._make_fds()
            self.client = OvpnClient(DCO_V2)
        self.restore()
        if set(self.devs["mp"].peers) != set(BASE_PEERS["mp"]) or set(self.devs["p2p"].peers) != {1}:
            raise RuntimeError("cannot set up the base peers")

    @property
    def bound_ports(self) -> list[int]:
        """Ports of the bound UDP sockets of the pool (on 127.0.0.1 or ::1)."""
        return [self._ports[n] for n in sorted(self._ports)]

    def fd(self, name: str) -> Fd:
        return next(f for f in self.fds if f.name == name)

    def _add(self, name: str, obj: socket.socket | int, expect: int, family: int = 0, v6only: bool = False) -> None:
        fd = obj if isinstance(obj, int) else obj.fileno()
        if isinstance(obj, socket.socket) and obj.type == socket.SOCK_DGRAM and obj.family != socket.AF_UNIX:
            port = obj.getsockname()[1] if obj.family in (socket.AF_INET, socket.AF_INET6) else 0
            if port:
                self._ports[name] = port
        self._held.append(obj)
        self.fds.append(Fd(name, fd, expect, family, v6only))

    def _make_fds(self) -> None:
        udp4 = _sock(socket.AF_INET, socket.SOCK_DGRAM)
        udp4.bind(("127.0.0.1", 0))
        self._add("udp4_p2p", udp4, FD_OK, 4)
        udp6 = _sock(socket.AF_INET6, socket.SOCK_DGRAM)
        udp6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        udp6.bind(("::", 0))
        self._add("udp6_mp", udp6, FD_OK, 6)
        spare = _sock(socket.AF_INET, socket.SOCK_DGRAM)
        spare.bind(("127.0.0.1", 0))
        self._add("udp4_spare", spare, FD_OK, 4)
        only6 = _sock(socket.AF_INET6, socket.SOCK_DGRAM)
        only6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        only6.bind(("::1", 0))
        self._add("udp6_v6only", only6, FD_OK, 6, v6only=True)
        self._add("udp4_unbound", _sock(socket.AF_INET, socket.SOCK_DGRAM), FD_OK, 4)
        lst = _sock(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(8)
        for i in range(3):
            cli = _sock(socket.AF_INET, socket.SOCK_STREAM)
            cli.connect(lst.getsockname())
            srv, _ = lst.accept()
            srv.setblocking(False)
            self._add(f"tcp4_est{i}", cli, FD_OK, 4)
            self._add(f"tcp4_srv{i}", srv, FD_OK, 4)  # the other end can carry a peer too
        self._add("tcp4_listen", lst, errno.EINVAL, 4)
        self._add("tcp4_unconnected", _sock(socket.AF_INET, socket.SOCK_STREAM), errno.EINVAL, 4)
        self._add("raw4", _sock(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP), errno.EINVAL, 4)
        try:
            lite = _sock(socket.AF_INET, socket.SOCK_DGRAM, IPPROTO_UDPLITE)
        except OSError as exc:  # UDP-Lite is gone from 7.x kernels
            if exc.errno != errno.EPROTONOSUPPORT:
                raise
        else:
            lite.bind(("127.0.0.1", 0))
            self._add("udplite4", lite, errno.EINVAL, 4)
        self._add("netlink", _sock(socket.AF_NETLINK, socket.SOCK_RAW, genl.NETLINK_GENERIC), errno.EINVAL)
        self._add("unix", _sock(socket.AF_UNIX, socket.SOCK_DGRAM), errno.EINVAL)
        self._add("packet", _sock(socket.AF_PACKET, socket.SOCK_DGRAM, 0), errno.EINVAL)
        r, w = os.pipe()
        self._add("pipe", r, errno.ENOTSOCK)
        self._held.append(w)
        self._add("devnull", os.open("/dev/null", os.O_RDONLY), errno.ENOTSOCK)
        closed = os.open("/dev/null", os.O_RDONLY)
        os.close(closed)
        self.fds.append(Fd("closed", closed, errno.EBADF))
        self.fds.append(Fd("huge", 1 << 30, errno.EBADF))
        self.fds.append(Fd("minus1", 0xFFFFFFFF, errno.EBADF))

    def drain(self) -> None:
        """Read what PACKET commands wrote into the TCP streams, so their buffers never fill."""
        for obj in self._held:
            if isinstance(obj, socket.socket) and obj.type == socket.SOCK_STREAM and not obj.getblocking():
                try:
                    while obj.recv(1 << 16):
                        pass
                except (BlockingIOError, OSError):
                    pass

    def restore(self) -> None:
        """Put the base peers (with both key slots filled) back where the model lacks them.

        A base socket the fuzzer attached elsewhere makes that peer wait for a later round.
        """
        p2p, mp = self.devs["p2p"], self.devs["mp"]
        for pid in BASE_PEERS["p2p"]:
            st = p2p.peers.get(pid)
            if st is not None and not st.volatile:
                continue
            if self._new(p2p, pid, "udp4_p2p", ("192.0.2.2", 1194), None):
                p2p.peers = {pid: PeerState(sock="udp4_p2p", transport="udp4")}
        for pid in BASE_PEERS["mp"]:
            st = mp.peers.get(pid)
            if st is not None and not st.volatile:
                continue
            if st is not None:
                self._del(mp, pid)
            vpn4 = bytes([10, 77, 0, pid])
            if mp.vpn_in_use(vpn4, None):
                continue
            if self._new(mp, pid, "udp6_mp", ("2001:db8::2", 1000 + pid), f"10.77.0.{pid}"):
                mp.peers[pid] = PeerState(vpn4=vpn4, sock="udp6_mp", transport="udp6")

    def _new(self, dev: DevModel, pid: int, sock: str, remote: tuple[str, int], vpn4: str | None) -> bool:
        try:
            self.client.new_peer(dev.ifindex, pid, self.fd(sock).fd, remote, vpn_ipv4=vpn4)
        except genl.NetlinkError:
            return False
        self._keys(dev.ifindex, pid)
        return True

    def _del(self, dev: DevModel, pid: int) -> None:
        try:
            self.client.del_peer(dev.ifindex, pid)
        except genl.NetlinkError:
            pass
        dev.peers.pop(pid, None)

    def _keys(self, ifindex: int, pid: int) -> None:
        for slot, kid in ((KeySlot.PRIMARY, 0), (KeySlot.SECONDARY, 1)):
            self.client.new_key(
                ifindex, pid, slot, kid, keydir(Cipher.AES_128_GCM, pid + kid), keydir(Cipher.AES_128_GCM, pid + 7)
            )

    def trim(self, limit: int = 64) -> None:
        """Delete MP peers beyond ``limit`` (fuzzed NEW_PEERs accumulate)."""
        mp = self.devs["mp"]
        extra = [p for p in mp.peers if p not in BASE_PEERS["mp"]]
        for pid in extra[: max(0, len(mp.peers) - limit)]:
            self._del(mp, pid)

    def dump_ids(self, dev: DevModel) -> set[int]:
        return {p.peer_id for p in self.client.dump_peers(dev.ifindex)}

    def close(self) -> None:
        self.client.close()
        for obj in self._held:
            if isinstance(obj, socket.socket):
                obj.close()
            elif isinstance(obj, int):
                try:
                    os.close(obj)
                except OSError:
                    pass
        netns.delete(self.ns)
