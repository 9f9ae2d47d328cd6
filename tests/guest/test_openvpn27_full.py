"""Debian unstable's OpenVPN 2.7 on the `ovpn` API: the longer set (make test-openvpn27).

A server with three clients (topology subnet) over UDP and TCP, IPv4 and IPv6 underlays,
AES-256-GCM and ChaCha20-Poly1305; a client that floats to a new source port; a 2.7 end
on `ovpn` against a 2.6 end on `ovpn-dco-v2` in one guest. What the 2.6 suite tests in the
same shape runs there for 2.7 too (the ``openvpn`` parameter): the p2p matrix,
renegotiation, keepalive expiry and offload against `disable-dco`.
"""

from __future__ import annotations

import select
import socket
import threading
import time

import pytest

from pyharness.guest import netns
from pyharness.net import traffic
from pyharness.netlink import ovpn_peers
from pyharness.openvpn import daemon, program

pytestmark = pytest.mark.openvpn27_full
OPENVPN27 = pytest.mark.parametrize("openvpn", ["2.7"], indirect=True)
# client i: underlay family and the one cipher it offers (the server offers all)
CLIENTS = [(4, "AES-256-GCM"), (4, "CHACHA20-POLY1305"), (6, "AES-256-GCM")]
SERVER_VPN_IP = "10.8.0.1"


def start_server(lab: daemon.Lab, ns: str, clients: int, proto: str = "udp") -> daemon.Process:
    """A dual-stack ([::]) server for clients c0..c{clients-1}, 10.8.0.0/24, topology subnet."""
    cfg = daemon.Server(
        me=lab.identity("srv"),
        clients=[lab.identity(f"c{i}") for i in range(clients)],
        local=None,
        ipv6=True,
        network="10.8.0.0",
        proto=proto,
    )
    server = lab.start("server", ns, cfg)
    server.wait_ready()
    return server


@OPENVPN27
@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_server_offloads_three_clients_over_both_families_and_ciphers(lan, ovpn_lab, openvpn, proto):
    site = lan(count=3)
    netns.run(site.server, "sysctl", "-qw", "net.ipv4.ip_forward=1")  # client to client: the server's routing
    server = start_server(ovpn_lab, site.server, 3, proto)
    clients = []
    for i, (family, cipher) in enumerate(CLIENTS):
        cfg = daemon.Client(
            me=ovpn_lab.identity(f"c{i}"),
            server=ovpn_lab.identity("srv"),
            remote=site.server_addr(family),
            proto=proto,
            ipv6=family == 6,
            ciphers=cipher,
        )
        clients.append(ovpn_lab.start(f"c{i}", site.clients[i], cfg))
    for c in clients:
        c.wait_ready(timeout=90)
    vpn_ips = [daemon.tunnel_ipv4(ns) for ns in site.clients]
    off = daemon.offload(server)
    assert off.offloaded and off.kind == "ovpn", server.tail()
    # one multi-peer device, a peer per client, each with the VPN address the server gave it
    assert sorted(str(p.vpn_ipv4) for p in off.peers) == sorted(vpn_ips)
    for i, c in enumerate(clients):
        c_off = daemon.offload(c)
        assert c_off.offloaded and len(c_off.peers) == 1, c.tail()
        assert f"cipher '{CLIENTS[i][1]}'" in c.log
        assert traffic.ping(site.clients[i], SERVER_VPN_IP, count=3).received == 3
    for src, dst in ((0, 1), (1, 2), (2, 0)):
        assert traffic.ping(site.clients[src], vpn_ips[dst], count=3).received == 3
    # the server's kernel counted every client's pings
    by_ip = {p.vpn_ipv4: p for p in daemon.offload(server).peers}
    for ip in vpn_ips:
        assert by_ip[ip].stats["vpn_rx_packets"] >= 6


class UdpRelay:
    """A NAT in a namespace: forwards a local client's datagrams to a server from a socket it can
    replace, as a NAT that rebinds does; the server then sees the client at a new source port."""

    def __init__(self, ns: str, listen: tuple[str, int], server: tuple[str, int], source_ip: str) -> None:
        self.ns, self.server, self.source_ip = ns, server, source_ip
        with netns.inside(ns):
            self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(listen)
        self.back = self._new_back()
        self.client: tuple[str, int] | None = None
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _new_back(self) -> socket.socket:
        with netns.inside(self.ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.source_ip, 0))
        return sock

    @property
    def port(self) -> int:
        return int(self.back.getsockname()[1])

    def rebind(self) -> int:
        """Forward from a new source port from now on; the new port."""
        new = self._new_back()
        with self.lock:
            old, self.back = self.back, new
        old.close()
        return self.port

    def _loop(self) -> None:
        while self.running:
            with self.lock:
                back = self.back
            try:
                ready, _, _ = select.select([self.front, back], [], [], 0.05)
                for sock in ready:
                    data, addr = sock.recvfrom(65535)
                    if sock is self.front:
                        self.client = addr
                        back.sendto(data, self.server)
                    elif self.client is not None:
                        self.front.sendto(data, self.client)
            except OSError:
                continue  # the back socket was replaced under us

    def close(self) -> None:
        self.running = False
        self.thread.join(5)
        self.front.close()
        self.back.close()


def server_peer_port(server: daemon.Process) -> int | None:
    (peer,) = daemon.offload(server).peers
    return peer.remote[1] if peer.remote else None


@OPENVPN27
def test_client_that_floats_to_a_new_source_port_keeps_its_tunnel(lan, ovpn_lab, openvpn):
    site = lan(count=1)
    server = start_server(ovpn_lab, site.server, 1)
    relay = UdpRelay(site.clients[0], ("127.0.0.1", 1195), (site.server_addr(4), 1194), site.client_addr(0, 4))
    try:
        cfg = daemon.Client(me=ovpn_lab.identity("c0"), server=ovpn_lab.identity("srv"), remote="127.0.0.1", port=1195)
        client = ovpn_lab.start("c0", site.clients[0], cfg)
        client.wait_ready(timeout=90)
        assert daemon.offload(client).offloaded and daemon.offload(server).offloaded
        assert server_peer_port(server) == relay.port
        assert traffic.ping(site.clients[0], SERVER_VPN_IP, count=3).received == 3
        new_port = relay.rebind()
        # the next authenticated packet from the new port moves the server's peer there
        assert traffic.ping(site.clients[0], SERVER_VPN_IP, count=10, interval=0.2).received >= 9
        deadline = time.monotonic() + 10
        while server_peer_port(server) != new_port and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server_peer_port(server) == new_port
        assert traffic.ping(site.clients[0], SERVER_VPN_IP, count=5).received == 5
        # the same session: no reconnect on either side
        assert client.log.count(daemon.READY) == 1
        assert server.log.count("Peer Connection Initiated") == 1
    finally:
        relay.close()


@pytest.mark.parametrize("versions", [("2.7", "2.6"), ("2.6", "2.7")], ids=["server27-client26", "server26-client27"])
def test_openvpn27_on_ovpn_and_openvpn26_on_ovpn_dco_carry_traffic(underlay, ovpn_lab, versions):
    ovpn_peers.ensure_family()
    programs = (program.by_version(versions[0]), program.by_version(versions[1]))
    a, b = daemon.p2p_pair(ovpn_lab, underlay.ns, (underlay.addr(0, 4), underlay.addr(1, 4)), programs=programs)
    for proc in (a, b):
        off = daemon.offload(proc)
        assert off.offloaded and len(off.peers) == 1, proc.tail()
        assert off.kind == {"2.6": "ovpn-dco", "2.7": "ovpn"}[proc.program.version]
    assert traffic.ping(a.ns, daemon.TUNNEL4[1], count=5).received == 5
    assert traffic.ping(b.ns, daemon.TUNNEL4[0], count=5).received == 5
    before = {p.name: daemon.offload(p).peers[0].stats for p in (a, b)}
    received = traffic.iperf3(b.ns, a.ns, daemon.TUNNEL4[1], seconds=2)["end"]["sum_received"]["bytes"]
    after = {p.name: daemon.offload(p).peers[0].stats for p in (a, b)}
    assert received > 100_000
    assert after[a.name]["vpn_tx_bytes"] - before[a.name]["vpn_tx_bytes"] >= received
    assert after[b.name]["vpn_rx_bytes"] - before[b.name]["vpn_rx_bytes"] >= received
