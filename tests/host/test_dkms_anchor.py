"""The bench's anchor, Debian 12's openvpn-dco-dkms: versions, dkms.conf, cache keys and entries, rows, ratios."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from pyharness.bench import guest as bench_guest
from pyharness.bench import run as bench
from pyharness.matrix import cache
from pyharness.matrix import dkms_anchor as anchor
from pyharness.vm import paths
from pyharness.vm.kernels import Kernel

VERSION = "0.0+git20231103-1~deb12u1"

POLICY = """openvpn-dco-dkms:
  Installed: (none)
  Candidate: 0.0+git20231103-1~deb12u1
  Version table:
     0.0+git20231103-1~deb12u1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
"""

# the shape of a DKMS package's dkms.conf (made up: two modules, a comment, a clean line)
DKMS_CONF = """\
PACKAGE_NAME="demo-vpn"
PACKAGE_VERSION="1.2+git20240101"
AUTOINSTALL="yes"
# built the way the package's own Makefile wants
MAKE="make VER=${kernelver} KERNEL_SRC=${kernel_source_dir} REVISION=$PACKAGE_VERSION"
CLEAN="make clean"
BUILT_MODULE_NAME[0]="demo-vpn-v2"
BUILT_MODULE_LOCATION[0]="drivers/net/demo-vpn/"
DEST_MODULE_LOCATION[0]="/kernel/drivers/net/demo-vpn"
BUILT_MODULE_NAME[1]="demo-helper"
"""


@pytest.fixture
def roots(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "c"))
    monkeypatch.setenv(paths.DOWNLOADS_ENV, str(tmp_path / "d"))
    return tmp_path


# ---------------------------------------------------------------- package and version


def test_upstream_version_drops_epoch_and_debian_revision():
    assert anchor.upstream_version(VERSION) == "0.0+git20231103"
    assert anchor.upstream_version("1:2.6.14-1") == "2.6.14"
    assert anchor.upstream_version("1.0-rc1-3") == "1.0-rc1"
    assert anchor.upstream_version("20231103") == "20231103"


def test_label_names_package_upstream_version_and_suite():
    assert anchor.label(VERSION) == "openvpn-dco-dkms 0.0+git20231103 (Debian 12)"


def test_candidate_from_apt_cache_policy():
    assert anchor.parse_candidate(POLICY) == VERSION
    assert anchor.parse_candidate(POLICY.replace(f"Candidate: {VERSION}", "Candidate: (none)")) is None
    assert anchor.parse_candidate("") is None


def test_deb_name_is_what_apt_get_download_writes():
    assert anchor.deb_name(VERSION) == "openvpn-dco-dkms_0.0+git20231103-1~deb12u1_all.deb"
    assert anchor.deb_name("1:2.0-1") == "openvpn-dco-dkms_1%3a2.0-1_all.deb"


def test_sources_list_names_debian_12_main_only():
    lines = [ln for ln in anchor.SOURCES.read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines == [
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main"
    ]
    opts = anchor.apt_options()
    assert f"-oDir::Etc::SourceList={anchor.SOURCES}" in opts
    assert "-oDir::Etc::SourceParts=/nonexistent" in opts  # the host's sources stay out


# ---------------------------------------------------------------- dkms.conf and the build


def test_dkms_conf_gives_the_first_module_and_the_make_line():
    conf = anchor.parse_dkms_conf(DKMS_CONF)
    assert conf == anchor.DkmsConf(
        "demo-vpn",
        "1.2+git20240101",
        "make VER=${kernelver} KERNEL_SRC=${kernel_source_dir} REVISION=$PACKAGE_VERSION",
        "demo-vpn-v2",
        "drivers/net/demo-vpn",
    )
    assert conf.module_file == "demo-vpn-v2.ko"
    assert conf.loaded_name == "demo_vpn_v2"


def test_dkms_conf_without_a_module_is_refused():
    with pytest.raises(anchor.AnchorError, match="BUILT_MODULE_NAME"):
        anchor.parse_dkms_conf('PACKAGE_NAME="x"\nPACKAGE_VERSION="1"\n')


def test_make_line_gets_dkms_variables_and_runs_in_the_source_tree():
    conf = anchor.parse_dkms_conf(DKMS_CONF)
    argv = anchor.make_argv(conf, "6.1.0-57-amd64", "/usr/src/linux-headers-6.1.0-57-amd64", "/c/src")
    assert argv == [
        "make",
        "-C",
        "/c/src",
        "-j2",
        "VER=6.1.0-57-amd64",
        "KERNEL_SRC=/usr/src/linux-headers-6.1.0-57-amd64",
        "REVISION=1.2+git20240101",
    ]


def test_make_line_with_an_unknown_variable_or_no_make_is_refused():
    conf = anchor.parse_dkms_conf(DKMS_CONF)
    for line in ("make REV=$PACKAGE_VERSIONS", "make X=${arch}", "sh build.sh"):
        with pytest.raises(anchor.AnchorError, match="MAKE line"):
            anchor.make_argv(anchor.DkmsConf(conf.package_name, "1", line, "m", ""), "r", "/k", "/s")


def test_a_failed_build_names_its_first_compiler_error():
    log = (
        "  CC [M]  /c/pkg/usr/src/ovpn-dco-0.0/drivers/net/ovpn-dco/main.o\n"
        "/c/pkg/usr/src/ovpn-dco-0.0/drivers/net/ovpn-dco/main.c:129:47: error: 'NETIF_F_LLTX' undeclared\n"
        "/c/pkg/usr/src/ovpn-dco-0.0/include/uapi/linux/ovpn_dco.h:14:22: error: expected declaration\n"
        "make: *** [Makefile:59: all] Error 2\n"
    )
    assert anchor.first_error(log) == "main.c:129:47: error: 'NETIF_F_LLTX' undeclared"
    assert anchor.first_error("make: *** [Makefile:59: all] Error 2\n") == ""


def test_build_cache_is_keyed_by_package_version_and_kernel_release(roots):
    a = anchor.build_dir(VERSION, "6.1.0-57-amd64")
    assert a == roots / "c" / "openvpn-dco-dkms" / "build" / VERSION / "6.1.0-57-amd64"
    assert anchor.build_dir(VERSION, "7.2.13+deb14-amd64") != a
    assert anchor.build_dir("0.0+git20240101-1", "6.1.0-57-amd64") != a
    assert anchor.downloads() == roots / "d" / "openvpn-dco-dkms"


def test_a_built_module_is_reused_without_the_network(roots, monkeypatch):
    kernel = Kernel("6.1.0-57-amd64", Path("/v"), Path("/b"), Path("/c"))
    out = anchor.build_dir(VERSION, kernel.release)
    out.mkdir(parents=True)
    (out / "dkms.conf").write_text(DKMS_CONF)
    (out / ".ovpn-dco-complete").write_text("x\n")
    anchor.downloads().mkdir(parents=True)
    (anchor.downloads() / anchor.deb_name(VERSION)).write_text("deb")

    def no_network(*a, **kw):
        raise AssertionError("ran a command")

    monkeypatch.setattr(subprocess, "run", no_network)  # every command, whichever module runs it
    got = anchor.build(kernel, VERSION)
    assert got.module == out / "demo-vpn-v2.ko"
    assert got.label == "openvpn-dco-dkms 0.0+git20231103 (Debian 12)"


# ---------------------------------------------------------------- the cache


def _populate(live_release: str) -> dict[str, Path]:
    d = anchor.downloads()
    (d / "apt" / "lists").mkdir(parents=True)
    (d / "version").write_text(VERSION + "\n")
    made = {
        "deb": d / anchor.deb_name(VERSION),
        "old deb": d / anchor.deb_name("0.0+git20230101-1"),
        "build": anchor.build_dir(VERSION, live_release),
        "dead release": anchor.build_dir(VERSION, "6.1.0-1-amd64"),
        "old version": anchor.build_dir("0.0+git20230101-1", live_release),
        "interrupted": anchor.build_dir(VERSION, "7.0.0-1-amd64.tmp"),
    }
    for name, p in made.items():
        if name.endswith("deb"):
            p.write_bytes(b"deb")
        else:
            p.mkdir(parents=True)
            (p / "ovpn-dco-v2.ko").write_bytes(b"\0" * 5000)
    return made


def test_entries_are_judged_by_release_and_package_version(roots):
    made = _populate("6.1.0-57-amd64")
    judged = {p: why for p, _what, why in anchor.kept({"6.1.0-57-amd64"})}
    assert judged[made["deb"]] == ""
    assert judged[made["build"]] == ""
    assert judged[anchor.downloads() / "apt"] == ""
    assert judged[made["old deb"]] == "another package version"
    assert judged[made["dead release"]] == "no kernel 6.1.0-1-amd64 any more"
    assert judged[made["old version"]] == "another package version"
    assert judged[made["interrupted"]] == "failed or interrupted build"


def test_cache_lists_the_anchor_and_prune_removes_only_its_unused_entries(roots, monkeypatch):
    monkeypatch.setattr(cache, "live_releases", lambda current: {"6.1.0-57-amd64"})
    made = _populate("6.1.0-57-amd64")
    found = {e.path: e for e in cache.entries()}
    assert found[made["build"]].what == f"openvpn-dco-dkms {VERSION}: build for 6.1.0-57-amd64"
    assert found[made["build"]].size >= 5000
    assert not [e for e in cache.entries() if e.path == anchor.downloads()]  # not listed twice, as "other"
    cache.prune()
    assert made["build"].is_dir() and made["deb"].is_file() and (anchor.downloads() / "version").is_file()
    for name in ("old deb", "dead release", "old version", "interrupted"):
        assert not made[name].exists(), name


# ---------------------------------------------------------------- rows, guest command, summary


def test_the_anchor_rows_follow_wireguard_one_per_cipher_and_are_selectable():
    mp = bench_guest.MultiPeerState()
    a = bench_guest.Anchor("openvpn-dco-dkms 0.0+git20231103 (Debian 12)", Path("/x/ovpn-dco-v2.ko"))
    all_setups = bench_guest.setups(10, upstream=True, mp=mp, anchor=a)
    ids = [s.row.setup for s in all_setups]
    dkms = [f"dkms-openvpn26/{c}" for c in ("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305")]
    assert ids[ids.index("wireguard") + 1 : ids.index("wireguard") + 4] == dkms
    rows = {s.row.setup: s for s in all_setups}
    assert rows["dkms-openvpn26/AES-256-GCM"].row.label == (
        "openvpn-dco-dkms 0.0+git20231103 (Debian 12), OpenVPN 2.6, AES-256-GCM"
    )
    assert [s.row.setup for s in all_setups if s.module == bench_guest.DKMS] == dkms
    assert {rows[i].row.group for i in dkms} == {"dkms-openvpn26"}
    assert all(rows[i].rps and rows[i].row.mtu == bench_guest.TUNNEL_MTU for i in dkms)
    assert [s.row.setup for s in bench_guest.selected(all_setups, "dkms-openvpn26")] == dkms
    assert "dkms-openvpn26/AES-256-GCM" not in [s.row.setup for s in bench_guest.setups(10, True, mp)]


def test_the_anchor_is_built_for_full_runs_and_when_selected():
    assert bench.wants_dkms(None)
    assert bench.wants_dkms("veth,dkms-openvpn26")
    assert bench.wants_dkms("ovpn-dco/AES-256-GCM, dkms-openvpn26/AES-256-GCM")
    assert not bench.wants_dkms("veth,wireguard")
    assert not bench.wants_dkms("dkms")


def test_guest_command_names_both_modules(tmp_path):
    args = argparse.Namespace(runs=1, seconds=2.0, peers=10, only="dkms-openvpn26", profile=None)
    dkms = bench.DkmsArgs("openvpn-dco-dkms 0.0+git20231103 (Debian 12)", tmp_path / "ovpn-dco-v2.ko")
    cmd = bench.guest_command(tmp_path / "ovpn-dco.ko", tmp_path / "raw.json", args, dkms)
    assert f"insmod {tmp_path}/ovpn-dco.ko && " in cmd
    assert f"--module {tmp_path}/ovpn-dco.ko " in cmd
    assert cmd.endswith(
        f"--only dkms-openvpn26 --dkms-label 'openvpn-dco-dkms 0.0+git20231103 (Debian 12)' "
        f"--dkms-module {tmp_path}/ovpn-dco-v2.ko"
    )


def _row(setup: str, group: str, tcp1: tuple[float, ...]) -> bench.Row:
    r = bench.Row(setup, setup, group)
    r.metrics = {k: bench.Series("Mbit/s", list(tcp1)) for k in ("tcp1", "tcp4", "udp64")}
    return r


def test_summary_gives_ovpn_dco_over_the_anchor_per_cipher():
    run = bench.Run("bookworm", "6.1.0-57-amd64", "2026-12-06T12:00:00Z", "tcg", 2, 3, 5.0)
    run.rows = [
        _row("ovpn-dco/AES-256-GCM", "ovpn-dco", (150.0, 140.0, 160.0)),
        _row("ovpn-dco/CHACHA20-POLY1305", "ovpn-dco", (45.0, 50.0, 55.0)),
        _row("dkms-openvpn26/AES-256-GCM", "dkms-openvpn26", (100.0, 90.0, 110.0)),
        _row("dkms-openvpn26/AES-128-GCM", "dkms-openvpn26", (100.0, 100.0, 100.0)),  # no ovpn-dco row: left out
        _row("dkms-openvpn26/CHACHA20-POLY1305", "dkms-openvpn26", (None, None, None)),  # type: ignore[arg-type]
    ]
    assert bench.dkms_ratios(run) == [("AES-256-GCM", 1.5), ("CHACHA20-POLY1305", None)]
    assert (
        "ovpn-dco vs Debian 12's openvpn-dco-dkms, both driven by OpenVPN 2.6, TCP 1 stream: "
        "AES-256-GCM 1.50x, CHACHA20-POLY1305 -"
    ) in bench.summary(run)
    run.rows = run.rows[:2]
    assert not [s for s in bench.summary(run) if "openvpn-dco-dkms" in s]


# ---------------------------------------------------------------- the guest: proof and module swap

ETHTOOL = "driver: ovpn-dco\nversion: 0.0+git20231103\nfirmware-version: \nbus-info: \n"


def test_ethtool_driver_version():
    assert bench_guest.ethtool_field(ETHTOOL, "version") == "0.0+git20231103"
    assert bench_guest.ethtool_field(ETHTOOL, "driver") == "ovpn-dco"
    assert bench_guest.ethtool_field("driver: veth\n", "version") == ""


class _Proc:
    name = "p2p-a"
    ns = "a1"
    log = "DCO version: 0.0+git20231103\nDCO device tun0 opened\n"


def _fake_guest(monkeypatch, modules: dict[str, str], ethtool: str = ETHTOOL) -> None:
    monkeypatch.setattr(bench_guest, "sys_module", lambda name, attr: modules.get(name) if attr == "version" else None)
    monkeypatch.setattr(bench_guest, "loaded", lambda name: name in modules)
    monkeypatch.setattr(
        bench_guest.netns, "run", lambda ns, *cmd, **kw: argparse.Namespace(stdout=ethtool, returncode=0)
    )


def test_the_anchor_setup_proves_its_module_serves_the_device(monkeypatch):
    check = bench_guest.check_driver("ovpn_dco_v2")
    _fake_guest(monkeypatch, {"ovpn_dco_v2": "0.0+git20231103"})
    check(_Proc(), "tun0")  # passes
    _fake_guest(monkeypatch, {"ovpn_dco_v2": "0.0+git20231103", "ovpn_dco": "0.1.0"})
    with pytest.raises(bench_guest.SetupError, match="ovpn_dco is loaded"):
        check(_Proc(), "tun0")
    _fake_guest(monkeypatch, {"ovpn_dco_v2": "0.0+git20231103"}, ETHTOOL.replace("0.0+git20231103", "0.1.0"))
    with pytest.raises(bench_guest.SetupError, match="driver version '0.1.0'"):
        check(_Proc(), "tun0")
    _fake_guest(monkeypatch, {})
    with pytest.raises(bench_guest.SetupError, match="not loaded"):
        check(_Proc(), "tun0")
    proc = _Proc()
    proc.log = "DCO version: N/A\n"
    _fake_guest(monkeypatch, {"ovpn_dco_v2": "0.0+git20231103"})
    with pytest.raises(bench_guest.SetupError, match="logged DCO version: N/A"):
        check(proc, "tun0")


def _swap_recorder(monkeypatch, fail_at: str | None = None) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []

    def step(name: str):
        def f(*a, **kw):
            calls.append((name, *(str(x) for x in a if isinstance(x, str | Path))))
            if name == fail_at:
                raise RuntimeError(f"{name} broke")
            return f"{name} done"

        return f

    monkeypatch.setattr(bench_guest, "swap_module", step("swap"))
    monkeypatch.setattr(bench_guest, "bring_up", step("bring_up"))
    monkeypatch.setattr(bench_guest, "measure", step("measure"))
    monkeypatch.setattr(bench_guest, "close", step("close"))
    monkeypatch.setattr(bench_guest, "insmod", step("insmod"))
    monkeypatch.setattr(bench_guest, "loaded", lambda name: False)
    monkeypatch.setattr(bench_guest, "module_name", lambda ko: "ovpn_dco_v2")
    monkeypatch.setattr(bench_guest, "write", lambda *a, **kw: None)
    return calls


def _anchor_setups() -> list[bench_guest.Setup]:
    a = bench_guest.Anchor("openvpn-dco-dkms 0.0 (Debian 12)", Path("/x/ovpn-dco-v2.ko"))
    return [s for s in bench_guest.setups(10, False, bench_guest.MultiPeerState(), a) if s.module == bench_guest.DKMS]


def test_the_anchor_is_measured_in_ovpn_dcos_place_and_ovpn_dco_comes_back(monkeypatch):
    calls = _swap_recorder(monkeypatch)
    todo = _anchor_setups()
    args = argparse.Namespace(module=Path("/b/ovpn-dco.ko"), out=Path("/nonexistent/raw.json"))
    anchor_ = bench_guest.Anchor("x", Path("/x/ovpn-dco-v2.ko"))
    bench_guest.measure_anchor(todo, [s.row for s in todo], args, bench_guest.MultiPeerState(), anchor_)
    assert [c[0] for c in calls] == ["swap", "bring_up", "measure", "close", "swap"]
    assert calls[0][1:] == ("ovpn_dco", "/x/ovpn-dco-v2.ko")
    assert calls[-1][1:] == ("ovpn_dco_v2", "/b/ovpn-dco.ko")


def test_a_failed_anchor_run_still_loads_ovpn_dco_again(monkeypatch):
    calls = _swap_recorder(monkeypatch, fail_at="measure")
    todo = _anchor_setups()
    args = argparse.Namespace(module=Path("/b/ovpn-dco.ko"), out=Path("/nonexistent/raw.json"))
    with pytest.raises(RuntimeError, match="measure broke"):
        bench_guest.measure_anchor(
            todo, [s.row for s in todo], args, bench_guest.MultiPeerState(), bench_guest.Anchor("x", Path("/x/m.ko"))
        )
    assert [c[0] for c in calls][-2:] == ["close", "swap"]
    assert calls[-1][1:] == ("ovpn_dco_v2", "/b/ovpn-dco.ko")


def test_an_anchor_that_does_not_load_fails_its_rows_and_keeps_ovpn_dco(monkeypatch):
    calls = _swap_recorder(monkeypatch, fail_at="swap")
    monkeypatch.setattr(bench_guest, "loaded", lambda name: name == "ovpn_dco_v2")  # loaded, but not as built
    monkeypatch.setattr(bench_guest, "rmmod", lambda name: calls.append(("rmmod", name)))
    todo = _anchor_setups()
    args = argparse.Namespace(module=Path("/b/ovpn-dco.ko"), out=Path("/nonexistent/raw.json"))
    bench_guest.measure_anchor(
        todo, [s.row for s in todo], args, bench_guest.MultiPeerState(), bench_guest.Anchor("x", Path("/x/m.ko"))
    )
    assert calls[1:] == [("rmmod", "ovpn_dco_v2"), ("insmod", "/b/ovpn-dco.ko")]
    assert all(s.row.error == "setup failed: swap broke" for s in todo)


def test_no_anchor_rows_where_the_package_does_not_build(monkeypatch, capsys):
    def fails(kernel):
        raise anchor.AnchorError("building openvpn-dco-dkms X for 7.2 failed: main.c:1: error: x (log: /l)\nmore")

    monkeypatch.setattr(anchor, "build", fails)
    kernel = Kernel("7.2.13+deb14-amd64", Path("/v"), Path("/b"), Path("/c"))
    assert bench.build_dkms(kernel) is None
    err = capsys.readouterr().err
    assert "no openvpn-dco-dkms rows on 7.2.13+deb14-amd64: building openvpn-dco-dkms X" in err
    assert "more" not in err
    built = anchor.Anchor(VERSION, "6.1.0-57-amd64", Path("/m/ovpn-dco-v2.ko"), anchor.parse_dkms_conf(DKMS_CONF))
    monkeypatch.setattr(anchor, "build", lambda kernel: built)
    assert bench.build_dkms(kernel) == bench.DkmsArgs(
        "openvpn-dco-dkms 0.0+git20231103 (Debian 12)", Path("/m/ovpn-dco-v2.ko")
    )


# ---------------------------------------------------------------- OpenVPN 2.7 rows


def test_openvpn27_rows_name_who_serves_the_ovpn_family():
    mp = bench_guest.MultiPeerState()
    root = Path("/chroots/sid")
    intree = [s.row for s in bench_guest.setups(10, True, mp, openvpn27=root) if s.row.group == "openvpn27"]
    assert [(r.setup, r.label) for r in intree] == [
        (f"openvpn27-ovpn/{c}", f"in-tree ovpn + OpenVPN 2.7, {c}") for c in bench.CIPHERS
    ]
    dco = [s.row for s in bench_guest.setups(10, False, mp, openvpn27=root) if s.row.group == "openvpn27"]
    assert [(r.setup, r.label) for r in dco] == [
        (f"openvpn27-ovpn-dco/{c}", f"ovpn-dco + OpenVPN 2.7, {c}") for c in bench.CIPHERS
    ]
    assert not [s for s in bench_guest.setups(10, True, mp) if s.row.group == "openvpn27"]
    assert bench.wants_openvpn27(None) and bench.wants_openvpn27("veth,openvpn27")
    assert bench.wants_openvpn27("openvpn27-ovpn/AES-256-GCM") and not bench.wants_openvpn27("veth")


def test_guest_command_names_the_openvpn27_chroot(tmp_path):
    args = argparse.Namespace(runs=1, seconds=2.0, peers=10, only="openvpn27", profile=None)
    cmd = bench.guest_command(tmp_path / "ovpn-dco.ko", tmp_path / "raw.json", args, None, tmp_path / "sid")
    assert cmd.endswith(f"--only openvpn27 --openvpn27-root {tmp_path}/sid")


def test_summary_gives_ovpn_dco_with_26_over_each_openvpn27_provider():
    run = bench.Run("sid", "7.2.13+deb14-amd64", "2026-12-06T12:00:00Z", "tcg", 2, 3, 5.0)
    run.rows = [
        _row("ovpn-dco/AES-256-GCM", "ovpn-dco", (150.0, 140.0, 160.0)),
        _row("ovpn-dco/AES-128-GCM", "ovpn-dco", (100.0,)),
        _row("openvpn27-ovpn/AES-256-GCM", "openvpn27", (120.0,)),
        _row("openvpn27-ovpn/AES-128-GCM", "openvpn27", (200.0,)),
    ]
    assert (
        "ovpn-dco + OpenVPN 2.6 vs in-tree ovpn + OpenVPN 2.7, TCP 1 stream: AES-256-GCM 1.25x, AES-128-GCM 0.50x"
    ) in bench.summary(run)
    assert not [s for s in bench.summary(run) if "ovpn-dco + OpenVPN 2.7" in s]


def test_an_openvpn27_device_must_belong_to_the_expected_driver(monkeypatch):
    check = bench_guest.check_ethtool_driver(bench_guest.INTREE)
    _fake_guest(monkeypatch, {}, "driver: ovpn\nversion: 7.2.13\n")
    check(_Proc(), "tun0")
    _fake_guest(monkeypatch, {}, ETHTOOL)
    with pytest.raises(bench_guest.SetupError, match="ethtool driver 'ovpn-dco', not in-tree ovpn's"):
        check(_Proc(), "tun0")
