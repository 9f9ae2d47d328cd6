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

PING = "ip netns exec A ping -c 3 -i 0.2 -w 30 10.99.0.2"
# what a failed ping leaves in the test's output: both ends' peers, counters, sockets, kernel log
DIAGNOSE = (
    "; ".join(
        f"echo '== {ns}'; ip netns exec {ns} ovpn-dco-harness peer show ovpn0; ip -n {ns} -s link; "
        f"ip netns exec {ns} ethtool -S ovpn0; ip netns exec {ns} ss -uanp; ip netns exec {ns} nstat -az 'Udp*'"
        for ns in ("A", "B")
    )
    + "; pgrep -af 'ovpn-dco-harness'; dmesg | tail -30"
)


def test_readme_two_namespace_example_runs(tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    script = (paths.REPO / "scripts" / "example-two-namespaces.sh").read_text()
    # The example's peers expire after 60 s without an authenticated packet. Under TCG every
    # ovpn-dco-harness call starts Python (5-10 s in the guest), so the time from the first
    # peer's creation to keys on both ends (and the first keepalive between them) can near
    # a minute in a slow guest, and the peer expires before the ping: CI saw 147 pings, 0
    # replies. The test gives the peers 5 minutes (scaled on a debug kernel); the keepalive
    # itself is tests/guest/test_keepalive.py's.
    timeout = round(timing.scaled(300))
    assert script.count("--keepalive 10 60") == 2
    example = tmp_path / "example.sh"
    script = script.replace("--keepalive 10 60", f"--keepalive 10 {timeout}")
    assert script.count(PING) == 1
    example.write_text(script.replace(PING, f"{PING} || {{ set +e; {DIAGNOSE}; exit 1; }}"))
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
