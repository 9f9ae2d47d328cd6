"""Generate kernel/netlink_gen_ovpn.h, the tables of the upstream ``ovpn`` family, from uapi/linux/ovpn.yaml.

The spec is the kernel's own (``protocol: genetlink``): values are implicit
(attributes count from 1 in each set, enum entries from 0, operations from 1
in their order, notifications included) and each operation validates its
request against a ``subset-of`` view of an attribute set. The generated
headers carry the constants with the kernel's uapi names and the nests'
policies' declarations (netlink_gen_ovpn_uapi.h) and (netlink_gen_ovpn.h,
included by one file) a policy per attribute set and, static, per operation, the ``struct genl_ops`` (per-op
policies, so it registers on 6.1 too, which has no split ops), the multicast
groups and ``ovpn_nlo_genl``. Handlers are named through macros the family's
C file defines before including it: ``OVPN_NLO_<OP>_DOIT`` and, for a dump,
``OVPN_NLO_<OP>_DUMPIT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .nlgen_fmt import LINE_MAX, S16_MAX, c_lower, c_upper, designated, width

Spec = dict[str, Any]

SPEC_NAME = "ovpn.yaml"
OUTPUT = Path("kernel/netlink_gen_ovpn.h")
UAPI_OUTPUT = Path("kernel/netlink_gen_ovpn_uapi.h")
TOP_SET = "ovpn"
# the enums of the spec's definitions also exist, same names and values, in
# uapi/linux/ovpn_dco_v2.h (crypto.h includes it): asserted, not redefined
_INT = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64", "s32": "NLA_S32"}
_BE = {"u16": "NLA_BE16", "u32": "NLA_BE32"}
_FLAGS = {"admin-perm": "GENL_ADMIN_PERM", "uns-admin-perm": "GENL_UNS_ADMIN_PERM"}


def family_prefix(spec: Spec) -> str:
    return c_upper(spec["name"]) + "_"


def sets_by_name(spec: Spec) -> dict[str, Spec]:
    return {s["name"]: s for s in spec["attribute-sets"]}


def base_set(spec: Spec, aset: Spec) -> Spec:
    """The set that numbers a set's attributes: itself, or the one it is a subset of."""
    return sets_by_name(spec)[aset["subset-of"]] if "subset-of" in aset else aset


def set_prefix(spec: Spec, aset: Spec) -> str:
    """``OVPN_A_`` for the operations' set, ``OVPN_A_PEER_`` for ``peer``: ynl's default prefixes."""
    base = base_set(spec, aset)
    if "name-prefix" in base:
        return str(base["name-prefix"])
    if base["name"] == TOP_SET:
        return family_prefix(spec) + "A_"
    return family_prefix(spec) + "A_" + c_upper(base["name"]) + "_"


def attr_values(spec: Spec, aset: Spec) -> dict[str, int]:
    """Each attribute's number: explicit ``value``, else one more than the previous (from 1)."""
    out: dict[str, int] = {}
    nxt = 1
    for attr in base_set(spec, aset)["attributes"]:
        nxt = int(attr.get("value", nxt))
        out[attr["name"]] = nxt
        nxt += 1
    return out


def full_attr(spec: Spec, aset: Spec, name: str) -> Spec:
    """A subset's entry merged over the base set's definition (a subset may name another nest)."""
    base = {a["name"]: a for a in base_set(spec, aset)["attributes"]}[name]
    mine = {a["name"]: a for a in aset["attributes"]}[name]
    return {**base, **mine}


def attr_const(spec: Spec, aset: Spec, name: str) -> str:
    return set_prefix(spec, aset) + c_upper(name)


def set_max(spec: Spec, aset: Spec) -> str:
    return set_prefix(spec, aset) + "MAX"


def highest(spec: Spec, aset: Spec) -> str:
    """The constant of the highest attribute a set holds (a policy's last index)."""
    values = attr_values(spec, aset)
    name = max((a["name"] for a in aset["attributes"]), key=lambda n: values[n])
    return attr_const(spec, aset, name)


def policy_name(aset: Spec) -> str:
    return f"ovpn_nlo_{c_lower(aset['name'])}_policy"


def op_values(spec: Spec) -> dict[str, int]:
    out: dict[str, int] = {}
    nxt = 1
    for op in spec["operations"]["list"]:
        nxt = int(op.get("value", nxt))
        out[op["name"]] = nxt
        nxt += 1
    return out


def enum_values(defn: Spec) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    nxt = int(defn.get("value-start", 0))
    for entry in defn["entries"]:
        name = entry if isinstance(entry, str) else entry["name"]
        if not isinstance(entry, str) and "value" in entry:
            nxt = int(entry["value"])
        out.append((name, nxt))
        nxt += 1
    return out


def const_values(spec: Spec) -> dict[str, int]:
    return {d["name"]: int(d["value"]) for d in spec.get("definitions", []) if d["type"] == "const"}


@dataclass(frozen=True)
class Range:
    name: str
    lo: int | None
    hi: int | None


class Policies:
    """Policy initializers for the spec's attributes; collects the range structs they need."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.consts = const_values(spec)
        self.enums = {d["name"]: enum_values(d) for d in spec.get("definitions", []) if d["type"] == "enum"}
        self.ranges: dict[str, Range] = {}

    def _bound(self, value: int | str) -> int:
        return self.consts[value] if isinstance(value, str) else int(value)

    def initializer(self, aset: Spec, attr: Spec) -> str:
        kind = attr["type"]
        checks: dict[str, Any] = attr.get("checks", {})
        if kind == "nest":
            nested = sets_by_name(self.spec)[attr["nested-attributes"]]
            return f"NLA_POLICY_NESTED({policy_name(nested)})"
        if kind == "uint":
            return "{ .type = OVPN_COMPAT_NLA_UINT }"
        if kind == "binary":
            if "exact-len" in checks:
                length = checks["exact-len"]
                text = (family_prefix(self.spec) + c_upper(length)) if isinstance(length, str) else str(length)
                return f"NLA_POLICY_EXACT_LEN({text})"
            if "max-len" in checks:
                return f"NLA_POLICY_MAX(NLA_BINARY, {self._bound(checks['max-len'])})"
            return "{ .type = NLA_BINARY }"
        if attr.get("byte-order") == "big-endian":
            nla = _BE[kind]
        else:
            nla = _INT[kind]
        lo = self._bound(checks["min"]) if "min" in checks else None
        hi = self._bound(checks["max"]) if "max" in checks else None
        if "enum" in attr and hi is None:
            hi = max(v for _, v in self.enums[attr["enum"]])
        if lo is None and hi is None:
            return f"{{ .type = {nla} }}"
        if any(b is not None and abs(b) > S16_MAX for b in (lo, hi)):
            key = f"ovpn_nlo_range_{lo or 0}_{hi if hi is not None else 'max'}"
            self.ranges.setdefault(key, Range(key, lo, hi))
            return f"NLA_POLICY_FULL_RANGE({nla}, &{key})"
        if lo is None:
            return f"NLA_POLICY_MAX({nla}, {hi})"
        if hi is None:
            return f"NLA_POLICY_MIN({nla}, {lo})"
        return f"NLA_POLICY_RANGE({nla}, {lo}, {hi})"


def nested_order(spec: Spec) -> list[Spec]:
    """Every attribute set but the operations' own views, each after the sets it nests."""
    sets = sets_by_name(spec)
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        aset = sets[name]
        for a in aset["attributes"]:
            attr = full_attr(spec, aset, a["name"])
            if attr["type"] == "nest":
                visit(attr["nested-attributes"])
        order.append(name)

    for s in spec["attribute-sets"]:
        if base_set(spec, s)["name"] != TOP_SET:
            visit(s["name"])
    return [sets[n] for n in order]


def _enum_block(names: list[tuple[str, int]], last: str | None) -> list[str]:
    out = ["enum {"]
    for name, value in names:
        out.append(f"\t{name} = {value},")
    if last is not None:
        out += [f"\t__{last},", f"\t{last} = __{last} - 1,"]
    out.append("};")
    return out


def _constants(spec: Spec) -> list[str]:
    prefix = family_prefix(spec)
    out = [
        "",
        f'#define {prefix}FAMILY_NAME\t"{spec["name"]}"',
        f"#define {prefix}FAMILY_VERSION\t{spec.get('version', 1)}",
        "",
        "/* constants and enums the module already has: the same values */",
    ]
    for name, value in const_values(spec).items():
        out.append(f"static_assert({prefix}{c_upper(name)} == {value});")
    for defn in spec.get("definitions", []):
        if defn["type"] != "enum":
            continue
        stem = prefix + c_upper(defn["name"]) + "_"
        if defn["name"] == "del-peer-reason":
            stem = prefix + "DEL_PEER_REASON_"
        for name, value in enum_values(defn):
            out.append(f"static_assert({stem}{c_upper(name)} == {value});")
    for aset in spec["attribute-sets"]:
        if "subset-of" in aset:
            continue
        values = attr_values(spec, aset)
        out.append("")
        out += _enum_block([(attr_const(spec, aset, n), v) for n, v in values.items()], set_max(spec, aset))
    ops = op_values(spec)
    out.append("")
    out += _enum_block([(f"{prefix}CMD_{c_upper(n)}", v) for n, v in ops.items()], None)
    groups = [g["name"] for g in spec.get("mcast-groups", {}).get("list", [])]
    out.append("")
    out += _enum_block([(f"{prefix}NLGRP_{c_upper(g)}", i) for i, g in enumerate(groups)], None)
    return out


def _policy(spec: Spec, pol: Policies, aset: Spec, name: str, size: str, shared: bool = False) -> list[str]:
    out = ["", "const struct nla_policy" if shared else "static const struct nla_policy", f"{name}[{size} + 1] = {{"]
    for a in aset["attributes"]:
        attr = full_attr(spec, aset, a["name"])
        out += designated(attr_const(spec, aset, a["name"]), pol.initializer(aset, attr))
    out.append("};")
    return out


def _request_set(spec: Spec, op: Spec) -> Spec:
    """The op's view of the operations' set, cut to the attributes its ``do`` request lists."""
    aset = sets_by_name(spec)[op["attribute-set"]]
    wanted = op.get("do", op.get("dump", {})).get("request", {}).get("attributes", [])
    return {**aset, "attributes": [a for a in aset["attributes"] if a["name"] in wanted]}


def render(spec: Spec, source: str) -> str:
    """kernel/netlink_gen_ovpn.h: the policies, ops, groups and family."""
    guard = "_NET_OVPN_DCO_NETLINK_GEN_OVPN_H_"
    pol = Policies(spec)
    prefix = family_prefix(spec)
    body: list[str] = []
    for aset in nested_order(spec):
        body += _policy(spec, pol, aset, policy_name(aset), highest(spec, aset), shared=True)

    ops = [op for op in spec["operations"]["list"] if "do" in op or "dump" in op]
    for op in ops:
        top = _request_set(spec, op)
        body += _policy(spec, pol, top, f"ovpn_nlo_{c_lower(op['name'])}_policy", highest(spec, top))

    body += ["", "static const struct genl_ops ovpn_nlo_ops[] = {"]
    for op in ops:
        name = c_upper(op["name"])
        top = _request_set(spec, op)
        body += ["\t{", f"\t\t.cmd\t\t= {prefix}CMD_{name},"]
        flags = [_FLAGS[f] for f in op.get("flags", [])]
        if flags:
            body.append(f"\t\t.flags\t\t= {' | '.join(flags)},")
        if "do" in op:
            body.append(f"\t\t.doit\t\t= OVPN_NLO_{name}_DOIT,")
        if "dump" in op:
            body.append(f"\t\t.dumpit\t\t= OVPN_NLO_{name}_DUMPIT,")
        body += [
            f"\t\t.policy\t\t= ovpn_nlo_{c_lower(op['name'])}_policy,",
            f"\t\t.maxattr\t= {highest(spec, top)},",
            "\t},",
        ]
    body.append("};")

    body += ["", "static const struct genl_multicast_group ovpn_nlo_mcgrps[] = {"]
    for grp in spec.get("mcast-groups", {}).get("list", []):
        body.append(f'\t[{prefix}NLGRP_{c_upper(grp["name"])}] = OVPN_COMPAT_MCGRP("{grp["name"]}"),')
    body.append("};")

    body += [
        "",
        "static struct genl_family ovpn_nlo_genl __ro_after_init = {",
        f"\t.name\t\t= {prefix}FAMILY_NAME,",
        f"\t.version\t= {prefix}FAMILY_VERSION,",
        "\t.netnsok\t= true,",
        "\t.parallel_ops\t= true,",
        "\t.module\t\t= THIS_MODULE,",
        "\t.ops\t\t= ovpn_nlo_ops,",
        "\t.n_ops\t\t= ARRAY_SIZE(ovpn_nlo_ops),",
        "\t.mcgrps\t\t= ovpn_nlo_mcgrps,",
        "\t.n_mcgrps\t= ARRAY_SIZE(ovpn_nlo_mcgrps),",
        "};",
    ]

    out = _head(source, guard) + ["", f'#include "{UAPI_OUTPUT.name}"']
    for rng in pol.ranges.values():
        out += ["", f"static struct netlink_range_validation {rng.name} = {{"]
        if rng.lo is not None:
            out.append(f"\t.min = {rng.lo:#x},")
        if rng.hi is not None:
            out.append(f"\t.max = {rng.hi:#x},")
        out.append("};")
    out += body
    return _tail(out, guard)


def _head(source: str, guard: str) -> list[str]:
    return [
        "/* SPDX-License-Identifier: GPL-2.0-only */",
        f"/* generated from {source} by pyharness/proto/nlgen_ovpn.py - do not edit */",
        "",
        f"#ifndef {guard}",
        f"#define {guard}",
    ]


def _tail(out: list[str], guard: str) -> str:
    out = out + ["", f"#endif /* {guard} */", ""]
    for line in out:
        if width(line) > LINE_MAX and not line.startswith("/*"):
            raise ValueError(f"generated line too long: {line!r}")
    return "\n".join(out)


def render_uapi(spec: Spec, source: str) -> str:
    """kernel/netlink_gen_ovpn_uapi.h: the constants, with the names of the kernel's uapi header."""
    guard = "_NET_OVPN_DCO_NETLINK_GEN_OVPN_UAPI_H_"
    decls = ["", "/* the policies of the nests, for the handlers that parse them */"]
    for aset in nested_order(spec):
        decls += ["extern const struct nla_policy", f"{policy_name(aset)}[{highest(spec, aset)} + 1];"]
    return _tail(_head(source, guard) + _constants(spec) + decls, guard)


def generate(spec: Spec, source: str) -> dict[Path, str]:
    """Both generated headers, by path relative to the repository."""
    return {UAPI_OUTPUT: render_uapi(spec, source), OUTPUT: render(spec, source)}
