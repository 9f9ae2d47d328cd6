"""Kconfig: the seed's dependencies, checked against a kernel .config before building."""

from __future__ import annotations

import re
from pathlib import Path

import kconfiglib
import pytest

from pyharness.vm import build, kconfig, kernels, paths

SEED_SELECTS = {"NET_UDP_TUNNEL", "DST_CACHE", "CRYPTO", "CRYPTO_AES", "CRYPTO_GCM"}
# the receive pipeline (kernel/pipe.c) delivers through NAPI contexts of its own, not gro_cells
DATA_PATH_SELECTS: set[str] = set()
# ChaCha20-Poly1305 is built from the library functions, not the crypto API's template
CHACHAPOLY_SELECTS = {"CRYPTO_LIB_CHACHA", "CRYPTO_LIB_POLY1305"}


@pytest.fixture(scope="module")
def good_config(target_kernel) -> Path:
    return target_kernel.config


def edited(src: Path, dst: Path, **changes: str | None) -> Path:
    """A copy of a .config with options set to a value, or removed (None)."""
    text = src.read_text()
    for name, value in changes.items():
        text = re.sub(rf"^(CONFIG_{name}=.*|# CONFIG_{name} is not set)\n", "", text, flags=re.M)
        if value is not None:
            text += f"CONFIG_{name}={value}\n" if value != "n" else f"# CONFIG_{name} is not set\n"
    dst.write_text(text)
    return dst


def test_kconfig_declares_the_seed_symbols():
    kconf = kconfiglib.Kconfig(str(paths.KCONFIG), warn=False)
    sym = kconf.syms["OVPN_DCO"]
    assert sym.orig_type == kconfiglib.TRISTATE
    assert {target.name for target, _ in sym.selects} == SEED_SELECTS | DATA_PATH_SELECTS | CHACHAPOLY_SELECTS
    assert {s.name for s in kconfiglib.expr_items(sym.direct_dep)} == {"NET", "INET"}
    debug = kconf.syms["OVPN_DCO_DEBUG"]
    assert debug.orig_type == kconfiglib.BOOL
    assert "OVPN_DCO" in {s.name for s in kconfiglib.expr_items(debug.direct_dep)}


def test_default_kernel_config_is_good(good_config):
    assert kconfig.problems(good_config) == []


def test_missing_poly1305_library_is_named(good_config, tmp_path):
    bad = edited(good_config, tmp_path / "config", CRYPTO_LIB_POLY1305="n")
    (problem,) = kconfig.problems(bad)
    assert problem.startswith("CONFIG_CRYPTO_LIB_POLY1305 is not set")


def test_absent_udp_tunnel_is_named(good_config, tmp_path):
    bad = edited(good_config, tmp_path / "config", NET_UDP_TUNNEL=None)
    (problem,) = kconfig.problems(bad)
    assert problem.startswith("CONFIG_NET_UDP_TUNNEL is not set")


def test_modular_selected_options_are_enough(good_config, tmp_path):
    ok = edited(good_config, tmp_path / "config", CRYPTO_GCM="m", NET_UDP_TUNNEL="m", CRYPTO_LIB_CHACHA="m")
    assert kconfig.problems(ok) == []


def test_unmet_dependency_is_named(good_config, tmp_path):
    bad = edited(good_config, tmp_path / "config", INET="n")
    assert "CONFIG_INET is not set (OVPN_DCO depends on it)" in kconfig.problems(bad)


def test_every_missing_option_is_reported(good_config, tmp_path):
    bad = edited(good_config, tmp_path / "config", CRYPTO_GCM="n", DST_CACHE=None, MODULES="n")
    names = {p.split()[0] for p in kconfig.problems(bad)}
    assert names == {"CONFIG_CRYPTO_GCM", "CONFIG_DST_CACHE", "CONFIG_MODULES"}


def test_build_stops_before_make_on_a_broken_config(good_config, tmp_path):
    bad = edited(good_config, tmp_path / "config", CRYPTO_LIB_CHACHA="n")
    # a build tree that does not exist: reaching make would raise BuildError instead
    kernel = kernels.Kernel("0.0-broken", tmp_path / "vmlinuz", tmp_path / "no-build", bad)
    with pytest.raises(kconfig.KconfigError, match="CONFIG_CRYPTO_LIB_CHACHA"):
        build.build(kernel)
