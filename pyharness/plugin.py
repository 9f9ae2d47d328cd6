"""pytest plugin: host tests run here, guest tests run inside one VM per session.

On the host, tests marked ``guest`` (everything under tests/guest/ is) are
replaced by placeholders. Before the run loop the module is built for the
selected kernel, one guest boots, and pytest runs those node ids inside it
with its output streamed live. The guest writes one JSON line per test
phase; each placeholder then reports the outcome the guest recorded, so the
host's summary counts every test. Inside the guest (OVPN_DCO_GUEST=1) the
plugin only records results and drops host-only tests.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from .guest import timing
from .matrix import kernelcheck, openvpn27, resolve
from .openvpn import program
from .vm import build, kernels, paths, vng

GUEST_ENV = "OVPN_DCO_GUEST"
RESULTS_ENV = "OVPN_DCO_RESULTS"
MODULE_ENV = "OVPN_DCO_KO"
DEBUG_MODULE_ENV = "OVPN_DCO_DEBUG_KO"
RECORD_CONFORMANCE_ENV = "OVPN_DCO_RECORD_CONFORMANCE"  # pyharness.netlink.conformance.RECORD_ENV
CONFORMANCE_GOLDEN = Path("tests/guest/data/ovpn_conformance.json")  # pyharness.netlink.conformance.GOLDEN
# Tests of living beside the in-tree "ovpn" driver: deselected, with a line saying
# so, for a kernel built without it (CONFIG_OVPN unset: before 6.16).
UPSTREAM_OVPN_MARK = "upstream_ovpn"
DCO_OVPN_API_MARK = "dco_ovpn_api"
# Tests that run Debian unstable's OpenVPN 2.7: the plugin installs it (sid chroot) before the
# guest boots. The longer set of them is deselected unless --openvpn27-full (make test-openvpn27).
OPENVPN27_MARK = "openvpn27"
OPENVPN27_FULL_MARK = "openvpn27_full"
GUEST_DIR = paths.REPO / "tests" / "guest"
_RESULTS = pytest.StashKey[dict[str, dict[str, Any]]]()
_PENDING = pytest.StashKey[list["GuestItem"]]()
_FAILURE = pytest.StashKey[str]()
_KERNEL = pytest.StashKey[kernels.Kernel]()
_WANTS_OPENVPN27 = pytest.StashKey[bool]()
_OPENVPN27 = pytest.StashKey[Path]()


def in_guest() -> bool:
    return os.environ.get(GUEST_ENV) == "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ovpn-dco")
    group.addoption(
        "--kernel", default=None, help="kernel release (or prefix) to build for and boot; default: Debian 12's 6.1"
    )
    group.addoption(
        "--guest-timeout",
        type=float,
        default=GUEST_TIMEOUT,
        help="seconds the guest runs may take in all (scaled on a debug kernel)",
    )
    group.addoption("--debug-module", action="store_true", help="build with CONFIG_OVPN_DCO_DEBUG=y")
    group.addoption(
        "--record-conformance",
        action="store_true",
        help="on a kernel with the in-tree ovpn: rewrite tests/guest/data/ovpn_conformance.json from its answers",
    )
    group.addoption(
        "--openvpn27-full",
        action="store_true",
        help=f"also run the tests marked {OPENVPN27_FULL_MARK} (the longer OpenVPN 2.7 set)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "guest: runs as root inside a VM with the module loaded")
    config.addinivalue_line(
        "markers", f"{UPSTREAM_OVPN_MARK}: needs the in-tree ovpn module (CONFIG_OVPN, 6.16+); deselected without it"
    )
    config.addinivalue_line(
        "markers",
        f"{DCO_OVPN_API_MARK}: needs this module's ovpn family (a kernel without CONFIG_OVPN); deselected elsewhere",
    )
    config.addinivalue_line("markers", f"{kernelcheck.MARK}: checks the debug kernel itself; deselected on others")
    config.addinivalue_line(
        "markers", f"{OPENVPN27_MARK}: runs Debian unstable's OpenVPN 2.7 (installed in the sid chroot first)"
    )
    config.addinivalue_line(
        "markers", f"{OPENVPN27_FULL_MARK}: the longer OpenVPN 2.7 set; deselected unless --openvpn27-full"
    )


def target_kernel(config: pytest.Config) -> kernels.Kernel:
    """The kernel --kernel names (fetched if it is a matrix name), looked up once per session."""
    if _KERNEL not in config.stash:
        config.stash[_KERNEL] = resolve.select(config.getoption("--kernel"))
    return config.stash[_KERNEL]


def deselect_by_intree_ovpn(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the tests the target kernel cannot run, and say so: ``upstream_ovpn`` ones where it has no
    in-tree ovpn, ``dco_ovpn_api`` ones where it has (the module then does not serve the ``ovpn`` API)."""
    marks = (UPSTREAM_OVPN_MARK, DCO_OVPN_API_MARK)
    if not any(i.get_closest_marker(m) for i in items for m in marks):
        return
    try:
        kernel = target_kernel(config)
    except (kernels.KernelNotFound, OSError, RuntimeError):
        return  # the guest run reports the failure for every test
    intree = kernel.config_value("OVPN") in ("y", "m")
    mark = DCO_OVPN_API_MARK if intree else UPSTREAM_OVPN_MARK
    marked = [i for i in items if i.get_closest_marker(mark)]
    if not marked:
        return
    items[:] = [i for i in items if i not in marked]
    config.hook.pytest_deselected(items=marked)
    why = (
        "the module leaves the ovpn API to the in-tree driver there"
        if intree
        else "it has no in-tree ovpn (CONFIG_OVPN is not set)"
    )
    _write(config, f"ovpn-dco: deselected {len(marked)} tests marked {mark} on {kernel.release}: {why}")


def deselect_openvpn27_full(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the longer OpenVPN 2.7 set unless --openvpn27-full asked for it, and say so."""
    if config.getoption("--openvpn27-full"):
        return
    marked = [i for i in items if i.get_closest_marker(OPENVPN27_FULL_MARK)]
    if not marked:
        return
    items[:] = [i for i in items if i not in marked]
    config.hook.pytest_deselected(items=marked)
    _write(config, f"ovpn-dco: deselected {len(marked)} tests marked {OPENVPN27_FULL_MARK} (run: make test-openvpn27)")


def note_openvpn27_provider(config: pytest.Config) -> None:
    """Say when the OpenVPN 2.7 tests run against the kernel's in-tree ovpn (CONFIG_OVPN) rather than ours."""
    try:
        kernel = target_kernel(config)
    except (kernels.KernelNotFound, OSError, RuntimeError):
        return
    if kernel.config_value("OVPN") in ("y", "m"):
        _write(
            config,
            f"ovpn-dco: the {OPENVPN27_MARK} tests run against the in-tree ovpn driver of {kernel.release} "
            "(CONFIG_OVPN is set: this module leaves the ovpn family and link kind to it)",
        )


def wants_openvpn27(items: list[pytest.Item]) -> bool:
    """Whether any selected test runs OpenVPN 2.7 (so the guest needs the chroot that has it)."""
    return any(i.get_closest_marker(OPENVPN27_MARK) or i.get_closest_marker(OPENVPN27_FULL_MARK) for i in items)


def is_guest_item(item: pytest.Item) -> bool:
    return item.get_closest_marker("guest") is not None or GUEST_DIR in Path(str(item.path)).parents


class GuestFailure(Exception):
    """A test failed inside the guest; the message is the guest's report."""


class GuestItem(pytest.Item):
    """Stands for a test that runs in the guest; reports the guest's outcome."""

    def __init__(self, *, nodeid: str, location: tuple[str, int | None, str], **kwargs: Any) -> None:
        super().__init__(nodeid=nodeid, **kwargs)
        self._location = location

    def runtest(self) -> None:
        results = self.config.stash.get(_RESULTS, {})
        rec = results.get(self.nodeid)
        if rec is None:
            why = self.config.stash.get(_FAILURE, "the guest did not report this test")
            raise GuestFailure(f"no result from the guest: {why}")
        if rec["outcome"] == "failed":
            raise GuestFailure(rec["longrepr"])
        if rec["outcome"] == "skipped":
            pytest.skip(rec["longrepr"] or "skipped in guest")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GuestFailure):
            return f"[in guest]\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self._location[1], self._location[2]


def _placeholder(item: pytest.Item) -> GuestItem:
    parent = item.parent
    assert parent is not None
    return GuestItem.from_parent(parent, name=item.name, nodeid=item.nodeid, location=item.location)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if in_guest():
        keep = [i for i in items if is_guest_item(i)]
        dropped = [i for i in items if not is_guest_item(i)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        return
    deselect_by_intree_ovpn(config, items)
    deselect_openvpn27_full(config, items)
    config.stash[_WANTS_OPENVPN27] = wants_openvpn27(items)  # prepared on the host before the guest boots
    if config.stash[_WANTS_OPENVPN27]:
        note_openvpn27_provider(config)
    if note := kernelcheck.deselect(config, items):
        _write(config, note)
    pending = []
    for idx, item in enumerate(items):
        if is_guest_item(item):
            items[idx] = _placeholder(item)
            pending.append(items[idx])
    config.stash[_PENDING] = pending
    if pending and kernelcheck.wanted(config):
        kernelcheck.add_item(session, items)


def _write(config: pytest.Config, text: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(text)
    else:
        print(text, flush=True)


def _guest_command(config: pytest.Config, module: Path, debug_module: Path, rundir: Path, nodeids: list[str]) -> str:
    kernel = target_kernel(config)
    ids = rundir / "nodeids"
    ids.write_text("\n".join(nodeids) + "\n")
    env = {
        GUEST_ENV: "1",
        RESULTS_ENV: str(rundir / "results.jsonl"),
        MODULE_ENV: str(module),
        DEBUG_MODULE_ENV: str(debug_module),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(rundir),
        timing.SLOWDOWN_ENV: str(kernel.slowdown),
    }
    if config.getoption("--record-conformance"):  # the guest's root is read-only: it writes here, we copy
        env[RECORD_CONFORMANCE_ENV] = str(rundir / CONFORMANCE_GOLDEN.name)
    if _OPENVPN27 in config.stash:
        env[program.ROOT_ENV] = str(config.stash[_OPENVPN27])
    verbosity = ["-v"] if config.option.verbose > 0 else []
    pytest_cmd = [
        paths.python(),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-rfE",
        "--color=no",
        *verbosity,
        f"--durations={GUEST_DURATIONS}",
        f"@{ids}",
    ]
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"cd {shlex.quote(str(config.rootpath))} && env {assigns} {shlex.join(pytest_cmd)}"
    return kernelcheck.wrap(command, rundir, env) if kernel.debug else command


_RANK = {"passed": 0, "skipped": 1, "failed": 2}
STARTED = "started"  # the record a test's guest run writes before its setup
MAX_GUEST_BOOTS = 4  # one guest, plus up to 3 more after guests that died
GUEST_DURATIONS = 25  # the guest's slowest tests, listed at the end of its output (where CI time goes)
# The default suite's guest took 26 min on 6.1 alone; CI runs it beside the newest kernel's guest on
# two cores, ~1.5x slower, and one CI run hit the former 2400 s. After the suite's cuts of 2026-12-07
# the 6.1 guest took 28 min beside 7.2's.
GUEST_TIMEOUT = 3000.0
GUEST_SILENCE = 600.0  # a guest whose tests print nothing for this long is hung: killed, the rest rerun


def merge_results(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One record per test from its phase records: the worst outcome wins."""
    results: dict[str, dict[str, Any]] = {}
    for rec in records:
        if rec["outcome"] not in _RANK:
            continue
        prev = results.get(rec["nodeid"])
        if prev is None or _RANK[rec["outcome"]] > _RANK[prev["outcome"]]:
            results[rec["nodeid"]] = rec
    return results


def last_started(records: list[dict[str, Any]]) -> str | None:
    """The node id of the test the guest started last (the one running if the guest died)."""
    started = [rec["nodeid"] for rec in records if rec["outcome"] == STARTED]
    return started[-1] if started else None


def guest_death_report(run: vng.RunResult, console_lines: int = 80, output_lines: int = 30) -> str:
    """Why a guest ended without reporting every test: status, its console's and its output's last lines."""
    console = "\n".join(run.console.splitlines()[-console_lines:]) or "(nothing)"
    tail = "\n".join(run.output.splitlines()[-output_lines:])
    return (
        f"guest exited with status {run.returncode} "
        f"({'timeout' if run.timed_out else 'ended'}) after {run.seconds:.0f} s\n"
        f"----- guest kernel console, last lines -----\n{console}\n"
        f"----- guest output, last lines -----\n{tail}"
    )


def keep_conformance_record(config: pytest.Config, rundir: Path) -> None:
    """With --record-conformance: the record the guest wrote becomes the golden file."""
    recorded = rundir / CONFORMANCE_GOLDEN.name
    if config.getoption("--record-conformance") and recorded.exists():
        dest = config.rootpath / CONFORMANCE_GOLDEN
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(recorded, dest)
        _write(config, f"ovpn-dco: recorded {dest}")


def _run_guest(config: pytest.Config, pending: list[GuestItem]) -> None:
    kernel = target_kernel(config)
    _write(config, f"ovpn-dco: building the module for {kernel.release}")
    result = build.build(kernel, debug=config.getoption("--debug-module"))
    debug = build.build(kernel, debug=True)  # its self-tests run in tests/guest/test_module.py
    for w in result.warnings + debug.warnings:
        _write(config, f"ovpn-dco: build {w}")
    if config.stash.get(_WANTS_OPENVPN27, False):
        _write(
            config,
            f"ovpn-dco: OpenVPN 2.7 for the guest: installing Debian unstable's openvpn ({openvpn27.SUITE} chroot)",
        )
        root = openvpn27.ensure()
        config.stash[_OPENVPN27] = root
        _write(config, f"ovpn-dco: OpenVPN 2.7 is openvpn {openvpn27.version(root)} in {root}")
    results: dict[str, dict[str, Any]] = {}
    config.stash[_RESULTS] = results
    todo = [i.nodeid for i in pending]
    budget = config.getoption("--guest-timeout") * kernel.slowdown
    for boot in range(1, MAX_GUEST_BOOTS + 1):
        rundir = Path(tempfile.mkdtemp(prefix="guest-run-", dir=paths.cache_dir()))
        guest = vng.GuestVM(kernel, rwdirs=[rundir], append=vng.TEST_ARGS)
        accel = guest.accel or vng.detect_accel(kernel)
        _write(config, f"ovpn-dco: booting {kernel.release} ({accel}) for {len(todo)} guest tests")
        run = guest.run(
            _guest_command(config, result.module, debug.module, rundir, todo),
            timeout=budget,
            on_output=lambda line: _write(config, f"[guest] {line}"),
            silence=GUEST_SILENCE * kernel.slowdown,
        )
        budget -= run.seconds
        path = rundir / "results.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if kernel.debug:
            kernelcheck.record(config, rundir, run.console)
        keep_conformance_record(config, rundir)
        shutil.rmtree(rundir, ignore_errors=True)
        results.update(merge_results(records))
        todo = [n for n in todo if n not in results]
        report = guest_death_report(run)
        config.stash[_FAILURE] = report
        if not run.timed_out and run.returncode in (0, 1):
            return  # pytest ended in the guest (1: some tests failed); any test not reported was not run
        victim = last_started(records)
        if victim is None:
            _write(config, f"ovpn-dco: the guest died before its first test\n{report}")
            return
        # the test running when the guest died fails with the guest's last console lines
        results[victim] = {
            "nodeid": victim,
            "when": "call",
            "outcome": "failed",
            "longrepr": f"the guest died while this test ran (or in its teardown): {report}",
        }
        todo = [n for n in todo if n != victim]
        _write(config, f"ovpn-dco: the guest died in {victim}\n{report}")
        if not todo or budget <= 60:
            break
        if boot < MAX_GUEST_BOOTS:
            _write(config, f"ovpn-dco: {len(todo)} guest tests left: booting a new guest for them")
    if todo:
        config.stash[_FAILURE] = (
            f"not run: the guest died {MAX_GUEST_BOOTS} times or ran out of time; the last death:\n"
            + config.stash[_FAILURE]
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    config = session.config
    pending = config.stash.get(_PENDING, [])
    if pending and not in_guest() and not config.option.collectonly:
        try:
            _run_guest(config, pending)
        except (build.BuildError, kernels.KernelNotFound, build.kconfig.KconfigError, OSError, RuntimeError) as exc:
            config.stash[_FAILURE] = str(exc)
            _write(config, f"ovpn-dco: {exc}")
    return (yield)


def _record(path: str, rec: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
        fh.flush()
        os.fsync(fh.fileno())  # on the host's disk even if the guest dies right after


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    path = os.environ.get(RESULTS_ENV)
    if in_guest() and path:
        _record(path, {"nodeid": nodeid, "when": "setup", "outcome": STARTED, "longrepr": ""})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get(RESULTS_ENV)
    if not in_guest() or not path:
        return
    if report.when != "call" and report.outcome == "passed":
        return
    longrepr = ""
    if report.outcome == "skipped" and isinstance(report.longrepr, tuple):
        longrepr = report.longrepr[2]
    elif report.longrepr is not None:
        longrepr = str(report.longrepr)
    for name, text in report.sections:  # e.g. the OpenVPN logs of a failed test
        if name.startswith("harness: "):
            longrepr += f"\n----- {name.removeprefix('harness: ')} -----\n{text}"
    _record(path, {"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome, "longrepr": longrepr})
