"""The VM runner: accelerator choice, command status and output, bounded runs."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pyharness import kernels, paths, vm


@pytest.fixture(scope="module")
def kernel(target_kernel) -> kernels.Kernel:
    return target_kernel


def test_tcg_disables_kvm_in_vng(kernel):
    assert "--disable-kvm" in vm.GuestVM(kernel, accel="tcg").command("true")
    assert "--disable-kvm" not in vm.GuestVM(kernel, accel="kvm").command("true")


def test_accel_can_be_forced(kernel, monkeypatch):
    monkeypatch.setenv("OVPN_DCO_ACCEL", "tcg")
    assert vm.detect_accel(kernel) == "tcg"


def test_probe_result_is_one_of_the_two_accelerators(kernel, monkeypatch, tmp_path):
    monkeypatch.delenv("OVPN_DCO_ACCEL", raising=False)
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path))
    start = time.monotonic()
    accel = vm.detect_accel(kernel)
    assert accel in ("kvm", "tcg")
    assert time.monotonic() - start < vm.PROBE_SECONDS + 15
    assert (tmp_path / f"accel-{vm._boot_id()}").read_text().strip() == accel


def test_guest_command_status_and_output(kernel):
    lines: list[str] = []
    result = vm.GuestVM(kernel).run("uname -r; id -u; exit 7", timeout=300, on_output=lines.append)
    assert result.returncode == 7
    assert not result.timed_out
    assert kernel.release in lines
    assert "0" in lines


def test_long_command_runs_whole(kernel):
    """Longer than the kernel command line could carry: it must still run to the end."""
    command = "; ".join(f"echo line{i:04d}" for i in range(400))
    assert len(command) > 4096
    lines: list[str] = []
    result = vm.GuestVM(kernel).run(command, timeout=300, on_output=lines.append)
    assert result.returncode == 0
    assert [line for line in lines if line.startswith("line")] == [f"line{i:04d}" for i in range(400)]


def qemu_count() -> int:
    """Live (not zombie) qemu processes."""
    out = subprocess.run(["ps", "-eo", "stat=,comm="], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if "qemu-system" in line and not line.startswith("Z"))


def test_timeout_kills_the_guest(kernel):
    before = qemu_count()
    result = vm.GuestVM(kernel).run("sleep 600", timeout=20)
    assert result.timed_out
    assert result.returncode == 124
    assert "timed out after 20 s" in result.output
    assert result.seconds < 60
    time.sleep(1)
    assert qemu_count() == before


def test_sigterm_to_the_runner_kills_the_guest(kernel):
    """A runner killed by timeout(1) or CI must not leave qemu behind."""
    before = qemu_count()
    code = "from pyharness import kernels, vm; vm.GuestVM(kernels.select()).run('sleep 600', timeout=300)"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(paths.REPO))
    time.sleep(8)
    assert qemu_count() > before  # the guest is up
    proc.terminate()
    proc.wait(30)
    time.sleep(1)
    assert qemu_count() == before
