"""DKMS packaging: dkms add/build/install/remove against the headers of two kernels.

DKMS keeps its state, the sources and the installed module in temporary
directories (--dkmstree, --sourcetree, --installtree), and no module is
signed (sign_file points nowhere), so the host's /var/lib/dkms, /usr/src
and /lib/modules are never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from pyharness.matrix import debian
from pyharness.vm import paths

KERNELS = ("bookworm", "bookworm-backports")  # headers usable with the host's toolchain
PACKAGE = "ovpn-dco"


def module_version() -> str:
    m = re.search(r'^#define OVPN_DRV_VERSION\s+"([^"]+)"', (paths.KERNEL_SRC / "main.h").read_text(), re.M)
    assert m
    return m.group(1)


def outside_make(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: ours) without what an outer ``make`` passes down (e.g. -w from ``make -C``)."""
    base = dict(os.environ if env is None else env)
    for var in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        base.pop(var, None)
    return base


def run(*argv: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=outside_make(env))
    assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stdout}"
    return proc.stdout


def test_dkms_conf_names_the_module_and_its_version():
    conf = dict(re.findall(r'^(\w+(?:\[0\])?)="([^"]*)"', (paths.REPO / "dkms.conf").read_text(), re.M))
    assert conf["PACKAGE_NAME"] == PACKAGE
    assert conf["PACKAGE_VERSION"] == module_version()
    assert conf["BUILT_MODULE_NAME[0]"] == "ovpn-dco"
    assert run("make", "-s", "-C", str(paths.REPO), "version").strip() == module_version()


@pytest.mark.parametrize("name", KERNELS)
def test_dkms_builds_installs_and_removes_the_module(name, tmp_path):
    kernel = debian.prepare(name)
    version = module_version()
    src, tree, inst = tmp_path / "src", tmp_path / "dkms", tmp_path / "lib-modules"
    (inst / kernel.release).mkdir(parents=True)
    tree.mkdir()
    run("make", "-s", "-C", str(paths.REPO), "dkms-src", f"DKMS_SRC={src}/{PACKAGE}-{version}")
    env = dict(os.environ, sign_file="/nonexistent")
    trees = ["--dkmstree", str(tree), "--sourcetree", str(src), "--installtree", str(inst)]
    mod = ["-m", PACKAGE, "-v", version]
    target = ["-k", kernel.release, "--kernelsourcedir", str(kernel.build_dir), "--no-depmod"]
    run("dkms", "add", *mod, *trees, env=env)
    run("dkms", "build", *mod, *target, *trees, env=env)
    run("dkms", "install", *mod, *target, *trees, env=env)

    ko = inst / kernel.release / "updates" / "dkms" / "ovpn-dco.ko"
    assert run("modinfo", "-F", "vermagic", str(ko)).split()[0] == kernel.release
    assert run("modinfo", "-F", "version", str(ko)).strip() == version
    assert run("modinfo", "-F", "name", str(ko)).strip() == "ovpn_dco"
    status = run("dkms", "status", *mod, *trees, env=env)
    assert f"{PACKAGE}/{version}, {kernel.release}, x86_64: installed" in status

    run("dkms", "remove", *mod, "--all", "--no-depmod", *trees, env=env)
    assert not ko.exists()
    assert not (tree / PACKAGE).exists()
    assert not Path("/var/lib/dkms", PACKAGE).exists()
