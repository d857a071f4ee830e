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
from typing import Any, NamedTuple

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

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


def load_values(path: str | Path) -> "ValuesBook":
    """The workbook's stored values (what LibreOffice computed, in its output), as openpyxl's
    ``load_workbook(path, data_only=True)`` gives them (tests/test_lo_recalc.py compares
    every cell), read with lxml in about a fifth of the time."""
    return ValuesBook(path)


class ValueCell(NamedTuple):
    value: Any
    row: int
    column: int
    data_type: str                      # "e" for an error value, else "n" (as far as tests ask)

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class ValuesSheet:
    """One sheet's values: ``ws["B5"].value``, ``ws.cell(row, column).value``,
    ``ws.iter_rows(...)``, ``max_row``/``max_column`` — the part of openpyxl's read the tests use."""

    def __init__(self, title: str, cells: dict[tuple[int, int], ValueCell]):
        self.title = title
        self._cells = cells
        self.max_row = max((r for r, _ in cells), default=1)
        self.max_column = max((c for _, c in cells), default=1)

    def cell(self, row: int, column: int) -> ValueCell:
        return self._cells.get((row, column)) or ValueCell(None, row, column, "n")

    def __getitem__(self, key: str | int):
        """``ws["B5"]`` a cell; ``ws[5]`` a row and ``ws["B"]`` a column (tuples of cells), as openpyxl."""
        if isinstance(key, int):
            return tuple(self.cell(key, c) for c in range(1, self.max_column + 1))
        if key.isalpha():
            col = column_index_from_string(key)
            return tuple(self.cell(r, col) for r in range(1, self.max_row + 1))
        column, row = coordinate_from_string(key)
        return self.cell(row, column_index_from_string(column))

    def iter_rows(self, min_row: int | None = None, max_row: int | None = None, min_col: int | None = None,
                  max_col: int | None = None, values_only: bool = False):
        for r in range(min_row or 1, (max_row or self.max_row) + 1):
            cells = tuple(self.cell(r, c) for c in range(min_col or 1, (max_col or self.max_column) + 1))
            yield tuple(c.value for c in cells) if values_only else cells

    @property
    def values(self):
        return self.iter_rows(values_only=True)


class ValuesBook:
    """A workbook's stored values by sheet (see :func:`load_values`)."""

    def __init__(self, path: str | Path):
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        from salesplan.xlsx.lxml_reader import XlsxFile

        self.path = Path(path)
        with XlsxFile(path, preflight=False) as f:
            dates, spans = f.date_styles()
            epoch = CALENDAR_MAC_1904 if f.date1904 else CALENDAR_WINDOWS_1900
            self._sheets: dict[str, ValuesSheet] = {}
            for name in f.sheet_names:
                cells = {}
                for addr, c in f.iter_cells(name):
                    column, row = coordinate_from_string(addr)
                    col, v = column_index_from_string(column), c.value
                    if c.style in dates and isinstance(v, (int, float)) and not isinstance(v, bool):
                        v = from_excel(v, epoch, timedelta=c.style in spans)
                    cells[row, col] = ValueCell(v, row, col, "e" if c.type == "e" else "n")
                self._sheets[name] = ValuesSheet(name, cells)

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    @property
    def worksheets(self) -> list[ValuesSheet]:
        return list(self._sheets.values())

    @property
    def active(self) -> ValuesSheet:
        return self.worksheets[0]

    def __getitem__(self, name: str) -> ValuesSheet:
        return self._sheets[name]

    def __contains__(self, name: str) -> bool:
        return name in self._sheets

    def __iter__(self):
        return iter(self.worksheets)

    def close(self) -> None:
        pass


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
