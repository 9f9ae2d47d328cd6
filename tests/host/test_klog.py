"""The debug kernel's log check finds every kind of report, exactly, and nothing in a clean log."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyharness.guest import timing
from pyharness.matrix import debugkernel
from pyharness.vm import klog

SAMPLES = Path(__file__).parent / "klog_samples"


def titles(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.title) for f in klog.findings(text)]


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_clean_log_has_no_findings():
    assert klog.findings(sample("clean.txt")) == []


def test_kasan_report_found_whole():
    (f,) = klog.findings(sample("kasan.txt"))
    assert (f.kind, f.title) == ("KASAN", "BUG: KASAN: use-after-free in ovpn_peer_release+0x4d/0x70 [ovpn_dco]")
    lines = f.text.splitlines()
    assert lines[0].startswith("=====") and lines[-1].startswith("=====")
    assert "Freed by task 412:" in f.text and "ovpn_peer_del+0x91/0x150 [ovpn_dco]" in f.text
    assert "Disabling lock debugging" not in f.text  # the report ends at its closing rule


def test_lockdep_splat_found():
    (f,) = klog.findings(sample("lockdep.txt"))
    assert (f.kind, f.title) == ("lockdep", "WARNING: possible circular locking dependency detected")
    assert "*** DEADLOCK ***" in f.text and "ovpn_peer_del+0x3c/0x150 [ovpn_dco]" in f.text


def test_warn_and_the_panic_it_caused_are_found():
    found = klog.findings(sample("warn.txt"))
    assert [(f.kind, f.title) for f in found] == [
        ("WARN", "WARNING: CPU: 1 PID: 311 at lib/refcount.c:28 refcount_warn_saturate+0x12e/0x150"),
        ("panic", "Kernel panic - not syncing: panic_on_warn set ..."),
    ]
    warn = found[0].text.splitlines()
    # from the cut-here line (with the WARN's message) to the end-of-trace line
    assert warn[:2] == ["------------[ cut here ]------------", "refcount_t: underflow; use-after-free."]
    assert warn[-1] == "---[ end trace 0000000000000000 ]---"


def test_kmemleak_report_lists_each_object():
    found = klog.findings(sample("kmemleak.txt"))
    assert [(f.kind, f.title) for f in found] == [
        ("kmemleak", "unreferenced object 0xffff88810b2f4c00 (size 512):"),
        ("kmemleak", "unreferenced object 0xffff88810c1d2e80 (size 64):"),
    ]
    assert "genl_family_rcv_msg_doit" in found[0].text and "crypto_alloc_tfmmem" not in found[0].text


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("UBSAN: shift-out-of-bounds in kernel/pktid.c:120:17", "UBSAN"),
        ("BUG: sleeping function called from invalid context at mm/slab.h:742", "BUG"),
        ("BUG: scheduling while atomic: python3/311/0x00000002", "BUG"),
        ("WARNING: suspicious RCU usage", "RCU"),
        ("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "RCU"),
        ("WARNING: inconsistent lock state", "lockdep"),
        ("WARNING: bad unlock balance detected!", "lockdep"),
        ("BUG: KFENCE: out-of-bounds read in ovpn_recv+0x1/0x2", "KFENCE"),
        ("general protection fault, probably for non-canonical address 0xdffffc0000000003: 0000 [#1]", "Oops"),
        ("kernel BUG at net/core/skbuff.c:110!", "BUG"),
        ("INFO: task python3:311 blocked for more than 120 seconds.", "hung task"),
        ("watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [python3:311]", "lockup"),
        ("unregister_netdevice: waiting for ovt0 to become free. Usage count = 2", "refcount"),
        ("leaked reference.", "ref_tracker"),
        ("kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", "kmemleak"),
    ],
)
def test_each_kind_of_report_is_named(line, kind):
    assert titles(f"[   10.000000] ok\n[   10.100000] {line}\n") == [(kind, line)]


def test_console_prefixes_are_stripped():
    text = "\r[  5.5] ok\r\n[   5.600000] [  T311] WARNING: CPU: 0 PID: 311 at net/x.c:1 f+0x1/0x2\r\n"
    assert titles(text) == [("WARN", "WARNING: CPU: 0 PID: 311 at net/x.c:1 f+0x1/0x2")]


def test_session_merges_sources_and_names_what_is_missing(tmp_path):
    (tmp_path / klog.KMSG).write_text(sample("kasan.txt"))
    console = sample("kasan.txt") + sample("warn.txt")
    found, problems = klog.session_findings(tmp_path, console)
    assert [f.kind for f in found] == ["KASAN", "WARN", "panic"]  # the KASAN report once
    assert problems == [f"no {klog.KMEMLEAK}: the guest session did not reach its kmemleak scan"]
    (tmp_path / klog.KMEMLEAK).write_text(sample("kmemleak.txt"))
    (tmp_path / klog.FINISHED).write_text("error: rmmod ovpn_dco at the end of the session failed: busy\n")
    found, problems = klog.session_findings(tmp_path, "")
    assert [f.kind for f in found] == ["KASAN", "kmemleak", "kmemleak"]
    assert problems == ["error: rmmod ovpn_dco at the end of the session failed: busy"]


def test_clean_session(tmp_path):
    (tmp_path / klog.KMSG).write_text(sample("clean.txt"))
    (tmp_path / klog.KMEMLEAK).write_text("")
    (tmp_path / klog.FINISHED).write_text("ok\n")
    assert klog.session_findings(tmp_path, sample("clean.txt")) == ([], [])


def test_fragment_options_and_what_kconfig_dropped():
    opts = debugkernel.fragment_options('CONFIG_KASAN=y\n# CONFIG_WERROR is not set\n# comment\nCONFIG_X="a"\n')
    assert opts == {"KASAN": "y", "WERROR": "n", "X": '"a"'}
    assert debugkernel.missing_options(opts, {"KASAN": "y", "X": '"a"'}) == []
    assert debugkernel.missing_options(opts, {"KASAN": "n", "WERROR": "y", "X": '"a"'}) == [
        "CONFIG_KASAN=y (the .config has n)",
        "CONFIG_WERROR=n (the .config has y)",
    ]


def test_debug_fragment_asks_for_every_debug_feature():
    opts = debugkernel.fragment_options(debugkernel.FRAGMENT.read_text())
    for name in debugkernel.DEBUG_OPTIONS:
        assert opts.get(name) == "y", name
    assert int(opts["DEBUG_KMEMLEAK_MEM_POOL_SIZE"]) >= 100_000
    assert "panic_on_warn=1" in debugkernel.BOOT_ARGS.split()


def test_cache_key_follows_source_fragment_and_vng():
    base = debugkernel.cache_key("6.1.192-2", b"CONFIG_KASAN=y\n", "1.42")
    assert base.startswith("6.1.192-2-")
    assert debugkernel.cache_key("6.1.192-2", b"CONFIG_KASAN=y\n", "1.42") == base
    assert debugkernel.cache_key("6.1.193-1", b"CONFIG_KASAN=y\n", "1.42") != base
    assert debugkernel.cache_key("6.1.192-2", b"CONFIG_KASAN=n\n", "1.42") != base
    assert debugkernel.cache_key("6.1.192-2", b"CONFIG_KASAN=y\n", "1.43") != base


def test_slowdown_scales_deadlines(monkeypatch):
    monkeypatch.delenv(timing.SLOWDOWN_ENV, raising=False)
    assert timing.scaled(10) == 10
    monkeypatch.setenv(timing.SLOWDOWN_ENV, "4.0")
    assert timing.scaled(10) == 40
    monkeypatch.setenv(timing.SLOWDOWN_ENV, "0.5")  # never faster than a stock kernel
    assert timing.scaled(10) == 10
