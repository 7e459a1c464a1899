"""The modules of ``bot``, ``handlers`` and ``scheduler`` import each other without a cycle.

A cycle is what makes an import inside a function look necessary, and what makes
"who builds what" impossible to read off the code. The graph is read from the
source with ``ast`` and holds every import that runs: at module level and inside
functions alike. Imports under ``if TYPE_CHECKING:`` never run and are left out:
they let the app's ``Services`` and the parts it holds name each other in type
hints. ``from package import name`` is an edge to ``package.name`` when that is a
module, to ``package`` otherwise. Importing ``a.b.c`` first runs the ``__init__``
of ``a`` and of ``a.b`` (where a re-export can close a cycle: ``bot/__init__``
re-exporting ``create_app`` would), so those are edges too, except to the
importing module's own packages, which are already running.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from bot.config import REPO_ROOT

PACKAGES = ("bot", "handlers", "scheduler")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    """Every module of the three packages by dotted name (Alembic's revision scripts are not modules)."""
    return {_module_name(path): path for package in PACKAGES for path in sorted((REPO_ROOT / package).rglob("*.py"))
            if "versions" not in path.relative_to(REPO_ROOT).parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, wherever it stands."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    source = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        source = ".".join(package[: len(package) - node.level + 1] + ([source] if source else []))
    return {f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names}


def _parent_packages(target: str) -> set[str]:
    """The packages whose ``__init__`` importing ``a.b.c`` runs first: ``a`` and ``a.b``."""
    parts = target.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the three packages that importing it runs."""
    sources = _sources()
    known = set(sources)
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _runtime_imports(tree):
            for target in _targets(node, module, path.name == "__init__.py", known):
                # A module's own packages are already being imported when it runs.
                targets |= {package for package in _parent_packages(target) if not module.startswith(f"{package}.")}
                targets.add(target)
        graph[module] = (targets & known) - {module}
    return graph


def test_imports_inside_functions_count_and_type_checking_ones_do_not() -> None:
    tree = ast.parse(
        "import a\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import b\nelse:\n    import c\n"
        "def f():\n    from d import e\n"
    )
    imported = {alias.name if isinstance(node, ast.Import) else node.module
                for node in _runtime_imports(tree) for alias in node.names}
    assert imported == {"a", "typing", "c", "d"}


def test_the_graph_holds_the_three_packages_and_parent_packages() -> None:
    graph = import_graph()
    assert {"bot.app", "handlers", "scheduler.fire"} <= graph.keys()
    assert {"bot.db.tables", "bot.db", "bot"} <= graph["scheduler.fire"]  # bot, bot.db: their __init__ runs first
    assert "bot.delivery" not in graph["bot.delivery.engine"]  # its own package is already running


def test_no_import_cycles() -> None:
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        cycle = error.args[1]
        raise AssertionError("import cycle: " + " -> ".join(reversed(cycle))) from None
