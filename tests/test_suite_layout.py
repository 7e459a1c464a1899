"""The suite's layout: no test module imports another; shared set-up lives in conftest.py and helpers.py.

A test module that borrows another's helpers couples two behaviours: renaming
or deleting one test breaks an unrelated one, and pytest may import the same
file twice under different names. Shared builders go to ``tests/helpers.py``,
shared fixtures to ``tests/conftest.py`` (which pytest loads itself, so it is
not imported either).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent


def imported_test_modules(source: str) -> list[str]:
    """The test modules (``test_*``, ``conftest``) that ``source`` imports, by dotted name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: inside the tests package
                module = f"{TESTS.name}.{module}".rstrip(".")
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.extend(name for name in names if _is_test_module(name))
    return found


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] == TESTS.name:
        parts = parts[1:2]
    return bool(parts) and (parts[0].startswith("test_") or parts[0] == "conftest")


def test_no_test_module_imports_another() -> None:
    offenders = {path.relative_to(TESTS).as_posix(): found
                 for path in sorted(TESTS.rglob("test_*.py"))
                 if (found := imported_test_modules(path.read_text(encoding="utf-8")))}

    assert offenders == {}, "move what they share to tests/helpers.py or a fixture in tests/conftest.py"


@pytest.mark.parametrize("source", [
    "import tests.test_webhook",
    "from tests.test_webhook import post_events",
    "from tests import test_webhook",
    "from .test_webhook import post_events",
    "from . import conftest",
    "from tests.conftest import make_app",
    "import test_webhook",
    "def helper():\n    from tests.test_webhook import post_events\n",
])
def test_every_way_of_importing_a_test_module_is_caught(source: str) -> None:
    assert imported_test_modules(source)


def test_the_shared_helpers_may_be_imported() -> None:
    source = "from tests.helpers import make_app\nfrom tests import helpers\nfrom .helpers import follow\n"

    assert imported_test_modules(source) == []
