"""make bench: the pure parts (medians, ratios, table, JSON, README, chart) and the netlink payloads."""

from __future__ import annotations

import json
import struct

import pytest

from pyharness.bench import guest as bench_guest
from pyharness.bench import run as bench
from pyharness.net import traffic
from pyharness.netlink import genl, upstream, wg
from pyharness.proto import upstream as up
from pyharness.proto.wire import Cipher, keydir


def series(unit, *samples):
    return bench.Series(unit, list(samples))


def row(setup, group, tcp1, tcp4=None, udp=None, label=None):
    r = bench.Row(setup, label or setup, group)
    r.metrics = {
        "tcp1": series("Mbit/s", *tcp1),
        "tcp4": series("Mbit/s", *(tcp4 or tcp1)),
        "udp64": series("pps", *(udp or (1000.0, 2000.0, 3000.0))),
    }
    return r


def sample_run(kernel="bookworm") -> bench.Run:
    return bench.Run(
        kernel=kernel,
        release="6.1.0-56-amd64",
        date="2026-11-28T05:00:00Z",
        accel="tcg",
        cpus=2,
        runs=3,
        seconds=5,
        rows=[
            row("veth", "veth", (1000.0, 900.0, 1100.0), label="veth (no tunnel)"),
            row("ovpn-dco/AES-256-GCM", "ovpn-dco", (300.0, 310.0, 290.0)),
            row("ovpn-dco/AES-256-GCM/no-rps", "ovpn-dco", (200.0, 220.0, 210.0)),
            row("openvpn-userspace/AES-256-GCM", "openvpn-userspace", (50.0, 60.0, None)),
            row("wireguard", "wireguard", (200.0, 250.0, 150.0), label="WireGuard"),
            row("mp-1", "multipeer", (100.0, 100.0, 100.0)),
            row("mp-10000", "multipeer", (96.0, 97.0, 95.0)),
        ],
        multipeer=bench.MultiPeer(10_000, 2.0, 320.0, LOOKUP_US),
        rps=True,
    )


LOOKUP_US = {
    "one": {"ovpn_peer_get_tx": 1.0, "ovpn_net_xmit": 40.0, "ovpn_peer_get_rx": 0.8, "ovpn_udp_encap_recv": 50.0},
    "many": {"ovpn_peer_get_tx": 1.4, "ovpn_net_xmit": 41.0, "ovpn_peer_get_rx": 1.3, "ovpn_udp_encap_recv": 51.0},
}


def test_median_of_three_ignores_failed_samples():
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([3.0, None, 1.0]) == 2.0
    assert bench.median([None, None]) is None
    assert bench.median([]) is None


def test_ratios_to_wireguard_and_to_veth_use_the_medians():
    run = sample_run()
    to_wg, to_veth = bench.ratios(run, "ovpn-dco/AES-256-GCM", "tcp1")
    assert to_wg == pytest.approx(300 / 200)
    assert to_veth == pytest.approx(300 / 1000)
    assert bench.ratios(run, "no-such-setup", "tcp1") == (None, None)


def test_ratio_is_none_without_a_base():
    assert bench.ratio(5.0, None) is None
    assert bench.ratio(None, 5.0) is None
    assert bench.ratio(5.0, 0.0) is None


def test_multipeer_ratio_and_add_rate():
    run = sample_run()
    assert bench.multipeer_ratio(run) == pytest.approx(0.96)
    assert run.multipeer is not None
    assert run.multipeer.add_rate == pytest.approx(9_999 / 2.0)


def test_table_has_a_row_per_setup_with_medians_and_ratios():
    text = bench.table(sample_run())
    lines = text.splitlines()
    assert lines[0].startswith("| setup | TCP, 1 stream (Mbit/s) | vs WG | vs veth | TCP, 4 streams (Mbit/s)")
    assert "UDP, 64-byte datagrams (kpps)" in lines[0]
    assert len(lines) == 2 + 7
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    dco = next(line for line in lines if line.startswith("| ovpn-dco/AES-256-GCM |"))
    cells = [c.strip() for c in dco.strip("|").split("|")]
    assert cells[1:4] == ["300", "1.50x", "0.30x"]
    assert cells[7] == "2.00"  # 2000 pps shown as kpps
    wg_line = next(line for line in lines if line.startswith("| WireGuard |"))
    assert "| 1.00x |" in wg_line


def test_value_formatting():
    m = bench.METRICS[0]
    assert bench.fmt_value(None, m) == "-"
    assert bench.fmt_value(1234.4, m) == "1234"
    assert bench.fmt_value(12.34, m) == "12.3"
    assert bench.fmt_value(1.234, m) == "1.23"
    assert bench.fmt_ratio(None) == "-"
    assert bench.fmt_ratio(0.956) == "0.96x"


def test_a_setup_that_failed_shows_in_table_and_summary():
    run = sample_run()
    broken = bench.Row("upstream-ovpn/AES-256-GCM", "in-tree ovpn", "upstream-ovpn", error="setup failed: EINVAL")
    broken.metrics = {k: bench.Series("x") for k in bench.METRIC_KEYS}
    run.rows.append(broken)
    assert "| in-tree ovpn (failed) | - |" in bench.table(run)
    assert "error: in-tree ovpn: setup failed: EINVAL" in bench.summary(run)


def test_summary_states_the_issue_targets():
    lines = bench.summary(sample_run())
    assert "ovpn-dco AES-256-GCM, TCP 1 stream vs WireGuard: 1.50x (target >= 1.0x)" in lines
    assert "ovpn-dco vs OpenVPN userspace, TCP 1 stream: AES-256-GCM 5.45x (target >= 4x)" in lines
    assert "ovpn-dco without RPS vs OpenVPN userspace, TCP 1 stream: AES-256-GCM 3.82x" in lines
    assert any(
        line.startswith("10,000 peers vs 1 on a multi-peer ovpn-dco device: TCP, 1 stream 0.96x") for line in lines
    )
    assert "peers added at 5,000 peers/s; 320 bytes of kernel memory per peer" in lines
    assert (
        "peer lookup with 10,000 peers vs 1, per 64-byte packet (ftrace): "
        "send +0.40 us of 40.0 us (1.0%), receive +0.50 us of 50.0 us (1.0%) (target <= 5%)"
    ) in lines


def test_lookup_cost_is_the_extra_lookup_time_over_the_whole_call():
    mp = bench.MultiPeer(10_000, 2.0, 320.0, LOOKUP_US)
    (send, recv) = mp.lookup_cost()
    assert send[0] == "send" and send[1:] == pytest.approx((0.4, 40.0, 0.01))
    assert recv[0] == "receive" and recv[1:] == pytest.approx((0.5, 50.0, 0.01))
    assert bench.MultiPeer(10_000, 2.0, 320.0).lookup_cost() == []


def test_heading_says_whether_the_underlay_receive_was_steered():
    run = sample_run()
    steered = "5 s each; each end on its own vCPU (processes pinned, underlay receive steered by RPS)"
    assert bench.heading(run).endswith(steered)
    run.rps = False
    assert bench.heading(run).endswith("median of 3 runs of 5 s each")


def test_json_round_trip_keeps_every_sample_and_the_median(tmp_path):
    path = tmp_path / "results.json"
    run = sample_run()
    bench.save([run], path)
    data = json.loads(path.read_text())
    assert data["schema"] == bench.SCHEMA
    (rec,) = data["runs"]
    assert {"kernel", "release", "date", "accel", "cpus", "runs", "seconds", "rows", "multipeer", "rps"} <= set(rec)
    assert rec["rps"] is True
    assert rec["multipeer"]["lookup_us"] == LOOKUP_US
    user = next(r for r in rec["rows"] if r["setup"] == "openvpn-userspace/AES-256-GCM")
    assert user["metrics"]["tcp1"] == {"unit": "Mbit/s", "samples": [50.0, 60.0, None], "median": 55.0}
    assert rec["multipeer"]["add_rate"] == pytest.approx(4999.5)
    assert rec["multipeer"]["tcp1_ratio"] == pytest.approx(0.96)
    (back,) = bench.load(path)
    assert bench.run_to_dict(back) == bench.run_to_dict(run)
    del rec["rps"], rec["multipeer"]["lookup_us"]  # a run saved before these existed
    path.write_text(json.dumps(data))
    (old,) = bench.load(path)
    assert old.rps is False and old.multipeer is not None and old.multipeer.lookup_cost() == []


def test_load_refuses_another_schema(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"schema": 99, "runs": []}))
    with pytest.raises(ValueError, match="schema"):
        bench.load(path)


def test_a_new_run_replaces_the_old_run_of_its_kernel_only():
    old = [sample_run("sid"), sample_run("bookworm")]
    new = sample_run("bookworm")
    new.release = "6.1.0-99-amd64"
    merged = bench.merge(old, new)
    assert [r.kernel for r in merged] == ["bookworm", "sid"]
    assert merged[0].release == "6.1.0-99-amd64"


def test_run_from_guest_output():
    raw = {
        "release": "7.2.13+deb14-amd64",
        "runs": 3,
        "seconds": 5,
        "complete": True,
        "rows": [bench.row_to_dict(r) for r in sample_run().rows],
        "rps": True,
        "multipeer": {"peers": 10_000, "add_seconds": 2.0, "bytes_per_peer": 320.0, "lookup_us": LOOKUP_US},
    }
    run = bench.run_from_guest(raw, "sid", "tcg", 2)
    assert (run.kernel, run.release, run.accel, run.cpus) == ("sid", "7.2.13+deb14-amd64", "tcg", 2)
    assert run.multipeer == bench.MultiPeer(10_000, 2.0, 320.0, LOOKUP_US)
    assert run.rps is True
    assert run.date.endswith("Z")


def test_readme_section_is_rendered_between_the_markers():
    text = f"intro\n{bench.BEGIN}\nold\n{bench.END}\noutro\n"
    out = bench.render_readme(text, [sample_run()])
    assert out.startswith(f"intro\n{bench.BEGIN}\n**Debian 12 (`6.1.0-56-amd64`), TCG guest with 2 vCPUs")
    assert bench.table(sample_run()) in out
    assert "![make bench: medians per setup](bench/results.png)" in out
    assert out.endswith(f"{bench.END}\noutro\n")
    assert bench.render_readme(out, [sample_run()]) == out
    empty = bench.render_readme(text, [])
    assert "No benchmark run yet" in empty
    with pytest.raises(ValueError, match="markers"):
        bench.render_readme("no markers", [])


def test_readme_performance_section_matches_the_json():
    runs = bench.load() if bench.RESULTS.exists() else []
    text = bench.README.read_text()
    assert bench.render_readme(text, runs) == text, "run: python -m pyharness.bench.run --readme"


def test_chart_file_is_a_png(tmp_path):
    path = bench.chart([sample_run(), sample_run("sid")], tmp_path / "c.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_bench_is_not_part_of_the_test_suite():
    assert not list((bench.paths.REPO / "tests").rglob("*bench_guest*"))
    makefile = (bench.paths.REPO / "Makefile").read_text()
    assert "\nbench:\n\t$(PY) -m pyharness.bench.run $(BENCH_ARGS)\n" in makefile


def test_guest_command_loads_the_module_and_runs_from_the_repository(tmp_path):
    args = bench.argparse.Namespace(runs=3, seconds=5.0, peers=10_000, only="veth,wireguard", profile=None)
    cmd = bench.guest_command(tmp_path / "ovpn-dco.ko", tmp_path / "raw.json", args)
    assert cmd.startswith(f"cd {bench.paths.REPO} && modprobe -a ")
    assert f"insmod {tmp_path}/ovpn-dco.ko && " in cmd
    assert cmd.endswith(
        f"-m pyharness.bench.guest --out {tmp_path}/raw.json --module {tmp_path}/ovpn-dco.ko "
        "--runs 3 --seconds 5.0 --peers 10000 --only veth,wireguard"
    )


def test_guest_setups_cover_the_issue_and_are_selectable():
    mp = bench_guest.MultiPeerState()
    ids = [s.row.setup for s in bench_guest.setups(10_000, upstream=False, mp=mp)]
    assert ids == [
        "veth",
        "ovpn-dco/AES-256-GCM",
        "ovpn-dco/AES-128-GCM",
        "ovpn-dco/CHACHA20-POLY1305",
        "ovpn-dco/AES-256-GCM/no-rps",
        "ovpn-dco/AES-128-GCM/no-rps",
        "ovpn-dco/CHACHA20-POLY1305/no-rps",
        "openvpn-userspace/AES-256-GCM",
        "openvpn-userspace/AES-128-GCM",
        "openvpn-userspace/CHACHA20-POLY1305",
        "mssfix/on",
        "mssfix/off",
        "wireguard",
        "mp-1",
        "mp-10000",
    ]
    with_upstream = [s.row.setup for s in bench_guest.setups(10_000, upstream=True, mp=mp)]
    assert [i for i in with_upstream if i.startswith("upstream-ovpn/")] == [f"upstream-ovpn/{c}" for c in bench.CIPHERS]
    chosen = bench_guest.selected(bench_guest.setups(10, upstream=True, mp=mp), "veth,upstream-ovpn")
    assert [s.row.setup for s in chosen] == ["veth"] + [f"upstream-ovpn/{c}" for c in bench.CIPHERS]
    steered = {s.row.setup: s.rps for s in bench_guest.setups(10, upstream=True, mp=mp)}
    assert [i for i, on in steered.items() if not on] == [f"ovpn-dco/{c}/no-rps" for c in bench.CIPHERS]
    mssfix = [s.row for s in bench_guest.selected(bench_guest.setups(10, upstream=False, mp=mp), "mssfix")]
    assert [(r.setup, r.cipher, r.mtu) for r in mssfix] == [
        ("mssfix/on", "AES-256-GCM", 1500),
        ("mssfix/off", "AES-256-GCM", 1500),
    ]


def test_steering_writes_each_ends_rps_mask(monkeypatch):
    calls = []
    monkeypatch.setattr(bench_guest.netns, "run", lambda ns, *cmd, **kw: calls.append((ns, cmd)))
    t = bench_guest.Target("a1", "b1", "10.99.0.2", (("a1", "va"), ("b1", "vb")), "10.99.0.1")
    bench_guest.steer(t, True)
    bench_guest.steer(t, False)
    assert calls == [
        ("a1", ("sh", "-c", "echo 1 > /sys/class/net/va/queues/rx-0/rps_cpus")),
        ("b1", ("sh", "-c", "echo 2 > /sys/class/net/vb/queues/rx-0/rps_cpus")),
        ("a1", ("sh", "-c", "echo 0 > /sys/class/net/va/queues/rx-0/rps_cpus")),
        ("b1", ("sh", "-c", "echo 0 > /sys/class/net/vb/queues/rx-0/rps_cpus")),
    ]


def test_each_ends_openvpn_is_pinned_to_its_vcpu(monkeypatch):
    pids = {"a1": "10 11 12", "b1": "20"}
    comms = {"10": "openvpn", "11": "iperf3", "20": "openvpn"}  # 12 is gone
    runs = []
    monkeypatch.setattr(bench_guest.netns, "ip", lambda *args, **kw: pids[args[2]])
    monkeypatch.setattr(bench_guest, "_comm", comms.get)
    monkeypatch.setattr(bench_guest.subprocess, "run", lambda cmd, **kw: runs.append(cmd))
    t = bench_guest.Target("a1", "b1", "10.99.0.2", (("a1", "va"), ("b1", "vb")), "10.99.0.1")
    assert bench_guest.pin_openvpn(t) == [10, 20]
    assert runs == [["taskset", "-a", "-p", "-c", "0", "10"], ["taskset", "-a", "-p", "-c", "1", "20"]]


def test_samples_pin_iperf3_client_and_server_to_their_ends(monkeypatch):
    calls = []

    def fake_iperf3(srv, cli, addr, **kw):
        calls.append(kw)
        return {"end": {"sum_received": {"seconds": 1.0, "bits_per_second": 8e6, "packets": 10, "lost_packets": 0}}}

    monkeypatch.setattr(bench_guest.traffic, "iperf3", fake_iperf3)
    monkeypatch.setattr(bench_guest.os, "cpu_count", lambda: 2)
    t = bench_guest.Target("a1", "b1", "10.99.0.2", (("a1", "va"), ("b1", "vb")), "10.99.0.1")
    assert bench_guest.sample(t, "tcp4", 2.0) == 8.0
    assert calls == [{"seconds": 2.0, "streams": 4, "cpus": (0, 1)}]
    monkeypatch.setattr(bench_guest.os, "cpu_count", lambda: 1)
    bench_guest.sample(t, "udp64", 2.0)
    assert calls[1] == {"seconds": 2.0, "udp_length": 64, "cpus": None, "rate_pps": None}


def test_lookup_times_floods_each_way_and_keeps_the_means(monkeypatch):
    floods = []
    monkeypatch.setattr(
        bench_guest.traffic, "iperf3", lambda srv, cli, addr, **kw: floods.append((srv, cli, addr, kw)) or {}
    )

    def fake_trace(run, functions):
        run()
        return [bench_guest.ftrace_profile.FunctionTime(f, 4, 4.0 * (i + 1)) for i, f in enumerate(functions)], 1.0

    monkeypatch.setattr(bench_guest.ftrace_profile, "trace", fake_trace)
    t = bench_guest.Target("srv", "cli", "10.99.0.2", (("srv", "s1"), ("cli", "c1")), "10.99.0.1")
    got = bench_guest.lookup_times(t, 2.0)
    assert got == {"ovpn_peer_get_tx": 1.0, "ovpn_net_xmit": 2.0, "ovpn_peer_get_rx": 1.0, "ovpn_udp_encap_recv": 2.0}
    assert floods == [
        ("cli", "srv", "10.99.0.2", {"seconds": 2.0, "udp_length": 64}),
        ("srv", "cli", "10.99.0.1", {"seconds": 2.0, "udp_length": 64}),
    ]
    monkeypatch.setattr(bench_guest.ftrace_profile, "trace", lambda run, functions: ([], 1.0))
    with pytest.raises(RuntimeError, match="no call of ovpn_net_xmit, ovpn_peer_get_tx"):
        bench_guest.lookup_times(t, 2.0)


def test_iperf3_udp_report_gives_datagrams_received_per_second():
    report = {
        "end": {
            "sum_received": {"seconds": 2.0, "packets": 1000, "lost_packets": 200, "bytes": 51200},
            "sum": {"seconds": 2.0, "packets": 1000, "lost_packets": 200},
        }
    }
    assert traffic.received_pps(report) == 400.0
    del report["end"]["sum_received"]  # older iperf3: the totals are in "sum"
    assert traffic.received_pps(report) == 400.0
    assert traffic.received_mbits({"end": {"sum_received": {"bits_per_second": 2.5e8}}}) == 250.0


def test_upstream_peer_new_encodes_addresses_big_endian():
    payload = upstream.peer_new_payload(7, 3, 12, ("192.0.2.2", 1194))
    top = genl.attr_map(payload)
    assert genl.get_u32(top[up.Attr.IFINDEX]) == 7
    peer = genl.attr_map(top[up.Attr.PEER])
    assert genl.get_u32(peer[up.PeerAttr.ID]) == 3
    assert peer[up.PeerAttr.REMOTE_IPV4] == bytes([192, 0, 2, 2])
    assert peer[up.PeerAttr.REMOTE_PORT] == struct.pack(">H", 1194)
    assert genl.get_u32(peer[up.PeerAttr.SOCKET]) == 12


def test_upstream_key_new_uses_u32_enums_and_both_directions():
    tx, rx = keydir(Cipher.CHACHA20_POLY1305, 1), keydir(Cipher.CHACHA20_POLY1305, 2)
    top = genl.attr_map(upstream.key_new_payload(5, 1, 0, tx, rx))
    kc = genl.attr_map(top[up.Attr.KEYCONF])
    assert {len(kc[a]) for a in (up.KeyconfAttr.SLOT, up.KeyconfAttr.KEY_ID)} == {4}
    assert genl.get_u32(kc[up.KeyconfAttr.CIPHER_ALG]) == up.CipherAlg.CHACHA20_POLY1305
    enc = genl.attr_map(kc[up.KeyconfAttr.ENCRYPT_DIR])
    dec = genl.attr_map(kc[up.KeyconfAttr.DECRYPT_DIR])
    assert (enc[up.KeydirAttr.CIPHER_KEY], dec[up.KeydirAttr.NONCE_TAIL]) == (tx.key, rx.nonce_tail)
    assert upstream.cipher_alg(Cipher.AES_128_GCM) == up.CipherAlg.AES_GCM


@pytest.mark.upstream_ovpn  # the target kernel has the in-tree ovpn (6.16+), so its headers have ovpn.h
def test_upstream_uapi_numbers_match_the_target_kernels_header(target_kernel):
    import re

    # Debian splits the headers: the flavour's tree (build_dir) and the -common tree beside it
    common = target_kernel.build_dir.with_name(target_kernel.build_dir.name.removesuffix("-amd64") + "-common")
    (header,) = [p for d in (target_kernel.build_dir, common) if (p := d / "include/uapi/linux/ovpn.h").exists()]
    text = header.read_text()
    values: dict[str, int] = {}
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, re.S):
        nxt = 0
        for name, value in re.findall(r"^\s*(OVPN_\w+)(?:\s*=\s*(\d+))?", body, re.M):
            nxt = int(value) if value else nxt
            values[name] = nxt
            nxt += 1
    ours = {
        "OVPN_CMD_": up.Cmd,
        "OVPN_A_": up.Attr,
        "OVPN_A_PEER_": up.PeerAttr,
        "OVPN_A_KEYCONF_": up.KeyconfAttr,
        "OVPN_A_KEYDIR_": up.KeydirAttr,
        "OVPN_CIPHER_ALG_": up.CipherAlg,
        "OVPN_DEL_PEER_REASON_": up.DelPeerReason,
        "OVPN_KEY_SLOT_": up.KeySlot,
    }
    expected = {prefix + m.name: int(m) for prefix, enum in ours.items() for m in enum}
    assert {k: values[k] for k in expected} == expected


def test_wireguard_set_device_payload():
    me, peer = wg.keypair(), wg.keypair()
    assert len(me.private) == len(me.public) == 32
    top = genl.attr_map(
        wg.set_device_payload(4, me.private, 51820, peer.public, ("192.0.2.2", 51820), ["10.99.0.2/32"])
    )
    assert genl.get_u32(top[wg.DEVICE_IFINDEX]) == 4
    assert top[wg.DEVICE_PRIVATE_KEY] == me.private
    assert struct.unpack("=H", top[wg.DEVICE_LISTEN_PORT][:2])[0] == 51820
    ((_, one_peer),) = genl.parse_attrs(top[wg.DEVICE_PEERS])
    p = genl.attr_map(one_peer)
    assert p[wg.PEER_PUBLIC_KEY] == peer.public
    assert p[wg.PEER_ENDPOINT][2:8] == struct.pack(">H", 51820) + bytes([192, 0, 2, 2])
    ((_, allowed),) = genl.parse_attrs(p[wg.PEER_ALLOWEDIPS])
    a = genl.attr_map(allowed)
    assert a[wg.ALLOWEDIP_IPADDR] == bytes([10, 99, 0, 2]) and a[wg.ALLOWEDIP_CIDR_MASK][0] == 32


def test_lookup_rounds_alternate_and_take_the_median(monkeypatch):
    seen = []
    values = iter([1.0, 5.0, 3.0, 6.0, 2.0, 4.0])  # one, many, one, many, one, many

    def fake_lookup_times(t, seconds):
        seen.append(t.addr)
        v = next(values)
        return {"ovpn_peer_get_tx": v, "ovpn_net_xmit": 10 * v}

    monkeypatch.setattr(bench_guest, "lookup_times", fake_lookup_times)
    setups = []
    for setup, addr in ((bench.MP_ONE, "one"), (bench.mp_many(10), "many")):
        s = bench_guest.Setup(bench.Row(setup, setup, "multipeer"), lambda: None)  # type: ignore[arg-type, return-value]
        s.target = bench_guest.Target("a", "b", addr, (("a", "s1"), ("b", "c1")), "10.99.0.1")
        setups.append(s)
    mp = bench_guest.MultiPeerState(added=bench_guest.scale.AddResult(9, 1.0, 300.0, 0))
    args = bench.argparse.Namespace(runs=3, seconds=1.0, peers=10)
    bench_guest.measure_lookups(setups, args, mp)
    assert seen == ["one", "many"] * 3
    assert mp.lookup == {
        "one": {"ovpn_peer_get_tx": 2.0, "ovpn_net_xmit": 20.0},
        "many": {"ovpn_peer_get_tx": 5.0, "ovpn_net_xmit": 50.0},
    }
