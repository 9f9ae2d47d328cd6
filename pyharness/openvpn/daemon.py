"""Real OpenVPN (Debian 12's 2.6, or unstable's 2.7 from a chroot; unmodified) in network namespaces.

A ``Lab`` owns a throwaway directory with a PKI (self-signed EC certificates,
trusted by ``peer-fingerprint``), writes configurations, starts OpenVPN
processes inside namespaces, waits for them to come up, reads their logs and
status files, and stops every process it started when closed. Which OpenVPN a
process runs is a ``program.Program`` (default: Debian 12's /usr/sbin/openvpn).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..guest import netns, timing
from ..netlink import ovpn_peers, rtnl
from ..netlink.dco import OvpnClient, PeerInfo
from ..proto.consts import DCO_V2
from .program import DEBIAN12, Program

OPENVPN = "/usr/sbin/openvpn"
READY = "Initialization Sequence Completed"
DCO_OPENED = re.compile(r"DCO device (\S+) opened")
DCO_MISSING = "Kernel support for ovpn-dco missing, disabling data channel offload"


class OpenVPNError(RuntimeError):
    """OpenVPN did not do what was expected; the message carries its log."""


@dataclass(frozen=True)
class Identity:
    """A certificate, its key and the SHA-256 fingerprint peers pin it with."""

    name: str
    cert: Path
    key: Path
    fingerprint: str


def make_identity(directory: Path, name: str) -> Identity:
    """A self-signed P-256 certificate with CN ``name``, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return Identity(name, cert_path, key_path, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)))


def _fingerprints(peers: Iterable[Identity]) -> list[str]:
    return ["<peer-fingerprint>", *(p.fingerprint for p in peers), "</peer-fingerprint>"]


def _common(me: Identity, ciphers: str, verb: int, disable_dco: bool) -> list[str]:
    lines = [
        f"cert {me.cert}",
        f"key {me.key}",
        f"data-ciphers {ciphers}",
        f"verb {verb}",
        "persist-key",
    ]
    if disable_dco:
        lines.append("disable-dco")
    return lines


def _proto(proto: str, ipv6: bool, role: str = "") -> str:
    """OpenVPN's proto keyword: udp/udp6, tcp-server/tcp6-client, ..."""
    name = proto + ("6" if ipv6 else "")
    return f"{proto}{'6' if ipv6 else ''}-{role}" if proto == "tcp" and role else name


@dataclass
class P2P:
    """One end of a p2p (tls-server / tls-client, no pull) tunnel."""

    me: Identity
    peer: Identity
    local: str
    remote: str
    vpn_local: str
    vpn_remote: str
    server: bool
    proto: str = "udp"
    ipv6: bool = False
    ciphers: str = "AES-256-GCM"
    port: int = 1194
    keepalive: tuple[int, int] | None = (10, 60)
    dev: str = "tun"
    disable_dco: bool = False
    verb: int = 4
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        role = "server" if self.server else "client"
        lines = [
            f"dev {self.dev}",
            "dev-type tun",
            f"proto {_proto(self.proto, self.ipv6, role)}",
            f"ifconfig {self.vpn_local} {self.vpn_remote}",
            "tls-server" if self.server else "tls-client",
            *(["dh none"] if self.server else []),
            *_fingerprints([self.peer]),
            *_common(self.me, self.ciphers, self.verb, self.disable_dco),
        ]
        if self.proto == "tcp" and not self.server:
            lines += [f"remote {self.remote} {self.port}", "nobind"]
        else:
            lines += [f"local {self.local}", f"lport {self.port}"]
            if self.proto == "udp":
                lines.append(f"remote {self.remote} {self.port}")
        if self.keepalive:
            lines.append(f"keepalive {self.keepalive[0]} {self.keepalive[1]}")
        return lines + self.extra


@dataclass
class Server:
    """A multi-client server (--server, topology subnet) on one transport."""

    me: Identity
    clients: list[Identity]
    local: str | None  # None: bind [::] dual-stack
    network: str  # e.g. 10.8.0.0
    proto: str = "udp"
    ipv6: bool = False
    network6: str | None = None  # e.g. fd00:8::/64
    ciphers: str = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"
    port: int = 1194
    keepalive: tuple[int, int] = (10, 60)
    dev: str = "tun"
    status: Path | None = None
    status_interval: int = 1
    ccd: Path | None = None
    disable_dco: bool = False
    verb: int = 4
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"dev {self.dev}",
            "dev-type tun",
            f"proto {_proto(self.proto, self.ipv6, 'server')}",
            *([f"local {self.local}"] if self.local else []),
            f"port {self.port}",
            f"server {self.network} 255.255.255.0",
            "topology subnet",
            "dh none",
            f"keepalive {self.keepalive[0]} {self.keepalive[1]}",
            *_fingerprints(self.clients),
            *_common(self.me, self.ciphers, self.verb, self.disable_dco),
        ]
        if self.network6:
            lines.append(f"server-ipv6 {self.network6}")
        if self.status:
            lines += [f"status {self.status} {self.status_interval}", "status-version 2"]
        if self.ccd:
            lines.append(f"client-config-dir {self.ccd}")
        return lines + self.extra


@dataclass
class Client:
    """A client (--client: pull) of a ``Server``."""

    me: Identity
    server: Identity
    remote: str
    proto: str = "udp"
    ipv6: bool = False
    ciphers: str = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"
    port: int = 1194
    dev: str = "tun"
    disable_dco: bool = False
    verb: int = 4
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            "client",
            f"dev {self.dev}",
            "dev-type tun",
            f"proto {_proto(self.proto, self.ipv6, 'client')}",
            f"remote {self.remote} {self.port}",
            "nobind",
            *_fingerprints([self.server]),
            *_common(self.me, self.ciphers, self.verb, self.disable_dco),
            *self.extra,
        ]


Config = P2P | Server | Client


class Process:
    """One OpenVPN process in a namespace; its log is a file in the lab."""

    def __init__(self, name: str, ns: str, config: Config, workdir: Path, program: Program = DEBIAN12) -> None:
        self.name = name
        self.ns = ns
        self.config = config
        self.program = program
        self.workdir = workdir
        self.conf_path = workdir / f"{name}.conf"
        self.log_path = workdir / f"{name}.log"
        self.conf_path.write_text(program.config_text(config.lines(), workdir))
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start (or start again) with the same configuration; the log is appended to."""
        with open(self.log_path, "ab") as log:
            # `ip netns exec` execs openvpn: the pid is OpenVPN's own.
            self.proc = subprocess.Popen(
                self.program.argv(self.ns, self.conf_path, self.workdir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_for(self, pattern: str, timeout: float = 60.0, count: int = 1) -> re.Match[str]:
        """Wait until ``pattern`` (a regex) has matched the log ``count`` times; return the last match."""
        rx = re.compile(pattern)
        timeout = timing.scaled(timeout)  # a debug kernel is slower at everything OpenVPN asks of it
        deadline = time.monotonic() + timeout
        while True:
            found = list(rx.finditer(self.log))
            if len(found) >= count:
                return found[count - 1]
            if not self.running():
                raise OpenVPNError(f"{self.name} exited ({self.exit_code()}) before /{pattern}/:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise OpenVPNError(f"{self.name}: no /{pattern}/ within {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    def wait_ready(self, timeout: float = 60.0, count: int = 1) -> None:
        self.wait_for(READY, timeout, count)

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.splitlines()[-lines:])

    def dco_device(self) -> str | None:
        """The ovpn-dco device OpenVPN opened, from its log; None if it runs without DCO."""
        m = DCO_OPENED.search(self.log)
        return m.group(1) if m else None

    def fd_targets(self) -> list[str]:
        """What the process's file descriptors point at (e.g. /dev/net/tun, socket:[...])."""
        fd_dir = Path(f"/proc/{self.pid}/fd")
        out: list[str] = []
        if not self.running():
            return out
        for fd in fd_dir.iterdir():
            try:
                out.append(os.readlink(fd))
            except OSError:
                continue
        return out

    def netlink_ports(self, protocol: int = 16) -> set[int]:
        """Port ids of this process's netlink sockets of ``protocol`` (default: generic netlink)."""
        inodes = {t[len("socket:[") : -1] for t in self.fd_targets() if t.startswith("socket:[")}
        table = netns.run(self.ns, "cat", "/proc/net/netlink").stdout.splitlines()[1:]
        ports = set()
        for row in table:  # sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
            cells = row.split()
            if int(cells[1]) == protocol and cells[9] in inodes:
                ports.add(int(cells[2]))
        return ports

    def send_signal(self, sig: int) -> None:
        if self.running():
            os.kill(self.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL after ``timeout``); return its exit code."""
        if self.proc is None:
            return None
        if self.running():
            self.send_signal(signal.SIGCONT)
            self.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.poll()


class Lab:
    """A working directory, a PKI and the OpenVPN processes started in it."""

    def __init__(self, keep_on: Path | None = None, program: Program = DEBIAN12) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="openvpn-"))
        self.program = program  # what start() runs unless told otherwise
        self.processes: list[Process] = []
        self._ids: dict[str, Identity] = {}
        self.keep_on = keep_on

    def identity(self, name: str) -> Identity:
        if name not in self._ids:
            self._ids[name] = make_identity(self.dir, name)
        return self._ids[name]

    def path(self, name: str) -> Path:
        return self.dir / name

    def start(self, name: str, ns: str, config: Config, program: Program | None = None) -> Process:
        proc = Process(name, ns, config, self.dir, program or self.program)
        self.processes.append(proc)
        return proc

    def logs(self, lines: int = 60) -> str:
        return "\n".join(f"----- {p.name} (ns {p.ns}) -----\n{p.tail(lines)}" for p in self.processes)

    def close(self, failed: bool = False) -> Path | None:
        """Stop every process; keep the directory (returned) if ``failed``, else delete it."""
        for p in self.processes:
            p.stop()
        if failed and self.keep_on is not None:
            dest = self.keep_on / self.dir.name
            self.keep_on.mkdir(parents=True, exist_ok=True)
            shutil.move(str(self.dir), dest)
            return dest
        shutil.rmtree(self.dir, ignore_errors=True)
        return None


def status_clients(path: Path) -> dict[str, dict[str, str]]:
    """CLIENT_LIST rows of a status-version 2 file, by common name."""
    header: list[str] = []
    out: dict[str, dict[str, str]] = {}
    for line in path.read_text().splitlines():
        cells = line.split(",")
        if cells[:2] == ["HEADER", "CLIENT_LIST"]:
            header = cells[2:]
        elif cells[0] == "CLIENT_LIST" and header:
            row = dict(zip(header, cells[1:], strict=False))
            out[row["Common Name"]] = row
    return out


def status_globals(path: Path) -> dict[str, str]:
    """GLOBAL_STATS entries of a status-version 2 file."""
    return {c[1]: c[2] for c in (line.split(",") for line in path.read_text().splitlines()) if c[0] == "GLOBAL_STATS"}


TUNNEL4 = ("10.99.0.1", "10.99.0.2")
TUNNEL6 = ("fd99::1", "fd99::2")


def p2p_pair(
    lab: Lab,
    ns: tuple[str, str],
    addrs: tuple[str, str],
    *,
    proto: str = "udp",
    ipv6: bool = False,
    ciphers: str = "AES-256-GCM",
    disable_dco: tuple[bool, bool] = (False, False),
    keepalive: tuple[int, int] | None = (10, 60),
    extra: tuple[list[str], list[str]] = ([], []),
    dev: str = "tun",
    wait: bool = True,
    programs: tuple[Program, Program] | None = None,
) -> tuple[Process, Process]:
    """A p2p tunnel: side 0 is the TLS (and TCP) server in ns[0], side 1 the client in ns[1].

    Tunnel addresses are TUNNEL4/TUNNEL6; ``addrs`` are the underlay addresses. Each side
    runs ``programs[side]`` (default: the lab's program).
    """
    ids = (lab.identity("a"), lab.identity("b"))
    procs = []
    for side in (0, 1):
        cfg = P2P(
            me=ids[side],
            peer=ids[1 - side],
            local=addrs[side],
            remote=addrs[1 - side],
            vpn_local=TUNNEL4[side],
            vpn_remote=TUNNEL4[1 - side],
            server=side == 0,
            proto=proto,
            ipv6=ipv6,
            ciphers=ciphers,
            keepalive=keepalive,
            disable_dco=disable_dco[side],
            dev=dev,
            extra=[f"ifconfig-ipv6 {TUNNEL6[side]}/64 {TUNNEL6[1 - side]}", *extra[side]],
        )
        procs.append(lab.start(f"p2p-{'ab'[side]}", ns[side], cfg, programs[side] if programs else None))
    if wait:
        for p in procs:
            p.wait_ready()
    return procs[0], procs[1]


@dataclass
class Offload:
    """What shows whether a running OpenVPN offloads its data channel."""

    device: str | None  # from "DCO device X opened" in its log
    kind: str | None  # the device's link kind
    tun_fd: bool  # the process holds /dev/net/tun open
    peers: list[PeerInfo]  # GET_PEER (PEER_GET for kind ovpn) dump of the device (empty without DCO)
    dco_kind: str = rtnl.LINK_KIND  # the kind this OpenVPN creates when it offloads

    @property
    def offloaded(self) -> bool:
        return self.device is not None and self.kind == self.dco_kind and not self.tun_fd


def holds_tun(targets: Iterable[str]) -> bool:
    """Whether file descriptor targets include /dev/net/tun (a chroot's bind of it too)."""
    return any(t == "/dev/net/tun" or t.endswith("/dev/net/tun") for t in targets)


def offload(proc: Process) -> Offload:
    """Look at ``proc`` from outside: its log, its device, its file descriptors, the kernel's peers."""
    dev = proc.dco_device()
    kind = None
    peers: list[PeerInfo] = []
    if dev is not None:
        info = rtnl.info(dev, proc.ns)
        kind = str(info["kind"])
        ifindex = int(str(info["ifindex"]))
        if kind == rtnl.LINK_KIND:
            with netns.inside(proc.ns):
                client = OvpnClient(DCO_V2)
            with client:
                peers = client.dump_peers(ifindex)
        elif kind == ovpn_peers.FAMILY:
            peers = ovpn_peers.dump_peers(proc.ns, ifindex)
    return Offload(dev, kind, holds_tun(proc.fd_targets()), peers, proc.program.dco_kind)


def wait_status_clients(path: Path, names: Iterable[str], timeout: float = 10.0) -> dict[str, dict[str, str]]:
    """Wait until the status file lists exactly the clients ``names``, each with its virtual address.

    The file is rewritten periodically; a client shows up in it before its address is assigned.
    """
    want = sorted(names)
    timeout = timing.scaled(timeout)
    deadline = time.monotonic() + timeout
    while True:
        rows = status_clients(path) if path.exists() else {}
        if sorted(rows) == want and all(row.get("Virtual Address") for row in rows.values()):
            return rows
        if time.monotonic() > deadline:
            listed = {name: row.get("Virtual Address", "") for name, row in rows.items()}
            raise OpenVPNError(f"{path.name} lists {listed}, not {want} with addresses, after {timeout:.0f} s")
        time.sleep(0.2)


def tunnel_ipv4(ns: str, dev: str = "tun0") -> str:
    """The IPv4 address OpenVPN put on ``dev`` in ``ns`` (e.g. pushed by a server)."""
    out = netns.ip("-4", "-br", "addr", "show", dev, netns=ns)
    return out.split()[2].split("/")[0]
