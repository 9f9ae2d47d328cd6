"""The kernel's netlink tables are generated from the YAML specs, fresh, and say what the YAML says.

kernel/netlink_gen_*.h must be what ``make gen`` (pyharness/proto/nlgen.py)
writes from uapi/linux/*.yaml today, byte for byte. Their policies are read
back from the C, independently of the generator's own code, and compared
with the YAML: every attribute of every set a request reaches has exactly one
entry, with the YAML's NLA type and checks, and the operations, multicast
groups and required attributes are those of the spec and of netlink_tmpl.h.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pyharness.fuzz import nlspec
from pyharness.proto import consts, nlgen, nlgen_ovpn
from pyharness.vm.paths import REPO

HEADER_OF = {"ovpn_dco.yaml": "ovpn_dco.h", "ovpn_dco_v2.yaml": "ovpn_dco_v2.h"}
LAYOUT_OF = {"ovpn_dco.yaml": consts.DCO, "ovpn_dco_v2.yaml": consts.DCO_V2}
# a binary attribute cannot carry more than this: a larger max-len is no check
NLA_PAYLOAD_MAX = 0xFFFF - 4

per_spec = pytest.mark.parametrize("spec_name", nlgen.SPECS)


def load(spec_name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / "uapi" / "linux" / spec_name).read_text())


def generated(spec_name: str) -> str:
    return (REPO / nlgen.kernel_output(spec_name)).read_text()


# --- fresh -----------------------------------------------------------------------------------------------------------


def test_generated_files_equal_a_fresh_generation(tmp_path: Path) -> None:
    (tmp_path / "uapi" / "linux").mkdir(parents=True)
    for name in nlgen.ALL_SPECS:
        shutil.copy(REPO / "uapi" / "linux" / name, tmp_path / "uapi" / "linux" / name)
    assert nlgen.main(["--root", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path) for p in (tmp_path / "kernel").iterdir())
    ovpn = [nlgen_ovpn.OUTPUT, nlgen_ovpn.UAPI_OUTPUT]
    assert written == sorted([*(nlgen.kernel_output(n) for n in nlgen.SPECS), *ovpn])
    for rel in written:
        checked_in = REPO / rel
        assert checked_in.is_file(), f"{rel} is missing: run `make gen` and commit it"
        assert checked_in.read_bytes() == (tmp_path / rel).read_bytes(), (
            f"{rel} is stale (uapi/linux/*.yaml or nlgen.py changed): run `make gen` and commit it"
        )


def test_check_mode_names_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "uapi" / "linux").mkdir(parents=True)
    for name in nlgen.ALL_SPECS:
        shutil.copy(REPO / "uapi" / "linux" / name, tmp_path / "uapi" / "linux" / name)
    assert nlgen.main(["--root", str(tmp_path)]) == 0
    assert nlgen.main(["--root", str(tmp_path), "--check"]) == 0
    stale = tmp_path / nlgen.kernel_output(nlgen.SPECS[1])
    stale.write_text(stale.read_text().replace("NLA_POLICY_EXACT_LEN(8)", "NLA_POLICY_EXACT_LEN(9)"))
    assert nlgen.main(["--root", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert str(nlgen.kernel_output(nlgen.SPECS[1])) in err and "make gen" in err


@per_spec
def test_generated_file_says_so_first(spec_name: str) -> None:
    lines = generated(spec_name).splitlines()
    assert lines[0].startswith("/* SPDX-License-Identifier:")  # checkpatch wants it on line 1
    assert lines[1] == f"/* generated from uapi/linux/{spec_name} by pyharness/proto/nlgen.py - do not edit */"


@per_spec
def test_family_file_includes_its_generated_header(spec_name: str) -> None:
    family = Path(spec_name).stem.removeprefix("ovpn_")
    text = (REPO / "kernel" / f"netlink_{family}.c").read_text()
    assert f'#include "{nlgen.kernel_output(spec_name).name}"' in text
    assert f"#include <uapi/linux/{HEADER_OF[spec_name]}>" in text


# --- the policies, read back from the C ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One policy entry as read from the C: NLA type, bounds (values or lengths), nested policy."""

    nla_type: str
    lo: int | None = None
    hi: int | None = None
    nested: str | None = None


def c_constants(spec_name: str) -> dict[str, int]:
    """Every enum constant of the family's header, by C name."""
    out: dict[str, int] = {}
    for enum in consts.HEADER_ENUMS[HEADER_OF[spec_name]]:
        prefix = consts.C_NAMES[enum][1]
        out.update({prefix + m.name: int(m) for m in enum})
    return out


def number(text: str, names: dict[str, int]) -> int:
    text = text.strip()
    return names[text] if text in names else int(text, 0)


def parse_policies(text: str, names: dict[str, int]) -> dict[str, tuple[str, dict[str, list[Entry]]]]:
    """Policy array name -> (size expression, attribute constant -> its entries) of a generated header."""
    ranges: dict[str, tuple[int | None, int | None]] = {}
    for m in re.finditer(r"struct netlink_range_validation (\w+) = \{(.*?)\};", text, flags=re.S):
        lo = re.search(r"\.min = (\w+)", m.group(2))
        hi = re.search(r"\.max = (\w+)", m.group(2))
        ranges[m.group(1)] = (int(lo.group(1), 0) if lo else None, int(hi.group(1), 0) if hi else None)
    out: dict[str, tuple[str, dict[str, list[Entry]]]] = {}
    for m in re.finditer(r"static const struct nla_policy\s+(\w+)\[(.*?)\] = \{(.*?)\n\};", text, flags=re.S):
        entries: dict[str, list[Entry]] = {}
        body = re.sub(r"\s+", " ", m.group(3))
        for em in re.finditer(r"\[(\w+)\] = (\{ \.type = \w+ \}|\w+\(.*?\)),", body):
            entries.setdefault(em.group(1), []).append(parse_entry(em.group(2), names, ranges))
        out[m.group(1)] = (m.group(2), entries)
    return out


def parse_entry(init: str, names: dict[str, int], ranges: dict[str, tuple[int | None, int | None]]) -> Entry:
    if m := re.fullmatch(r"\{ \.type = (\w+) \}", init):
        return Entry(m.group(1))
    m = re.fullmatch(r"(\w+)\((.*)\)", init)
    assert m, init
    macro, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
    if macro == "NLA_POLICY_NESTED":
        return Entry("NLA_NESTED", nested=args[0])
    if macro == "NLA_POLICY_FULL_RANGE":
        lo, hi = ranges[args[1].lstrip("&")]
        return Entry(args[0], lo, hi)
    if macro == "NLA_POLICY_MAX":
        return Entry(args[0], None, number(args[1], names))
    if macro == "NLA_POLICY_MIN":
        return Entry(args[0], number(args[1], names), None)
    if macro == "NLA_POLICY_RANGE":
        return Entry(args[0], number(args[1], names), number(args[2], names))
    if macro == "NLA_POLICY_EXACT_LEN":
        n = number(args[0], names)
        return Entry("NLA_BINARY", n, n)
    if macro == "NLA_POLICY_MIN_LEN":
        return Entry("NLA_BINARY", number(args[0], names), None)
    raise AssertionError(f"unexpected policy initializer {init}")


def expected_entry(attr: dict[str, Any]) -> Entry:
    """What the YAML says of one attribute, in the terms of a policy entry."""
    checks = attr.get("checks", {})
    kind = attr["type"]
    if kind == "nest":
        name = attr["nested-attributes"]
        return Entry(
            "NLA_NESTED", nested="ovpn_nl_policy" if name == "ovpn" else f"ovpn_nl_{name.replace('-', '_')}_policy"
        )
    if kind == "binary":
        if "exact-len" in checks:
            return Entry("NLA_BINARY", checks["exact-len"], checks["exact-len"])
        hi = checks.get("max-len")
        return Entry("NLA_BINARY", checks.get("min-len"), None if hi is not None and hi >= NLA_PAYLOAD_MAX else hi)
    if attr.get("byte-order") == "big-endian":
        return Entry("NLA_BE" + kind[1:])
    return Entry("NLA_" + kind.upper(), checks.get("min"), checks.get("max"))


def reachable_sets(spec: dict[str, Any]) -> set[str]:
    sets = {s["name"]: s for s in spec["attribute-sets"] if "subset-of" not in s}
    seen: set[str] = set()
    todo = ["ovpn"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [a["nested-attributes"] for a in sets[name]["attributes"] if a["type"] == "nest"]
    return seen


@per_spec
def test_every_reached_attribute_has_exactly_one_entry_with_the_yaml_type_and_check(spec_name: str) -> None:
    spec = load(spec_name)
    policies = parse_policies(generated(spec_name), c_constants(spec_name))
    sets = {s["name"]: s for s in spec["attribute-sets"] if "subset-of" not in s}
    wanted = reachable_sets(spec)
    names = {("ovpn_nl_policy" if s == "ovpn" else f"ovpn_nl_{s.replace('-', '_')}_policy"): s for s in wanted}
    assert set(policies) == set(names), "one policy per attribute set a request reaches, no other"
    for policy, set_name in names.items():
        aset = sets[set_name]
        size, entries = policies[policy]
        assert size == aset["name-prefix"] + "MAX + 1", policy
        attrs = {aset["name-prefix"] + a["name"].upper().replace("-", "_"): a for a in aset["attributes"]}
        on_wire = {c for c, a in attrs.items() if a["type"] not in ("unused", "pad")}
        assert set(entries) == on_wire, f"{policy}: entries {sorted(entries)} != attributes {sorted(on_wire)}"
        for const, found in entries.items():
            assert len(found) == 1, f"{policy}: {const} has {len(found)} entries"
            assert found[0] == expected_entry(attrs[const]), f"{policy}: {const}"


@per_spec
def test_peer_ids_are_a_full_range_of_24_bits(spec_name: str) -> None:
    text = generated(spec_name)
    peer_ids = re.findall(r"\[OVPN_\w+_ATTR_PEER_ID\] =\s*(.*?),\n", text)
    assert peer_ids and all(p.startswith("NLA_POLICY_FULL_RANGE(NLA_U32, &") for p in peer_ids)
    assert re.search(r"struct netlink_range_validation \w+ = \{\n\t\.max = 0xffffff,\n\};", text)


@per_spec
def test_ops_mcgrps_and_family_follow_the_spec(spec_name: str) -> None:
    spec = load(spec_name)
    text = generated(spec_name)
    ops_block = re.search(r"struct genl_ops ovpn_nl_ops\[\] = \{(.*?)\n\};", text, flags=re.S)
    assert ops_block
    ops = re.findall(r"\t\{\n(.*?)\n\t\},", ops_block.group(1), flags=re.S)
    by_cmd = {re.search(r"\.cmd = (\w+),", o).group(1): o for o in ops}  # type: ignore[union-attr]
    prefix = spec["operations"]["name-prefix"]
    assert list(by_cmd) == [prefix + op["name"].upper().replace("-", "_") for op in spec["operations"]["list"]]
    for op in spec["operations"]["list"]:
        body = by_cmd[prefix + op["name"].upper().replace("-", "_")]
        assert ".flags = GENL_ADMIN_PERM," in body and op["flags"] == ["admin-perm"]
        assert (".doit = OVPN_NL_DOIT," in body) == ("do" in op)
        assert (".dumpit = " in body) == ("dump" in op)
    groups = re.findall(r"OVPN_COMPAT_MCGRP\((\w+)\)", text)
    assert groups == [g["c-define-name"] for g in spec["mcast-groups"]["list"]]
    assert "\t.policy\t\t= ovpn_nl_policy," in text and "\t.maxattr\t= OVPN_ATTR_MAX," in text
    assert "\t.netnsok\t= true," in text and "GENL_DONT_VALIDATE" not in text


def tmpl_required() -> dict[str, set[str]]:
    """OVPN_NL_<OP>_REQUIRED of netlink_tmpl.h: the attribute constants of each."""
    text = (REPO / "kernel" / "netlink_tmpl.h").read_text().replace("\\\n", " ")
    return {
        m.group(1): set(re.findall(r"BIT\((\w+)\)", m.group(2)))
        for m in re.finditer(r"#define OVPN_NL_(\w+)_REQUIRED\s+(.*)", text)
    }


def test_fuzzer_required_equals_the_kernels() -> None:
    required = tmpl_required()
    assert set(required) == set(nlspec.REQUIRED)
    for op, attrs in nlspec.REQUIRED.items():
        enum = consts.OP_NEST[nlspec.NEST_OF.get(op, op)]
        prefix = consts.C_NAMES[enum][1]
        assert {prefix + enum(a).name for a in attrs} == required[op], op


@per_spec
def test_every_nest_of_an_op_descriptor_names_its_required_macro(spec_name: str) -> None:
    text = generated(spec_name)
    used = set(re.findall(r"\.required = OVPN_NL_(\w+)_REQUIRED,", text))
    layout = LAYOUT_OF[spec_name]
    nests = set(nlspec.op_nests(layout))
    assert used == {op for op in nlspec.REQUIRED if nlspec.NEST_OF.get(op, op) in nests}
    assert used <= set(tmpl_required())


# --- the uapi header against the YAML --------------------------------------------------------------------------------


@per_spec
def test_abi_asserts_cover_every_constant_of_the_header(spec_name: str) -> None:
    asserted = dict(re.findall(r"^static_assert\((\w+) == (\d+)\);$", generated(spec_name), flags=re.M))
    header = c_constants(spec_name)
    header.pop("OVPN_CMD_UNSPEC")  # the header's own, not an operation of the spec
    assert {k: int(v) for k, v in asserted.items() if not k.endswith("_MAX")} == header


@per_spec
def test_abi_asserts_compile_against_the_uapi_header(spec_name: str, tmp_path: Path) -> None:
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to read the uapi headers"
    asserts = [line for line in generated(spec_name).splitlines() if line.startswith("static_assert(")]
    source = tmp_path / "abi.c"
    source.write_text(
        "\n".join([f"#include <linux/{HEADER_OF[spec_name]}>", "#include <assert.h>", *asserts, "int main(void);", ""])
    )
    cmd = [gcc, "-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I", str(REPO / "uapi"), str(source)]
    build = subprocess.run(cmd, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
