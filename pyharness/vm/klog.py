"""The guest kernel's log: recorded in the guest, checked on the host for splats.

``findings(text)`` finds every report a debug kernel prints when something is
wrong - WARN, BUG, oops, panic, KASAN, KFENCE, UBSAN, lockdep, RCU, hung
task, soft lockup, refcount/ref_tracker leaks, kmemleak - and returns each
with its title line and the splat itself.

In the guest (the plugin wraps a debug-kernel session with these):

    python -m pyharness.vm.klog start RUNDIR    # kmemleak baseline, then record /dev/kmsg to RUNDIR/kmsg.txt
    python -m pyharness.vm.klog finish RUNDIR   # unload ovpn-dco, kmemleak scan twice, report to RUNDIR/kmemleak.txt

On the host, ``session_findings(RUNDIR, console)`` checks the recorded log,
the kmemleak report and the console output (which alone survives a panic).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

KMSG = "kmsg.txt"
KMEMLEAK = "kmemleak.txt"
FINISHED = "finished.txt"
RECORDER_PID = "recorder.pid"
KMEMLEAK_FILE = Path("/sys/kernel/debug/kmemleak")
# kmemleak reports an object only once it is older than 5 s (and unreferenced at two scans)
KMEMLEAK_MIN_AGE = 6.0
MAX_LINES = 80

# A timestamp "[   12.345678]" and a caller id "[  T123]" / "[    C0]" before the message.
_PREFIX = re.compile(r"^(?:<\d+>)?(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*[TC]\d+\]\s?)?")
# (kind, header) in order: the first that matches a line names the finding.
_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx))
    for kind, rx in (
        ("KASAN", r"^BUG: KASAN: "),
        ("KFENCE", r"^BUG: KFENCE: "),
        ("UBSAN", r"^UBSAN: "),
        (
            "lockdep",
            r"^(WARNING: (possible circular locking|possible recursive locking|inconsistent lock state|"
            r"possible irq lock inversion|.*-safe -> .*-unsafe lock order|bad unlock balance|bad contention|"
            r"held lock freed|lock held when returning|lock held at task exit|Nested lock was not taken|"
            r"Illegal lock usage|chain_key collision)|BUG: MAX_LOCKDEP|BUG: MAX_STACK_TRACE_ENTRIES|"
            r"INFO: trying to register non-static key)",
        ),
        ("RCU", r"^(WARNING: suspicious RCU usage|rcu: INFO: rcu_\w+ detected|INFO: rcu_\w+ detected)"),
        ("WARN", r"^WARNING: (CPU: \d+ PID: \d+ at |at )"),
        ("lockup", r"^watchdog: BUG: soft lockup|^NMI watchdog: Watchdog detected hard LOCKUP"),
        ("hung task", r"^INFO: task .* blocked for more than"),
        ("BUG", r"^(BUG: |kernel BUG at )"),
        ("Oops", r"^(Oops: |general protection fault)"),
        ("panic", r"^Kernel panic - not syncing"),
        ("ref_tracker", r"^leaked reference\.|^ref_tracker: .* has \d+/\d+ users"),
        ("refcount", r"^unregister_netdevice: waiting for .* to become free"),
        (
            "kmemleak",
            r"^unreferenced object 0x[0-9a-f]+ \(size \d+\):|^kmemleak: \d+ new suspected memory leaks|"
            r"^kmemleak: Kernel memory leak detector disabled",
        ),
    )
)
# Lines that open a report before its title line.
_OPENERS = re.compile(r"^(=+|-+\[ cut here \]-+)$")
_CLOSERS = re.compile(r"^(=+|---\[ end trace [0-9a-f]+ \]---|---\[ end Kernel panic .*)$")


@dataclass(frozen=True)
class Finding:
    """One report in a kernel log."""

    kind: str  # KASAN, UBSAN, lockdep, RCU, WARN, BUG, Oops, panic, kmemleak, ...
    title: str  # the report's title line
    text: str  # the report, up to MAX_LINES lines

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}\n{self.text}"


def clean_lines(text: str) -> list[str]:
    """The log's lines without timestamps, caller ids or carriage returns."""
    return [_PREFIX.sub("", line.rstrip("\r\n").replace("\r", "")) for line in text.splitlines()]


def _kind(line: str) -> str | None:
    for kind, rx in _HEADERS:
        if rx.search(line):
            return kind
    return None


def findings(text: str) -> list[Finding]:
    """Every report in a kernel log (dmesg, console or kmemleak output), in order."""
    lines = clean_lines(text)
    heads = [(i, k) for i, line in enumerate(lines) if (k := _kind(line)) is not None]
    found = []
    for n, (i, kind) in enumerate(heads):
        start = i
        # a "cut here" or "=====" line just before the title belongs to the report
        for j in range(i - 1, max(i - 4, -1), -1):
            if _OPENERS.match(lines[j].strip()):
                start = j
                break
        nxt = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        end = min(nxt, i + MAX_LINES, len(lines))
        for j in range(i + 1, end):
            if _CLOSERS.match(lines[j].strip()):
                end = j + 1
                break
            if kind == "kmemleak" and not lines[j].strip():
                end = j
                break
        found.append(Finding(kind, lines[i].strip(), "\n".join(lines[start:end]).rstrip()))
    return found


def merge(*groups: list[Finding]) -> list[Finding]:
    """Findings of several sources of the same log, each report once (by kind and title)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for group in groups:
        for f in group:
            if (f.kind, f.title) not in seen:
                seen.add((f.kind, f.title))
                out.append(f)
    return out


def session_findings(rundir: Path, console: str) -> tuple[list[Finding], list[str]]:
    """Findings of a debug-kernel guest session, and what the session failed to record."""
    problems: list[str] = []

    def read(name: str, missing: str) -> list[Finding]:
        path = rundir / name
        if path.exists():
            return findings(path.read_text(errors="replace"))
        problems.append(f"no {name}: {missing}")
        return []

    recorded = read(KMSG, "the guest never started recording its kernel log")
    leaks = read(KMEMLEAK, "the guest session did not reach its kmemleak scan")
    finished = rundir / FINISHED
    if finished.exists():
        problems += [line for line in finished.read_text().splitlines() if line.startswith("error:")]
    return merge(recorded, leaks, findings(console)), problems


# ----- guest side -----


def _mount_debugfs() -> None:
    if not KMEMLEAK_FILE.parent.joinpath("kmemleak").exists():
        subprocess.run(["mount", "-t", "debugfs", "none", str(KMEMLEAK_FILE.parent)], check=False)


def _kmemleak(cmd: str) -> None:
    KMEMLEAK_FILE.write_text(cmd + "\n")


def record(out: Path) -> None:
    """Copy /dev/kmsg (from the first record) to ``out`` until killed; each line is flushed."""
    fd = os.open("/dev/kmsg", os.O_RDONLY)
    with open(out, "a", encoding="utf-8", errors="replace") as fh:
        while True:
            try:
                rec = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten before we read it: say so, go on
                    fh.write("klog: records lost (kmsg buffer overrun)\n")
                    continue
                raise
            head, _, msg = rec.decode(errors="replace").partition(";")
            # continuation lines (" KEY=value") are dictionary data, not text
            text = msg.split("\n", 1)[0]
            fh.write(text + "\n")
            fh.flush()


def start(rundir: Path) -> None:
    """Before the tests: forget leaks that predate them, start recording the log."""
    _mount_debugfs()
    if KMEMLEAK_FILE.exists():
        _kmemleak("scan")
        _kmemleak("clear")  # boot-time reports are not ours
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyharness.vm.klog", "record", str(rundir / KMSG)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    (rundir / RECORDER_PID).write_text(f"{proc.pid}\n")


def finish(rundir: Path, module: str = "ovpn_dco") -> None:
    """After the tests: unload the module, scan for leaks twice, save the report, stop recording."""
    notes = []
    if Path("/sys/module", module).exists():
        rc = subprocess.run(["rmmod", module], capture_output=True, text=True, check=False)
        if rc.returncode != 0:
            notes.append(f"error: rmmod {module} at the end of the session failed: {rc.stderr.strip()}")
    if KMEMLEAK_FILE.exists():
        try:
            _kmemleak("scan")
            time.sleep(KMEMLEAK_MIN_AGE)
            _kmemleak("scan")
            (rundir / KMEMLEAK).write_text(KMEMLEAK_FILE.read_text())
        except OSError as exc:  # kmemleak turns itself off on internal errors
            notes.append(f"error: kmemleak: {exc}")
    else:
        notes.append(f"error: {KMEMLEAK_FILE} does not exist (kmemleak off or disabled itself)")
    time.sleep(1.0)  # let the recorder catch up
    pidfile = rundir / RECORDER_PID
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            notes.append("error: the kernel log recorder had died")
    (rundir / FINISHED).write_text("".join(n + "\n" for n in notes) or "ok\n")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "record":
        record(Path(argv[1]))
    elif len(argv) == 2 and argv[0] == "start":
        start(Path(argv[1]))
    elif len(argv) == 2 and argv[0] == "finish":
        finish(Path(argv[1]))
    elif len(argv) == 1 and argv[0] == "check":
        found = findings(sys.stdin.read())
        for f in found:
            print(f, end="\n\n")
        return 1 if found else 0
    else:
        print(
            "usage: python -m pyharness.vm.klog {start RUNDIR|finish RUNDIR|record FILE|check < LOG}", file=sys.stderr
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
