"""The debug kernel really debugs: KASAN, UBSAN, kmemleak, lockdep and panic on WARN are on.

Marked debug_kernel: only `make check-debug` (--kernel debug) runs these; on any other
kernel the plugin deselects them and says so.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pyharness.matrix import debugkernel
from pyharness.vm import klog

pytestmark = pytest.mark.debug_kernel


def running_config() -> dict[str, str]:
    values = {}
    for line in gzip.decompress(Path("/proc/config.gz").read_bytes()).decode().splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            name, value = line[len("CONFIG_") :].split("=", 1)
            values[name] = value
    return values


@pytest.mark.parametrize("option", debugkernel.DEBUG_OPTIONS)
def test_running_kernel_has(option):
    assert running_config().get(option) == "y"


def test_kmemleak_is_active():
    assert klog.KMEMLEAK_FILE.exists()
    klog.KMEMLEAK_FILE.read_text()  # readable: kmemleak did not disable itself


def test_lockdep_is_active():
    assert Path("/proc/lockdep").exists()
    assert Path("/proc/sys/kernel/prove_locking").read_text().strip() == "1"


def test_warn_and_oops_panic():
    assert Path("/proc/sys/kernel/panic_on_warn").read_text().strip() == "1"
    assert Path("/proc/sys/kernel/panic_on_oops").read_text().strip() == "1"


@pytest.mark.parametrize("symbol", ["kasan_report", "__ubsan_handle_shift_out_of_bounds", "debug_object_init"])
def test_sanitizer_runtime_is_in_the_kernel(symbol):
    names = {line.split()[2] for line in Path("/proc/kallsyms").read_text().splitlines()}
    assert symbol in names
