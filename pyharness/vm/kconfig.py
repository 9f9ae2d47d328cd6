"""Check a target kernel's .config against the project's Kconfig with kconfiglib.

Out of tree, ``select`` cannot switch anything on in the target kernel, so
every dependency of OVPN_DCO and every option it selects must already be
y or m there. The kernel's own Kconfig tree is not shipped with Debian's
headers; the symbols our Kconfig refers to are therefore declared in a
small generated Kconfig, with the values the target .config gives them.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import kconfiglib

from . import paths

_LINE = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")


class KconfigError(RuntimeError):
    """The target kernel lacks options the module needs."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("kernel config cannot build ovpn-dco:\n  " + "\n  ".join(problems))


def read_dotconfig(path: Path) -> dict[str, str]:
    """Parse a kernel .config into {NAME: value}; unset options map to 'n'."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if m := _LINE.match(line):
            values[m.group(1)] = m.group(2)
        elif m := _UNSET.match(line):
            values[m.group(1)] = "n"
    return values


def _referenced(kconfig: Path) -> list[str]:
    """Symbols our Kconfig uses but does not define."""
    kconf = kconfiglib.Kconfig(str(kconfig), warn=False)
    return sorted(name for name, sym in kconf.syms.items() if not sym.nodes)


def _tristate(value: str) -> str:
    return value if value in ("y", "m") else "n"


def _load(kconfig: Path, dotconfig: dict[str, str]) -> kconfiglib.Kconfig:
    stub = ["config MODULES", "\tbool", "\tdefault y", "\toption modules", ""]
    for name in _referenced(kconfig):
        if name == "MODULES":
            continue
        stub += [f"config {name}", "\ttristate", f"\tdefault {_tristate(dotconfig.get(name, 'n'))}", ""]
    stub.append(f'source "{kconfig}"')
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / "Kconfig"
        top.write_text("\n".join(stub) + "\n")
        return kconfiglib.Kconfig(str(top), warn=False)


def problems(dotconfig_path: Path, kconfig: Path = paths.KCONFIG, symbol: str = "OVPN_DCO") -> list[str]:
    """Everything the kernel at ``dotconfig_path`` lacks to build ``symbol`` as a module."""
    dotconfig = read_dotconfig(dotconfig_path)
    kconf = _load(kconfig, dotconfig)
    sym = kconf.syms[symbol]
    found = []
    if kconfiglib.expr_value(sym.direct_dep) == 0:
        for dep in kconfiglib.expr_items(sym.direct_dep):
            if dep.tri_value == 0:
                found.append(f"CONFIG_{dep.name} is not set ({symbol} depends on it)")
    for target, cond in sym.selects:
        if kconfiglib.expr_value(cond) and target.tri_value == 0:
            found.append(f"CONFIG_{target.name} is not set ({symbol} selects it; the kernel must have it =y or =m)")
    if dotconfig.get("MODULES", "n") != "y":
        found.append("CONFIG_MODULES is not set (an out-of-tree module cannot be loaded)")
    return found


def check(dotconfig_path: Path, kconfig: Path = paths.KCONFIG) -> None:
    """Raise KconfigError naming every missing option."""
    found = problems(dotconfig_path, kconfig)
    if found:
        raise KconfigError(found)
