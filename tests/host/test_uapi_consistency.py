"""The uapi is written down twice (C header, YAML spec) and read a third way; all must agree.

For each family, the C header (uapi/linux/*.h, compiled with gcc), the
Python enums (pyharness.proto.consts, built from the YAML at import) and the
YAML netlink spec (uapi/linux/*.yaml) must give every constant the same name
and value. A few
values are pinned outright because OpenVPN depends on them: the seed's layout
for "ovpn-dco" and the layout of OpenVPN 2.6.14 for "ovpn-dco-v2".
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
import yaml

from pyharness.proto import consts
from pyharness.vm.paths import REPO

UAPI = REPO / "uapi"
HEADERS = tuple(consts.HEADER_ENUMS)
SPECS = {"ovpn_dco.h": "ovpn_dco.yaml", "ovpn_dco_v2.h": "ovpn_dco_v2.yaml"}
LAYOUTS = {"ovpn_dco.h": consts.DCO, "ovpn_dco_v2.h": consts.DCO_V2}
STRING_DEFINES = ("OVPN_NL_NAME", "OVPN_NL_MULTICAST_GROUP_PEERS")
PEER_ID_MAX = 0xFFFFFF

per_header = pytest.mark.parametrize("header", HEADERS)


# --- the C headers ---------------------------------------------------------------------------------------------------


def header_enums(header: str) -> dict[str, list[str]]:
    """Constant names of every enum in the header, in order, sentinels included."""
    text = (UAPI / "linux" / header).read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", "", text)
    enums: dict[str, list[str]] = {}
    for match in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\}\s*;", text, flags=re.DOTALL):
        names = [m.group(1) for entry in match.group(2).split(",") if (m := re.match(r"\s*([A-Za-z_]\w*)", entry))]
        enums[match.group(1)] = names
    return enums


def is_sentinel(name: str) -> bool:
    return name.startswith("__") or name.endswith("_MAX")


@dataclass(frozen=True)
class Compiled:
    ints: dict[str, int]
    strings: dict[str, str]


@functools.cache
def compiled(header: str) -> Compiled:
    """Values of the header's constants as gcc sees them: one program per header, built and run."""
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to read the uapi headers"
    names = list(python_constants(header))
    names += [n for body in header_enums(header).values() for n in body if n.endswith("_MAX")]
    lines = [f'\tprintf("%s %lld\\n", "{n}", (long long)({n}));' for n in names]
    lines += [f'\tprintf("%s %s\\n", "{n}", {n});' for n in STRING_DEFINES]
    program = "\n".join(
        ["#include <stdio.h>", f"#include <linux/{header}>", "", "int main(void)", "{", *lines, "\treturn 0;", "}", ""]
    )
    with tempfile.TemporaryDirectory(prefix="uapi-") as tmp:
        source, binary = Path(tmp) / "consts.c", Path(tmp) / "consts"
        source.write_text(program)
        build = subprocess.run(
            [gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(UAPI), "-o", str(binary), str(source)],
            capture_output=True,
            text=True,
        )
        assert build.returncode == 0, (
            f"{header} does not compile with the names in pyharness.proto.consts:\n{build.stderr}"
        )
        out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    ints: dict[str, int] = {}
    strings: dict[str, str] = {}
    for line in out.splitlines():
        name, value = line.split(" ", 1)
        if name in STRING_DEFINES:
            strings[name] = value
        else:
            ints[name] = int(value)
    return Compiled(ints, strings)


# --- pyharness.proto.consts -------------------------------------------------------------------------------------------


def c_names(enum: type[IntEnum]) -> dict[str, int]:
    prefix = consts.C_NAMES[enum][1]
    return {prefix + member.name: int(member) for member in enum}


def python_enums(header: str) -> dict[str, type[IntEnum]]:
    """The Python enums describing the header, by C enum name."""
    return {consts.C_NAMES[enum][0]: enum for enum in consts.HEADER_ENUMS[header]}


def python_constants(header: str) -> dict[str, int]:
    return {name: value for enum in consts.HEADER_ENUMS[header] for name, value in c_names(enum).items()}


# --- the YAML specs --------------------------------------------------------------------------------------------------


@functools.cache
def spec(header: str) -> dict[str, Any]:
    return yaml.safe_load((UAPI / "linux" / SPECS[header]).read_text())


def c_name(prefix: str, name: str) -> str:
    return prefix + name.upper().replace("-", "_")


def numbered(prefix: str, items: list[Any], key: str = "name", start: int = 0) -> dict[str, int]:
    """C constant name -> value of YAML enum entries (strings or mappings; implicit values count up)."""
    result: dict[str, int] = {}
    value = start
    for item in items:
        name = item if isinstance(item, str) else item[key]
        if isinstance(item, dict) and "value" in item:
            value = item["value"]
        result[c_name(prefix, name)] = value
        value += 1
    return result


def attribute_sets(header: str) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in spec(header)["attribute-sets"]}


def enum_sets(header: str) -> list[dict[str, Any]]:
    """Attribute sets that define a C enum (subsets only narrow another set)."""
    return [s for s in spec(header)["attribute-sets"] if "subset-of" not in s]


def spec_enums(header: str) -> dict[str, tuple[str, dict[str, int]]]:
    """C enum name -> (name prefix, constants) of everything the spec numbers."""
    doc = spec(header)
    ops = doc["operations"]
    result = {ops["enum-name"]: (ops["name-prefix"], numbered(ops["name-prefix"], ops["list"], start=1))}
    for d in doc["definitions"]:
        if d["type"] == "enum":
            result[d["enum-name"]] = (d["name-prefix"], numbered(d["name-prefix"], d["entries"], start=0))
    for s in enum_sets(header):
        result[s["enum-name"]] = (s["name-prefix"], numbered(s["name-prefix"], s["attributes"], start=1))
    return result


def spec_constants(header: str) -> dict[str, int]:
    return {name: value for _, values in spec_enums(header).values() for name, value in values.items()}


def operation(header: str, name: str) -> dict[str, Any]:
    return next(op for op in spec(header)["operations"]["list"] if op["name"] == name)


def attribute(header: str, set_name: str, name: str) -> dict[str, Any]:
    return next(a for a in attribute_sets(header)[set_name]["attributes"] if a["name"] == name)


def top_level_set(header: str) -> dict[str, Any]:
    enum_name = consts.C_NAMES[LAYOUTS[header].attr][0]
    return next(s for s in enum_sets(header) if s["enum-name"] == enum_name)


def request_nests(header: str) -> list[dict[str, Any]]:
    """The attribute sets nested in the top level of requests."""
    sets = attribute_sets(header)
    return [sets[a["nested-attributes"]] for a in top_level_set(header)["attributes"] if a["type"] == "nest"]


# --- header <-> Python -----------------------------------------------------------------------------------------------


@per_header
def test_python_enum_values_equal_the_compiled_header(header: str) -> None:
    c_values = compiled(header).ints
    differ = {n: (v, c_values[n]) for n, v in python_constants(header).items() if c_values[n] != v}
    assert differ == {}, "name: (python, C)"


@per_header
def test_header_enums_have_no_constant_that_python_lacks(header: str) -> None:
    bodies = header_enums(header)
    for enum_name, enum in python_enums(header).items():
        in_header = {n for n in bodies[enum_name] if not is_sentinel(n)}
        assert in_header == set(c_names(enum)), enum_name


@per_header
def test_every_header_enum_is_described_by_python(header: str) -> None:
    assert set(header_enums(header)) == set(python_enums(header))


@per_header
def test_header_max_sentinels_equal_the_highest_python_value(header: str) -> None:
    c_values = compiled(header).ints
    for enum_name, enum in python_enums(header).items():
        for sentinel in (n for n in header_enums(header)[enum_name] if n.endswith("_MAX")):
            assert c_values[sentinel] == max(enum), sentinel


@per_header
def test_header_names_the_family_and_the_peers_group(header: str) -> None:
    strings = compiled(header).strings
    assert strings["OVPN_NL_NAME"] == LAYOUTS[header].family
    assert strings["OVPN_NL_MULTICAST_GROUP_PEERS"] == consts.MCAST_GROUP_PEERS


# --- spec <-> header and Python --------------------------------------------------------------------------------------


@per_header
def test_spec_family_name_equals_the_header(header: str) -> None:
    assert spec(header)["name"] == compiled(header).strings["OVPN_NL_NAME"]
    assert spec(header)["protocol"] == "genetlink-legacy"
    assert spec(header)["uapi-header"] == f"linux/{header}"


@per_header
def test_spec_declares_only_the_peers_multicast_group(header: str) -> None:
    groups = [g["name"] for g in spec(header)["mcast-groups"]["list"]]
    assert groups == [compiled(header).strings["OVPN_NL_MULTICAST_GROUP_PEERS"]] == [consts.MCAST_GROUP_PEERS]


@per_header
def test_spec_del_peer_is_multicast_to_peers_with_ifindex_and_its_nest(header: str) -> None:
    del_peer = operation(header, "del-peer")
    assert del_peer["mcgrp"] == consts.MCAST_GROUP_PEERS
    assert del_peer["event"]["attributes"] == ["ifindex", "del-peer"]


@per_header
def test_spec_operations_equal_the_python_commands(header: str) -> None:
    cmd = LAYOUTS[header].cmd
    ops = spec(header)["operations"]
    assert (ops["enum-name"], ops["name-prefix"]) == consts.C_NAMES[cmd]
    expected = {n: v for n, v in c_names(cmd).items() if v != cmd.UNSPEC}
    assert numbered(ops["name-prefix"], ops["list"], start=1) == expected


@per_header
def test_spec_attribute_sets_equal_the_python_enums(header: str) -> None:
    enums = python_enums(header)
    for s in enum_sets(header):
        enum = enums[s["enum-name"]]
        assert s["name-prefix"] == consts.C_NAMES[enum][1], s["name"]
        assert numbered(s["name-prefix"], s["attributes"], start=1) == c_names(enum), s["name"]


@per_header
def test_spec_definitions_equal_the_python_enums(header: str) -> None:
    enums = python_enums(header)
    for d in spec(header)["definitions"]:
        enum = enums[d["enum-name"]]
        assert d["name-prefix"] == consts.C_NAMES[enum][1], d["name"]
        assert numbered(d["name-prefix"], d["entries"]) == c_names(enum), d["name"]


@per_header
def test_spec_describes_every_python_enum_exactly_once(header: str) -> None:
    doc = spec(header)
    described = [doc["operations"]["enum-name"]]
    described += [d["enum-name"] for d in doc["definitions"]]
    described += [s["enum-name"] for s in enum_sets(header)]
    assert sorted(described) == sorted(python_enums(header))


@per_header
def test_spec_gives_every_value_explicitly(header: str) -> None:
    doc = spec(header)
    items = list(doc["operations"]["list"])
    items += [e for d in doc["definitions"] for e in d["entries"]]
    items += [a for s in enum_sets(header) for a in s["attributes"]]
    assert [i for i in items if not isinstance(i, dict) or "value" not in i] == []


@per_header
def test_spec_top_level_nests_use_the_python_op_nest(header: str) -> None:
    sets = attribute_sets(header)
    for attr in top_level_set(header)["attributes"]:
        if attr["type"] == "nest":
            nested = sets[attr["nested-attributes"]]["enum-name"]
            assert nested == consts.C_NAMES[consts.OP_NEST[c_name("", attr["name"])]][0], attr["name"]


# --- spec: wire-level rules ------------------------------------------------------------------------------------------


@per_header
def test_spec_every_command_requires_admin(header: str) -> None:
    for op in spec(header)["operations"]["list"]:
        assert op["flags"] == ["admin-perm"], op["name"]


@per_header
def test_spec_requests_carry_ifindex_then_the_commands_own_nest(header: str) -> None:
    top = top_level_set(header)
    nests = {a["name"] for a in top["attributes"] if a["type"] == "nest"}
    for op in spec(header)["operations"]["list"]:
        assert op["attribute-set"] == top["name"], op["name"]
        # set-dev carries the dev nest, which is also get-dev's reply
        own = [op["name"]] if op["name"] in nests else (["dev"] if op["name"] == "set-dev" else [])
        assert op["do"]["request"]["attributes"] == ["ifindex", *own], op["name"]


@per_header
def test_spec_get_peer_dumps_by_ifindex_only(header: str) -> None:
    get_peer = operation(header, "get-peer")
    assert get_peer["dump"]["request"]["attributes"] == ["ifindex"]
    assert [op["name"] for op in spec(header)["operations"]["list"] if "dump" in op] == ["get-peer"]


@per_header
def test_spec_ifindex_is_u32(header: str) -> None:
    assert attribute(header, top_level_set(header)["name"], "ifindex")["type"] == "u32"


@per_header
def test_spec_request_peer_ids_are_u32_of_24_bits(header: str) -> None:
    for nest in request_nests(header):
        for attr in (a for a in nest["attributes"] if a["name"] == "peer-id"):
            assert attr["type"] == "u32", nest["name"]
            assert attr["checks"]["max"] == PEER_ID_MAX, nest["name"]


@per_header
def test_spec_del_peer_reason_accepts_exactly_the_family_reasons(header: str) -> None:
    reason = attribute(header, "del-peer", "reason")
    assert reason["type"] == "u8"
    assert reason["checks"]["max"] == max(LAYOUTS[header].reason)


@per_header
def test_spec_get_peer_reply_counters_are_u64(header: str) -> None:
    attrs = attribute_sets(header)["get-peer-response"]["attributes"]
    counters = [a for a in attrs if a["name"].endswith(("-bytes", "-packets"))]
    assert counters, "no counters in get-peer-response"
    assert {a["name"]: a["type"] for a in counters} == {a["name"]: "u64" for a in counters}


def test_both_specs_type_the_shared_nests_identically() -> None:
    differing = {"del-peer", "get-peer-response", top_level_set(HEADERS[0])["name"], "ovpn-get-peer-reply"}
    first, second = (attribute_sets(h) for h in HEADERS)
    assert set(first) == set(second)

    def wire(s: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in a.items() if k != "doc"} for a in s["attributes"]]

    for name in sorted(set(first) - differing):
        assert wire(first[name]) == wire(second[name]), name


# --- pinned values ---------------------------------------------------------------------------------------------------

PINNED = [
    ("ovpn_dco.h", "OVPN_CMD_REGISTER_PACKET", 7),
    ("ovpn_dco.h", "OVPN_CMD_PACKET", 8),
    ("ovpn_dco.h", "OVPN_CMD_GET_PEER", 9),
    ("ovpn_dco.h", "OVPN_ATTR_PACKET", 8),
    ("ovpn_dco.h", "OVPN_ATTR_GET_PEER", 9),
    ("ovpn_dco.h", "IFLA_OVPN_MODE", 1),
    ("ovpn_dco.h", "OVPN_MODE_MP", 1),
    ("ovpn_dco_v2.h", "OVPN_CMD_GET_PEER", 7),
    ("ovpn_dco_v2.h", "OVPN_ATTR_GET_PEER", 8),
    ("ovpn_dco_v2.h", "OVPN_DEL_PEER_REASON_TRANSPORT_DISCONNECT", 4),
    ("ovpn_dco_v2.h", "OVPN_GET_PEER_RESP_ATTR_LINK_TX_PACKETS", 16),
    ("ovpn_dco_v2.h", "IFLA_OVPN_MODE", 1),
    ("ovpn_dco_v2.h", "OVPN_MODE_MP", 1),
]


@pytest.mark.parametrize(("header", "name", "value"), PINNED, ids=[f"{h}-{n}" for h, n, _ in PINNED])
def test_abi_value_is_pinned(header: str, name: str, value: int) -> None:
    assert compiled(header).ints[name] == value, "C header"
    assert python_constants(header)[name] == value, "pyharness.proto.consts"
    assert spec_constants(header)[name] == value, "YAML spec"


@pytest.mark.parametrize("name", ["OVPN_CMD_REGISTER_PACKET", "OVPN_CMD_PACKET", "OVPN_ATTR_PACKET"])
def test_v2_family_has_no_netlink_packet_api(name: str) -> None:
    header = "ovpn_dco_v2.h"
    assert name not in {n for body in header_enums(header).values() for n in body}, "C header"
    assert name not in python_constants(header), "pyharness.proto.consts"
    assert name not in spec_constants(header), "YAML spec"
