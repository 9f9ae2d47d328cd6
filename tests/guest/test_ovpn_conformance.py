"""The ``ovpn`` family answers the conformance conversation exactly as the in-tree driver does.

tests/guest/data/ovpn_conformance.json is the in-tree driver's record of the
conversation of pyharness.netlink.conformance (valid and malformed requests:
errno, extack text, bad and missing attributes, replies, notifications). On
a kernel with the in-tree ``ovpn`` the live driver must still give it (so
the file stays true; ``--record-conformance`` rewrites it instead); where
ovpn-dco registers the family (kernels without CONFIG_OVPN: marked
``dco_ovpn_api``), ovpn-dco must give it too, except for the differences named in ``OUR_DIFFERENCES``.
``make conformance-record`` (pytest --kernel sid --record-conformance) rewrites the file.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import pytest

from pyharness.netlink import conformance
from pyharness.proto import upstream as up

from .conftest import sh

# step -> (the fields of its record that differ for ovpn-dco, why); empty: no known difference
OUR_DIFFERENCES: dict[str, tuple[dict[str, Any], str]] = {}


def expected_for_ours(golden: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {**rec, **OUR_DIFFERENCES.get(name, ({}, ""))[0]} for name, rec in golden.items()}


def test_every_named_difference_is_a_step_with_a_reason():
    steps = {s.name for s in conformance.STEPS}
    assert {name for name, (fields, why) in OUR_DIFFERENCES.items() if fields and why} <= steps
    assert set(OUR_DIFFERENCES) <= steps


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
    problems = conformance.differences(conformance.record(), expected_for_ours(conformance.load()))
    assert not problems, "\n".join(problems)
