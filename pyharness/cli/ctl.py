"""Shell control of ovpn-dco devices, like wg(8): peers, keys, counters, events.

A peer needs a UDP socket that some process keeps open (the kernel holds the
socket, not the file: closing it removes the peer). ``peer add`` opens and
binds that socket, creates the peer and then keeps the socket, in the
foreground or, with --daemon, in a background process that exits when the
peer is deleted.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import sys

from ..netlink.dco import Address, OvpnClient, PeerInfo
from ..proto.consts import DCO, DCO_V2, KeySlot, Layout
from ..proto.wire import Cipher, KeyDir

FAMILIES = {DCO.family: DCO, DCO_V2.family: DCO_V2}
CIPHERS = {c.name.lower().replace("_", "-"): c for c in Cipher}


def parse_addr(text: str) -> Address:
    """'192.0.2.1:1194' or '[2001:db8::1]:1194'."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    ipaddress.ip_address(host)
    return host, int(port)


def ifindex(name: str) -> int:
    """The index of device ``name`` in this network namespace."""
    try:
        return socket.if_nametoindex(name)
    except OSError:
        raise SystemExit(f"ovpn-dco-harness: no device {name}") from None


def _client(args: argparse.Namespace) -> OvpnClient:
    layout: Layout = FAMILIES[args.family]
    return OvpnClient(layout)


def _hold(client: OvpnClient, sock: socket.socket, dev: int, peer_id: int, ready_fd: int | None) -> int:
    """Keep the socket until the peer is gone or we are told to stop."""
    client.subscribe()
    stop = False

    def on_signal(_sig: int, _frm: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if ready_fd is not None:
        os.write(ready_fd, b"ok")
        os.close(ready_fd)
    while not stop:
        for ev in client.events(1.0):
            if ev.ifindex == dev and ev.peer_id == peer_id:
                sock.close()
                return 0
    sock.close()
    return 0


def cmd_peer_add(args: argparse.Namespace) -> int:
    local = parse_addr(args.local)
    family = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6 and args.dual_stack:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(local)
    dev = ifindex(args.dev)
    client = _client(args)
    client.new_peer(dev, args.id, sock.fileno(), parse_addr(args.remote), args.local_ip, args.vpn_ipv4, args.vpn_ipv6)
    if args.keepalive:
        client.set_peer(dev, args.id, *args.keepalive)
    if not args.daemon:
        print(f"peer {args.id} on {args.dev}: holding {local[0]}:{local[1]} (Ctrl-C removes the peer)", flush=True)
        return _hold(client, sock, dev, args.id, None)
    rfd, wfd = os.pipe()
    if os.fork() > 0:
        os.close(wfd)
        ok = os.read(rfd, 2) == b"ok"
        return 0 if ok else 1
    os.close(rfd)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os._exit(_hold(client, sock, dev, args.id, wfd))


def cmd_peer_set(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.set_peer(ifindex(args.dev), args.peer, *args.keepalive)
    return 0


def cmd_peer_del(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.del_peer(ifindex(args.dev), args.peer)
    return 0


def format_peer(p: PeerInfo) -> str:
    lines = [f"peer {p.peer_id}"]
    if p.remote:
        lines.append(f"  remote: {p.remote[0]}:{p.remote[1]}")
    if p.local_port is not None:
        lines.append(f"  local: {p.local_ip or '*'}:{p.local_port}")
    if p.keepalive_interval is not None:
        lines.append(f"  keepalive: {p.keepalive_interval} {p.keepalive_timeout}")
    for name, value in p.stats.items():
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def cmd_peer_show(args: argparse.Namespace) -> int:
    with _client(args) as c:
        dev = ifindex(args.dev)
        peers = [c.get_peer(dev, args.peer)] if args.peer is not None else c.dump_peers(dev)
    for p in peers:
        print(format_peer(p))
    return 0


def _keydir(cipher: Cipher, key_hex: str, nonce_hex: str) -> KeyDir:
    return KeyDir(cipher, bytes.fromhex(key_hex), bytes.fromhex(nonce_hex))


def cmd_key_add(args: argparse.Namespace) -> int:
    cipher = CIPHERS[args.cipher]
    with _client(args) as c:
        c.new_key(
            ifindex(args.dev),
            args.peer,
            KeySlot[args.slot.upper()],
            args.key_id,
            _keydir(cipher, args.tx_key, args.tx_nonce),
            _keydir(cipher, args.rx_key, args.rx_nonce),
        )
    return 0


def cmd_key_swap(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.swap_keys(ifindex(args.dev), args.peer)
    return 0


def cmd_key_del(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.del_key(ifindex(args.dev), args.peer, KeySlot[args.slot.upper()])
    return 0


def cmd_dev_set(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.set_mssfix(ifindex(args.dev), args.mssfix)
    return 0


def cmd_dev_show(args: argparse.Namespace) -> int:
    with _client(args) as c:
        print(f"mssfix {c.get_mssfix(ifindex(args.dev))}")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    with _client(args) as c:
        c.subscribe()
        reasons = c.layout.reason
        while True:
            for ev in c.events(3600):
                print(
                    f"del-peer ifindex {ev.ifindex} peer {ev.peer_id} reason {reasons(ev.reason).name.lower()}",
                    flush=True,
                )
                if args.once:
                    return 0


def _command(
    group: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help_text: str,
    func: object,
    peer: bool | None = True,
) -> argparse.ArgumentParser:
    """A subcommand on a device; ``peer`` True: --peer required, None: optional, False: absent."""
    p = group.add_parser(name, help=help_text)
    p.add_argument("dev")
    if peer is not False:
        p.add_argument("--peer", type=int, required=bool(peer))
    p.add_argument("--family", choices=sorted(FAMILIES), default=DCO_V2.family)
    p.set_defaults(func=func)
    return p


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keepalive = {"type": int, "nargs": 2, "metavar": ("INTERVAL", "TIMEOUT")}
    peer = sub.add_parser("peer", help="peers of a device").add_subparsers(dest="peer_cmd", required=True)
    pa = _command(peer, "add", "open a UDP socket and add a peer on it", cmd_peer_add, peer=False)
    pa.add_argument("--id", type=int, required=True)
    pa.add_argument("--local", required=True, help="ADDR:PORT to bind")
    pa.add_argument("--remote", required=True, help="the peer's ADDR:PORT")
    pa.add_argument("--local-ip", help="source address to use")
    pa.add_argument("--vpn-ipv4")
    pa.add_argument("--vpn-ipv6")
    pa.add_argument("--keepalive", **keepalive)  # type: ignore[arg-type]
    pa.add_argument("--dual-stack", action="store_true", help="IPv6 socket that also carries IPv4")
    pa.add_argument("--daemon", action="store_true", help="hold the socket in the background")
    ps = _command(peer, "set", "keepalive of a peer", cmd_peer_set)
    ps.add_argument("--keepalive", required=True, **keepalive)  # type: ignore[arg-type]
    _command(peer, "del", "remove a peer", cmd_peer_del)
    _command(peer, "show", "one peer or all, with counters", cmd_peer_show, peer=None)

    key = sub.add_parser("key", help="keys of a peer").add_subparsers(dest="key_cmd", required=True)
    ka = _command(key, "add", "install a key in a slot", cmd_key_add)
    ka.add_argument("--slot", choices=["primary", "secondary"], default="primary")
    ka.add_argument("--key-id", type=int, default=0)
    ka.add_argument("--cipher", choices=sorted(CIPHERS), default="aes-256-gcm")
    for d in ("tx", "rx"):
        ka.add_argument(f"--{d}-key", required=True, help="hex")
        ka.add_argument(f"--{d}-nonce", required=True, help="8 bytes, hex")
    _command(key, "swap", "swap primary and secondary", cmd_key_swap)
    kd = _command(key, "del", "erase a slot", cmd_key_del)
    kd.add_argument("--slot", choices=["primary", "secondary"], required=True)

    dev = sub.add_parser("dev", help="settings of a device").add_subparsers(dest="dev_cmd", required=True)
    ds = _command(dev, "set", "change a device's settings", cmd_dev_set, peer=False)
    ds.add_argument("--mssfix", type=int, required=True, help="largest outer packet of a clamped TCP MSS; 0: off")
    _command(dev, "show", "a device's settings", cmd_dev_show, peer=False)

    ev = sub.add_parser("events", help="print peer deletions as they happen")
    ev.add_argument("--once", action="store_true")
    ev.add_argument("--family", choices=sorted(FAMILIES), default=DCO_V2.family)
    ev.set_defaults(func=cmd_events)


if __name__ == "__main__":
    sys.exit("use ovpn-dco-harness")
