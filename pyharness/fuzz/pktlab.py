"""The live set-up of the packet fuzzer: devices, Python peers that know the keys, counters.

Namespace a holds three ovpn-dco devices (``ovpn-dco-v2`` family): ``fzp``
(P2P, one peer) and ``fzm`` (MP, three peers) on UDP sockets, ``fzt``
(P2P) for TCP peers; namespace b holds the Python peers. Every kernel peer
has a primary key (id 0) and a secondary key (id 3); the Python side seals
with the same keys (pyharness.fuzz.pktmodel). A UDP listener on port 5555
in namespace a receives the inner packets the devices deliver.
"""

from __future__ import annotations

import ctypes
import fcntl
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from ..guest import netns, timing
from ..net import topo
from ..netlink import rtnl
from ..netlink.dco import OvpnClient
from ..proto.consts import DCO_V2, KeySlot, Mode
from ..proto.wire import Cipher, keydir
from .pktmodel import ACCEPTED, DROPS, RX_COUNTERS, UNPREDICTED, Device, Peer

SO_RCVBUFFORCE = 33
SIOCETHTOOL = 0x8946
ETHTOOL_GSTATS = 0x1D
LISTEN_PORT = 5555
KEY_IDS = (0, 3)
CIPHER = Cipher.AES_256_GCM


@dataclass
class Target:
    """One device under fuzz: its model, the kernel's socket, the Python peers' sockets."""

    name: str
    ifindex: int
    model: Device
    kernel_sock: socket.socket
    kernel_addr: tuple[str, int]
    senders: dict[int, socket.socket]  # peer id -> Python socket in namespace b
    net: str  # the device's tunnel network, e.g. "10.99.0"


def _big_buffers(s: socket.socket) -> None:
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)


def install_keys(client: OvpnClient, ifindex: int, peer: Peer, seed: int) -> None:
    """Primary key id 0 and secondary key id 3; the Python peer seals with the kernel's RX keys."""
    peer.keys = {}
    for slot, kid in zip((KeySlot.PRIMARY, KeySlot.SECONDARY), KEY_IDS, strict=True):
        rx = keydir(CIPHER, seed + 2 * kid + 1)
        client.new_key(ifindex, peer.peer_id, slot, kid, keydir(CIPHER, seed + 2 * kid), rx)
        peer.keys[kid] = rx
    peer.reset_keys()


class PacketLab:
    def __init__(self) -> None:
        self.underlay = topo.Underlay()
        self.ns, self.peer_ns = self.underlay.ns
        with netns.inside(self.ns):
            self.client = OvpnClient(DCO_V2)
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            _big_buffers(self.listener)
            self.listener.bind(("0.0.0.0", LISTEN_PORT))
            self.listener.setblocking(False)
            self._ioctl_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stat_names: list[str] = []
        self.targets: dict[str, Target] = {}
        self._add_udp("fzp", Mode.P2P, "10.99.0", 1194, [5])
        self._add_udp("fzm", Mode.MP, "10.98.0", 1195, [11, 12, 13])
        self.tcp_ifindex = self._device("fzt", Mode.P2P, "10.97.0")

    def _device(self, name: str, mode: Mode, net: str) -> int:
        ifindex = rtnl.create(name, mode, self.ns)
        netns.ip("addr", "add", f"{net}.1/24", "dev", name, netns=self.ns)
        # no router solicitations or MLD from the device: its counters stay ours
        netns.run(self.ns, "sysctl", "-qw", f"net.ipv6.conf.{name}.disable_ipv6=1")
        netns.ip("link", "set", name, "up", netns=self.ns)
        return ifindex

    def _add_udp(self, name: str, mode: Mode, net: str, port: int, peer_ids: list[int]) -> None:
        ifindex = self._device(name, mode, net)
        ksock = topo.udp_socket(self.ns, 4, (topo.UNDERLAY4[0], port))
        _big_buffers(ksock)
        ksock.setblocking(False)
        model = Device(mode == Mode.MP, {})
        senders = {}
        for pid in peer_ids:
            py_addr = (topo.UNDERLAY4[1], 2000 + pid)
            sender = topo.udp_socket(self.peer_ns, 4, py_addr)
            senders[pid] = sender
            vpn4 = f"{net}.{pid}" if mode == Mode.MP else None
            self.client.new_peer(ifindex, pid, ksock.fileno(), py_addr, vpn_ipv4=vpn4)
            peer = Peer(pid, {}, vpn4)
            install_keys(self.client, ifindex, peer, 100 * pid)
            model.peers[pid] = peer
        self.targets[name] = Target(name, ifindex, model, ksock, (topo.UNDERLAY4[0], port), senders, net)

    def counters(self, names: list[str]) -> dict[str, dict[str, int]]:
        """The reason counters (ethtool -S) and rx_packets/rx_dropped of each device, read in-process:
        SIOCETHTOOL and /proc/net/dev of namespace a (a subprocess per read costs a second under TCG).

        The two sources cannot be read at once: a packet dropped between the reads would show in
        one and not the other (an rx_dropped without its reason). So the reason counters are read
        before and after /proc/net/dev, until both reads agree.
        """
        if not self._stat_names:
            self._stat_names = list(rtnl.ethtool_stats(names[0], self.ns))
        reasons = self._reasons(names)
        while True:
            base = self._proc_net_dev()
            again = self._reasons(names)
            if again == reasons:
                return {name: reasons[name] | base[name] for name in names}
            reasons = again

    def _reasons(self, names: list[str]) -> dict[str, dict[str, int]]:
        n = len(self._stat_names)
        return {x: dict(zip(self._stat_names, ethtool_gstats(self._ioctl_sock, x, n), strict=True)) for x in names}

    def _proc_net_dev(self) -> dict[str, dict[str, int]]:
        with netns.inside(self.ns):
            dev = Path("/proc/self/net/dev").read_text().splitlines()[2:]
        base = {}
        for line in dev:
            name, _, rest = line.partition(":")
            f = rest.split()
            base[name.strip()] = {"rx_packets": int(f[1]), "rx_dropped": int(f[3]), "tx_packets": int(f[9])}
        return base

    def drain(self, sock: socket.socket, expect: int = 0, timeout: float = 10) -> list[bytes]:
        """What ``sock`` holds, waiting up to ``timeout`` (a stock kernel's, scaled) for ``expect``
        datagrams: the device counts a packet when it hands it to GRO, which delivers it a little later."""
        out: list[bytes] = []
        deadline = time.monotonic() + timing.scaled(timeout)
        while True:
            try:
                out.append(sock.recv(65536))
                continue
            except BlockingIOError:
                pass
            if len(out) >= expect or time.monotonic() > deadline:
                return out
            time.sleep(0.002)

    def close(self) -> None:
        self.client.close()
        self._ioctl_sock.close()
        self.listener.close()
        for t in self.targets.values():
            t.kernel_sock.close()
            for s in t.senders.values():
                s.close()
        self.underlay.close()


def ethtool_gstats(sock: socket.socket, ifname: str, n: int) -> tuple[int, ...]:
    """ETHTOOL_GSTATS through SIOCETHTOOL on a socket of the device's namespace: the ``ethtool -S`` values."""
    buf = ctypes.create_string_buffer(8 + 8 * n)
    struct.pack_into("=II", buf, 0, ETHTOOL_GSTATS, n)
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    return struct.unpack_from(f"={n}Q", buf, 8)


def settled(before: dict[str, int], after: dict[str, int], total: int) -> bool:
    """Whether every packet of a batch has landed somewhere: accepted or in a reason counter."""
    landed = (*RX_COUNTERS, *UNPREDICTED)
    return delta_of(before, after, ACCEPTED) + sum(delta_of(before, after, c) for c in landed) >= total


def delta_of(before: dict[str, int], after: dict[str, int], counter: str) -> int:
    key = "rx_packets" if counter == ACCEPTED else counter
    return after[key] - before[key]


def unexplained_drops(before: dict[str, int], after: dict[str, int]) -> int:
    """rx_dropped beyond the reason counters: drops the module did not account for."""
    return delta_of(before, after, "rx_dropped") - sum(delta_of(before, after, c) for c in DROPS)
