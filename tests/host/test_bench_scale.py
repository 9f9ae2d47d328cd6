"""make bench-scale: the figures' arithmetic and the README block it writes."""

from __future__ import annotations

import pytest

from pyharness.bench import scale, scale_guest, scale_run

MEMINFO = """MemTotal:        2000000 kB
Slab:              10000 kB
SReclaimable:       4000 kB
VmallocUsed:        2000 kB
Percpu:              500 kB
"""

RESULT = {
    "release": "6.1.0-57-amd64",
    "possible_cpus": 64,
    "online_cpus": 2,
    "peers": 100_000,
    "add_seconds": 20.0,
    "dump_seconds": 70.5,
    "del_seconds": 25.25,
    "bytes_per_peer": 352.4,
    "leaked_bytes": 81_920,
    "lookup_cost": [
        {"direction": "send", "extra_us": 0.05, "call_us": 2.5, "share": 0.02},
        {"direction": "receive", "extra_us": 0.2, "call_us": 2.0, "share": 0.1},
    ],
    "accel": "tcg",
    "date": "2026-12-06T12:00:00Z",
}


def test_kernel_memory_counts_slab_vmalloc_and_per_cpu():
    assert scale.kernel_memory(MEMINFO) == (10000 + 2000 + 500) * 1024


@pytest.mark.parametrize(("text", "n"), [("0-63", 64), ("0", 1), ("0,2-3", 3), ("0-1,4-7", 6)])
def test_cpu_lists_are_counted(text, n):
    assert scale_guest.count_cpus(text) == n


def test_table_states_each_figure_and_each_target():
    t = scale_run.table("bookworm", RESULT)
    assert "2 vCPUs online, 64 possible" in t
    assert "| add 100,000 peers | 20.00 s (5,000 peers/s) |" in t
    assert "| delete all | 25.25 s |" in t
    assert "352 bytes (target <= 400: met)" in t
    assert "+80 KiB vs before adding" in t
    assert "+0.050 us of a 2.50 us call = +2.0% (target <= 5%: met)" in t
    assert "+0.200 us of a 2.00 us call = +10.0% (target <= 5%: NOT met)" in t


def test_readme_block_is_replaced_and_the_rest_kept():
    text = f"intro\n{scale_run.BEGIN}\nold\n{scale_run.END}\noutro\n"
    out = scale_run.render_readme(text, {"bookworm": RESULT})
    assert out.startswith(f"intro\n{scale_run.BEGIN}\nbookworm (6.1.0-57-amd64)")
    assert out.endswith(f"{scale_run.END}\noutro\n")
    assert "old" not in out
    assert scale_run.render_readme(out, {"bookworm": RESULT}) == out


def test_readme_without_the_block_is_an_error():
    with pytest.raises(ValueError, match="bench-scale:begin"):
        scale_run.render_readme("no block here\n", {})


def test_the_readme_has_the_block():
    scale_run.render_readme(scale_run.README.read_text(), scale_run.load())


def test_guest_command_loads_the_module_and_passes_the_options(tmp_path):
    import argparse

    args = argparse.Namespace(peers=100_000, rounds=3, seconds=5.0)
    cmd = scale_run.guest_command(tmp_path / "ovpn-dco.ko", tmp_path / "out.json", args)
    assert "-m pyharness.bench.scale_guest --module" in cmd
    assert "--peers 100000 --rounds 3 --seconds 5.0" in cmd
