"""The shell line that loads the module in a guest: modprobe only what is not built in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pyharness.cli.host import load_module_line


@pytest.mark.parametrize(("depends", "expected"), [("", ["insmod m.ko"]), ("udp_tunnel,ip6_udp_tunnel", None)])
def test_modprobe_runs_only_with_dependencies(tmp_path: Path, depends: str, expected: list[str] | None) -> None:
    log = tmp_path / "calls"
    for tool, line in (("modinfo", f"echo '{depends}'"), ("modprobe", f'echo "modprobe $*" >> {log}')):
        (tmp_path / tool).write_text(f"#!/bin/sh\n{line}\n")
        (tmp_path / tool).chmod(0o755)
    (tmp_path / "insmod").write_text(f'#!/bin/sh\necho "insmod $*" >> {log}\n')
    (tmp_path / "insmod").chmod(0o755)
    proc = subprocess.run(
        ["bash", "-c", load_module_line("m.ko")], env={"PATH": f"{tmp_path}:/usr/bin:/bin"}, capture_output=True
    )
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    # the debug kernel has the UDP tunnel helpers built in: no modprobe without arguments (an error)
    assert calls == (expected or ["modprobe -a udp_tunnel ip6_udp_tunnel", "insmod m.ko"])
