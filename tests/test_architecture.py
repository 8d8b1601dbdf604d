"""The layers of the product package (docs/ARCHITECTURE.md), checked on its source: every import, at any depth (a
lazy import inside a function counts like one at the top), read with `ast`.

- The product imports neither the tests nor the benchmark (`tests`, `bench`).
- Only the shell (par_dashboard/shell/) imports Streamlit.
- A layer imports only its own and the layers below it:
      i18n, paths, domain  <  store, security  <  building, importing, extract  <  views  <  shell  <  cli
- No module imports itself back through others (no cycle), whether the imports run at import time or later.
- The entry file and the pages reach the product through the shell, the views and the layers below the store
  (i18n, paths, domain, security); the data page also drives the import service and the report reader.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACKAGE = "par_dashboard"
# Layer of each top-level part of the package; a module may import from its own layer and those below.
LAYERS = {
    "": 0, "__init__": 0, "paths": 0, "i18n": 0, "labels": 0, "domain": 0,
    "store": 1, "security": 1,
    "building": 2, "importing": 2, "extract": 2,
    "views": 3,
    "shell": 4,
    "cli": 5, "__main__": 5,
}
LAYER_NAMES = ["i18n/paths/domain", "store/security", "building/importing/extract", "views", "shell", "cli"]
# What the entry file and the pages may import from the package (by top-level part), and what one page more.
PAGE_PARTS = {"shell", "views", "i18n", "paths", "domain", "security"}
PAGE_EXTRA = {"pages/data.py": {"importing", "extract"}}  # the Dữ liệu page: imports, drafts from report texts


@dataclass(frozen=True)
class Import:
    source: str  # the importing module (dotted) or page file
    target: str  # the imported module, or the package a name is taken from
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.cache  # the files do not change during a run; parsed once for every check
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imports_of(path: Path, name: str, modules: dict[str, Path] | None = None) -> list[Import]:
    """Every import in the file, at any depth. `from X import a` imports the module X.a when there is one (a
    submodule), else X itself (a name defined in X); relative imports are resolved against `name`."""
    modules = _modules() if modules is None else modules
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append(Import(name, sub if sub in modules else base, node.lineno))
    return out


def _part(module: str) -> str:
    """The top-level part of the package a module belongs to: 'store' for par_dashboard.store.db, '' for the package."""
    rest = module.removeprefix(PACKAGE).removeprefix(".")
    return rest.split(".")[0]


@functools.cache
def _all_imports() -> tuple[dict[str, Path], list[Import]]:
    modules = _modules()
    return modules, [i for name, path in modules.items() for i in imports_of(path, name, modules)]


def _where(imp: Import, modules: dict[str, Path]) -> str:
    path = modules.get(imp.source)
    shown = path.relative_to(ROOT) if path else imp.source
    return f"{shown}:{imp.line} imports {imp.target}"


def _is(module: str, top: str) -> bool:
    return module == top or module.startswith(top + ".")


def test_every_part_of_the_package_has_a_layer():
    modules = _modules()
    assert {_part(m) for m in modules} <= set(LAYERS), "a new folder in par_dashboard/ needs its layer here and in docs/ARCHITECTURE.md"


def test_the_product_imports_neither_the_tests_nor_the_benchmark():
    modules, found = _all_imports()
    wrong = [_where(i, modules) for i in found if _is(i.target, "tests") or _is(i.target, "bench")]
    assert not wrong, "\n".join(wrong)


def test_only_the_shell_imports_streamlit():
    modules, found = _all_imports()
    wrong = [_where(i, modules) for i in found if _is(i.target, "streamlit") and _part(i.source) != "shell"]
    assert not wrong, "\n".join(wrong)


# Streamlit's modules below its public `st` the product may import, each with the reason in docs/ARCHITECTURE.md
# ("Deliberate deviations"): the server's start (`streamlit.web.cli`, how `serve` runs Streamlit in-process) and the
# pages-folder switch. A per-run memo on Streamlit's private run context once stood here; session state serves.
STREAMLIT_INTERNALS = {("par_dashboard.shell.server", "streamlit.runtime.pages_manager"),
                       ("par_dashboard.shell.server", "streamlit.web")}


def test_streamlit_is_used_through_its_public_api():
    modules, found = _all_imports()
    pages = [i for p in [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]
             for i in imports_of(p, p.relative_to(ROOT).with_suffix("").as_posix().replace("/", "."), modules)]
    wrong = [_where(i, modules) for i in [*found, *pages]
             if _is(i.target, "streamlit") and i.target != "streamlit" and not i.target.startswith("streamlit.testing")
             and (i.source, i.target) not in STREAMLIT_INTERNALS]
    assert not wrong, "\n".join(wrong)


def test_a_layer_imports_only_its_own_and_the_layers_below():
    modules, found = _all_imports()
    wrong = []
    for i in found:
        if not _is(i.target, PACKAGE):
            continue
        here, there = LAYERS[_part(i.source)], LAYERS[_part(i.target)]
        if there > here:
            wrong.append(f"{_where(i, modules)}: {LAYER_NAMES[here]} must not import {LAYER_NAMES[there]}")
    assert not wrong, "\n".join(wrong)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_itself_back():
    modules, found = _all_imports()
    edges: dict[str, set[str]] = {}
    lines: dict[tuple[str, str], Import] = {}
    for i in found:
        if i.target in modules and i.target != i.source:
            edges.setdefault(i.source, set()).add(i.target)
            lines.setdefault((i.source, i.target), i)
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle:\n" + "\n".join(_where(lines[a, b], modules) for a, b in zip(cycle, cycle[1:], strict=False))


def test_the_pages_reach_the_product_through_the_shell_and_the_views():
    modules = _modules()
    wrong = []
    for path in [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]:
        page = path.relative_to(ROOT).as_posix()
        allowed = PAGE_PARTS | PAGE_EXTRA.get(page, set())
        for i in imports_of(path, page.removesuffix(".py").replace("/", "."), modules):
            if _is(i.target, "tests") or _is(i.target, "bench") or (_is(i.target, PACKAGE) and _part(i.target) not in allowed):
                wrong.append(f"{page}:{i.line} imports {i.target}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_what_they_look_for(tmp_path):
    """The checks themselves: a lazy import inside a function, a relative import and a cycle are found."""
    (tmp_path / "mod.py").write_text("def f():\n    from par_dashboard.shell import ui\n    import streamlit as st\n"
                                     "from . import sibling\n", encoding="utf-8")
    found = imports_of(tmp_path / "mod.py", "par_dashboard.views.mod", {"par_dashboard.shell.ui": Path()})
    assert {i.target for i in found} == {"par_dashboard.shell.ui", "streamlit", "par_dashboard.views"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None
