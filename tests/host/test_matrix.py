"""The kernel matrix: kernel selection, apt and chroot isolation, results and the README table."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyharness.matrix import debian, resolve
from pyharness.matrix import run as matrix_run
from pyharness.vm import chroot, kernels, paths

pytest_plugins = ["pytester"]


def fake(release: str, tmp: Path, config: str = "CONFIG_MODULES=y\n") -> kernels.Kernel:
    (tmp / release).mkdir(parents=True, exist_ok=True)
    cfg = tmp / release / "config"
    cfg.write_text(config)
    return kernels.Kernel(release, tmp / release / "vmlinuz", tmp / release / "build", cfg)


def test_matrix_is_the_four_debian_kernels_default_first_newest_last():
    assert debian.NAMES == ("bookworm", "bookworm-backports", "trixie", "sid")
    assert debian.DEFAULT == debian.NAMES[0] and debian.NEWEST == debian.NAMES[-1]
    assert [e.chroot for e in debian.ENTRIES] == [None, None, "trixie", "sid"]


def test_release_prefix_stops_at_a_version_boundary(tmp_path):
    pool = [fake("6.1.0-56-amd64", tmp_path), fake("6.12.95+deb12-amd64", tmp_path)]
    assert kernels.pick("6.1", pool).release == "6.1.0-56-amd64"
    assert kernels.pick("6.12", pool).release == "6.12.95+deb12-amd64"
    assert kernels.pick(None, pool).release == "6.1.0-56-amd64"
    with pytest.raises(kernels.KernelNotFound):
        kernels.pick("6.2", pool)


def test_apt_uses_the_project_sources_and_the_cache_only(monkeypatch, tmp_path):
    monkeypatch.setenv("OVPN_DCO_CACHE", str(tmp_path))
    monkeypatch.setenv("OVPN_DCO_DOWNLOADS", str(tmp_path))  # the apt lists are downloads
    opts = debian.apt_options()
    assert f"-oDir::Etc::SourceList={paths.REPO}/scripts/apt/sources.list" in opts
    assert "-oDir::Etc::SourceParts=/nonexistent" in opts
    assert f"-oDir::State::Lists={tmp_path}/apt/lists" in opts
    assert f"-oDir::Cache={tmp_path}/apt/cache" in opts
    suites = {line.split()[3] for line in debian.SOURCES.read_text().splitlines() if line.startswith("deb ")}
    assert suites == {e.suite for e in debian.ENTRIES if e.suite}


def test_chroot_commands_run_in_a_private_mount_namespace_with_proc():
    argv = chroot.command(Path("/c"), ["make", "-C", "/usr/src/x"], binds=[Path("/src dir")])
    assert argv[:4] == ["unshare", "-m", "--propagation", "private"]
    script = argv[-1]
    assert "mount --bind '/src dir' '/c/src dir'" in script
    assert "mount -t proc proc /c/proc" in script
    assert script.endswith("exec chroot /c make -C /usr/src/x")


def test_a_chroot_kernel_builds_with_its_path_inside_the_chroot(tmp_path):
    k = kernels.Kernel(
        "7.2", tmp_path / "vmlinuz", tmp_path / "c/usr/src/linux-headers-7.2", tmp_path / "cfg", tmp_path / "c"
    )
    assert k.make_dir == Path("/usr/src/linux-headers-7.2")
    assert fake("6.1.0-56-amd64", tmp_path).make_dir == tmp_path / "6.1.0-56-amd64" / "build"


def test_config_value_reads_set_module_and_unset_options(tmp_path):
    k = fake("7.2", tmp_path, "CONFIG_OVPN=m\nCONFIG_WIREGUARD=y\n# CONFIG_FOO is not set\n")
    assert (k.config_value("OVPN"), k.config_value("WIREGUARD"), k.config_value("FOO")) == ("m", "y", "n")


UPSTREAM_TESTS = """
import pytest

pytestmark = pytest.mark.upstream_ovpn

def test_needs_in_tree_ovpn():
    pass

def test_also_needs_it():
    pass
"""


@pytest.mark.parametrize(("config", "kept"), [("# CONFIG_OVPN is not set\n", False), ("CONFIG_OVPN=m\n", True)])
def test_upstream_ovpn_tests_are_deselected_out_loud_without_config_ovpn(pytester, monkeypatch, tmp_path, config, kept):
    pytester.makepyfile(test_up=UPSTREAM_TESTS)
    kernel = fake("9.9-test", tmp_path, config)
    monkeypatch.setattr(resolve, "select", lambda wanted=None: kernel)
    out = pytester.runpytest("-p", "pyharness.plugin", "--collect-only", "-q").stdout.str()
    if kept:
        assert "test_up.py::test_needs_in_tree_ovpn" in out
        assert "deselected" not in out
    else:
        assert (
            "deselected 2 tests marked upstream_ovpn on 9.9-test: it has no in-tree ovpn (CONFIG_OVPN is not set)"
            in out
        )
        assert "test_up.py::test_needs_in_tree_ovpn" not in out
        assert "2 deselected" in out


def result(name: str, **kw) -> matrix_run.Result:
    base = dict(
        name=name, label=name, release="r", toolchain="t", passed=5, failed=0, errors=0, skipped=0, seconds=60, date="d"
    )
    return matrix_run.Result(**(base | kw))


def test_a_kernel_passes_only_with_no_failure_error_or_skip():
    assert result("a").ok
    assert not result("a", failed=1).ok
    assert not result("a", errors=1).ok
    assert not result("a", skipped=1).ok
    assert not result("a", passed=0).ok


def test_junit_counts(tmp_path):
    xml = tmp_path / "j.xml"
    xml.write_text('<testsuites><testsuite tests="10" failures="2" errors="1" skipped="3"/></testsuites>')
    assert matrix_run.counts(xml) == (4, 2, 1, 3)


def test_readme_table_is_rewritten_between_the_markers_only():
    text = f"before\n{matrix_run.BEGIN}\nold table\n{matrix_run.END}\nafter\n"
    out = matrix_run.render_readme(text, [result("sid", release="7.2.13+deb14-amd64", failed=1)])
    assert out.startswith("before\n") and out.endswith(f"{matrix_run.END}\nafter\n")
    assert "old table" not in out
    assert "| sid (`sid`) | `7.2.13+deb14-amd64` | t | FAIL | 5 | 1 | 0 | 1 min | d |" in out


def test_readme_kernel_table_is_the_last_matrix_run():
    results = matrix_run.load()
    assert [r.name for r in results] == [n for n in debian.NAMES if n in {r.name for r in results}]
    readme = matrix_run.README.read_text()
    assert matrix_run.render_readme(readme, results) == readme
