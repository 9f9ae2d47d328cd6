"""The harness's shape: no import circle among pyharness modules, and every module says its job.

The import graph is read from the sources with ``ast``, not by importing them: imports at
module level and inside functions (lazy ones too), absolute and relative. An import of
``a.b.c`` also runs the packages ``a`` and ``a.b`` (their ``__init__``), so those count as
edges too, except the importer's own packages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyharness

PACKAGE_DIR = Path(pyharness.__file__).resolve().parent


def module_name(path: Path, root: Path, package: str) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE_DIR, package: str = "pyharness") -> dict[str, Path]:
    return {module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ``known`` an import statement runs (not counting the importer's own packages)."""
    found: set[str] = set()
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = importer.split(".") if is_package else importer.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            frm = ".".join(base + ([node.module] if node.module else []))
        else:
            frm = node.module or ""
        # ``from P import x``: x is a submodule of P, or a name P defines
        names = [f"{frm}.{a.name}" if f"{frm}.{a.name}" in known else frm for a in node.names]
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in known and not (importer == prefix or importer.startswith(prefix + ".")):
                found.add(prefix)
    return found


def import_graph(root: Path = PACKAGE_DIR, package: str = "pyharness") -> dict[str, set[str]]:
    """Module -> the modules it imports, at any depth of its code (functions included)."""
    mods = modules(root, package)
    known = set(mods)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _targets(node, name, path.name == "__init__.py", known)
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module (Tarjan), as a path a -> ... -> a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_circle(graph, comp) for comp in components]


def _circle(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest circle through the first module of a component (breadth first)."""
    start, members = comp[0], set(comp)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no circle in {comp}")


def test_no_import_circle_among_pyharness_modules():
    found = cycles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_graph_sees_relative_absolute_and_lazy_imports():
    graph = import_graph()
    assert "pyharness.netlink.genl" in graph["pyharness.netlink.dco"]  # from . import genl
    assert "pyharness.proto.consts" in graph["pyharness.netlink.dco"]  # from ..proto.consts import (...)
    assert "pyharness.matrix.resolve" in graph["pyharness.bench.run"]  # inside main()
    assert "pyharness.vm.kernels" in graph["pyharness.matrix.resolve"]
    assert "pyharness.matrix.debian" not in graph["pyharness.vm.kernels"]


def test_a_circle_is_named(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("import os\n\n\ndef f():\n    import pkg.c\n")  # lazy, absolute
    (pkg / "c.py").write_text("from pkg import a\n")
    (pkg / "d.py").write_text("from . import a\n")  # into the circle, not part of it
    assert cycles(import_graph(pkg, "pkg")) == [["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]]


def first_line_problem(doc: str | None) -> str | None:
    """Why a module docstring's first line is not one sentence naming its job, or None."""
    if not doc or not doc.strip():
        return "no docstring"
    lines = doc.strip().splitlines()
    first = lines[0].strip()
    if len(lines) > 1 and lines[1].strip():
        return f"the first line runs on into the second: {first!r}"
    if not first.endswith((".", "!", "?")):
        return f"the first line is not a sentence (no full stop): {first!r}"
    if re.search(r"[a-z0-9)`'\"][.!?] +[A-Z]", first[:-1]):
        return f"the first line holds more than one sentence: {first!r}"
    return None


def test_every_module_has_a_one_sentence_docstring():
    problems = []
    for name, path in modules().items():
        why = first_line_problem(ast.get_docstring(ast.parse(path.read_text())))
        if why:
            problems.append(f"{name}: {why}")
    assert not problems, "\n".join(problems)


def test_the_docstring_rule():
    assert first_line_problem("Build the module.") is None
    assert first_line_problem("Build the module.\n\nMore text. And more.") is None
    assert first_line_problem("Build the module, then\nboot it.") is not None
    assert first_line_problem("Build the module") is not None
    assert first_line_problem("Build it. Then boot it.") is not None
    assert first_line_problem(None) == "no docstring"
