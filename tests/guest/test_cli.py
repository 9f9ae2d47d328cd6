"""The shell control tool, through the README's two-namespace example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from pyharness import paths, timing


def test_readme_two_namespace_example_runs():
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    proc = subprocess.run(
        ["bash", str(paths.REPO / "scripts" / "example-two-namespaces.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.scaled(180),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 received" in proc.stdout
    assert int(re.search(r"vpn_tx_packets: (\d+)", proc.stdout).group(1)) >= 3
    assert "remote: 192.0.2.2:1194" in proc.stdout
    assert "keepalive: 10 60" in proc.stdout
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
