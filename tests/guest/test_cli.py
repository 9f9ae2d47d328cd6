"""The shell control tool, through the README's two-namespace example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from pyharness.guest import timing
from pyharness.vm import paths


def test_readme_two_namespace_example_runs(tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    script = (paths.REPO / "scripts" / "example-two-namespaces.sh").read_text()
    # The example's peers expire after 60 s without traffic. On a slow kernel (debug build
    # under TCG) its commands alone can take longer than that before the first ping: the
    # timeout is scaled there like every other deadline (on a stock kernel: the script as is).
    timeout = round(timing.scaled(60))
    assert script.count("--keepalive 10 60") == 2
    example = tmp_path / "example.sh"
    example.write_text(script.replace("--keepalive 10 60", f"--keepalive 10 {timeout}"))
    proc = subprocess.run(
        ["bash", str(example)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.scaled(180),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 received" in proc.stdout
    assert int(re.search(r"vpn_tx_packets: (\d+)", proc.stdout).group(1)) >= 3
    assert "remote: 192.0.2.2:1194" in proc.stdout
    assert f"keepalive: 10 {timeout}" in proc.stdout
    for _ in range(round(timing.scaled(50))):  # the daemons leave with their peers
        holders = subprocess.run(["pgrep", "-f", "ovpn-dco-harness peer add"], capture_output=True, text=True)
        if holders.stdout == "":
            break
        time.sleep(0.1)
    assert holders.stdout == ""


def test_readme_shows_the_example():
    """Every command of the README's example block is one the script runs."""
    readme = (paths.REPO / "README.md").read_text()
    block = readme.split("<!-- example: scripts/example-two-namespaces.sh -->")[1].split("```")[1]
    script = (paths.REPO / "scripts" / "example-two-namespaces.sh").read_text()
    commands = [line.strip() for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert len(commands) >= 8
    for cmd in commands:
        assert cmd in script, cmd
