"""OpenVPN 2.7 for the guest: the host installs it in the sid chroot once, the guest is told where it is."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from pyharness import plugin
from pyharness.matrix import openvpn27
from pyharness.openvpn import program
from pyharness.vm import chroot, vng
from tests.host.test_plugin import FAKE_KERNEL, guest_command_files, run_with_fake_guest

pytest_plugins = ["pytester"]

DPKG_STATUS = """Package: libc6
Status: install ok installed
Version: 2.42-1

Package: openvpn
Status: install ok installed
Priority: optional
Version: 2.7.8-1
Description: virtual private network daemon
 Version: 9.9 (a description line, not a field)
"""


@pytest.fixture
def downloads(tmp_path, monkeypatch) -> Path:
    """The matrix lock lives in the downloads directory: keep it in tmp_path."""
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path))
    monkeypatch.setenv("OVPN_DCO_DOWNLOADS", str(tmp_path))
    return tmp_path


class FakeApt:
    """Stands for debootstrap and apt-get: records calls, "installs" by creating the binary."""

    def __init__(self, root: Path, creates_binary: bool = True) -> None:
        self.root = root
        self.creates_binary = creates_binary
        self.chroots: list[str] = []
        self.installs: list[list[str]] = []

    def make_chroot(self, suite: str) -> Path:
        self.chroots.append(suite)
        self.root.mkdir(exist_ok=True)
        return self.root

    def install(self, root: Path, packages: list[str]) -> None:
        assert root == self.root
        self.installs.append(list(packages))
        if self.creates_binary:
            binary = root / "usr" / "sbin" / "openvpn"
            binary.parent.mkdir(parents=True, exist_ok=True)
            binary.write_text("#!/bin/sh\n")


def test_ensure_installs_openvpn_in_the_sid_chroot_once(downloads, tmp_path):
    apt = FakeApt(tmp_path / "sid")
    assert openvpn27.ensure(apt.make_chroot, apt.install) == apt.root
    assert openvpn27.ensure(apt.make_chroot, apt.install) == apt.root
    assert apt.chroots == ["sid", "sid"]
    assert apt.installs == [["openvpn"]]
    assert (downloads / "matrix.lock").exists()  # under the matrix's lock


def test_ensure_fails_when_the_install_left_no_openvpn(downloads, tmp_path):
    apt = FakeApt(tmp_path / "sid", creates_binary=False)
    with pytest.raises(chroot.ChrootError, match="left no /usr/sbin/openvpn"):
        openvpn27.ensure(apt.make_chroot, apt.install)


def test_version_reads_dpkgs_database(tmp_path):
    status = tmp_path / "var" / "lib" / "dpkg" / "status"
    status.parent.mkdir(parents=True)
    status.write_text(DPKG_STATUS)
    assert openvpn27.version(tmp_path) == "2.7.8-1"
    status.write_text(DPKG_STATUS.replace("install ok installed\nPriority", "deinstall ok config-files\nPriority"))
    assert openvpn27.version(tmp_path) == ""


def test_openvpn26_runs_the_guests_own_binary_as_before(tmp_path):
    conf = tmp_path / "a.conf"
    assert program.DEBIAN12.argv("ns0", conf, tmp_path) == [
        "ip",
        "netns",
        "exec",
        "ns0",
        "/usr/sbin/openvpn",
        "--config",
        str(conf),
    ]
    lines = [f"cert {tmp_path}/a.crt", "verb 4"]
    assert program.DEBIAN12.config_text(lines, tmp_path) == "\n".join(lines) + "\n"
    assert program.DEBIAN12.dco_kind == "ovpn-dco"


def test_openvpn27_runs_chrooted_with_the_lab_at_mnt(tmp_path, monkeypatch):
    root = tmp_path / "sid"
    (root / "usr" / "sbin").mkdir(parents=True)
    (root / "usr" / "sbin" / "openvpn").write_text("")
    monkeypatch.setenv(program.ROOT_ENV, str(root))
    prog = program.by_version("2.7")
    assert (prog.version, prog.root, prog.dco_kind) == ("2.7", root, "ovpn")
    lab = tmp_path / "openvpn-x1"
    argv = prog.argv("ns0", lab / "a.conf", lab)
    assert argv[:9] == ["ip", "netns", "exec", "ns0", "unshare", "-m", "--propagation", "private", "sh"]
    steps = argv[10].split(" && ")
    assert steps == [
        f"mount --bind {lab} {root}/mnt",
        f"mount --bind /dev {root}/dev",
        f"mount -t proc proc {root}/proc",
        f"mount --rbind /sys {root}/sys",
        "export TMPDIR=/mnt",
        f"exec chroot {root} /usr/sbin/openvpn --config /mnt/a.conf",
    ]
    assert shlex.split(steps[-1])[0] == "exec"
    text = prog.config_text([f"cert {lab}/a.crt", f"status {lab}/a.status 1", "verb 4"], lab)
    assert text == "cert /mnt/a.crt\nstatus /mnt/a.status 1\nverb 4\n"


def test_openvpn27_needs_a_prepared_chroot(tmp_path, monkeypatch):
    monkeypatch.delenv(program.ROOT_ENV, raising=False)
    with pytest.raises(program.ProgramNotFound, match=program.ROOT_ENV):
        program.openvpn27()
    with pytest.raises(program.ProgramNotFound, match="no /usr/sbin/openvpn"):
        program.openvpn27(str(tmp_path))


OPENVPN27_TESTS = """
import pytest

pytestmark = pytest.mark.guest

@pytest.mark.openvpn27
def test_p2p():
    pass

@pytest.mark.openvpn27_full
def test_long():
    pass

def test_other():
    pass
"""


def guest_recording(commands: list[str]) -> type:
    """A fake guest that passes every test it is given and keeps its command lines."""

    class Guest:
        def __init__(self, kernel: object, rwdirs: list[Path], append: str = "") -> None:
            self.accel = "tcg"

        def run(self, command: str, *, timeout: float, on_output: object, silence: float) -> vng.RunResult:
            commands.append(command)
            results, ids = guest_command_files(command)
            with results.open("a") as fh:
                for nodeid in ids:
                    fh.write(json.dumps({"nodeid": nodeid, "when": "call", "outcome": "passed", "longrepr": ""}) + "\n")
            return vng.RunResult(0, "", False, 1.0, "")

    return Guest


@pytest.mark.parametrize(("args", "ran"), [((), 2), (("--openvpn27-full",), 3)], ids=["default", "full"])
def test_plugin_prepares_openvpn27_and_tells_the_guest_where(pytester, monkeypatch, tmp_path, args, ran):
    pytester.makepyfile(test_o27=OPENVPN27_TESTS)
    prepared: list[Path] = []

    def ensure() -> Path:
        prepared.append(tmp_path / "sid")
        return prepared[-1]

    monkeypatch.setattr(plugin.openvpn27, "ensure", ensure)
    monkeypatch.setattr(plugin.openvpn27, "version", lambda root: "2.7.8-1")
    monkeypatch.setattr(type(FAKE_KERNEL), "config_value", lambda self, name: "n", raising=False)
    commands: list[str] = []
    result = run_with_fake_guest(pytester, monkeypatch, guest_recording(commands), *args)
    result.assert_outcomes(passed=ran, deselected=3 - ran)
    assert prepared == [tmp_path / "sid"]
    assert f"{program.ROOT_ENV}={tmp_path / 'sid'}" in commands[0]
    result.stdout.fnmatch_lines([f"*OpenVPN 2.7 is openvpn 2.7.8-1 in {tmp_path / 'sid'}*"])
    if not args:
        result.stdout.fnmatch_lines(["*deselected 1 tests marked openvpn27_full (run: make test-openvpn27)*"])


def test_plugin_leaves_the_chroot_alone_without_openvpn27_tests(pytester, monkeypatch):
    pytester.makepyfile(test_o27=OPENVPN27_TESTS)
    monkeypatch.setattr(plugin.openvpn27, "ensure", lambda: pytest.fail("prepared OpenVPN 2.7 for no test"))
    monkeypatch.setattr(type(FAKE_KERNEL), "config_value", lambda self, name: "n", raising=False)
    commands: list[str] = []
    result = run_with_fake_guest(pytester, monkeypatch, guest_recording(commands), "-k", "other")
    result.assert_outcomes(passed=1, deselected=2)
    assert program.ROOT_ENV not in commands[0]


@pytest.mark.parametrize(("config_ovpn", "noted"), [("m", True), ("y", True), ("n", False)])
def test_plugin_says_when_openvpn27_gets_the_in_tree_driver(pytester, monkeypatch, tmp_path, config_ovpn, noted):
    pytester.makepyfile(test_o27=OPENVPN27_TESTS)
    monkeypatch.setattr(plugin.openvpn27, "ensure", lambda: tmp_path)
    monkeypatch.setattr(plugin.openvpn27, "version", lambda root: "2.7.8-1")
    monkeypatch.setattr(
        type(FAKE_KERNEL), "config_value", lambda self, name: {"OVPN": config_ovpn}[name], raising=False
    )
    result = run_with_fake_guest(pytester, monkeypatch, guest_recording([]))
    result.assert_outcomes(passed=2, deselected=1)
    lines = [line for line in result.outlines if "run against the in-tree ovpn driver of 6.1-test" in line]
    assert len(lines) == (1 if noted else 0)
