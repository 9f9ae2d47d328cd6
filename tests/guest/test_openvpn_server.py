"""Debian's OpenVPN 2.6 as a server (ovpn-dco in multi-peer mode) with clients over UDP and TCP.

One site for the whole module: namespace srv runs a UDP server (tun0, 10.8.0.0/24) and a
TCP server (tun1, 10.9.0.0/24), both on dual-stack sockets ([::], IPV6_V6ONLY off); clients 0-2 use UDP, 3-5 TCP;
clients 2 and 5 reach the server over IPv6, the others over IPv4. Client 0 has the
subnet 10.77.0.0/24 behind it (iroute), pushed to the other UDP clients.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pyharness.guest import netns
from pyharness.net import topo, traffic
from pyharness.openvpn import daemon
from pyharness.proto.consts import Mode

UDP, TCP = [0, 1, 2], [3, 4, 5]
IPV6_CLIENTS = {2, 5}
SUBNET = "10.77.0.0"
SUBNET_HOST = "10.77.0.1"


@dataclass
class Site:
    lan: topo.Lan
    lab: daemon.Lab
    servers: dict[str, daemon.Process]
    clients: list[daemon.Process]

    def vpn_ip(self, i: int) -> str:
        return daemon.tunnel_ipv4(self.lan.clients[i])

    def status(self, proto: str) -> dict[str, dict[str, str]]:
        return daemon.status_clients(self.lab.path(f"{proto}.status"))


def _start_server(site_lab: daemon.Lab, lan: topo.Lan, proto: str) -> daemon.Process:
    idx = UDP if proto == "udp" else TCP
    ccd = site_lab.path(f"ccd-{proto}")
    ccd.mkdir()
    extra = []
    if proto == "udp":
        (ccd / "c0").write_text(f"iroute {SUBNET} 255.255.255.0\n")
        extra = [f"route {SUBNET} 255.255.255.0", f'push "route {SUBNET} 255.255.255.0"']
    cfg = daemon.Server(
        me=site_lab.identity("srv"),
        clients=[site_lab.identity(f"c{i}") for i in idx],
        local=None,
        ipv6=True,  # udp6 / tcp6-server without "local": one dual-stack socket on [::]
        network="10.8.0.0" if proto == "udp" else "10.9.0.0",
        proto=proto,
        dev="tun0" if proto == "udp" else "tun1",
        status=site_lab.path(f"{proto}.status"),
        ccd=ccd,
        extra=extra,
    )
    return site_lab.start(f"server-{proto}", lan.server, cfg)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    lan = topo.Lan(count=6)
    lab = daemon.Lab()
    try:
        netns.run(lan.server, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        netns.ip("link", "add", "dummy0", "type", "dummy", netns=lan.clients[0])
        netns.ip("addr", "add", f"{SUBNET_HOST}/24", "dev", "dummy0", netns=lan.clients[0])
        netns.ip("link", "set", "dummy0", "up", netns=lan.clients[0])
        servers = {p: _start_server(lab, lan, p) for p in ("udp", "tcp")}
        for s in servers.values():
            s.wait_ready()
        clients = []
        for i in range(6):
            family = 6 if i in IPV6_CLIENTS else 4
            cfg = daemon.Client(
                me=lab.identity(f"c{i}"),
                server=lab.identity("srv"),
                remote=lan.server_addr(family),
                proto="udp" if i in UDP else "tcp",
                ipv6=family == 6,
            )
            clients.append(lab.start(f"c{i}", lan.clients[i], cfg))
        for c in clients:
            c.wait_ready(timeout=90)
        yield Site(lan, lab, servers, clients)
    except Exception:
        print(lab.logs())
        raise
    finally:
        lab.close()
        lan.close()


def test_servers_run_multi_peer_devices_with_every_client(site):
    for proto, dev, idx in (("udp", "tun0", UDP), ("tcp", "tun1", TCP)):
        off = daemon.offload(site.servers[proto])
        assert off.device == dev and off.kind == "ovpn-dco" and not off.tun_fd
        from pyharness.netlink import rtnl

        assert rtnl.info(dev, site.lan.server)["mode"] == Mode.MP
        kernel = {p.vpn_ipv4: p for p in off.peers}
        assert sorted(kernel) == sorted(site.vpn_ip(i) for i in idx)
        # the status file is rewritten every second: wait for one that lists every client
        status = daemon.wait_status_clients(site.lab.path(f"{proto}.status"), [f"c{i}" for i in idx])
        for i in idx:
            row = status[f"c{i}"]
            peer = kernel[row["Virtual Address"]]
            assert int(row["Peer ID"]) == peer.peer_id
            assert row["Data Channel Cipher"] == "AES-256-GCM"
            if proto == "udp":  # the remote the kernel knows is the client's address (IPv4 unmapped)
                family = 6 if i in IPV6_CLIENTS else 4
                assert peer.remote is not None
                assert ipaddress.ip_address(peer.remote[0]) == ipaddress.ip_address(site.lan.client_addr(i, family))


def test_clients_are_offloaded_p2p_devices(site):
    for c in site.clients:
        off = daemon.offload(c)
        assert off.offloaded, c.tail()
        assert [p.peer_id for p in off.peers] == [int(c.wait_for(r"peer-id: (\d+)").group(1))]


@pytest.mark.parametrize("i", UDP + TCP)
def test_every_client_reaches_its_server(site, i):
    server_ip = "10.8.0.1" if i in UDP else "10.9.0.1"
    assert traffic.ping(site.lan.clients[i], server_ip, count=3).received == 3


@pytest.mark.parametrize(("src", "dst"), [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)])
def test_client_reaches_another_client_through_the_server(site, src, dst):
    assert traffic.ping(site.lan.clients[src], site.vpn_ip(dst), count=3).received == 3


@pytest.mark.parametrize("src", ["server", 1, 2])
def test_subnet_behind_a_client_is_reachable(site, src):
    ns = site.lan.server if src == "server" else site.lan.clients[src]
    assert traffic.ping(ns, SUBNET_HOST, count=3).received == 3
    route = netns.ip("-4", "route", "show", f"{SUBNET}/24", netns=site.lan.server)
    assert f"via {site.vpn_ip(0)} dev tun0" in route  # OpenVPN's iroute as a kernel route


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_status_file_byte_counters_rise_with_traffic(site, proto):
    idx = UDP if proto == "udp" else TCP
    before = site.status(proto)
    for i in idx:
        ping = traffic.ping(site.lan.clients[i], "10.8.0.1" if proto == "udp" else "10.9.0.1", count=20, interval=0.05)
        assert ping.received == 20
    deadline = time.monotonic() + 10
    while True:  # rewritten every second
        after = site.status(proto)
        grown = all(
            int(after[f"c{i}"]["Bytes Received"]) >= int(before[f"c{i}"]["Bytes Received"]) + 20 * 84
            and int(after[f"c{i}"]["Bytes Sent"]) >= int(before[f"c{i}"]["Bytes Sent"]) + 20 * 84
            for i in idx
        )
        if grown or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert grown, (before, after)
