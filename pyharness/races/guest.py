"""Race tests' tools, in the guest: flood traffic, concurrent loops, leak checks, figures.

A race test snapshots the kernel's state (module refcount, the slab caches
that peers, sockets and namespaces live in, ovpn-dco devices) before it
starts, runs its loops concurrently with flood pings through the device,
tears everything down, then waits for the state to return to the snapshot.
``OVPN_DCO_RACES_SCALE`` multiplies the iteration counts (``make races``);
``OVPN_DCO_RACES_JSON`` names a file each test appends its figures to.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..guest import module, timing
from ..netlink import genl, rtnl

SCALE_ENV = "OVPN_DCO_RACES_SCALE"
JSON_ENV = "OVPN_DCO_RACES_JSON"
SLAB = Path("/sys/kernel/slab")
KMEMLEAK = Path("/sys/kernel/debug/kmemleak")
# Slab caches whose objects the races create: peers, UDP/TCP sockets, namespaces.
# Allowed excess after teardown (other users of a cache; ovpn_peer may be merged).
NETNS = "net_namespace"
CACHES = {"ovpn_peer": 0, "UDP": 4, "UDPv6": 4, "TCP": 4, "TCPv6": 4, NETNS: 0}
MERGED_TOLERANCE = 64
# Kernel log lines of a leak or a hang (BUG/WARN/refcount are caught by conftest).
LEAK_LOG = re.compile(r"unregister_netdevice: waiting for|kmemleak|leak", re.I)


def scale() -> int:
    """How many times the default iteration counts a run multiplies (>= 1)."""
    return max(1, int(os.environ.get(SCALE_ENV, "1")))


def iterations(default: int) -> int:
    return default * scale()


class Flood:
    """``ping -f`` with packets preloaded in flight, from ``ns`` to ``target``, until stop().

    Without -q, flood ping writes a dot per request sent (and a backspace per
    reply) straight to stdout: a reader thread drains it, and the first dot
    tells that the flood really runs (starting a process can take a while on
    a busy emulated guest; a SIGINT before ping set up its handler would kill
    it without statistics).
    """

    def __init__(self, ns: str, target: str, size: int = 56, preload: int = 16) -> None:
        cmd = ["ip", "netns", "exec", ns, "ping", "-f", "-n", "-l", str(preload), "-s", str(size), target]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._tail = b""
        self.started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while chunk := self._proc.stdout.read1(65536):
            if b"." in chunk:
                self.started.set()
            self._tail = (self._tail + chunk)[-8192:]
        self.started.set()  # ended: nothing more to wait for

    @property
    def output(self) -> str:
        """What ping printed last, without its dots and backspaces."""
        return self._tail.decode(errors="replace").replace(".", "").replace("\b", "")

    def stop(self) -> int:
        """Stop the flood; the number of packets it sent."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(10)
        m = re.search(r"(\d+) packets transmitted", self.output)
        return int(m.group(1)) if m else 0


class Floods:
    """Several floods at once, all sending when the constructor returns; stop() adds up what they sent."""

    def __init__(self, *pairs: tuple[str, str], size: int = 56, timeout: float = 60) -> None:
        self._floods = [Flood(ns, target, size) for ns, target in pairs]
        deadline = time.monotonic() + timeout
        for f in self._floods:
            f.started.wait(max(0.0, deadline - time.monotonic()))
        late = [f for f in self._floods if f._proc.poll() is not None or not f.started.is_set()]
        if late:
            for f in self._floods:
                f.stop()
            raise AssertionError("a flood did not start:\n" + "\n".join(f.output for f in late))

    def stop(self) -> int:
        """Stop them all; the packets they sent. A flood that sent nothing fails: there was no race."""
        counts = [f.stop() for f in self._floods]
        idle = [f.output for f, n in zip(self._floods, counts, strict=True) if n == 0]
        if idle:
            raise AssertionError("a flood sent nothing:\n" + "\n".join(idle))
        return sum(counts)


@dataclass
class Loop:
    """One operation repeated in a thread until stop() or ``count`` times.

    Netlink errors with an errno in ``expected`` (e.g. ENOENT: the peer was
    just deleted by another loop) are counted, anything else is kept and
    re-raised by stop().
    """

    name: str
    op: Callable[[int], None]
    count: int | None = None
    expected: frozenset[int] = frozenset({errno.ENOENT})
    done: int = 0
    refused: int = 0
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Loop:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        i = 0
        try:
            while not self._stop.is_set() and (self.count is None or i < self.count):
                try:
                    self.op(i)
                    self.done += 1
                except genl.NetlinkError as exc:
                    if exc.errno not in self.expected:
                        raise
                    self.refused += 1
                i += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the test by stop()
            self.error = exc

    def join(self, timeout: float = 600) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"loop {self.name} still running after {timeout} s")
        if self.error is not None:
            raise RuntimeError(f"loop {self.name} failed after {self.done} operations") from self.error

    def stop(self) -> None:
        self._stop.set()
        self.join()


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def slab_objects(cache: str) -> int | None:
    """Objects in use in a slab cache (SLUB sysfs), after flushing the per-CPU slabs; None if unknown."""
    d = SLAB / cache
    if not d.exists():
        return None
    try:
        (d / "shrink").write_text("1")
    except OSError:
        pass
    return _read_int(d / "objects")


def merged(cache: str) -> bool:
    """True if ``cache`` shares its slabs with other caches (its sysfs entry is a link)."""
    return (SLAB / cache).is_symlink()


def ovpn_devices() -> list[str]:
    """Every ovpn-dco device, in the root namespace and every named one."""
    found = [f"-/{n}" for n in rtnl.names_of_kind()]
    for ns in sorted(p.name for p in Path("/run/netns").glob("*")):
        try:
            found += [f"{ns}/{n}" for n in rtnl.names_of_kind(ns)]
        except OSError:
            continue
    return found


def module_refcnt() -> int | None:
    return _read_int(Path("/sys/module", module.NAME, "refcnt"))


def slab_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Slab:"):
            return int(line.split()[1])
    return 0


@dataclass
class Snapshot:
    refcnt: int | None
    slabs: dict[str, int | None]
    devices: list[str]
    slab_kib: int


def snapshot() -> Snapshot:
    return Snapshot(module_refcnt(), {c: slab_objects(c) for c in CACHES}, ovpn_devices(), slab_kib())


def flush_namespaces() -> None:
    """Free the namespaces the last cleanup left allocated: create a namespace and drop it.

    Kernels with "net: defer final 'struct net' free in netns dismantle" (the matrix's 6.1.192
    and 7.x) free a dead namespace's struct net only in the next cleanup, after one more
    rcu_barrier(): the namespaces of the last cleanup stay in the net_namespace slab for as long
    as no other namespace dies. This one's cleanup frees them, and is itself kept until the next.
    """
    subprocess.run(["unshare", "--net", "true"], check=True)


def baseline(steady: float = 1.5, timeout: float = 10) -> Snapshot:
    """The snapshot a race is compared with, taken as wait_clean() ends: after a namespace flush
    and its cleanup (the namespace count steady for ``steady`` s), so that both hold the same
    deferred namespace (one, or none on kernels that free at once)."""
    flush_namespaces()
    deadline = time.monotonic() + timing.scaled(timeout)
    last, since = slab_objects(NETNS), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < timing.scaled(steady):
        time.sleep(0.25)
        now = slab_objects(NETNS)
        if now != last:
            last, since = now, time.monotonic()
    return snapshot()


def leaks(before: Snapshot, after: Snapshot) -> list[str]:
    """What did not return to ``before``."""
    out = []
    if before.refcnt is not None and after.refcnt is not None and after.refcnt != before.refcnt:
        out.append(f"module refcnt {before.refcnt} -> {after.refcnt}")
    for cache, tol in CACHES.items():
        b, a = before.slabs.get(cache), after.slabs.get(cache)
        if b is None or a is None:
            continue
        allowed = MERGED_TOLERANCE if merged(cache) else tol
        if a > b + allowed:
            out.append(f"slab {cache}: {b} -> {a} objects (tolerance {allowed})")
    extra = sorted(set(after.devices) - set(before.devices))
    if extra:
        out.append(f"devices left: {', '.join(extra)}")
    return out


def kmemleak_reports() -> list[str]:
    """Unreferenced objects kmemleak finds that involve ovpn-dco (empty without kmemleak)."""
    if not KMEMLEAK.exists():
        return []
    try:
        KMEMLEAK.write_text("scan")
        text = KMEMLEAK.read_text()
    except OSError:
        return []
    reports = re.split(r"(?=unreferenced object)", text)
    return [r for r in reports if "ovpn" in r]


def wait_clean(before: Snapshot, timeout: float = 30) -> tuple[list[str], Snapshot]:
    """Poll until nothing leaks compared with ``before`` (RCU callbacks, netns cleanup are async).

    ``timeout`` is a stock kernel's: a debug kernel's namespace cleanup (KASAN, lockdep) takes
    longer, so the wait is scaled to the running kernel (pyharness.guest.timing).
    """
    deadline = time.monotonic() + timing.scaled(timeout)
    flushed = -float("inf")
    while True:
        # a socket of this process caught in a reference cycle keeps its namespace until collected
        gc.collect()
        after = snapshot()
        found = leaks(before, after)
        now = time.monotonic()
        if not found or now > deadline:
            return found + kmemleak_reports(), after
        # the race's own namespaces are freed only by a later cleanup (flush_namespaces())
        if any(NETNS in f for f in found) and now - flushed >= timing.scaled(2):
            flush_namespaces()
            flushed = now
        time.sleep(0.5)


@dataclass
class Figures:
    """What one race did: written as one JSON line to $OVPN_DCO_RACES_JSON."""

    race: str
    iterations: int = 0
    operations: dict[str, int] = field(default_factory=dict)
    packets: int = 0
    leaks: list[str] = field(default_factory=list)
    slab_kib_delta: int = 0
    seconds: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)

    def add_loops(self, *loops: Loop) -> None:
        for lp in loops:
            self.operations[lp.name] = self.operations.get(lp.name, 0) + lp.done
            if lp.refused:
                key = f"{lp.name} (ENOENT)"
                self.operations[key] = self.operations.get(key, 0) + lp.refused

    def churn(self, main: Loop, beside: Iterable[tuple[str, Callable[[int], None]]], flood: Floods) -> None:
        """Run ``main`` to its count while the ``beside`` operations loop until it ends, all under
        ``flood`` (already started, stopped here); their counts and the packets go in the figures."""
        main.start()
        others = [Loop(name, op).start() for name, op in beside]
        main.join()
        for lp in others:
            lp.stop()
        self.packets = flood.stop()
        self.add_loops(main, *others)

    def write(self) -> None:
        path = os.environ.get(JSON_ENV)
        if not path:
            return
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(self) | {"scale": scale()}) + "\n")
