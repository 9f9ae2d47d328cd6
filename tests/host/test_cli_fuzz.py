"""make fuzz: the guest command tells the fuzzers how slow the kernel is."""

from __future__ import annotations

import argparse
from pathlib import Path

from pyharness.cli import host


def args(seed: int | None = None) -> argparse.Namespace:
    return argparse.Namespace(messages=100000, udp=100000, tcp=20000, family="dco", seed=seed)


def test_fuzz_command_passes_the_slowdown_and_the_counts() -> None:
    cmd = host.fuzz_command("/m/ovpn-dco.ko", Path("/out"), args(), 4.0)
    assert "insmod /m/ovpn-dco.ko && env OVPN_DCO_SLOWDOWN=4.0 " in cmd
    counts = "--messages 100000 --udp 100000 --tcp 20000"
    assert cmd.endswith(f"-m pyharness.fuzz.run {counts} --json /out/results.json --family dco")


def test_fuzz_command_replays_a_seed() -> None:
    assert host.fuzz_command("/m/ovpn-dco.ko", Path("/out"), args(seed=1234), 1.0).endswith(" --seed 1234")
