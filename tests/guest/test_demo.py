"""The README's main job (make demo) runs its OpenVPN part in the guest: it must keep working."""

from __future__ import annotations

import subprocess
import sys


def test_demo_shows_an_offloaded_openvpn_tunnel():
    proc = subprocess.run([sys.executable, "-m", "pyharness.openvpn.demo"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.count("[ok]") == 10 and "FAILED" not in out
    assert "DCO device tun0 opened" in out
    assert out.count("ovpn-dco addrgenmode") == 2  # ip -d link: kind ovpn-dco on both ends
    assert "5 packets transmitted, 5 received" in out
    assert "Mbit/s" in out
    assert out.rstrip().endswith("demo: OK")
