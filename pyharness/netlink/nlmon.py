"""Watch the generic netlink traffic of one namespace through an nlmon device.

An nlmon device sees every netlink message sent or delivered in its
namespace: requests from userspace, the kernel's replies and ACKs, and
multicast notifications. A thread reads the frames from a packet socket, so
a test can check afterwards exactly what a program such as OpenVPN asked of
the module and what it was answered, without touching the program.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass

from ..guest import netns
from .genl import attr_map

NETLINK_ROUTE = 0
NETLINK_GENERIC = 16
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
ETH_P_ALL = 0x0003
_NLMSG = struct.Struct("=IHHII")


@dataclass(frozen=True)
class Message:
    """One captured generic netlink message."""

    msg_type: int
    flags: int
    seq: int
    pid: int
    body: bytes  # after the netlink header
    at: float
    protocol: int = NETLINK_GENERIC

    @property
    def is_request(self) -> bool:
        return bool(self.flags & NLM_F_REQUEST)

    @property
    def cmd(self) -> int:
        return self.body[0]

    @property
    def attrs(self) -> dict[int, bytes]:
        """Top-level attributes after the 4-byte genl header."""
        return attr_map(self.body[4:])

    def nested(self, atype: int) -> dict[int, bytes]:
        """The attributes inside top-level attribute ``atype`` (empty if absent)."""
        return attr_map(self.attrs.get(atype, b""))

    @property
    def error(self) -> int:
        """The errno of an NLMSG_ERROR (0 for an ACK)."""
        return -int(struct.unpack_from("=i", self.body)[0])

    @property
    def acked(self) -> tuple[int, int]:
        """(seq, pid) of the request an NLMSG_ERROR answers."""
        _, _, _, seq, pid = _NLMSG.unpack_from(self.body, 4)
        return seq, pid


@dataclass(frozen=True)
class Exchange:
    """A request and the kernel's final answer to it (ACK, error or end of dump)."""

    request: Message
    error: int | None  # None: no answer was seen

    @property
    def cmd(self) -> int:
        return self.request.cmd


def split(frame: bytes, at: float, protocol: int = NETLINK_GENERIC) -> list[Message]:
    """The netlink messages in one captured frame."""
    out = []
    off = 0
    while off + _NLMSG.size <= len(frame):
        length, mtype, flags, seq, pid = _NLMSG.unpack_from(frame, off)
        if length < _NLMSG.size or off + length > len(frame):
            break
        out.append(Message(mtype, flags, seq, pid, frame[off + _NLMSG.size : off + length], at, protocol))
        off += (length + 3) & ~3
    return out


class NetlinkMonitor:
    """Capture generic netlink messages in namespace ``ns`` until closed."""

    def __init__(self, ns: str, ifname: str = "nlmon0") -> None:
        self.ns = ns
        self.ifname = ifname
        self._messages: list[Message] = []
        self._lock = threading.Lock()
        netns.ip("link", "add", ifname, "type", "nlmon", netns=ns)
        netns.ip("link", "set", ifname, "up", netns=ns)
        with netns.inside(ns):
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self._sock.bind((ifname, 0))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"nlmon-{ns}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame, addr = self._sock.recvfrom(1 << 20)
            except TimeoutError:
                continue
            except OSError:
                return
            if addr[1] not in (NETLINK_GENERIC, NETLINK_ROUTE):
                continue
            msgs = split(frame, time.monotonic(), addr[1])
            with self._lock:
                self._messages.extend(msgs)

    def messages(self, protocol: int = NETLINK_GENERIC) -> list[Message]:
        with self._lock:
            return [m for m in self._messages if m.protocol == protocol]

    def family(self, family_id: int) -> list[Message]:
        """Generic netlink messages of one family (requests, replies, notifications)."""
        return [m for m in self.messages() if m.msg_type == family_id]

    def exchanges(self, family_id: int, protocol: int = NETLINK_GENERIC) -> list[Exchange]:
        """Every request of type ``family_id`` paired with its ACK, error or NLMSG_DONE.

        For rtnetlink (``protocol`` NETLINK_ROUTE) the type is the RTM_* message type.
        """
        msgs = self.messages(protocol)
        answers: dict[tuple[int, int], int] = {}
        for m in msgs:
            if m.msg_type == NLMSG_ERROR and not m.is_request:
                answers.setdefault(m.acked, m.error)
            elif m.msg_type == NLMSG_DONE:
                answers.setdefault((m.seq, m.pid), 0)
        return [Exchange(m, answers.get((m.seq, m.pid))) for m in msgs if m.msg_type == family_id and m.is_request]

    def notifications(self, family_id: int, cmd: int) -> list[Message]:
        """Multicast messages of ``family_id`` with command ``cmd`` (seq 0, not a request)."""
        return [m for m in self.family(family_id) if not m.is_request and m.seq == 0 and m.cmd == cmd]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
        try:
            netns.ip("link", "del", self.ifname, netns=self.ns)
        except RuntimeError:  # the namespace (and the device with it) is already gone
            pass
