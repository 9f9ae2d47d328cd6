"""Judge checkpatch.pl's findings on kernel/ against scripts/checkpatch.allow.

checkpatch has no way to accept one finding: its --ignore drops a type
everywhere. The allow list names each accepted finding by file, type and the
text of the line it is reported on, so the same kind of finding anywhere else
still fails, and an entry that no longer matches anything fails too (the
exception outlived its reason). Standard library only: scripts/checkpatch.sh
runs it with the system python3, before any venv exists.

    python3 -m pyharness.checkpatch ALLOW_FILE SRC_DIR < checkpatch-output
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

FINDING = re.compile(r"^\./(?P<file>[^:]+):(?P<line>\d+): (?:ERROR|WARNING|CHECK):(?P<type>\w+):", re.M)


@dataclass(frozen=True)
class Allowed:
    """One accepted finding: where (file), what (checkpatch type) and on which line text."""

    file: str
    type: str
    text: str


def _norm(text: str) -> str:
    return " ".join(text.split())


def parse_allow(text: str) -> list[Allowed]:
    """Entries of an allow file: 'FILE<tab>TYPE<tab>LINE TEXT', '#' comments and blank lines skipped."""
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 2)
        if len(parts) != 3:
            raise ValueError(f"checkpatch.allow:{n}: want FILE<tab>TYPE<tab>LINE TEXT, got {line!r}")
        entries.append(Allowed(parts[0], parts[1], _norm(parts[2])))
    return entries


def judge(output: str, allow: list[Allowed], src: Path) -> tuple[list[str], list[str], list[Allowed]]:
    """Split checkpatch's findings into (failing, allowed) lines; also the entries nothing matched."""
    used: set[Allowed] = set()
    failing, allowed = [], []
    sources: dict[str, list[str]] = {}
    for line in output.splitlines():
        m = FINDING.match(line)
        if m is None:
            continue
        if m["file"] not in sources:
            sources[m["file"]] = (src / m["file"]).read_text().splitlines()
        lines = sources[m["file"]]
        num = int(m["line"])
        entry = Allowed(m["file"], m["type"], _norm(lines[num - 1]) if 0 < num <= len(lines) else "")
        if entry in allow:
            used.add(entry)
            allowed.append(line)
        else:
            failing.append(line)
    return failing, allowed, [a for a in allow if a not in used]


def main(argv: list[str]) -> int:
    allow_file, src = Path(argv[0]), Path(argv[1])
    output = sys.stdin.read()
    failing, allowed, stale = judge(output, parse_allow(allow_file.read_text()), src)
    for line in failing:
        print(line)
    for a in stale:
        print(f"{allow_file.name}: no finding matches {a.file} {a.type} {a.text!r}")
    print(f"checkpatch.sh: {len(failing)} finding(s) fail, {len(allowed)} accepted by {allow_file.name}")
    return 1 if failing or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
