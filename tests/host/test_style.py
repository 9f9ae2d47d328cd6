"""Kernel style: checkpatch --strict, kernel-doc, version tests only in compat.h."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from pyharness import checkpatch
from pyharness.vm import paths

CHECKPATCH = paths.REPO / "scripts" / "checkpatch.sh"


def run_checkpatch(src=None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if src is not None:
        env["OVPN_DCO_CHECKPATCH_SRC"] = str(src)
    return subprocess.run(["bash", str(CHECKPATCH)], capture_output=True, text=True, env=env)


def test_checkpatch_strict_is_clean():
    proc = run_checkpatch()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the accepted findings (one per checkpatch.allow entry), and nothing else
    assert proc.stdout.splitlines()[-1] == "checkpatch.sh: 0 finding(s) fail, 2 accepted by checkpatch.allow"


def test_checkpatch_fails_on_a_finding_of_an_accepted_type_elsewhere(tmp_path):
    src = tmp_path / "kernel"
    shutil.copytree(paths.KERNEL_SRC, src)
    with open(src / "udp.c", "a") as fh:
        fh.write("\nstatic struct proto_ops ovpn_not_const;\n")
    proc = run_checkpatch(src)
    assert proc.returncode == 1
    (finding,) = [line for line in proc.stdout.splitlines() if line.startswith("./")]
    assert re.match(r"\./udp\.c:\d+: WARNING:CONST_STRUCT:", finding), proc.stdout


def test_checkpatch_fails_when_an_accepted_finding_is_gone(tmp_path):
    src = tmp_path / "kernel"
    shutil.copytree(paths.KERNEL_SRC, src)
    tcp = src / "tcp_sock.c"
    tcp.write_text(tcp.read_text().replace("\tstruct proto_ops ops;\t/* filled at run time */", "\tint ops;"))
    proc = run_checkpatch(src)
    assert proc.returncode == 1
    assert "checkpatch.allow: no finding matches tcp_sock.c CONST_STRUCT" in proc.stdout


def test_allow_entries_name_file_type_and_line_text():
    entries = checkpatch.parse_allow((paths.REPO / "scripts" / "checkpatch.allow").read_text())
    assert entries == [
        checkpatch.Allowed("tcp_sock.c", "CONST_STRUCT", "struct proto_ops ops; /* filled at run time */"),
        checkpatch.Allowed("netlink_ovpn_peer.c", "CAMELCASE", "(type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_COMPATv4))) {"),
    ]


def test_judge_matches_the_line_text_not_the_line_number(tmp_path):
    (tmp_path / "a.c").write_text("int x;\nstruct proto_ops ops;\nstruct proto_ops other;\n")
    allow = [checkpatch.Allowed("a.c", "CONST_STRUCT", "struct proto_ops ops;")]
    out = (
        "./a.c:2: WARNING:CONST_STRUCT: struct proto_ops should normally be const\n"
        "./a.c:3: WARNING:CONST_STRUCT: struct proto_ops should normally be const\n"
        "./a.c:1: CHECK:OTHER: something\n"
    )
    failing, allowed, stale = checkpatch.judge(out, allow, tmp_path)
    assert allowed == [out.splitlines()[0]]
    assert failing == out.splitlines()[1:]
    assert stale == []


def kernel_sources(pattern: str) -> list:
    """Every kernel source matching ``pattern``, in kernel/ and its subdirectories (selftest/)."""
    return sorted(paths.KERNEL_SRC.rglob(pattern))


def test_version_checks_only_in_compat_h():
    offenders = [
        str(p.relative_to(paths.KERNEL_SRC))
        for p in kernel_sources("*.[ch]")
        if p.relative_to(paths.KERNEL_SRC) != Path("compat.h") and "LINUX_VERSION_CODE" in p.read_text()
    ]
    assert offenders == []


def test_style_checks_see_the_selftests():
    assert paths.KERNEL_SRC / "selftest" / "pktid.c" in kernel_sources("*.c")


def test_every_non_static_function_has_kernel_doc():
    missing = []
    for src in kernel_sources("*.c"):
        text = src.read_text()
        for m in re.finditer(r"^(?!static)(?:[a-z_]+ )+\**(\w+)\(.*?\)\n\{", text, flags=re.M | re.S):
            name = m.group(1)
            if not re.search(rf"/\*\*\n \* {name}\b", text):
                missing.append(f"{src.relative_to(paths.KERNEL_SRC)}: {name}")
    assert missing == []
