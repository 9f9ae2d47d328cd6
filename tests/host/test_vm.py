"""The VM runner: accelerator choice, command status and output, bounded runs."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pyharness.vm import kernels, paths, vng


@pytest.fixture(scope="module")
def kernel(target_kernel) -> kernels.Kernel:
    return target_kernel


def test_tcg_disables_kvm_in_vng(kernel):
    assert "--disable-kvm" in vng.GuestVM(kernel, accel="tcg").command("true")
    assert "--disable-kvm" not in vng.GuestVM(kernel, accel="kvm").command("true")


def test_accel_can_be_forced(kernel, monkeypatch):
    monkeypatch.setenv("OVPN_DCO_ACCEL", "tcg")
    assert vng.detect_accel(kernel) == "tcg"


def test_probe_result_is_one_of_the_two_accelerators(kernel, monkeypatch, tmp_path):
    monkeypatch.delenv("OVPN_DCO_ACCEL", raising=False)
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path))
    start = time.monotonic()
    accel = vng.detect_accel(kernel)
    assert accel in ("kvm", "tcg")
    assert time.monotonic() - start < vng.PROBE_SECONDS + 15
    assert (tmp_path / f"accel-{vng.boot_id()}").read_text().strip() == accel


def test_guest_command_status_and_output(kernel, monkeypatch):
    """The command's stdout and stderr are its output; the kernel's console is kept apart."""
    monkeypatch.delenv(vng.VERBOSE_ENV, raising=False)
    lines: list[str] = []
    result = vng.GuestVM(kernel).run(
        "uname -r; id -u; echo to-stderr >&2; echo console-marker > /dev/kmsg; exit 7",
        timeout=300,
        on_output=lines.append,
    )
    assert result.returncode == 7
    assert not result.timed_out
    assert kernel.release in lines
    assert "0" in lines
    assert "to-stderr" in lines
    assert not any("console-marker" in line or "reboot: Power down" in line for line in lines)
    assert "console-marker" in result.console
    assert result.console.endswith("reboot: Power down")  # the console's last CONSOLE_LINES lines


def test_a_silent_guest_is_killed(kernel):
    """A command that prints nothing for ``silence`` seconds (a hung guest) does not wait for the timeout."""
    silence = round(45 * kernel.slowdown)  # a debug kernel boots in minutes, not seconds
    result = vng.GuestVM(kernel).run("echo started; sleep 3000; echo never", timeout=3600, silence=silence)
    assert result.timed_out
    assert result.returncode == 124
    assert "started" in result.output
    assert "never" not in result.output
    assert f"printed nothing for {silence} s (hung?); qemu was killed" in result.output
    assert result.seconds < 200 * kernel.slowdown


def test_a_guest_kernel_crash_is_on_the_console(kernel):
    """A guest that dies: its status says so and the oops is in RunResult.console (not lost)."""
    result = vng.GuestVM(kernel).run("echo c > /proc/sysrq-trigger; sleep 30", timeout=300)
    assert not result.ok
    assert not result.timed_out
    assert "sysrq: Trigger a crash" in result.console
    assert "Kernel panic - not syncing" in result.console


def test_long_command_runs_whole(kernel):
    """Longer than the kernel command line could carry: it must still run to the end."""
    command = "; ".join(f"echo line{i:04d}" for i in range(400))
    assert len(command) > 4096
    lines: list[str] = []
    result = vng.GuestVM(kernel).run(command, timeout=300, on_output=lines.append)
    assert result.returncode == 0
    assert [line for line in lines if line.startswith("line")] == [f"line{i:04d}" for i in range(400)]


def qemu_running(token: str) -> int:
    """Live qemu processes whose guest command contains ``token`` (other VMs on the host do not count)."""
    found = 0
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or (proc / "stat").read_text().split(") ")[-1].startswith("Z"):
                continue
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not args or b"qemu-system" not in args[0]:
            continue
        for arg in args:
            for m in re.finditer(rb"virtme.exec=`([A-Za-z0-9+/=]+)`", arg):
                if token in base64.b64decode(m.group(1)).decode(errors="replace"):
                    found += 1
    return found


def test_timeout_kills_the_guest(kernel):
    token = uuid.uuid4().hex
    result = vng.GuestVM(kernel).run(f"sleep 600; : {token}", timeout=20)
    assert result.timed_out
    assert result.returncode == 124
    assert "timed out after 20 s" in result.output
    assert result.seconds < 60
    time.sleep(1)
    assert qemu_running(token) == 0


def test_sigterm_to_the_runner_kills_the_guest(kernel):
    """A runner killed by timeout(1) or CI must not leave qemu behind."""
    token = uuid.uuid4().hex
    code = (
        f"from pyharness.matrix import resolve; from pyharness.vm import vng; "
        f"vng.GuestVM(resolve.select({kernel.release!r})).run('sleep 600; : {token}', timeout=300)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(paths.REPO))
    deadline = time.monotonic() + 60
    while qemu_running(token) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert qemu_running(token) == 1  # the guest is up
    proc.terminate()
    proc.wait(30)
    time.sleep(1)
    assert qemu_running(token) == 0
