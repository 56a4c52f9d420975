"""The package's layout: one folder per stage of the pipeline, imports that flow one way.

``LAYOUT`` is the stage order, once: every folder of ``verifier/`` and every module at
its top, with the rank of its stage; ARCHITECTURE.md's table lists the same entries in
the same order. Imports are read with ``ast`` from every module (inside functions
too, relative forms included), as written: ``from p import name`` is an import of the
module ``p.name`` when there is one, else of ``p``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "verifier"

# (folder or top-level module, rank of its stage); a module belongs to the longest
# entry that contains it; the package's own __init__ (``__version__``) ranks 0.
LAYOUT: list[tuple[str, int]] = [
    ("verifier/results.py", 0),          # shared data: results and display values
    ("verifier/lang/", 1),               # text -> AST -> checked model; reference semantics
    ("verifier/lang/fmt/", 1),           # AST -> canonical text
    ("verifier/config/", 2),             # model files -> configuration -> checked model
    ("verifier/engine/", 3),             # explicit search, liveness, graphs
    ("verifier/engine/kernel/", 3),      # the kernel engine (native code)
    ("verifier/engine/codegen/", 3),     # the compiled stepper
    ("verifier/engine/liveness/", 3),    # temporal properties on the labelled state graph
    ("verifier/symbolic/", 4),           # Z3 engines
    ("verifier/reports/", 5),            # results -> text, Markdown, HTML, JSON, ITF
    ("verifier/testing/", 6),            # strategies, fuzzing, conformance, CI outputs, plugin
    ("verifier/editor/", 6),             # the language server
    ("verifier/pytest_plugin.py", 6),    # the plugin's registered name
    ("verifier/explore/", 7),            # explorer page, simulation, replay of logs
    ("verifier/cli/", 8),                # one module per command
    ("verifier/__main__.py", 8),
]
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
                            if "__pycache__" not in p.parts}


def _imports(name: str, path: Path) -> set[str]:
    """The verifier modules that module ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for a in node.names:
                found.add(f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source)
    return {m for m in found if m in MODULES and m != name}


GRAPH = nx.DiGraph()
GRAPH.add_nodes_from(MODULES)
GRAPH.add_edges_from((m, dep) for m, p in MODULES.items() for dep in _imports(m, p))


def _entry(module: str) -> str | None:
    """The LAYOUT entry ``module`` belongs to (None: the package root)."""
    path = MODULES[module].relative_to(ROOT).as_posix()
    best = None
    for entry, _ in LAYOUT:
        if path == entry or (entry.endswith("/") and path.startswith(entry)):
            if best is None or len(entry) > len(best):
                best = entry
    return best


RANK = dict(LAYOUT)


def _rank(module: str) -> int:
    entry = _entry(module)
    return 0 if entry is None else RANK[entry]


def test_the_import_graph_reads_relative_and_function_level_imports(tmp_path: Path) -> None:
    # guards the reader itself, on the package and on relative forms it does not use yet
    assert "verifier.engine.liveness" in GRAPH["verifier.engine.run"]       # inside run_check
    assert "verifier.engine.codegen.fold" in GRAPH["verifier.engine.codegen.expr"]
    probe = tmp_path / "checker.py"
    probe.write_text("from . import model\nfrom ..engine import run\n"
                     "def f():\n    from .exprcheck import Scope\n    import verifier.cli\n")
    assert _imports("verifier.lang.checker", probe) == {
        "verifier.lang.model", "verifier.engine.run", "verifier.lang.exprcheck", "verifier.cli"}


def test_every_module_has_a_stage() -> None:
    assert [m for m in MODULES if m != "verifier" and _entry(m) is None] == []


def test_no_import_circles() -> None:
    circles = [sorted(c) for c in nx.strongly_connected_components(GRAPH) if len(c) > 1]
    assert circles == [], f"modules that import one another in a circle: {circles}"


def test_no_import_from_a_later_stage() -> None:
    upward = sorted(f"{a} (stage {_rank(a)}) imports {b} (stage {_rank(b)})"
                    for a, b in GRAPH.edges if _rank(b) > _rank(a))
    assert upward == []


def test_commands_share_only_the_common_module() -> None:
    """No command module imports another: what two commands need is in cli/common.py."""
    commands = [m for m in MODULES if m.startswith("verifier.cli.") and m != "verifier.cli.common"]
    crossing = sorted(f"{a} imports {b}" for a in commands for b in GRAPH[a]
                      if b.startswith("verifier.cli") and b != "verifier.cli.common")
    assert crossing == []


def test_no_private_name_is_imported_from_another_module() -> None:
    """A name another module imports is public: no leading underscore (tests included)."""
    sources = [*MODULES.values(), *sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "bench").glob("*.py"))]
    private = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("verifier")):
                private += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []


def test_no_module_is_over_the_size_limit() -> None:
    """A module past 600 lines has taken on a second job (STYLE.md)."""
    sizes = {m: p.read_text(encoding="utf-8").count("\n") for m, p in MODULES.items()}
    assert sorted(f"{m}: {n} lines" for m, n in sizes.items() if n > MAX_LINES) == []


def _entries_on_disk() -> set[str]:
    folders = {p.parent.relative_to(ROOT).as_posix() + "/" for p in MODULES.values()} - {"verifier/"}
    top = {p.relative_to(ROOT).as_posix() for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return folders | top


def test_the_layout_names_every_folder_and_top_level_module() -> None:
    assert sorted(e for e, _ in LAYOUT) == sorted(_entries_on_disk())


def test_architecture_table_matches_the_layout_one_to_one() -> None:
    """The table's second column names one entry per row, in the order of LAYOUT."""
    lines = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = lines[start + 2:end]  # the first table, without its header and rule
    named = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        paths = re.findall(r"`(verifier/[^`]*)`", cells[1])
        assert len(paths) == 1, f"a row of the table names one folder or module: {row[:80]}"
        named.append(paths[0])
    assert named == [e for e, _ in LAYOUT]
