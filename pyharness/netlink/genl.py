"""A small, exact generic netlink client.

It builds messages byte by byte, so tests can send well-formed requests as
well as malformed ones (wrong widths, unknown attributes, bad nesting), and
it surfaces the kernel's extended ACK text in every error.
"""

from __future__ import annotations

import errno as errno_mod
import os
import select
import socket
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
NETLINK_GET_STRICT_CHK = 12

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_MAXATTR = 5
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

_HDR = struct.Struct("=IHHII")
_GENL = struct.Struct("=BBH")


class NetlinkError(OSError):
    """The kernel answered with an error; ``extack`` is its message, if any.

    ``offset`` is the bad attribute's offset in the request (from the netlink header),
    ``miss_type`` the type of a missing attribute and ``miss_nest`` the offset of the
    nest it was missing from (None: the top level), as the extended ACK gives them.
    """

    def __init__(
        self,
        code: int,
        extack: str | None = None,
        offset: int | None = None,
        miss_type: int | None = None,
        miss_nest: int | None = None,
    ) -> None:
        text = os.strerror(code) + (f": {extack}" if extack else "")
        super().__init__(code, text)
        self.extack = extack
        self.offset = offset
        self.miss_type = miss_type
        self.miss_nest = miss_nest


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def attr(atype: int, payload: bytes, nested: bool = False) -> bytes:
    """One attribute: header, payload, padding."""
    flag = NLA_F_NESTED if nested else 0
    return _pad(struct.pack("=HH", 4 + len(payload), atype | flag) + payload)


def nest(atype: int, *children: bytes) -> bytes:
    return attr(atype, b"".join(children), nested=True)


def u8(atype: int, value: int) -> bytes:
    return attr(atype, struct.pack("=B", value))


def u16(atype: int, value: int) -> bytes:
    return attr(atype, struct.pack("=H", value))


def u32(atype: int, value: int) -> bytes:
    return attr(atype, struct.pack("=I", value))


def u64(atype: int, value: int) -> bytes:
    return attr(atype, struct.pack("=Q", value))


def string(atype: int, value: str) -> bytes:
    return attr(atype, value.encode() + b"\0")


def parse_attrs(data: bytes) -> list[tuple[int, bytes]]:
    """Attributes of a buffer as (type without flags, payload)."""
    out = []
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4 or off + length > len(data):
            break
        out.append((atype & NLA_TYPE_MASK, data[off + 4 : off + length]))
        off += (length + 3) & ~3
    return out


def attr_map(data: bytes) -> dict[int, bytes]:
    return dict(parse_attrs(data))


def get_u32(payload: bytes) -> int:
    return int(struct.unpack("=I", payload[:4])[0])


def get_u64(payload: bytes) -> int:
    return int(struct.unpack("=Q", payload[:8])[0])


@dataclass
class GenlMessage:
    """A received generic netlink message."""

    msg_type: int
    flags: int
    seq: int
    cmd: int
    version: int
    payload: bytes

    @property
    def attrs(self) -> dict[int, bytes]:
        return attr_map(self.payload)


@dataclass
class Family:
    name: str
    id: int
    version: int
    maxattr: int
    groups: dict[str, int] = field(default_factory=dict)


def _parse_error(body: bytes, flags: int, done: bool = False) -> NetlinkError | None:
    """The error of an NLMSG_ERROR (or, ``done``, of an NLMSG_DONE ending a dump), None for an ACK."""
    code = -struct.unpack_from("=i", body, 0)[0]
    if code == 0:
        return None
    extack = offset = miss_type = miss_nest = None
    if flags & NLM_F_ACK_TLVS:
        if done:  # NLMSG_DONE: the TLVs follow the error code
            tlv_start = 4
        else:  # uncapped ACK (NETLINK_CAP_ACK off): the original message follows
            orig_len = struct.unpack_from("=I", body, 4)[0]
            tlv_start = 4 + ((orig_len + 3) & ~3)
        for atype, payload in parse_attrs(body[tlv_start:]):
            if atype == NLMSGERR_ATTR_MSG:
                extack = payload.rstrip(b"\0").decode(errors="replace")
            elif atype == NLMSGERR_ATTR_OFFS:
                offset = get_u32(payload)
            elif atype == NLMSGERR_ATTR_MISS_TYPE:
                miss_type = get_u32(payload)
            elif atype == NLMSGERR_ATTR_MISS_NEST:
                miss_nest = get_u32(payload)
    return NetlinkError(code, extack, offset, miss_type, miss_nest)


class GenlSocket:
    """A NETLINK_GENERIC socket with extended ACKs and strict checking on."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.portid = self.sock.getsockname()[0]
        self.timeout = timeout
        self._seq = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> GenlSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self, family_id: int, cmd: int, payload: bytes = b"", flags: int = NLM_F_REQUEST | NLM_F_ACK, version: int = 1
    ) -> int:
        self._seq += 1
        body = _GENL.pack(cmd, version, 0) + payload
        self.sock.send(_HDR.pack(_HDR.size + len(body), family_id, flags, self._seq, 0) + body)
        return self._seq

    def _recv_batch(self, timeout: float) -> list[tuple[int, int, int, bytes]]:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            raise TimeoutError(f"no netlink answer within {timeout:.1f} s")
        data = self.sock.recv(1 << 20)
        out = []
        off = 0
        while off + _HDR.size <= len(data):
            length, mtype, flags, seq, _pid = _HDR.unpack_from(data, off)
            if length < _HDR.size:
                break
            out.append((mtype, flags, seq, data[off + _HDR.size : off + length]))
            off += (length + 3) & ~3
        return out

    def _genl(self, mtype: int, flags: int, seq: int, body: bytes) -> GenlMessage:
        cmd, version, _ = _GENL.unpack_from(body, 0)
        return GenlMessage(mtype, flags, seq, cmd, version, body[_GENL.size :])

    def request(self, family_id: int, cmd: int, payload: bytes = b"", dump: bool = False) -> list[GenlMessage]:
        """Send one request and collect its replies until the ACK or NLMSG_DONE; raise on error."""
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        seq = self.send(family_id, cmd, payload, flags)
        replies: list[GenlMessage] = []
        while True:
            for mtype, mflags, mseq, body in self._recv_batch(self.timeout):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = _parse_error(body, mflags)
                    if err is not None:
                        raise err
                    return replies
                if mtype == NLMSG_DONE:
                    err_code = struct.unpack_from("=i", body, 0)[0] if len(body) >= 4 else 0
                    if err_code < 0:
                        raise _parse_error(body, mflags, done=True) or NetlinkError(-err_code)
                    if not dump:
                        continue
                    return replies
                replies.append(self._genl(mtype, mflags, mseq, body))

    def request_many(self, family_id: int, cmd: int, payloads: list[bytes], window: int = 128) -> None:
        """Send many ACKed requests, ``window`` in flight at a time; raise the first error."""
        pending: set[int] = set()
        first: NetlinkError | None = None
        it = iter(payloads)
        done = False
        while not done or pending:
            while not done and len(pending) < window:
                try:
                    pending.add(self.send(family_id, cmd, next(it)))
                except StopIteration:
                    done = True
            if not pending:
                break
            for mtype, mflags, mseq, body in self._recv_batch(self.timeout):
                if mtype == NLMSG_ERROR and mseq in pending:
                    pending.discard(mseq)
                    err = _parse_error(body, mflags)
                    if err is not None and first is None:
                        first = err
        if first is not None:
            raise first

    def join(self, group_id: int) -> None:
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)

    def notifications(self, timeout: float) -> list[GenlMessage]:
        """Kernel-initiated messages (seq 0: multicast, or unicast to us) of the first batch within ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                batch = self._recv_batch(left)
            except TimeoutError:
                break
            found = [self._genl(*m) for m in batch if m[2] == 0 and m[0] >= GENL_ID_CTRL]
            if found:
                return found
        return []

    def resolve(self, name: str) -> Family:
        """Look a family up through nlctrl; raise NetlinkError(ENOENT) if it is not registered."""
        (msg,) = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, string(CTRL_ATTR_FAMILY_NAME, name))
        a = msg.attrs
        groups = {}
        for _, grp in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            g = attr_map(grp)
            groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = get_u32(g[CTRL_ATTR_MCAST_GRP_ID])
        family_id = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        return Family(name, family_id, get_u32(a[CTRL_ATTR_VERSION]), get_u32(a[CTRL_ATTR_MAXATTR]), groups)


def errno_name(code: int) -> str:
    return errno_mod.errorcode.get(code, str(code))


def payload(parts: Iterable[bytes]) -> bytes:
    return b"".join(parts)


def family_id(name: str) -> int:
    """The id of generic netlink family ``name`` (in this thread's namespace)."""
    with GenlSocket() as sock:
        return sock.resolve(name).id
