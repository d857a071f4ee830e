"""Every third-party module the installed package imports is a runtime dependency.

The test extra installs more than a user gets (olefile, oletools, ...): a module
imported at run time but declared only there works in the tests and fails after
``pip install .``. The fresh-venv test (test_readme_install.py) shows it end to end;
this one names the culprit in a second.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Folders installed as the salesplan package (pyproject's package-dir).
RUNTIME_DIRS = ("salesplan", "udfs", "macros", "workbook_templates", "addin")
#: Imported inside ``try: ... except ImportError`` and documented as optional.
OPTIONAL = {"keyring"}
#: Imported only where they exist (xlwings on Windows brings pywin32).
PLATFORM = {"pythoncom", "pywintypes", "win32com", "win32api", "win32con", "appscript", "aem"}


def _imported_top_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for folder in RUNTIME_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].strip().lower().replace("_", "-") for r in requirements}


def test_every_runtime_import_is_a_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = _declared(project["dependencies"])
    dist_of = packages_distributions()
    missing = {}
    for module, files in _imported_top_modules().items():
        if module in sys.stdlib_module_names or module == "salesplan" or module in OPTIONAL | PLATFORM:
            continue
        dists = {d.lower().replace("_", "-") for d in dist_of.get(module, [module])}
        if not dists & runtime:
            missing[module] = sorted(files)
    assert not missing, f"imported at run time but not in [project] dependencies: {missing}"


def test_every_test_import_is_installed_by_the_test_extra():
    """README's test line installs ``.[test]``: what the tests import comes from there
    or from the runtime dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = _declared(project["dependencies"]) | _declared(project["optional-dependencies"]["test"])
    local = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {"bench", "tests", "salesplan"}
    dist_of = packages_distributions()
    missing = {}
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local or top in OPTIONAL | PLATFORM:
                    continue
                dists = {d.lower().replace("_", "-") for d in dist_of.get(top, [top])}
                if not dists & declared:
                    missing.setdefault(top, set()).add(path.name)
    assert not missing, f"imported by tests but not in [test] or the dependencies: {missing}"
