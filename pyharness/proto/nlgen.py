"""Generate the kernel's generic netlink tables of the module's families from their YAML specs.

``python -m pyharness.proto.nlgen`` (``make gen``) reads uapi/linux/ovpn_dco.yaml
and uapi/linux/ovpn_dco_v2.yaml and writes, for each, kernel/netlink_gen_<family>.h:
one ``struct nla_policy`` array per attribute set the requests can reach (the YAML
``checks`` turned into NLA_POLICY_*), the operation descriptors, the genl ops, the
multicast groups and the ``struct genl_family``. ``--check`` only compares.

The generated C names what the YAML cannot say through macros the hand-written
kernel/netlink_tmpl.h defines: ``OVPN_NL_DOIT`` (the one handler of every ``do``),
``OVPN_NL_<OP>_START`` / ``OVPN_NL_<OP>_DUMPIT`` for each ``dump``, and
``OVPN_NL_<OP>_REQUIRED`` (the attributes a command's nest must carry).
The upstream ``ovpn`` family's spec (uapi/linux/ovpn.yaml, the kernel's own
layout) goes through ``nlgen_ovpn`` into kernel/netlink_gen_ovpn{,_uapi}.h.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import nlgen_ovpn
from .nlgen_fmt import NLA_PAYLOAD_MAX, S16_MAX, c_lower, c_upper, designated

REPO = Path(__file__).resolve().parents[2]
SPEC_DIR = Path("uapi/linux")
SPECS: tuple[str, ...] = ("ovpn_dco.yaml", "ovpn_dco_v2.yaml")
# every spec ``make gen`` reads: the module's own layouts and the upstream ``ovpn`` family's
ALL_SPECS: tuple[str, ...] = (*SPECS, nlgen_ovpn.SPEC_NAME)
TOP_SET = "ovpn"

Spec = dict[str, Any]


def load(path: Path) -> Spec:
    """One YAML spec, as the dicts and lists PyYAML gives."""
    with path.open() as f:
        spec: Spec = yaml.safe_load(f)
    return spec


def spec_path(name: str, root: Path = REPO) -> Path:
    return root / SPEC_DIR / name


def attr_sets(spec: Spec) -> dict[str, Spec]:
    """The attribute sets that have a numbering of their own (``subset-of`` views left out)."""
    return {s["name"]: s for s in spec["attribute-sets"] if "subset-of" not in s}


def definitions(spec: Spec) -> dict[str, Spec]:
    return {d["name"]: d for d in spec.get("definitions", [])}


def attr_const(aset: Spec, attr: Spec) -> str:
    return aset["name-prefix"] + c_upper(attr["name"])


def attr_max(aset: Spec) -> str:
    return str(aset.get("attr-max-name", aset["name-prefix"] + "MAX"))


def enum_const(defn: Spec, entry: Spec) -> str:
    return defn["name-prefix"] + c_upper(entry["name"])


def policy_name(set_name: str) -> str:
    return "ovpn_nl_policy" if set_name == TOP_SET else f"ovpn_nl_{c_lower(set_name)}_policy"


def wire_attrs(aset: Spec) -> list[Spec]:
    """The attributes of a set that can be sent: all but ``unused`` and ``pad``."""
    return [a for a in aset["attributes"] if a["type"] not in ("unused", "pad")]


def policy_sets(spec: Spec) -> list[str]:
    """The sets a request can reach from the operations' set, each after the sets it nests."""
    sets = attr_sets(spec)
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for attr in wire_attrs(sets[name]):
            if attr["type"] == "nest":
                visit(attr["nested-attributes"])
        order.append(name)

    visit(TOP_SET)
    return order


@dataclass(frozen=True)
class Check:
    """What the kernel checks of one attribute: NLA type, value or length bounds, nested set."""

    nla_type: str
    lo: int | None = None
    hi: int | None = None
    nested: str | None = None


_INT_TYPES = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64"}
_BE_TYPES = {"u16": "NLA_BE16", "u32": "NLA_BE32"}


def attr_check(attr: Spec) -> Check:
    """The policy of one attribute as the YAML states it (type, ``byte-order``, ``checks``)."""
    kind = attr["type"]
    checks: dict[str, int] = attr.get("checks", {})
    if kind in _INT_TYPES:
        if attr.get("byte-order") == "big-endian":
            if checks:
                raise ValueError(f"{attr['name']}: checks on a big-endian integer")
            return Check(_BE_TYPES[kind])
        return Check(_INT_TYPES[kind], checks.get("min"), checks.get("max"))
    if kind == "binary":
        if "exact-len" in checks:
            return Check("NLA_BINARY", checks["exact-len"], checks["exact-len"])
        return Check("NLA_BINARY", checks.get("min-len"), checks.get("max-len"))
    if kind == "nest":
        return Check("NLA_NESTED", nested=attr["nested-attributes"])
    raise ValueError(f"{attr['name']}: type {kind} has no kernel policy here")


def kernel_check(attr: Spec) -> Check:
    """What the generated policy checks of one attribute: ``attr_check`` without the bounds nothing can
    exceed (a binary's max-len of 65531 or more: no attribute carries more)."""
    check = attr_check(attr)
    if check.nla_type == "NLA_BINARY" and check.hi is not None and check.hi >= NLA_PAYLOAD_MAX:
        return Check(check.nla_type, check.lo, None)
    return check


@dataclass(frozen=True)
class RangeStruct:
    """A struct netlink_range_validation for bounds NLA_POLICY_RANGE() cannot hold."""

    name: str
    lo: int | None
    hi: int | None


class PolicyWriter:
    """Turns attributes into nla_policy initializers; collects the range structs they need."""

    def __init__(self, spec: Spec) -> None:
        self.defs = definitions(spec)
        self.ranges: dict[tuple[int | None, int | None], RangeStruct] = {}

    def value(self, attr: Spec, value: int) -> str:
        """A bound, by name when it is an entry of the attribute's enum."""
        defn = self.defs.get(attr.get("enum", ""))
        if defn is not None:
            for entry in defn["entries"]:
                if entry["value"] == value:
                    return enum_const(defn, entry)
        return f"{value:#x}" if value > 0xFF else str(value)

    def range_struct(self, attr: Spec, lo: int | None, hi: int | None) -> RangeStruct:
        key = (lo, hi)
        if key not in self.ranges:
            self.ranges[key] = RangeStruct(f"ovpn_nl_{c_lower(attr['name'])}_range", lo, hi)
        return self.ranges[key]

    def initializer(self, attr: Spec) -> str:
        check = kernel_check(attr)
        if check.nested is not None:
            return f"NLA_POLICY_NESTED({policy_name(check.nested)})"
        if check.nla_type == "NLA_BINARY":
            return self._binary(attr, check)
        lo, hi = check.lo, check.hi
        if lo is None and hi is None:
            return f"{{ .type = {check.nla_type} }}"
        if any(b is not None and abs(b) > S16_MAX for b in (lo, hi)):
            return f"NLA_POLICY_FULL_RANGE({check.nla_type}, &{self.range_struct(attr, lo, hi).name})"
        if lo is None:
            return f"NLA_POLICY_MAX({check.nla_type}, {self.value(attr, hi or 0)})"
        if hi is None:
            return f"NLA_POLICY_MIN({check.nla_type}, {self.value(attr, lo)})"
        return f"NLA_POLICY_RANGE({check.nla_type}, {self.value(attr, lo)}, {self.value(attr, hi)})"

    @staticmethod
    def _binary(attr: Spec, check: Check) -> str:
        lo, hi = check.lo, check.hi
        if lo is not None and lo == hi:
            return f"NLA_POLICY_EXACT_LEN({lo})"
        if lo is not None and hi is not None:
            if hi > S16_MAX:
                raise ValueError(f"{attr['name']}: max-len {hi} does not fit NLA_POLICY_RANGE()")
            return f"NLA_POLICY_RANGE(NLA_BINARY, {lo}, {hi})"
        if lo is not None:
            return f"NLA_POLICY_MIN_LEN({lo})"
        if hi is not None:
            raise ValueError(f"{attr['name']}: max-len alone needs NLA_POLICY_MAX_LEN() (6.13+)")
        return "{ .type = NLA_BINARY }"


def request_nest(spec: Spec, op: Spec) -> Spec | None:
    """The attribute of the operations' set that carries a command's parameters (all but ifindex)."""
    top = attr_sets(spec)[TOP_SET]
    by_name = {a["name"]: a for a in top["attributes"]}
    names = [n for n in op.get("do", {}).get("request", {}).get("attributes", []) if by_name[n]["type"] == "nest"]
    if len(names) > 1:
        raise ValueError(f"{op['name']}: more than one nest in the request")
    return by_name[names[0]] if names else None


_FLAGS = {"admin-perm": "GENL_ADMIN_PERM", "uns-admin-perm": "GENL_UNS_ADMIN_PERM"}


def abi_asserts(spec: Spec) -> list[str]:
    """static_assert()s that the uapi header gives every constant of the spec the spec's value.

    The header keeps its hand-written text (the seed's sentinels such as
    __OVPN_KEY_SLOT_FIRST, its kernel-doc, the <linux/if_link.h> guard of the
    rtnetlink part): the module does not build if it disagrees with the YAML.
    """
    lines: list[tuple[str, int]] = []
    ops = spec["operations"]
    lines += [(ops["name-prefix"] + c_upper(op["name"]), int(op["value"])) for op in ops["list"]]
    for defn in spec.get("definitions", []):
        lines += [(enum_const(defn, e), int(e["value"])) for e in defn["entries"]]
    for aset in attr_sets(spec).values():
        values = [(attr_const(aset, a), int(a["value"])) for a in aset["attributes"]]
        lines += values + [(attr_max(aset), max(v for _, v in values))]
    out = ["", "/* the uapi header gives every constant the value of the YAML */"]
    return out + [f"static_assert({name} == {value});" for name, value in lines]


def render_kernel(spec: Spec, source: str) -> str:
    """kernel/netlink_gen_<family>.h of one spec."""
    sets = attr_sets(spec)
    top = sets[TOP_SET]
    cmd_prefix = spec["operations"]["name-prefix"]
    writer = PolicyWriter(spec)
    guard = "_NET_OVPN_DCO_NETLINK_GEN_" + c_upper(Path(source).stem) + "_H_"

    policies: list[str] = []
    for set_name in policy_sets(spec):
        aset = sets[set_name]
        policies += ["", "static const struct nla_policy", f"{policy_name(set_name)}[{attr_max(aset)} + 1] = {{"]
        for attr in wire_attrs(aset):
            policies += designated(attr_const(aset, attr), writer.initializer(attr))
        policies.append("};")

    out = [
        "/* SPDX-License-Identifier: GPL-2.0-only */",
        f"/* generated from {source} by pyharness/proto/nlgen.py - do not edit */",
        "",
        f"#ifndef {guard}",
        f"#define {guard}",
    ]
    out += abi_asserts(spec)
    for rng in writer.ranges.values():
        out += ["", f"static struct netlink_range_validation {rng.name} = {{"]
        if rng.lo is not None:
            out.append(f"\t.min = {rng.lo:#x},")
        if rng.hi is not None:
            out.append(f"\t.max = {rng.hi:#x},")
        out.append("};")
    out += policies

    ops = spec["operations"]["list"]
    out += ["", "static const struct ovpn_nl_op_desc ovpn_nl_op_desc[__OVPN_NL_OP_COUNT] = {"]
    for op in ops:
        name = c_upper(op["name"])
        out += [f"\t[OVPN_NL_OP_{name}] = {{", f"\t\t.cmd = {cmd_prefix}{name},"]
        nest = request_nest(spec, op)
        if nest is not None:
            inner = sets[nest["nested-attributes"]]
            out += [
                f"\t\t.attr = {attr_const(top, nest)},",
                f"\t\t.nest_policy = {policy_name(inner['name'])},",
                f"\t\t.nest_maxtype = {attr_max(inner)},",
            ]
            peer_id = [a for a in wire_attrs(inner) if a["name"] == "peer-id"]
            if peer_id:
                out.append(f"\t\t.peer_id_attr = {attr_const(inner, peer_id[0])},")
            out.append(f"\t\t.required = OVPN_NL_{name}_REQUIRED,")
        out.append("\t},")
    out.append("};")

    out += ["", "static const struct genl_ops ovpn_nl_ops[] = {"]
    for op in ops:
        if "do" not in op and "dump" not in op:
            continue
        name = c_upper(op["name"])
        out += ["\t{", f"\t\t.cmd = {cmd_prefix}{name},"]
        flags = [_FLAGS[f] for f in op.get("flags", [])]
        if flags:
            out.append(f"\t\t.flags = {' | '.join(flags)},")
        if "do" in op:
            out.append("\t\t.doit = OVPN_NL_DOIT,")
        if "dump" in op:
            out += [f"\t\t.start = OVPN_NL_{name}_START,", f"\t\t.dumpit = OVPN_NL_{name}_DUMPIT,"]
        out.append("\t},")
    out.append("};")

    out += ["", "static const struct genl_multicast_group ovpn_nl_mcgrps[] = {"]
    for grp in spec.get("mcast-groups", {}).get("list", []):
        define = grp.get("c-define-name", f'"{grp["name"]}"')
        out.append(f"\tOVPN_COMPAT_MCGRP({define}),")
    out.append("};")

    out += [
        "",
        "static struct genl_family ovpn_nl_genl __ro_after_init = {",
        f"\t.name\t\t= {spec.get('c-family-name', c_upper(spec['name']) + '_FAMILY_NAME')},",
        f"\t.version\t= {spec.get('version', 1)},",
        f"\t.maxattr\t= {attr_max(top)},",
        "\t.policy\t\t= ovpn_nl_policy,",
        "\t.netnsok\t= true,",
        "\t.parallel_ops\t= true,",
        "\t.module\t\t= THIS_MODULE,",
        "\t.ops\t\t= ovpn_nl_ops,",
        "\t.n_ops\t\t= ARRAY_SIZE(ovpn_nl_ops),",
        "\t.mcgrps\t\t= ovpn_nl_mcgrps,",
        "\t.n_mcgrps\t= ARRAY_SIZE(ovpn_nl_mcgrps),",
        "};",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(out)


def kernel_output(spec_name: str) -> Path:
    """Where the kernel tables of a spec go, relative to the repository."""
    return Path("kernel") / f"netlink_gen_{Path(spec_name).stem.removeprefix('ovpn_')}.h"


def generate(root: Path = REPO) -> dict[Path, str]:
    """Every generated file, by path relative to the repository, from the specs under ``root``."""
    out: dict[Path, str] = {}
    for name in SPECS:
        source = (SPEC_DIR / name).as_posix()
        out[kernel_output(name)] = render_kernel(load(spec_path(name, root)), source)
    source = (SPEC_DIR / nlgen_ovpn.SPEC_NAME).as_posix()
    out.update(nlgen_ovpn.generate(load(spec_path(nlgen_ovpn.SPEC_NAME, root)), source))
    return out


def stale(root: Path = REPO) -> list[Path]:
    """Generated files under ``root`` that differ from what the specs give now."""
    return [p for p, text in generate(root).items() if not (root / p).is_file() or (root / p).read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyharness.proto.nlgen", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="repository to read the specs from and write to")
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.root)
        for path in bad:
            print(f"{path}: stale, run `make gen`", file=sys.stderr)
        return 1 if bad else 0
    for path, text in generate(args.root).items():
        target = args.root / path
        if not target.is_file() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
