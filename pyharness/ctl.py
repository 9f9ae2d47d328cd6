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

from .consts import DCO, DCO_V2, KeySlot, Layout
from .link import iproute
from .ovpn import Address, OvpnClient, PeerInfo
from .wire import Cipher, KeyDir

FAMILIES = {DCO.family: DCO, DCO_V2.family: DCO_V2}
CIPHERS = {c.name.lower().replace("_", "-"): c for c in Cipher}


def parse_addr(text: str) -> Address:
    """'192.0.2.1:1194' or '[2001:db8::1]:1194'."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    ipaddress.ip_address(host)
    return host, int(port)


def ifindex(name: str) -> int:
    with iproute() as ipr:
        found = ipr.link_lookup(ifname=name)
    if not found:
        raise SystemExit(f"ovpn-dco-harness: no device {name}")
    return int(found[0])


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


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def family(p: argparse.ArgumentParser) -> None:
        p.add_argument("--family", choices=sorted(FAMILIES), default=DCO_V2.family)

    peer = sub.add_parser("peer", help="peers of a device").add_subparsers(dest="peer_cmd", required=True)
    pa = peer.add_parser("add", help="open a UDP socket and add a peer on it")
    pa.add_argument("dev")
    pa.add_argument("--id", type=int, required=True)
    pa.add_argument("--local", required=True, help="ADDR:PORT to bind")
    pa.add_argument("--remote", required=True, help="the peer's ADDR:PORT")
    pa.add_argument("--local-ip", help="source address to use")
    pa.add_argument("--vpn-ipv4")
    pa.add_argument("--vpn-ipv6")
    pa.add_argument("--keepalive", type=int, nargs=2, metavar=("INTERVAL", "TIMEOUT"))
    pa.add_argument("--dual-stack", action="store_true", help="IPv6 socket that also carries IPv4")
    pa.add_argument("--daemon", action="store_true", help="hold the socket in the background")
    pa.set_defaults(func=cmd_peer_add)
    ps = peer.add_parser("set", help="keepalive of a peer")
    ps.add_argument("dev")
    ps.add_argument("--peer", type=int, required=True)
    ps.add_argument("--keepalive", type=int, nargs=2, metavar=("INTERVAL", "TIMEOUT"), required=True)
    ps.set_defaults(func=cmd_peer_set)
    pd = peer.add_parser("del", help="remove a peer")
    pd.add_argument("dev")
    pd.add_argument("--peer", type=int, required=True)
    pd.set_defaults(func=cmd_peer_del)
    pw = peer.add_parser("show", help="one peer or all, with counters")
    pw.add_argument("dev")
    pw.add_argument("--peer", type=int)
    pw.set_defaults(func=cmd_peer_show)
    for p in (pa, ps, pd, pw):
        family(p)

    key = sub.add_parser("key", help="keys of a peer").add_subparsers(dest="key_cmd", required=True)
    ka = key.add_parser("add", help="install a key in a slot")
    ka.add_argument("dev")
    ka.add_argument("--peer", type=int, required=True)
    ka.add_argument("--slot", choices=["primary", "secondary"], default="primary")
    ka.add_argument("--key-id", type=int, default=0)
    ka.add_argument("--cipher", choices=sorted(CIPHERS), default="aes-256-gcm")
    for d in ("tx", "rx"):
        ka.add_argument(f"--{d}-key", required=True, help="hex")
        ka.add_argument(f"--{d}-nonce", required=True, help="8 bytes, hex")
    ka.set_defaults(func=cmd_key_add)
    ks = key.add_parser("swap", help="swap primary and secondary")
    ks.add_argument("dev")
    ks.add_argument("--peer", type=int, required=True)
    ks.set_defaults(func=cmd_key_swap)
    kd = key.add_parser("del", help="erase a slot")
    kd.add_argument("dev")
    kd.add_argument("--peer", type=int, required=True)
    kd.add_argument("--slot", choices=["primary", "secondary"], required=True)
    kd.set_defaults(func=cmd_key_del)
    for p in (ka, ks, kd):
        family(p)

    ev = sub.add_parser("events", help="print peer deletions as they happen")
    ev.add_argument("--once", action="store_true")
    family(ev)
    ev.set_defaults(func=cmd_events)


if __name__ == "__main__":
    sys.exit("use ovpn-dco-harness")
