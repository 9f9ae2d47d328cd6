"""Test topologies: two namespaces joined by a veth, ovpn-dco devices on top.

Everything lives in namespaces created here (never the guest's own), with
documentation addresses: underlay 192.0.2.0/24 and 2001:db8::/64, tunnel
10.99.0.0/24 and fd99::/64.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from ..guest import netns
from ..netlink import rtnl
from ..netlink.dco import Address, OvpnClient
from ..proto.consts import DCO_V2, KeySlot, Layout, Mode
from ..proto.wire import Cipher, KeyDir, encrypt, ipv4_udp, ipv6_udp, keydir

UNDERLAY4 = ("192.0.2.1", "192.0.2.2")
UNDERLAY6 = ("2001:db8::1", "2001:db8::2")
TUNNEL4 = ("10.99.0.1", "10.99.0.2")
TUNNEL6 = ("fd99::1", "fd99::2")
PORT = 1194


def client_vpn4(i: int) -> str:
    return f"10.99.0.{i + 1}"


def client_vpn6(i: int) -> str:
    return f"fd99::{i + 1:x}"


@dataclass
class Underlay:
    """Namespaces a and b, joined by veth va <-> vb with IPv4 and IPv6 addresses."""

    ns: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        a, b = netns.create("a"), netns.create("b")
        self.ns = (a, b)
        netns.ip("link", "add", "va", "netns", a, "type", "veth", "peer", "name", "vb", "netns", b)
        for side, (name, dev) in enumerate(((a, "va"), (b, "vb"))):
            netns.ip("addr", "add", f"{UNDERLAY4[side]}/24", "dev", dev, netns=name)
            netns.ip("addr", "add", f"{UNDERLAY6[side]}/64", "dev", dev, "nodad", netns=name)
            netns.ip("link", "set", dev, "up", netns=name)

    def addr(self, side: int, family: int) -> str:
        return (UNDERLAY4 if family == 4 else UNDERLAY6)[side]

    def close(self) -> None:
        for name in self.ns:
            netns.delete(name)


def udp_socket(ns: str, family: int, addr: Address) -> socket.socket:
    """A UDP socket created in ``ns`` and bound to ``addr``."""
    with netns.inside(ns):
        s = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(addr)
    return s


def tcp_pair(ns: tuple[str, str], family: int, server: Address, client: Address) -> tuple[socket.socket, socket.socket]:
    """An established TCP connection: (accepted socket in ns[0], connected socket in ns[1])."""
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    with netns.inside(ns[0]):
        lst = socket.socket(af, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(server)
        lst.listen(1)
    with netns.inside(ns[1]):
        cli = socket.socket(af, socket.SOCK_STREAM)
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        cli.bind(client)
    cli.connect(server)
    srv, _ = lst.accept()
    lst.close()
    for s in (srv, cli):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return srv, cli


@dataclass
class KernelEnd:
    """One end of a tunnel run by ovpn-dco: device, netlink client, transport socket."""

    ns: str
    layout: Layout = DCO_V2
    mode: Mode = Mode.P2P
    ifname: str = "ovpn0"
    ifindex: int = 0
    client: OvpnClient = field(init=False)
    sock: socket.socket | None = None

    def __post_init__(self) -> None:
        self.ifindex = rtnl.create(self.ifname, self.mode, self.ns)
        with netns.inside(self.ns):
            self.client = OvpnClient(self.layout)

    def address(self, index: int, mtu: int | None = None, ipv6: bool = True) -> None:
        """Tunnel addresses 10.99.0.(index+1)/24 and fd99::(index+1)/64, then link up.

        ``ipv6`` False keeps IPv6 off the device.
        """
        netns.ip("addr", "add", f"{client_vpn4(index)}/24", "dev", self.ifname, netns=self.ns)
        if ipv6:
            netns.ip("addr", "add", f"{client_vpn6(index)}/64", "dev", self.ifname, "nodad", netns=self.ns)
        else:  # no router solicitations or MLD: packet ids and counters stay predictable
            netns.run(self.ns, "sysctl", "-qw", f"net.ipv6.conf.{self.ifname}.disable_ipv6=1")
        if mtu:
            netns.ip("link", "set", self.ifname, "mtu", str(mtu), netns=self.ns)
        netns.ip("link", "set", self.ifname, "up", netns=self.ns)

    def attach(self, sock: socket.socket, peer_id: int, remote: Address) -> None:
        self.sock = sock
        self.client.new_peer(self.ifindex, peer_id, sock.fileno(), remote)

    def key(self, peer_id: int, tx: KeyDir, rx: KeyDir, key_id: int = 0, slot: KeySlot = KeySlot.PRIMARY) -> None:
        self.client.new_key(self.ifindex, peer_id, slot, key_id, tx, rx)

    def stat(self, counter: str) -> int:
        return int(netns.run(self.ns, "cat", f"/sys/class/net/{self.ifname}/statistics/{counter}").stdout)

    def ethtool_stats(self) -> dict[str, int]:
        return rtnl.ethtool_stats(self.ifname, self.ns)

    def close(self) -> None:
        self.client.close()
        if self.sock is not None:
            self.sock.close()


@dataclass
class Tunnel:
    """Two kernel ends, configured purely over netlink, ready to carry traffic."""

    outer: int = 4
    cipher: Cipher = Cipher.AES_256_GCM
    layout: Layout = DCO_V2
    peer_id: int = 1
    mtu: int | None = None
    ipv6: bool = True
    proto: str = "udp"
    underlay: Underlay = field(init=False)
    ends: tuple[KernelEnd, KernelEnd] = field(init=False)
    keys: tuple[KeyDir, KeyDir] = field(init=False)

    def __post_init__(self) -> None:
        self.underlay = Underlay()
        self.ends = (KernelEnd(self.underlay.ns[0], self.layout), KernelEnd(self.underlay.ns[1], self.layout))
        self.keys = (keydir(self.cipher, 1), keydir(self.cipher, 2))
        a, b = (self.underlay.addr(side, self.outer) for side in (0, 1))
        if self.proto == "tcp":
            socks = tcp_pair(self.underlay.ns, self.outer, (a, PORT), (b, PORT + 1))
        else:
            socks = tuple(udp_socket(e.ns, self.outer, (addr, PORT)) for e, addr in zip(self.ends, (a, b), strict=True))
        remotes = ((b, PORT), (a, PORT))
        for side, end in enumerate(self.ends):
            end.attach(socks[side], self.peer_id, remotes[side])
            end.key(self.peer_id, self.keys[side], self.keys[1 - side])
            end.address(side, self.mtu, self.ipv6)

    def ping(self, side: int, inner: int = 4, count: int = 3, size: int = 56, extra: tuple[str, ...] = ()) -> str:
        target = (TUNNEL4 if inner == 4 else TUNNEL6)[1 - side]
        cmd = ["ping", "-c", str(count), "-i", "0.2", "-W", "2", "-s", str(size), *extra, target]
        return netns.run(self.ends[side].ns, *cmd, timeout=60).stdout

    def close(self) -> None:
        for end in self.ends:
            end.close()
        self.underlay.close()


@dataclass
class WirePair:
    """ovpn-dco in namespace a; in namespace b a Python OpenVPN peer with a plain UDP socket.

    The Python side encrypts and decrypts with pyharness.proto.wire, so every byte
    the kernel sends or accepts is checked against an independent codec.
    """

    outer: int = 4
    cipher: Cipher = Cipher.AES_256_GCM
    layout: Layout = DCO_V2
    peer_id: int = 5
    key_id: int = 0
    ipv6_on_device: bool = False
    underlay: Underlay = field(init=False)
    end: KernelEnd = field(init=False)
    peer: socket.socket = field(init=False)
    kernel_tx: KeyDir = field(init=False)
    kernel_rx: KeyDir = field(init=False)
    next_pid: int = 1

    def __post_init__(self) -> None:
        self.underlay = Underlay()
        a, b = self.underlay.ns
        self.end = KernelEnd(a, self.layout)
        self.kernel_tx, self.kernel_rx = keydir(self.cipher, 11), keydir(self.cipher, 12)
        self.end.attach(udp_socket(a, self.outer, self.kernel_addr), self.peer_id, self.peer_addr)
        self.end.key(self.peer_id, self.kernel_tx, self.kernel_rx, self.key_id)
        self.end.address(0, ipv6=self.ipv6_on_device)
        self.peer = udp_socket(b, self.outer, self.peer_addr)
        self.peer.settimeout(5)

    @property
    def kernel_addr(self) -> Address:
        return (self.underlay.addr(0, self.outer), PORT)

    @property
    def peer_addr(self) -> Address:
        return (self.underlay.addr(1, self.outer), PORT)

    def seal(
        self, plaintext: bytes, pid: int | None = None, key_id: int | None = None, peer_id: int | None = None
    ) -> bytes:
        if pid is None:
            pid = self.next_pid
            self.next_pid += 1
        kid = self.key_id if key_id is None else key_id
        pid_peer = self.peer_id if peer_id is None else peer_id
        return encrypt(self.kernel_rx, kid, pid_peer, pid, plaintext)

    def send(self, plaintext: bytes, **kwargs: int) -> bytes:
        """Encrypt like OpenVPN and send to the kernel; returns the datagram."""
        pkt = self.seal(plaintext, **kwargs)
        self.peer.sendto(pkt, self.kernel_addr)
        return pkt

    def send_raw(self, data: bytes) -> None:
        self.peer.sendto(data, self.kernel_addr)

    def recv(self, timeout: float = 5) -> bytes:
        self.peer.settimeout(timeout)
        data, _ = self.peer.recvfrom(65535)
        return data

    def inner_udp(self, payload: bytes, dport: int = 5555, inner: int = 4) -> bytes:
        """An inner packet from the Python peer's tunnel address to the kernel side."""
        if inner == 4:
            return ipv4_udp(TUNNEL4[1], TUNNEL4[0], 4444, dport, payload)
        return ipv6_udp(TUNNEL6[1], TUNNEL6[0], 4444, dport, payload)

    def listener(self, port: int = 5555, inner: int = 4) -> socket.socket:
        """A UDP socket in namespace a on the kernel side's tunnel address."""
        with netns.inside(self.end.ns):
            s = socket.socket(socket.AF_INET if inner == 4 else socket.AF_INET6, socket.SOCK_DGRAM)
            s.bind(((TUNNEL4 if inner == 4 else TUNNEL6)[0], port))
        s.settimeout(3)
        return s

    def capture(self) -> socket.socket:
        """A packet socket on the ovpn-dco device: sees inner packets as the stack does."""
        with netns.inside(self.end.ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
            s.bind((self.end.ifname, 0))
        s.settimeout(3)
        return s

    def close(self) -> None:
        self.peer.close()
        self.end.close()
        self.underlay.close()


@dataclass
class Star:
    """A multi-peer server and its clients, like an OpenVPN server (upstream selftest topology).

    Namespace ``server`` holds an MP device (10.99.0.1/24, fd99::1/64) and one veth per
    client; clients 1..clients4 reach it over IPv4 (10.10.i.0/24), the others over IPv6
    (fd00:0:0:i::/64). Client i has a P2P device with 10.99.0.(i+1) and fd99::(i+1), and is
    peer i on both sides. UDP: the server shares one dual-stack socket among all peers;
    TCP: one connection per client.
    """

    clients4: int = 3
    clients6: int = 3
    proto: str = "udp"
    cipher: Cipher = Cipher.AES_256_GCM
    layout: Layout = DCO_V2
    ipv6: bool = True
    server: KernelEnd = field(init=False)
    clients: dict[int, KernelEnd] = field(init=False)
    sockets: list[socket.socket] = field(init=False)

    def __post_init__(self) -> None:
        self.sockets = []
        srv_ns = netns.create("srv")
        self.server = KernelEnd(srv_ns, self.layout, Mode.MP)
        self.clients = {}
        shared = None
        if self.proto == "udp":
            shared = self._socket(srv_ns, socket.SOCK_DGRAM, ("::", PORT))
        else:
            listener = self._socket(srv_ns, socket.SOCK_STREAM, ("::", PORT))
            listener.listen(16)
        for i in range(1, self.clients4 + self.clients6 + 1):
            family = 4 if i <= self.clients4 else 6
            srv_addr, cli_addr, plen = self._link(srv_ns, i, family)
            client = KernelEnd(netns.create(f"c{i}-"), self.layout)
            netns.ip("link", "set", f"c{i}", "netns", client.ns, netns=srv_ns)
            self._configure_client_link(client.ns, i, cli_addr, plen)
            tx, rx = keydir(self.cipher, 100 + i), keydir(self.cipher, 200 + i)
            if self.proto == "udp":
                csock = udp_socket(client.ns, family, (cli_addr, PORT))
                ssock = shared
                remote: Address | None = (cli_addr, PORT)
            else:
                with netns.inside(client.ns):
                    csock = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, socket.SOCK_STREAM)
                csock.connect((srv_addr, PORT))
                ssock, _ = listener.accept()
                self.sockets.append(ssock)
                remote = None
            assert ssock is not None
            self.server.client.new_peer(
                self.server.ifindex, i, ssock.fileno(), remote, vpn_ipv4=client_vpn4(i), vpn_ipv6=client_vpn6(i)
            )
            self.server.key(i, rx, tx)
            client.attach(csock, i, (srv_addr, PORT))
            client.key(i, tx, rx)
            client.address(i, ipv6=self.ipv6)
            self.clients[i] = client
        if self.proto == "tcp":
            listener.close()
        self.server.address(0, ipv6=self.ipv6)

    def _socket(self, ns: str, kind: int, addr: Address) -> socket.socket:
        with netns.inside(ns):
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(addr)
        self.sockets.append(s)
        return s

    def _link(self, srv_ns: str, i: int, family: int) -> tuple[str, str, str]:
        """veth s<i> (server side, configured) <-> c<i>; returns server address, client address, prefix."""
        netns.ip("link", "add", f"s{i}", "type", "veth", "peer", "name", f"c{i}", netns=srv_ns)
        srv, cli = (f"10.10.{i}.1", f"10.10.{i}.2") if family == 4 else (f"fd00:0:0:{i}::1", f"fd00:0:0:{i}::2")
        plen = "24" if family == 4 else "64"
        netns.ip("addr", "add", f"{srv}/{plen}", "dev", f"s{i}", *(["nodad"] if family == 6 else []), netns=srv_ns)
        netns.ip("link", "set", f"s{i}", "up", netns=srv_ns)
        return srv, cli, plen

    def _configure_client_link(self, ns: str, i: int, cli: str, plen: str) -> None:
        netns.ip("addr", "add", f"{cli}/{plen}", "dev", f"c{i}", *(["nodad"] if ":" in cli else []), netns=ns)
        netns.ip("link", "set", f"c{i}", "up", netns=ns)

    def ping(self, ns: str, target: str, count: int = 3, extra: tuple[str, ...] = ()) -> str:
        pace = [] if "-f" in extra else ["-i", "0.05"]
        cmd = ["ping", "-c", str(count), *pace, "-W", "2", *extra, target]
        return netns.run(ns, *cmd, check=False, timeout=120).stdout

    def close(self) -> None:
        for s in self.sockets:
            s.close()
        for c in self.clients.values():
            c.close()
            netns.delete(c.ns)
        self.server.close()
        netns.delete(self.server.ns)


@dataclass
class Lan:
    """A server namespace with a bridge (192.0.2.1/24, 2001:db8::1/64) and client namespaces on it.

    Client i is namespace ``clients[i]`` with eth0 = 192.0.2.(10+i), 2001:db8::(10+i).
    """

    count: int = 3
    server: str = field(init=False)
    clients: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.server = netns.create("srv")
        netns.ip("link", "add", "br0", "type", "bridge", netns=self.server)
        netns.ip("addr", "add", "192.0.2.1/24", "dev", "br0", netns=self.server)
        netns.ip("addr", "add", "2001:db8::1/64", "dev", "br0", "nodad", netns=self.server)
        netns.ip("link", "set", "br0", "up", netns=self.server)
        self.clients = []
        for i in range(self.count):
            ns = netns.create(f"c{i}-")
            self.clients.append(ns)
            netns.ip("link", "add", f"e{i}", "netns", self.server, "type", "veth", "peer", "name", "eth0", "netns", ns)
            netns.ip("link", "set", f"e{i}", "master", "br0", "up", netns=self.server)
            netns.ip("addr", "add", f"{self.client_addr(i, 4)}/24", "dev", "eth0", netns=ns)
            netns.ip("addr", "add", f"{self.client_addr(i, 6)}/64", "dev", "eth0", "nodad", netns=ns)
            netns.ip("link", "set", "eth0", "up", netns=ns)

    @staticmethod
    def server_addr(family: int) -> str:
        return "192.0.2.1" if family == 4 else "2001:db8::1"

    @staticmethod
    def client_addr(i: int, family: int) -> str:
        return f"192.0.2.{10 + i}" if family == 4 else f"2001:db8::{10 + i:x}"

    def close(self) -> None:
        for ns in [*self.clients, self.server]:
            netns.delete(ns)
