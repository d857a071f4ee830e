"""Recalculate workbooks with LibreOffice headless and read the values back.

Used by the tests only; the converted files live in a temporary folder and are
never shipped. A throwaway LibreOffice profile is created whose
``registrymodifications.xcu`` sets ``OOXMLRecalcMode``/``ODFRecalcMode`` to 0
("always recalculate on load"), written *before* the first launch so the
profile never prompts and never trusts cached values.

``require_libreoffice()`` fails (not skips) when ``CI=true`` and ``soffice`` is
missing, so a CI image without LibreOffice cannot silently pass.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

ERROR_VALUES = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_libreoffice() -> str:
    """The soffice executable; skip locally when missing, FAIL when CI=true."""
    exe = soffice_path()
    if exe is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is required in CI for the recalculation tests but was not found")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def make_profile(root: Path) -> str:
    """Create a throwaway user profile with always-recalc settings; return its file:// URL."""
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return root.resolve().as_uri()


def recalc(files: Sequence[str | Path], outdir: str | Path | None = None, *, timeout: float = 600) -> list[Path]:
    """Convert (= load, recalculate, save) every file in ONE soffice call; return the outputs.

    Outputs keep the input file names, inside ``outdir`` (a new temp folder by default),
    so inputs must have distinct names.
    """
    exe = require_libreoffice()
    files = [Path(f).resolve() for f in files]
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError(f"input files must have distinct names: {names}")
    out = Path(outdir or tempfile.mkdtemp(prefix="lo-out-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        cmd = [exe, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               f"-env:UserInstallation={make_profile(Path(prof))}",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, files)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    results = [out / f.name for f in files]
    missing = [str(p) for p in results if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not produce {missing}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return results


def load_values(path: str | Path):
    """The recalculated workbook, values only (openpyxl, data_only=True)."""
    import openpyxl
    return openpyxl.load_workbook(path, data_only=True)


def error_cells(wb) -> list[tuple[str, str, object]]:
    """Every cell of every sheet holding an error value: (sheet, coordinate, value)."""
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, str) and v.startswith(ERROR_VALUES):
                    out.append((ws.title, c.coordinate, v))
                elif c.data_type == "e":
                    out.append((ws.title, c.coordinate, v))
    return out


def iter_formula_cells(wb) -> Iterable[tuple[str, str, str]]:
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    yield ws.title, c.coordinate, c.value
