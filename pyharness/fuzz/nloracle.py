"""What the kernel must answer to a (mutated) ovpn-dco request, given the shadow model.

``Oracle.expect()`` reads the bytes actually sent - never the generator's
intent - and walks the same steps as the kernel: netlink header, generic
netlink header, family and command, the strict policy (fuzz_nlspec), the
common checks of kernel/netlink.c, then the handler against the model
(peers, which socket carries them, VPN addresses). The result is an exact
errno where the outcome is determined, or a set of allowed ones, and for a
success the change it makes to the model.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from ..proto.consts import (
    DelKeyAttr,
    DelPeerAttr,
    DevAttr,
    GetPeerAttr,
    KeyDirAttr,
    Layout,
    Mode,
    NewKeyAttr,
    NewPeerAttr,
    PacketAttr,
    SetPeerAttr,
    SwapKeysAttr,
)
from ..proto.mss import MIN_MSSFIX
from . import nlspec as spec
from .nllab import FD_OK, DevModel, Lab, PeerState

NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_MIN_TYPE = 0x10
HDR = struct.Struct("=IHHII")
GENL_HDRLEN = 4
# a keepalive timeout this short may expire a peer while the fuzzer runs
VOLATILE_TIMEOUT = 7200

# errors a handler may return where the model cannot tell which (transport, memory)
PACKET_ERRORS = {
    0,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EINVAL,
    errno.EAGAIN,
    errno.ENOBUFS,
    errno.EMSGSIZE,
    errno.EPIPE,
    errno.ENOTCONN,
    errno.ELOOP,
}


PEER_ID_ATTR = {
    "SET_PEER": SetPeerAttr.PEER_ID,
    "DEL_PEER": DelPeerAttr.PEER_ID,
    "SWAP_KEYS": SwapKeysAttr.PEER_ID,
    "DEL_KEY": DelKeyAttr.PEER_ID,
    "GET_PEER": GetPeerAttr.PEER_ID,
    "PACKET": PacketAttr.PEER_ID,
}


# the largest UDP payload a datagram can carry: 65535 minus the UDP header (and the IPv4 header)
UDP_MAX_PAYLOAD = {"udp4": 65535 - 20 - 8, "udp6": 65535 - 8}


@dataclass
class Expect:
    """``exact`` errno (0 = success), or any of ``allowed``; ``silent``: no answer at all."""

    exact: int | None = None
    allowed: frozenset[int] = frozenset()
    silent: bool = False
    stage: str = ""  # where the outcome is decided: header, genl, policy, common, handler
    on_success: Callable[[], None] | None = None
    on_enoent: Callable[[], None] | None = None
    reply: tuple[str, int, int] | None = None  # GET_PEER: (device key, ifindex, peer id)
    dump: str | None = None  # GET_PEER dump: device key
    dev_reply: tuple[int, int] | None = None  # GET_DEV: (ifindex, mssfix)
    extack_expected: bool = False
    notes: list[str] = field(default_factory=list)

    def accepts(self, err: int) -> bool:
        return err == self.exact if self.exact is not None else err in self.allowed


def header_error(msg: bytes, flags: int) -> bool:
    """genl_header_check() (6.1+, every command of a family without resv_start_op):
    the genlmsghdr's reserved field must be 0 and the only flags allowed are
    REQUEST, ACK, ECHO and DUMP (both of its bits).
    """
    if struct.unpack_from("=H", msg, HDR.size + 2)[0]:
        return True
    if flags & NLM_F_DUMP == NLM_F_DUMP:
        flags &= ~NLM_F_DUMP
    return bool(flags & ~(NLM_F_REQUEST | 0x4 | 0x8))


def _u32(b: bytes) -> int:
    return int(struct.unpack("=I", b)[0])


class Oracle:
    def __init__(self, lab: Lab, families: dict[int, Layout]) -> None:
        self.lab = lab
        self.families = families  # family id -> layout

    def _dev(self, ifindex: int) -> tuple[str, DevModel] | None:
        for key, dev in self.lab.devs.items():
            if dev.ifindex == ifindex:
                return key, dev
        return None

    def expect(self, msg: bytes, sent_len: int) -> Expect:
        if sent_len < HDR.size:
            return Expect(silent=True, stage="header")
        nlen, ntype, flags, _seq, _pid = HDR.unpack_from(msg)
        if nlen < HDR.size or nlen > sent_len:
            return Expect(silent=True, stage="header")
        if not flags & NLM_F_REQUEST or ntype < NLMSG_MIN_TYPE:
            return Expect(exact=0, stage="header")
        layout = self.families.get(ntype)
        if layout is None:
            return Expect(exact=errno.ENOENT, stage="genl")
        if nlen < HDR.size + GENL_HDRLEN:
            return Expect(exact=errno.EINVAL, stage="genl")
        if header_error(msg, flags):
            return Expect(exact=errno.EINVAL, stage="genl")
        cmd = msg[HDR.size]
        try:
            op = layout.cmd(cmd).name
        except ValueError:
            op = "UNSPEC"
        if op == "UNSPEC":
            return Expect(exact=errno.EOPNOTSUPP, stage="genl")
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        if dump and op != "GET_PEER":
            return Expect(exact=errno.EOPNOTSUPP, stage="genl")
        parsed = spec.validate(msg[HDR.size + GENL_HDRLEN : nlen], spec.top_policy(layout))
        if parsed.err:
            return Expect(exact=parsed.err, stage="policy", extack_expected=not dump)
        exp = self._common(layout, op, parsed, dump)
        exp.extack_expected = not dump and exp.exact != 0
        return exp

    def _common(self, layout: Layout, op: str, parsed: spec.Parsed, dump: bool) -> Expect:
        nest_attr = 0 if dump or op in spec.NO_NEST else int(layout.attr[spec.NEST_OF.get(op, op)])
        for atype in parsed.attrs:
            if atype not in (layout.attr.IFINDEX, nest_attr):
                return Expect(exact=errno.EINVAL, stage="common")
        if layout.attr.IFINDEX not in parsed.attrs:
            return Expect(exact=errno.EINVAL, stage="common")
        ifindex = _u32(parsed.attrs[layout.attr.IFINDEX])
        found = self._dev(ifindex)
        if found is None:
            return Expect(exact=errno.EINVAL if ifindex in self.lab.other_ifindexes else errno.ENODEV, stage="common")
        key, dev = found
        if dump:
            return Expect(exact=0, stage="common", dump=key)
        if op == "REGISTER_PACKET":
            return Expect(exact=0, stage="handler")
        if op == "GET_DEV":
            return Expect(exact=0, stage="handler", dev_reply=(ifindex, dev.mssfix))
        if nest_attr not in parsed.attrs:
            return Expect(exact=errno.EINVAL, stage="common")
        nest = parsed.nests.get(nest_attr, spec.Parsed())
        for atype in spec.REQUIRED[op]:
            if atype not in nest.attrs:
                return Expect(exact=errno.EINVAL, stage="common")
        return self._handler(layout, op, key, dev, nest)

    # handlers ---------------------------------------------------------------------------

    def _lookup(self, dev: DevModel, pid: int, ok: Expect) -> Expect:
        """The peer lookup every handler but NEW_PEER starts with."""
        st = dev.peers.get(pid)
        if st is None:
            return Expect(exact=errno.ENOENT, stage="handler")
        if st.volatile:  # it may have expired meanwhile
            allowed = frozenset({errno.ENOENT} | ({ok.exact} if ok.exact is not None else set(ok.allowed)))
            return Expect(
                allowed=allowed,
                stage="handler",
                on_success=ok.on_success,
                on_enoent=lambda: dev.peers.pop(pid, None),
                reply=ok.reply,
            )
        return ok

    def _handler(self, layout: Layout, op: str, key: str, dev: DevModel, nest: spec.Parsed) -> Expect:
        a = nest.attrs
        if op == "NEW_PEER":
            return self._new_peer(dev, nest)
        if op == "SET_DEV":
            mssfix = struct.unpack("=H", a[DevAttr.MSSFIX])[0]
            if mssfix and mssfix < MIN_MSSFIX:
                return Expect(exact=errno.EINVAL, stage="handler")

            def set_mssfix() -> None:
                dev.mssfix = mssfix

            return Expect(exact=0, stage="handler", on_success=set_mssfix)
        if op == "NEW_KEY":
            for attr in (NewKeyAttr.ENCRYPT_KEY, NewKeyAttr.DECRYPT_KEY):
                kd = nest.nests.get(attr, spec.Parsed()).attrs
                if KeyDirAttr.CIPHER_KEY not in kd or KeyDirAttr.NONCE_TAIL not in kd:
                    return Expect(exact=errno.EINVAL, stage="handler")
            alg = struct.unpack("=H", a[NewKeyAttr.CIPHER_ALG])[0]
            sizes = (16, 24, 32) if alg == 1 else (32,)
            enc = len(nest.nests[NewKeyAttr.ENCRYPT_KEY].attrs[KeyDirAttr.CIPHER_KEY])
            dec = len(nest.nests[NewKeyAttr.DECRYPT_KEY].attrs[KeyDirAttr.CIPHER_KEY])
            ok = Expect(exact=0 if enc in sizes and dec in sizes else errno.EINVAL, stage="handler")
            return self._lookup(dev, _u32(a[NewKeyAttr.PEER_ID]), ok)
        pid = _u32(a[PEER_ID_ATTR[op]])
        if op == "SET_PEER":
            tmo = a.get(SetPeerAttr.KEEPALIVE_TIMEOUT)
            short = tmo is not None and 0 < _u32(tmo) < VOLATILE_TIMEOUT

            def set_volatile() -> None:
                if short and pid in dev.peers:
                    dev.peers[pid].volatile = True

            return self._lookup(dev, pid, Expect(exact=0, stage="handler", on_success=set_volatile))
        if op == "DEL_PEER":
            return self._lookup(dev, pid, Expect(exact=0, stage="handler", on_success=lambda: dev.peers.pop(pid, None)))
        if op == "GET_PEER":
            return self._lookup(dev, pid, Expect(exact=0, stage="handler", reply=(key, dev.ifindex, pid)))
        if op == "PACKET":
            st = dev.peers.get(pid)
            size = len(a[PacketAttr.PACKET])
            if st is not None and size > UDP_MAX_PAYLOAD.get(st.transport, size):
                return self._lookup(dev, pid, Expect(exact=errno.EMSGSIZE, stage="handler"))
            return self._lookup(dev, pid, Expect(allowed=frozenset(PACKET_ERRORS), stage="handler"))
        return self._lookup(dev, pid, Expect(exact=0, stage="handler"))  # SWAP_KEYS, DEL_KEY

    def _fd_class(self, value: int) -> tuple[int, str | None, int, bool] | None:
        """(expected errno or FD_OK, pool name, inet family, v6only) of a descriptor; None if unknown."""
        if value >= 1 << 31:
            return errno.EBADF, None, 0, False
        for f in self.lab.fds:
            if f.fd == value and f.expect != errno.EBADF:
                return f.expect, f.name, f.family, f.v6only
        try:
            st = os.fstat(value)
        except OSError:
            return errno.EBADF, None, 0, False
        if not stat.S_ISSOCK(st.st_mode):
            return errno.ENOTSOCK, None, 0, False
        return None

    def _users(self, name: str) -> list[tuple[DevModel, PeerState]]:
        return [(d, p) for d in self.lab.devs.values() for p in d.peers.values() if p.sock == name]

    def _new_peer(self, dev: DevModel, nest: spec.Parsed) -> Expect:
        a = nest.attrs
        pid = _u32(a[NewPeerAttr.PEER_ID])
        vpn4 = a.get(NewPeerAttr.IPV4)
        vpn6 = a.get(NewPeerAttr.IPV6)
        if dev.mode == Mode.MP and vpn4 is None and vpn6 is None:
            return Expect(exact=errno.EINVAL, stage="handler")
        fd = _u32(a[NewPeerAttr.SOCKET])
        cls = self._fd_class(fd)
        if cls is None:  # a socket of this process outside the pool: any outcome, followed in the model
            exp = self._new_peer_table(dev, pid, vpn4, vpn6, f"fd{fd}", "unknown")
            exp.allowed = (frozenset({exp.exact}) if exp.exact is not None else exp.allowed) | {
                errno.EINVAL,
                errno.EBUSY,
            }
            exp.exact = None
            return exp
        expect, name, family, v6only = cls
        if expect != FD_OK or name is None:
            return Expect(exact=expect, stage="handler")
        tcp = name.startswith("tcp")
        if not tcp:
            err = bind_error(a, family, v6only)
            if err:
                return Expect(exact=err, stage="handler")
        users = self._users(name)
        transport = "tcp" if tcp else remote_transport(a)
        if tcp and users and not any(p.volatile for _, p in users):
            return Expect(exact=errno.EBUSY, stage="handler")
        if tcp or any(p.volatile for _, p in users):
            # a TCP socket given up by its peer detaches once its pending work is done; a
            # socket whose peer may have expired may be free already, or not
            exp = self._new_peer_table(dev, pid, vpn4, vpn6, name, transport)
            exp.allowed = frozenset({exp.exact}) if exp.exact is not None else exp.allowed
            exp.allowed |= {errno.EBUSY}
            exp.exact = None
            return exp
        if any(d is not dev for d, _ in users):
            return Expect(exact=errno.EBUSY, stage="handler")
        if name == "udp4_unbound":
            return Expect(exact=errno.EINVAL, stage="handler")
        return self._new_peer_table(dev, pid, vpn4, vpn6, name, transport)

    def _new_peer_table(
        self, dev: DevModel, pid: int, vpn4: bytes | None, vpn6: bytes | None, name: str, transport: str
    ) -> Expect:
        """ovpn_peer_add(): MP needs a free id and free VPN addresses; P2P replaces its peer."""
        if dev.mode == Mode.MP:
            if any(p.volatile for p in dev.peers.values()):
                exp_ok: Expect = Expect(allowed=frozenset({0, errno.EEXIST}), stage="handler")
            elif pid in dev.peers or dev.vpn_in_use(vpn4, vpn6):
                return Expect(exact=errno.EEXIST, stage="handler")
            else:
                exp_ok = Expect(exact=0, stage="handler")

            def add() -> None:
                dev.peers[pid] = PeerState(vpn4=vpn4, vpn6=vpn6, sock=name, transport=transport)

            exp_ok.on_success = add
            return exp_ok

        def replace() -> None:
            dev.peers.clear()
            dev.peers[pid] = PeerState(sock=name, transport=transport)

        return Expect(exact=0, stage="handler", on_success=replace)


def remote_transport(a: dict[int, bytes]) -> str:
    """udp4 or udp6: the family of a valid SOCKADDR_REMOTE (v4-mapped counts as IPv4)."""
    raw = a[NewPeerAttr.SOCKADDR_REMOTE]
    if len(raw) == 16:
        return "udp4"
    return "udp4" if ipaddress.IPv6Address(raw[8:24]).ipv4_mapped is not None else "udp6"


def bind_error(a: dict[int, bytes], family: int, v6only: bool) -> int:
    """What ovpn_nl_parse_bind() answers for a UDP socket of ``family``: 0 or EINVAL."""
    raw = a.get(NewPeerAttr.SOCKADDR_REMOTE)
    if raw is None:
        return errno.EINVAL
    sa_family = struct.unpack_from("=H", raw)[0]
    if len(raw) == 16 and sa_family == socket.AF_INET:
        remote4, port, addr = True, raw[2:4], raw[4:8]
    elif len(raw) == 28 and sa_family == socket.AF_INET6:
        port, addr6 = raw[2:4], raw[8:24]
        mapped = ipaddress.IPv6Address(addr6).ipv4_mapped
        remote4 = mapped is not None
        addr = addr6[12:] if remote4 else addr6
    else:
        return errno.EINVAL
    if port == b"\0\0" or not any(addr):
        return errno.EINVAL
    if remote4 and family == 6 and v6only:
        return errno.EINVAL
    if not remote4 and family != 6:
        return errno.EINVAL
    local = a.get(NewPeerAttr.LOCAL_IP)
    if local is None:
        return 0
    if len(local) not in (4, 16):
        return errno.EINVAL
    if len(local) == 4 and remote4:
        return 0
    if len(local) == 16 and not remote4:
        return 0
    if len(local) == 16 and ipaddress.IPv6Address(local).ipv4_mapped is not None:
        return 0
    return errno.EINVAL
