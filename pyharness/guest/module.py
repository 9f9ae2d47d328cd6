"""Loading the built module: its dependencies first (insmod does not resolve them)."""

from __future__ import annotations

import subprocess
from pathlib import Path

NAME = "ovpn_dco"


def loaded() -> bool:
    return Path("/sys/module", NAME).exists()


def depends(ko: Path) -> list[str]:
    out = subprocess.run(["modinfo", "-F", "depends", str(ko)], check=True, capture_output=True, text=True).stdout
    return [d for d in out.strip().split(",") if d]


def load(ko: Path) -> None:
    """modprobe the modules ``ko`` needs, then insmod it (no-op if loaded)."""
    if loaded():
        return
    deps = depends(ko)
    if deps:
        subprocess.run(["modprobe", "-a", *deps], check=True)
    subprocess.run(["insmod", str(ko)], check=True)


def unload() -> None:
    subprocess.run(["rmmod", NAME], check=True)
