"""Boot a kernel with virtme-ng and run a command in it as root.

Every run boots a fresh guest that sees the host's file system read-only
(virtiofs when a virtiofsd is usable, else 9p) plus writable directories
the caller names. KVM is used only when a short probe shows it really runs
a guest; otherwise (e.g. nested virtualisation that hangs) TCG is used.
Runs always end: on timeout the whole process group (vng, qemu, virtiofsd)
is killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import paths
from .kernels import Kernel

# Guests that run tests: every slab cache on its own, so that the object counts of one cache
# the leak checks compare (pyharness.races: ovpn_peer, net_namespace, ...) are exact.
TEST_ARGS = "slab_nomerge"
# Emulated q35 hardware udev would load modules for; none is needed here.
BLACKLIST = (
    "ahci,libahci,iTCO_wdt,iTCO_vendor_support,i2c_i801,lpc_ich,pcspkr,i6300esb,"
    "sr_mod,cdrom,sg,kvm_amd,kvm_intel,kvm,irqbypass,ccp,psmouse,evdev,serio_raw,joydev,bochs,drm"
)
PROBE_SECONDS = 8.0
MAX_INLINE_COMMAND = 512
C_VIRTIOFSD = Path("/usr/lib/qemu/virtiofsd")
VERBOSE_ENV = "OVPN_DCO_GUEST_CONSOLE"
CONSOLE_LINES = 400


@dataclass
class RunResult:
    """What a guest command did."""

    returncode: int
    output: str
    timed_out: bool = False
    seconds: float = 0.0
    console: str = ""  # the last CONSOLE_LINES lines of the guest kernel's console (and of vng's messages)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def probe_kvm(kernel: Kernel, seconds: float = PROBE_SECONDS) -> bool:
    """Boot ``kernel`` under KVM without a root fs; True if it prints its banner in time."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or not shutil.which("qemu-system-x86_64"):
        return False
    cmd = [
        "qemu-system-x86_64",
        "-accel",
        "kvm",
        "-M",
        "q35",
        "-cpu",
        "host",
        "-m",
        "256",
        "-display",
        "none",
        "-serial",
        "stdio",
        "-no-reboot",
        "-nodefaults",
        "-kernel",
        str(kernel.vmlinuz),
        "-append",
        "console=ttyS0 panic=-1",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    seen = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        buf = b""
        for chunk in iter(lambda: proc.stdout.read1(4096), b""):  # type: ignore[union-attr]
            buf = (buf + chunk)[-4096:]
            if b"Linux version" in buf:
                seen.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    seen.wait(seconds)
    _kill_group(proc)
    return seen.is_set()


def detect_accel(kernel: Kernel) -> str:
    """'kvm' if KVM really works here, else 'tcg'; cached per host boot."""
    forced = os.environ.get("OVPN_DCO_ACCEL")
    if forced in ("kvm", "tcg"):
        return forced
    cache = paths.cache_dir() / f"accel-{boot_id()}"
    if cache.exists():
        return cache.read_text().strip()
    accel = "kvm" if probe_kvm(kernel) else "tcg"
    cache.write_text(accel + "\n")
    return accel


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            # the group may still hold children (qemu, virtiofsd) after vng exits
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a guest ran (the guest was killed)."""


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(f"signal {signum}")


def _terminate_as_exception() -> dict[int, object]:
    """While a guest runs, SIGTERM/SIGHUP unwind (so the guest is killed) instead of exiting at once."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _raise_terminated) for sig in (signal.SIGTERM, signal.SIGHUP)}


def _restore_signals(previous: dict[int, object]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)  # type: ignore[arg-type]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(paths.python()).parent)
    extra = [bindir]
    if shutil.which("virtiofsd") is None and C_VIRTIOFSD.exists() and os.geteuid() == 0:
        extra.insert(0, str(paths.SHIMS))
        env.setdefault("OVPN_DCO_VIRTIOFSD_LOG", str(paths.cache_dir() / "virtiofsd.log"))
    env["PATH"] = os.pathsep.join(extra + [env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])
    return env


@dataclass
class GuestVM:
    """A kernel to boot and the resources of each guest."""

    kernel: Kernel
    accel: str | None = None
    memory: str = "2G"
    cpus: int = 2
    rwdirs: Sequence[Path] = field(default_factory=tuple)
    append: str = ""

    def command(self, command: str) -> list[str]:
        accel = self.accel or detect_accel(self.kernel)
        args = [
            str(Path(paths.python()).parent / "vng"),
            "-r",
            str(self.kernel.vmlinuz),
            "--user",
            "root",
            "--memory",
            self.memory,
            "--cpus",
            str(self.cpus),
        ]
        if accel == "tcg":
            args.append("--disable-kvm")
        # The kernel console always goes to vng's stderr (the command's output to its stdout):
        # when a guest dies, its last console lines (oops, panic, lockup) are in RunResult.console.
        args.append("--verbose")
        for d in self.rwdirs:
            args += ["--rwdir", str(d)]
        # no_timer_check: a loaded TCG host can make early boot slow enough for the kernel to
        # decide the emulated IO-APIC timer does not work, and panic ("IO-APIC + timer doesn't work!")
        extra = f"modprobe.blacklist={BLACKLIST} no_timer_check {self.kernel.cmdline} {self.append}"
        args += ["--append", " ".join(extra.split())]
        return args + ["--exec", command]

    def run(
        self,
        command: str,
        *,
        timeout: float,
        on_output: Callable[[str], None] | None = None,
        silence: float | None = None,
    ) -> RunResult:
        """Boot, run ``command`` as root, power off; output is streamed to ``on_output``.

        The guest is killed after ``timeout`` seconds, or once the command has printed
        nothing for ``silence`` seconds (a hung guest: its console keeps what it said).
        """
        # vng hands the command over on the kernel command line (2048 bytes at most on x86,
        # base64 encoded): anything longer would be cut. Long commands go through a script.
        if len(command) <= MAX_INLINE_COMMAND:
            return self._run(command, timeout, on_output, silence)
        fd, script = tempfile.mkstemp(prefix="guest-", suffix=".sh", dir=paths.cache_dir())
        with os.fdopen(fd, "w") as fh:
            fh.write(command + "\n")
        try:
            return self._run(f"bash {script}", timeout, on_output, silence)
        finally:
            os.unlink(script)

    def _run(
        self, command: str, timeout: float, on_output: Callable[[str], None] | None, silence: float | None
    ) -> RunResult:
        start = time.monotonic()
        proc = subprocess.Popen(
            # the command's stderr joins its stdout in the guest: vng's stderr is the console's
            self.command(f"exec 2>&1; {command}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=_environment(),
            start_new_session=True,
        )
        lines: list[str] = []
        console: deque[str] = deque(maxlen=CONSOLE_LINES)
        show_console = os.environ.get(VERBOSE_ENV) == "1"
        last_output = [time.monotonic()]

        def reader(stream: IO[bytes] | None, sink: deque[str] | list[str], show: bool) -> None:
            assert stream is not None

            def emit(raw: bytes) -> None:
                line = raw.decode(errors="replace").rstrip("\r")
                sink.append(line)
                if on_output and show:
                    on_output(line)

            pending = b""
            # chunks, not lines: pytest's progress dots count as output before their newline
            for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
                if sink is lines:
                    last_output[0] = time.monotonic()
                *complete, pending = (pending + chunk).split(b"\n")
                for raw in complete:
                    emit(raw)
            if pending:
                emit(pending)

        readers = [
            threading.Thread(target=reader, args=(proc.stdout, lines, True), daemon=True),
            threading.Thread(target=reader, args=(proc.stderr, console, show_console), daemon=True),
        ]
        for t in readers:
            t.start()
        timed_out = False
        why = f"guest command timed out after {timeout:.0f} s"
        previous = _terminate_as_exception()
        try:
            deadline = start + timeout
            while proc.poll() is None:
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                if silence is not None and now - last_output[0] >= silence:
                    timed_out = True
                    why = f"guest command printed nothing for {silence:.0f} s (hung?)"
                    break
                try:
                    proc.wait(min(1.0, deadline - now))
                except subprocess.TimeoutExpired:
                    pass
        finally:
            _kill_group(proc)
            for t in readers:
                t.join(5)
            _restore_signals(previous)
        seconds = time.monotonic() - start
        if timed_out:
            msg = f"{why}; qemu was killed"
            lines.append(msg)
            if on_output:
                on_output(msg)
            return RunResult(124, "\n".join(lines), True, seconds, "\n".join(console))
        return RunResult(proc.returncode, "\n".join(lines), False, seconds, "\n".join(console))
