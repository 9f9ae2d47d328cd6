"""Privileges: CAP_NET_ADMIN over the device's netns for every command; sockets come from the caller's fds.

A child process probes every command of both generic netlink families (as a
request with a valid payload, and as a dump) and rtnetlink link creation and
deletion, against a device in a test namespace, from several contexts: as
root (the control), root without CAP_NET_ADMIN, root without any capability, and
root of a new user namespace (all capabilities there, none over the
device's namespace).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys

import pytest

from pyharness.guest import netns
from pyharness.net import topo
from pyharness.netlink import rtnl
from pyharness.netlink.genl import NetlinkError
from pyharness.proto.consts import LAYOUTS, Mode
from pyharness.proto.wire import Cipher, keydir

PROBE = r"""
import json, sys
from pyroute2.netlink.exceptions import NetlinkError as RtnlError
from pyharness.netlink import genl, rtnl
from pyharness.proto.consts import LAYOUTS, Mode
from tests.guest.test_genl import op_commands, valid_nest
ifindex, ifname = int(sys.argv[1]), sys.argv[2]
out = {}
with genl.GenlSocket() as s:
    for lay in LAYOUTS:
        fam = s.resolve(lay.family)
        for cmd in lay.cmd:
            if cmd.name == "UNSPEC":
                continue
            nest = valid_nest(lay, cmd.name) if cmd.name in op_commands(lay) else b""
            for dump in (False, True):
                try:
                    s.request(fam.id, cmd, genl.u32(lay.attr.IFINDEX, ifindex) + (b"" if dump else nest), dump=dump)
                    res = 0
                except genl.NetlinkError as e:
                    res = e.errno
                out[f"{lay.family}:{cmd.name}:{'dump' if dump else 'do'}"] = res
for name, op in (
    ("rtnl:newlink", lambda: rtnl.create("ovpriv", None)),
    ("rtnl:newlink-mp", lambda: rtnl.create("ovpriv", Mode.MP)),
    ("rtnl:dellink", lambda: rtnl.delete(ifname)),
):
    try:
        op()
        out[name] = 0
    except RtnlError as e:
        out[name] = e.code
print(json.dumps(out))
"""

# How each context runs the probe, inside the device's namespace.
CONTEXTS = {
    "root without CAP_NET_ADMIN": ["setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin"],
    # uid 0 kept: the harness's interpreter lives under /root (mode 700)
    "root without any capability": ["setpriv", "--bounding-set=-all", "--inh-caps=-all"],
    "root of its own user namespace": ["unshare", "--user", "--map-root-user"],
}


def probe(ns: str, wrapper: list[str], ifindex: int, ifname: str) -> dict[str, int]:
    cmd = ["ip", "netns", "exec", ns, *wrapper, sys.executable, "-c", PROBE, str(ifindex), ifname]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=os.getcwd(), timeout=120)
    assert res.returncode == 0, res.stderr
    return dict(json.loads(res.stdout))


def every_probe() -> set[str]:
    names = {
        f"{lay.family}:{c.name}:{k}" for lay in LAYOUTS for c in lay.cmd if c.name != "UNSPEC" for k in ("do", "dump")
    }
    return names | {"rtnl:newlink", "rtnl:newlink-mp", "rtnl:dellink"}


def no_dump(key: str) -> bool:
    """A dump of a command that has no dump operation (answered EPERM on 6.1, EOPNOTSUPP on 6.2+)."""
    return key.endswith(":dump") and ":GET_PEER:" not in key


@pytest.fixture
def device(netns):
    ns = netns()
    idx = rtnl.create("ovdev", Mode.MP, ns)
    return ns, idx


@pytest.mark.parametrize("context", list(CONTEXTS))
def test_every_command_and_link_creation_denied_without_cap_net_admin_over_the_netns(device, context):
    ns, idx = device
    results = probe(ns, CONTEXTS[context], idx, "ovdev")
    assert set(results) == every_probe()
    denied = {k: v for k, v in results.items() if not no_dump(k) and v != errno.EPERM}
    assert denied == {}, f"not EPERM for {context}: {denied}"
    assert {results[k] for k in results if no_dump(k)} in ({errno.EPERM}, {errno.EOPNOTSUPP})
    assert rtnl.names_of_kind(ns) == ["ovdev"]  # nothing created, nothing deleted


def test_the_same_probe_as_root_passes_every_permission_check(device):
    ns, idx = device
    results = probe(ns, [], idx, "ovdev")
    assert set(results) == every_probe()
    assert {k: v for k, v in results.items() if v == errno.EPERM} == {}
    assert results["rtnl:newlink"] == 0 and results["rtnl:dellink"] == 0


OWN_NETNS = r"""
import json
from pyroute2.netlink.exceptions import NetlinkError as RtnlError
from pyharness.netlink import genl, rtnl
from pyharness.proto.consts import DCO_V2
out = {}
try:
    idx = rtnl.create("ovown", None)
    out["newlink"] = 0
except RtnlError as e:
    out["newlink"], idx = e.code, 0
with genl.GenlSocket() as s:
    fam = s.resolve(DCO_V2.family)
    try:
        s.request(fam.id, DCO_V2.cmd.GET_PEER, genl.u32(DCO_V2.attr.IFINDEX, idx), dump=True)
        out["get_peer"] = 0
    except genl.NetlinkError as e:
        out["get_peer"] = e.errno
print(json.dumps(out))
"""


def test_user_namespace_owning_its_netns_still_cannot_configure_ovpn_dco():
    """Root of a user namespace with a netns of its own: the commands need CAP_NET_ADMIN of the
    initial user namespace (GENL_ADMIN_PERM), so even there GET_PEER is EPERM; whether it may
    create the device at all is rtnetlink's rule (it may, like a veth), and the device is useless."""
    cmd = ["unshare", "--user", "--map-root-user", "--net", sys.executable, "-c", OWN_NETNS]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=os.getcwd(), timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["get_peer"] == errno.EPERM, out
    assert out["newlink"] in (0, errno.EPERM), out


HOLDER = r"""
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", int(sys.argv[2])))
os.dup2(s.fileno(), int(sys.argv[1]))
print("ready", flush=True)
data, _ = s.recvfrom(100)
print(data.decode(), flush=True)
"""
FD = 777


@pytest.fixture
def end(underlay):
    e = topo.KernelEnd(underlay.ns[0])
    yield e
    e.close()


def test_socket_fd_of_another_process_cannot_be_used(underlay, end):
    """NEW_PEER resolves the fd in the caller's own table: another process's fd number means nothing."""
    holder = subprocess.Popen(
        ["ip", "netns", "exec", underlay.ns[0], sys.executable, "-c", HOLDER, str(FD), "4000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(OSError):
            os.fstat(FD)  # not open here
        with pytest.raises(NetlinkError) as exc:
            end.client.new_peer(end.ifindex, 1, FD, (underlay.addr(1, 4), topo.PORT))
        assert exc.value.errno == errno.EBADF
        assert exc.value.extack == "no socket with this file descriptor"
        # the same number in our table: our socket is the one used
        own = topo.udp_socket(underlay.ns[0], 4, (underlay.addr(0, 4), 5000))
        os.dup2(own.fileno(), FD)
        try:
            end.client.new_peer(end.ifindex, 1, FD, (underlay.addr(1, 4), topo.PORT))
            assert end.client.get_peer(end.ifindex, 1).local_port == 5000
        finally:
            os.close(FD)
        # the other process's socket was never touched: still a plain UDP socket
        with netns.inside(underlay.ns[1]):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"plain", (underlay.addr(0, 4), 4000))
        s.close()
        out, _ = holder.communicate(timeout=20)
        assert out.strip() == "plain"
        end.client.del_peer(end.ifindex, 1)
        own.close()
    finally:
        holder.kill()
        holder.wait()


def test_socket_from_another_netns_carries_the_transport_there(underlay, netns):
    """The socket may live in another namespace than the device (as with WireGuard): the
    encrypted packets go through the socket's namespace, the tunnel is in the device's."""
    dev_ns = netns()
    a, b = underlay.ns
    end_a, end_b = topo.KernelEnd(dev_ns), topo.KernelEnd(b)
    try:
        sock_a = topo.udp_socket(a, 4, (underlay.addr(0, 4), topo.PORT))
        end_a.attach(sock_a, 1, (underlay.addr(1, 4), topo.PORT))
        end_b.attach(topo.udp_socket(b, 4, (underlay.addr(1, 4), topo.PORT)), 1, (underlay.addr(0, 4), topo.PORT))
        ka, kb = keydir(Cipher.AES_256_GCM, 1), keydir(Cipher.AES_256_GCM, 2)
        end_a.key(1, ka, kb)
        end_b.key(1, kb, ka)
        end_a.address(0, ipv6=False)
        end_b.address(1, ipv6=False)
        res = subprocess.run(
            ["ip", "netns", "exec", dev_ns, "ping", "-n", "-c", "3", "-i", "0.2", "-w", "20", topo.TUNNEL4[1]],
            capture_output=True,
            text=True,
        )
        assert " 0% packet loss" in res.stdout, res.stdout
        assert end_a.stat("tx_packets") >= 3
        # the device's namespace has no route to the underlay: the packets went through a's
        assert "192.0.2" not in subprocess.run(["ip", "-n", dev_ns, "route"], capture_output=True, text=True).stdout
        assert end_a.client.get_peer(end_a.ifindex, 1).local_port == topo.PORT
    finally:
        end_a.close()
        end_b.close()


def test_peers_group_needs_cap_net_admin_too(device):
    """Joining the "peers" multicast group (DEL_PEER notifications) is refused without CAP_NET_ADMIN."""
    ns, _ = device
    code = (
        "import errno; from pyharness.netlink.dco import OvpnClient; from pyharness.proto.consts import DCO_V2\n"
        "c = OvpnClient(DCO_V2)\n"
        "try:\n    c.subscribe(); print('joined')\n"
        "except OSError as e:\n    print(errno.errorcode[e.errno])\n"
    )
    for context in CONTEXTS:
        res = subprocess.run(
            ["ip", "netns", "exec", ns, *CONTEXTS[context], sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=os.getcwd(),
            timeout=60,
        )
        assert res.stdout.strip() == "EPERM", (context, res.stdout, res.stderr)
