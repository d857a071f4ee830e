"""The openpyxl engine: a saved .xlsx read headless (read-only, streaming), values as
typed and formulas as text. Also :func:`open_workbook`, openpyxl's ``load_workbook``
whose refusals name the file."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from salesplan.errors import Problem, WorkbookError
from salesplan.xlsx.base import BaseReader

__all__ = ["WORKBOOK_EXPECTED", "describe_non_workbook", "open_workbook", "OpenpyxlReader"]

WORKBOOK_EXPECTED = "a salesplan .xlsx workbook"


def describe_non_workbook(path: Path, exc: BaseException | None = None) -> str:
    """What ``path`` is, in words, when openpyxl cannot open it as a workbook."""
    if path.is_dir():
        return "a directory"
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        return f"a {suffix} file" if suffix else "a file without a .xlsx suffix"
    known = {zipfile.BadZipFile: "a file that is not an Excel workbook (not a zip package)",
             KeyError: "a zip file that is not an Excel workbook", type(None): "not a workbook"}
    return known.get(type(exc), f"an unreadable workbook ({type(exc).__name__}: {exc})")


def open_workbook(path: str | Path, **kwargs: Any):
    """``openpyxl.load_workbook`` whose refusals are :class:`WorkbookError` naming the path.

    A missing file stays ``FileNotFoundError`` (the CLI reports it with its name).
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    p = Path(path)
    if p.is_dir():
        raise WorkbookError([Problem(str(p), describe_non_workbook(p), WORKBOOK_EXPECTED, "not-a-file")], str(p))
    try:
        return openpyxl.load_workbook(p, **kwargs)
    except (FileNotFoundError, PermissionError):
        raise
    except (InvalidFileException, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError,
            EOFError, OSError, ET.ParseError) as exc:
        raise WorkbookError([Problem(str(p), describe_non_workbook(p, exc), WORKBOOK_EXPECTED, "unreadable")],
                            str(p)) from None


class OpenpyxlReader(BaseReader):
    """Reads a saved .xlsx (read-only, streaming); values as typed (formulas as text)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._wb = open_workbook(self.path, read_only=True, data_only=False, keep_links=False)
        self._cache: dict[str, list[list[Any]]] = {}

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheetnames)

    def read_used_range(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._cache:
            ws = self._wb[sheet]
            ws.reset_dimensions()   # do not trust the stored dimension
            self._cache[sheet] = [list(r) for r in ws.iter_rows(values_only=True)]
        return self._cache[sheet]

    def defined_names(self) -> dict[str, str]:
        return {n: d.attr_text for n, d in self._wb.defined_names.items()}

    def custom_properties(self) -> dict[str, str]:
        return {p.name: str(p.value) for p in getattr(self._wb, "custom_doc_props", None) or ()}

    def close(self) -> None:
        self._wb.close()
