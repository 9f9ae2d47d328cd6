"""``make races``: the race tests with large iteration counts, and their figures.

Builds the module, boots one guest and runs tests/guest/test_races.py in it
with OVPN_DCO_RACES_SCALE (default 10) times the default iterations. Each
test appends its figures (iterations, operations per loop, flood packets,
leaks found) to a JSON lines file in a directory the guest may write;
they are printed as a table and saved to figures/races.json.

    python -m pyharness.races.run [--kernel NAME] [--scale N] [PYTEST ARGS...]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import plugin
from ..guest import timing
from ..matrix import resolve
from ..vm import build, paths, vng
from . import guest as races

RESULTS = paths.REPO / "figures" / "races.json"
TESTS = "tests/guest/test_races.py"


def guest_command(
    module: Path, debug_module: Path, rundir: Path, scale: int, pytest_args: list[str], slowdown: float = 1.0
) -> str:
    env = {
        timing.SLOWDOWN_ENV: str(slowdown),
        plugin.GUEST_ENV: "1",
        plugin.MODULE_ENV: str(module),
        plugin.DEBUG_MODULE_ENV: str(debug_module),
        races.SCALE_ENV: str(scale),
        races.JSON_ENV: str(rundir / "races.jsonl"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(rundir),
    }
    cmd = [paths.python(), "-m", "pytest", "-p", "no:cacheprovider", "-rfE", "--color=no", "-v", TESTS, *pytest_args]
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"cd {shlex.quote(str(paths.REPO))} && env {assigns} {shlex.join(cmd)}"


def table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| race | iterations | flood packets | operations | leaks | time |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        ops = ", ".join(f"{k} {v:,}" for k, v in {**r["operations"], **r["extra"]}.items()) or "-"
        row = [
            r["race"],
            f"{r['iterations']:,}",
            f"{r['packets']:,}",
            ops,
            str(len(r["leaks"])),
            f"{r['seconds']:.0f} s",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make races", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", default=None, help="kernel to boot (default: Debian 12's 6.1)")
    parser.add_argument("--scale", type=int, default=10, help="times the default iteration counts")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds the guest run may take (a stock kernel's; scaled)"
    )
    args, pytest_args = parser.parse_known_args(argv)
    kernel = resolve.select(args.kernel)
    module = build.build(kernel)
    debug = build.build(kernel, debug=True)
    rundir = Path(tempfile.mkdtemp(prefix="races-", dir=paths.cache_dir()))
    try:
        guest = vng.GuestVM(kernel, rwdirs=[rundir], append=vng.TEST_ARGS)
        print(f"races: {kernel.release}, scale {args.scale}", flush=True)
        run = guest.run(
            guest_command(module.module, debug.module, rundir, args.scale, pytest_args, kernel.slowdown),
            timeout=args.timeout * kernel.slowdown,
            on_output=lambda line: print(f"[guest] {line}", flush=True),
        )
        path = rundir / "races.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    summary = {
        "kernel": kernel.release,
        "scale": args.scale,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "guest_exit": run.returncode,
        "guest_seconds": round(run.seconds),
        "leaks_found": sum(len(r["leaks"]) for r in records),
        "races": records,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(table(records))
    print(
        f"races: {len(records)} races, {sum(r['iterations'] for r in records):,} iterations, "
        f"{sum(r['packets'] for r in records):,} flood packets, {summary['leaks_found']} leaks; "
        f"guest exit {run.returncode} after {run.seconds:.0f} s; figures in {RESULTS.relative_to(paths.REPO)}"
    )
    return 0 if run.returncode == 0 and summary["leaks_found"] == 0 and records else 1


if __name__ == "__main__":
    sys.exit(main())
