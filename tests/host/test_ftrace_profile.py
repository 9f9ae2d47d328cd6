"""The bench's ftrace profile: function_graph lines summed per function."""

from __future__ import annotations

import pytest

from pyharness.bench import ftrace_profile

TRACE = """\
# tracer: function_graph
#
# CPU  DURATION                  FUNCTION CALLS
# |     |   |                     |   |   |   |
 1)               |  ovpn_net_xmit [ovpn_dco]() {
 1)               |    ovpn_aead_encrypt [ovpn_dco]() {
 1)   4.500 us    |      chacha_crypt_arch [chacha_x86_64]();
 1)   1.500 us    |      poly1305_update_arch [poly1305_x86_64]();
 1)   9.000 us    |    } /* ovpn_aead_encrypt [ovpn_dco] */
 1) + 12.000 us   |  } /* ovpn_net_xmit [ovpn_dco] */
 0)   2.250 us    |  gro_cells_receive();
 0)   3.000 us    |  chacha_crypt_arch [chacha_x86_64]();
 0)   0.750 us    |  __pskb_pull_tail.part.0();
"""


def test_durations_are_summed_per_function_largest_first():
    times = ftrace_profile.parse(TRACE.splitlines())
    assert [(f.name, f.calls, f.total_us) for f in times] == [
        ("ovpn_net_xmit", 1, 12.0),
        ("ovpn_aead_encrypt", 1, 9.0),
        ("chacha_crypt_arch", 2, 7.5),
        ("gro_cells_receive", 1, 2.25),
        ("poly1305_update_arch", 1, 1.5),
        ("__pskb_pull_tail", 1, 0.75),
    ]
    assert times[2].mean_us == 3.75


def test_table_shows_the_share_of_the_run():
    table = ftrace_profile.render([ftrace_profile.FunctionTime("ovpn_recv", 4, 500_000.0)], seconds=2.0)
    header, row = table.splitlines()
    assert header.split() == ["function", "calls", "total", "ms", "mean", "us", "%", "of", "run"]
    assert row.split() == ["ovpn_recv", "4", "500.0", "125000.00", "25.0%"]


def test_trace_filters_the_traceable_functions_and_parses_what_ran(tmp_path, monkeypatch):
    monkeypatch.setattr(ftrace_profile, "TRACEFS", tmp_path)
    (tmp_path / "available_filter_functions").write_text("ovpn_net_xmit [ovpn_dco]\nip_send_skb\n")
    seen = {}

    def run() -> float:
        seen["filter"] = (tmp_path / "set_ftrace_filter").read_text()
        seen["tracer"] = (tmp_path / "current_tracer").read_text()
        (tmp_path / "trace").write_text(
            " 0)   3.000 us    |  } /* ovpn_net_xmit [ovpn_dco] */\n 1)   5.000 us    |  ovpn_net_xmit [ovpn_dco]();\n"
        )
        return 2.0

    times, seconds = ftrace_profile.trace(run, ("ovpn_net_xmit", "no_such_function"))
    assert seen == {"filter": "ovpn_net_xmit\n", "tracer": "function_graph"}
    assert (times, seconds) == ([ftrace_profile.FunctionTime("ovpn_net_xmit", 2, 8.0)], 2.0)
    assert (tmp_path / "current_tracer").read_text() == "nop"
    assert (tmp_path / "tracing_on").read_text() == "0"
    with pytest.raises(RuntimeError, match="none of the functions"):
        ftrace_profile.trace(run, ("no_such_function",))
    assert ftrace_profile.profile(run, ("no_such_function",)) == "ftrace: none of the functions is traceable"
