"""What an ovpn-dco device must do with each received OpenVPN packet: the reference model.

The packet fuzzer seals valid DATA_V2 packets with the keys it gave the
kernel and remembers every one it made (``Peer.good``). Any other byte
string can only fail authentication, so the fate of a datagram or TCP
frame follows from its bytes alone, in the order the kernel checks them
(kernel/udp.c, tcp.c, peer.c, io.c, pktid.c): length and opcode, peer id,
key id, tag, replay window, then the plaintext (keepalive, IP or not, and
in MP mode whether the inner source belongs to the peer).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..proto import mss
from ..proto.wire import OP_DATA_V2, OVERHEAD, PING_MAGIC, KeyDir, encrypt

REPLAY_WINDOW = 2048
# the fate of a packet: the ethtool counter it lands in, or "accepted" (device rx_packets)
ACCEPTED = "accepted"
RX_COUNTERS = (
    "rx_malformed",
    "rx_unknown_peer",
    "rx_no_key",
    "rx_auth_failed",
    "rx_replay",
    "rx_keepalive",
    "rx_control",
    "rx_bad_source",
)
# drop reasons no packet's bytes decide (a full receive pipeline, no memory): the model expects none
UNPREDICTED = ("rx_queue_full", "rx_errors")
DROPS = ("rx_malformed", "rx_unknown_peer", "rx_no_key", "rx_auth_failed", "rx_replay", "rx_bad_source", *UNPREDICTED)


@dataclass
class Window:
    """The RX replay window of one key slot, as kernel/pktid.c keeps it."""

    top: int = 0
    seen: set[int] = field(default_factory=set)

    def check(self, pid: int) -> bool:
        if pid == 0:
            return False
        if pid > self.top:
            self.top = pid
            self.seen = {i for i in self.seen if self.top - i < REPLAY_WINDOW}
        elif self.top - pid >= REPLAY_WINDOW or pid in self.seen:
            return False
        self.seen.add(pid)
        return True


@dataclass
class Good:
    """A packet sealed with a key the kernel has: who, which key id, which id, what plaintext."""

    peer_id: int
    key_id: int
    pid: int
    plain: bytes


@dataclass
class Peer:
    """A kernel peer as the fuzzer sees it: its id, RX keys by key id, VPN address (MP)."""

    peer_id: int
    keys: dict[int, KeyDir]
    vpn4: str | None = None
    next_pid: dict[int, int] = field(default_factory=dict)
    windows: dict[int, Window] = field(default_factory=dict)
    good: dict[bytes, Good] = field(default_factory=dict)

    def seal(self, key_id: int, pid: int, plain: bytes) -> bytes:
        pkt = encrypt(self.keys[key_id], key_id, self.peer_id, pid, plain)
        self.good[pkt] = Good(self.peer_id, key_id, pid, plain)
        return pkt

    def fresh(self, key_id: int, plain: bytes) -> bytes:
        pid = self.next_pid.get(key_id, 1)
        self.next_pid[key_id] = pid + 1
        return self.seal(key_id, pid, plain)

    def reset_keys(self) -> None:
        self.next_pid.clear()
        self.windows.clear()
        self.good.clear()


def plaintext_fate(plain: bytes, mp: bool, peer: Peer) -> str:
    """io.c after authentication: keepalive, not IP, MP source check, else delivered."""
    if plain == PING_MAGIC:
        return "rx_keepalive"
    if not plain:
        return "rx_malformed"
    version = plain[0] >> 4
    if version == 4 and len(plain) >= 20:
        if mp and (peer.vpn4 is None or ipaddress.IPv4Address(plain[12:16]) != ipaddress.IPv4Address(peer.vpn4)):
            return "rx_bad_source"
        return ACCEPTED
    if version == 6 and len(plain) >= 40:
        if mp and not _ipv6_link_local(plain[8:24]):
            return "rx_bad_source"
        return ACCEPTED
    return "rx_malformed"


def _ipv6_link_local(addr: bytes) -> bool:
    """ipv6_addr_type() & IPV6_ADDR_LINKLOCAL: fe80::/10, or multicast of link-local scope."""
    return ipaddress.IPv6Address(addr).is_link_local or (addr[0] == 0xFF and addr[1] & 0x0F == 2)


@dataclass
class Device:
    """A device under fuzz: P2P (one peer, any id must match it) or MP (peers by id)."""

    mp: bool
    peers: dict[int, Peer]
    tcp: bool = False  # the peers' transport: TCP (else UDP), over IPv4

    def mss_clamped(self, pkt: bytes, fate: str, peer: Peer | None) -> bool:
        """Whether delivering ``pkt`` (with its ``fate``) lowers a TCP MSS: rx_mss_clamped (mssfix 1492)."""
        if fate != ACCEPTED or peer is None:
            return False
        limits = (
            mss.max_mss(mss.DEFAULT_MSSFIX, outer_ipv6=False, tcp=self.tcp, inner_ipv6=False),
            mss.max_mss(mss.DEFAULT_MSSFIX, outer_ipv6=False, tcp=self.tcp, inner_ipv6=True),
        )
        return mss.clamp(peer.good[pkt].plain, *limits)[1]

    def fate(self, pkt: bytes) -> tuple[str, Peer | None]:
        """The counter ``pkt`` (one UDP payload or TCP frame body) lands in, and the peer that
        authenticated it (None if it did not pass authentication and the replay check).
        """
        if not pkt:
            return "rx_malformed", None
        if pkt[0] >> 3 != OP_DATA_V2:
            return "rx_control", None
        if len(pkt) < OVERHEAD:
            return "rx_malformed", None
        peer = self.peers.get(int.from_bytes(pkt[1:4], "big"))
        if peer is None:
            return "rx_unknown_peer", None
        key_id = pkt[0] & 7
        if key_id not in peer.keys:
            return "rx_no_key", None
        good = peer.good.get(pkt)
        if good is None:
            return "rx_auth_failed", None
        if not peer.windows.setdefault(key_id, Window()).check(good.pid):
            return "rx_replay", None
        return plaintext_fate(good.plain, self.mp, peer), peer


def tcp_frames(stream: bytes) -> tuple[list[bytes], bool]:
    """The frames the kernel cuts ``stream`` into, and whether a zero length stopped it."""
    frames = []
    off = 0
    while off + 2 <= len(stream):
        n = int.from_bytes(stream[off : off + 2], "big")
        if n == 0:
            return frames, True
        if off + 2 + n > len(stream):
            break
        frames.append(stream[off + 2 : off + 2 + n])
        off += 2 + n
    return frames, False
