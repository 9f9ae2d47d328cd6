"""A debug-kernel session fails on any splat or leak the guest kernel reported.

With ``--kernel debug`` the plugin wraps the guest's pytest run between
``pyharness.vm.klog start`` and ``finish`` (log recording, kmemleak baseline
and final scans), shows the guest console (which is all that is left after
a panic) and adds one host item, ``guest kernel log``, after the guest
tests: it fails with every report found (WARN, BUG, KASAN, UBSAN, lockdep,
RCU, kmemleak, panic, ...), each shown in full. Tests marked
``debug_kernel`` need the debug kernel and are deselected on any other.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from ..vm import klog, paths
from . import debugkernel

MARK = "debug_kernel"
ITEM_NAME = "guest kernel log"
_FINDINGS = pytest.StashKey[tuple[list[klog.Finding], list[str]]]()


def wanted(config: pytest.Config) -> bool:
    """Whether this session targets the debug kernel (without building it)."""
    return config.getoption("--kernel") == debugkernel.NAME


def wrap(command: str, rundir: Path, env: dict[str, str]) -> str:
    """``command`` (a shell line starting with ``cd REPO &&``) between klog start and finish."""
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    klog_cmd = f"env {assigns} {shlex.quote(paths.python())} -m pyharness.vm.klog"
    run = shlex.quote(str(rundir))
    cd, _, rest = command.partition(" && ")
    return f"{cd} && {klog_cmd} start {run}; {rest}; rc=$?; {klog_cmd} finish {run}; exit $rc"


class KernelLogFailure(Exception):
    """The guest kernel reported something; the message shows it."""


class KernelLogItem(pytest.Item):
    """Fails when the debug kernel logged a splat or kmemleak found a leak during the session."""

    def runtest(self) -> None:
        found, problems = self.config.stash.get(_FINDINGS, ([], ["the guest session did not run"]))
        if found or problems:
            parts = [f"{len(found)} report(s) in the guest kernel's log:"] if found else []
            parts += [f"----- {f.kind}: {f.title} -----\n{f.text}" for f in found]
            parts += problems
            raise KernelLogFailure("\n".join(parts))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, KernelLogFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return paths.REPO, None, ITEM_NAME


def add_item(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Append the kernel log check after the tests."""
    items.append(KernelLogItem.from_parent(session, name=ITEM_NAME))


def record(config: pytest.Config, rundir: Path, console: str) -> None:
    """After a guest ran: what its kernel reported (read before rundir goes), added to what
    earlier guests of the session reported (a new guest boots after one died)."""
    found, problems = klog.session_findings(rundir, console)
    if _FINDINGS in config.stash:
        earlier, earlier_problems = config.stash[_FINDINGS]
        found, problems = klog.merge(earlier, found), earlier_problems + problems
    config.stash[_FINDINGS] = found, problems


def deselect(config: pytest.Config, items: list[pytest.Item]) -> str | None:
    """Drop the tests marked debug_kernel when the session is not on the debug kernel; the reason."""
    marked = [i for i in items if i.get_closest_marker(MARK)]
    if not marked or wanted(config):
        return None
    items[:] = [i for i in items if i not in marked]
    config.hook.pytest_deselected(items=marked)
    return (
        f"ovpn-dco: deselected {len(marked)} tests marked {MARK}: they check the debug kernel's "
        f"own debugging (run them with --kernel {debugkernel.NAME}, as make check-debug does)"
    )
