"""Formatting shared by the netlink table generators: C names, kernel-style line wrapping."""

from __future__ import annotations

# NLA_POLICY_{MIN,MAX,RANGE}() keep their bounds in s16; wider ones need a struct netlink_range_validation
S16_MAX = 0x7FFF
# the largest payload an attribute can carry (nla_len is u16, the header takes 4 bytes)
NLA_PAYLOAD_MAX = 0xFFFF - 4
TAB = 8
LINE_MAX = 80


def c_upper(name: str) -> str:
    return name.upper().replace("-", "_")


def c_lower(name: str) -> str:
    return name.lower().replace("-", "_")


def width(text: str) -> int:
    return len(text.expandtabs(TAB))


def indent_to(col: int) -> str:
    return "\t" * (col // TAB) + " " * (col % TAB)


def wrap_call(prefix: str, call: str, suffix: str) -> list[str]:
    """``prefix + call + suffix`` on one line, or the call's arguments broken and aligned after its '('."""
    line = prefix + call + suffix
    if width(line) <= LINE_MAX or "(" not in call:
        return [line]
    head, args = call.split("(", 1)
    parts = [p.strip() for p in args[:-1].split(",")]
    col = width(prefix + head + "(")
    lines = [prefix + head + "(" + parts[0] + ","]
    for i, part in enumerate(parts[1:], 1):
        last = i == len(parts) - 1
        candidate = lines[-1] + " " + part + (")" + suffix if last else ",")
        if width(candidate) <= LINE_MAX:
            lines[-1] = candidate
        else:
            lines.append(indent_to(col) + part + (")" + suffix if last else ","))
    return lines


def designated(key: str, value: str, depth: int = 1) -> list[str]:
    """``[key] = value,`` at ``depth`` tabs, the value moved to the next line if it does not fit."""
    pad = "\t" * depth
    line = f"{pad}[{key}] = {value},"
    if width(line) <= LINE_MAX:
        return [line]
    return [f"{pad}[{key}] ="] + wrap_call(pad + "\t", value, ",")
