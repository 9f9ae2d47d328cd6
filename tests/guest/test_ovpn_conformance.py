"""The ``ovpn`` family answers the conformance conversation exactly as the in-tree driver does.

tests/guest/data/ovpn_conformance.json is the in-tree driver's record of the
conversation of pyharness.netlink.conformance (valid and malformed requests:
errno, extack text, bad and missing attributes, replies, notifications). On
a kernel with the in-tree ``ovpn`` the live driver must still give it (so
the file stays true; ``--record-conformance`` rewrites it instead); where
ovpn-dco registers the family (kernels without CONFIG_OVPN: marked
``dco_ovpn_api``), ovpn-dco must give it too, except for the differences
named, each with its reason, in ``OUR_DIFFERENCES``.
``make conformance-record`` (pytest --kernel sid --record-conformance) rewrites the file.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyharness.netlink import conformance
from pyharness.proto import upstream as up

from .conftest import sh


@dataclass(frozen=True)
class Difference:
    """How ovpn-dco's record of a step differs (values by path, see conformance.with_changes), and why."""

    changes: dict[str, Any]
    why: str
    before: tuple[int, int] | None = None  # only on kernels older than this


NO_FMT = "kernels before 6.2 have no NL_SET_ERR_MSG_FMT (no extack buffer): the message without its values"
OUR_DIFFERENCES: dict[str, Difference] = {
    # before 6.2: the in-tree driver's formatted messages, without their values
    **{
        step: Difference({"extack": text}, NO_FMT, (6, 2))
        for step, text in {
            "peer-new-socket-not-a-socket": "ovpn: cannot lookup peer socket",
            "peer-new-socket-closed-fd": "ovpn: cannot lookup peer socket",
            "peer-new-socket-wrong-protocol": "ovpn: cannot encapsulate socket",
            "peer-get-unknown-peer": "ovpn: cannot find peer with id",
            "peer-get-extra-attr": "ovpn: unexpected attribute",
            "peer-set-unknown-peer": "ovpn: cannot find peer with id",
            "key-new-key-wrong-size": "ovpn: cannot install new key for peer",
            "key-new-unknown-peer": "ovpn: no peer to set key for",
            "key-get-no-key": "ovpn: cannot extract key from slot",
            "key-get-unknown-peer": "ovpn: cannot find peer with id",
            "key-swap-unknown-peer": "ovpn: no peer to swap keys for",
            "key-get-secondary-after-del": "ovpn: cannot extract key from slot",
            "key-del-unknown-peer": "ovpn: no peer to delete key for",
            "peer-del-twice": "ovpn: cannot find peer with id",
            "mp-peer-new-same-id": "ovpn: cannot add new peer to hashtable",
        }.items()
    },
    "dump-missing-ifindex": Difference(
        {"missing": None},
        "6.1's netlink_dump_done() puts only the message into NLMSG_DONE, never the missing attribute",
        (6, 2),
    ),
    "mp-peer-new-same-vpn-ip": Difference({"extack": "ovpn: cannot add new peer to hashtable"}, NO_FMT, (6, 2)),
}


def kernel_version() -> tuple[int, int]:
    major, minor = platform.release().split(".")[:2]
    return int(major), int(minor)


def expected_for_ours(golden: dict[str, dict[str, Any]], version: tuple[int, int]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, rec in golden.items():
        diff = OUR_DIFFERENCES.get(name)
        applies = diff is not None and (diff.before is None or version < diff.before)
        out[name] = conformance.with_changes(rec, diff.changes) if diff is not None and applies else rec
    return out


def test_every_named_difference_is_a_step_with_a_reason():
    assert set(OUR_DIFFERENCES) <= {s.name for s in conformance.STEPS}
    assert all(d.changes and d.why for d in OUR_DIFFERENCES.values())


def test_differences_apply_only_on_the_kernels_they_name():
    golden = conformance.load()
    old, new = expected_for_ours(golden, (6, 1)), expected_for_ours(golden, (6, 12))
    assert old["peer-del-twice"]["extack"] == "ovpn: cannot find peer with id"
    assert new["peer-del-twice"] == golden["peer-del-twice"]
    assert old["mp-peer-new-same-vpn-ip"]["errno"] == new["mp-peer-new-same-vpn-ip"]["errno"] == "EADDRINUSE"


def test_the_golden_file_covers_every_step():
    assert list(conformance.load()) == [s.name for s in conformance.STEPS]


@pytest.mark.upstream_ovpn
def test_intree_ovpn_answers_as_the_golden_file_says():
    sh(f"modprobe {up.MODULE}")
    try:
        live = conformance.record()
    finally:
        sh(f"rmmod {up.MODULE}", check=False)
    if record_to := os.environ.get(conformance.RECORD_ENV):  # --record-conformance (the plugin copies it)
        conformance.save(live, f"in-tree ovpn, Linux {platform.release()}", Path(record_to))
        return
    problems = conformance.differences(live, conformance.load())
    assert not problems, "\n".join(problems)


@pytest.mark.dco_ovpn_api
def test_ovpn_dco_answers_as_the_intree_driver():
    expected = expected_for_ours(conformance.load(), kernel_version())
    problems = conformance.differences(conformance.record(), expected)
    assert not problems, "\n".join(problems)
