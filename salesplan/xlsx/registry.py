"""Engines by name, in the style of pandas' ``io.excel`` registry (the table: docs/xlsx.md).

Each engine is imported only when first used; the engines that read files from
elsewhere (calamine, lxml) run the preflight before parsing anything.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Iterable

from salesplan.xlsx.base import BaseReader, BookReader

__all__ = ["ENGINES", "open_book"]

#: engine name → ``"module:Class"``, imported on first use (add an engine here)
ENGINES: dict[str, str] = {
    "openpyxl": "salesplan.xlsx.openpyxl_reader:OpenpyxlReader",
    "calamine": "salesplan.xlsx.calamine_reader:CalamineReader",
    "lxml": "salesplan.xlsx.registry:LxmlBook",
    "xlwings": "salesplan.xlsx.xlwings_reader:XlwingsReader",
}


def open_book(source: Any, engine: str | None = None, **options: Any) -> BookReader:
    """A reader for a path (default engine: openpyxl), an object with a ``reader()``
    method (the macros' path-backed book), or an xlwings ``Book`` (engine: xlwings).
    ``options`` go to the engine (e.g. the preflight's limits)."""
    if engine is None:
        if hasattr(source, "reader") and not isinstance(source, (str, Path)):
            return source.reader()
        if hasattr(source, "sheets") and hasattr(source, "fullname"):
            engine = "xlwings"
        elif isinstance(source, (str, Path)):
            engine = "openpyxl"
        else:
            raise TypeError(f"cannot read {source!r}: expected a path, a PathBook or an xlwings Book")
    if engine not in ENGINES:
        raise ValueError(f"unknown xlsx engine {engine!r}; one of {', '.join(sorted(ENGINES))}")
    module, _, cls = ENGINES[engine].partition(":")
    return getattr(importlib.import_module(module), cls)(source, **options)


#: the preflight's refusals that only say the file is no workbook, in the openpyxl engine's words
NOT_A_WORKBOOK = {"not_zip": "a file that is not an Excel workbook (not a zip package)",
                  "missing_part": "a zip file that is not an Excel workbook", "empty": "an empty file",
                  "legacy_format": "a legacy .xls workbook (save it as .xlsx)"}


def not_a_workbook(path: Path, what: str):
    from salesplan.errors import Problem, WorkbookError
    from salesplan.xlsx.openpyxl_reader import WORKBOOK_EXPECTED
    return WorkbookError([Problem(str(path), what, WORKBOOK_EXPECTED, "unreadable")], str(path))


class LxmlBook(BaseReader):
    """:class:`~salesplan.xlsx.lxml_reader.XlsxFile` behind the interface, reading values as
    :class:`~salesplan.xlsx.openpyxl_reader.OpenpyxlReader` does: a formula as its ``=``
    text, a number in a date-formatted cell as a ``datetime`` (a time span as a
    ``timedelta``), by openpyxl's own date rules (tests/test_xlsx_engines.py compares them)."""

    def __init__(self, path, **preflight_limits: Any):
        from salesplan.xlsx.lxml_reader import UnsafeFileError, XlsxFile
        from salesplan.xlsx.openpyxl_reader import describe_non_workbook

        self.path = Path(path)
        if self.path.is_dir() or self.path.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
            raise not_a_workbook(self.path, describe_non_workbook(self.path))
        try:
            self.file = XlsxFile(path, **preflight_limits)
        except UnsafeFileError as exc:
            if exc.reason not in NOT_A_WORKBOOK:        # a hostile file stays refused as such
                raise
            what = NOT_A_WORKBOOK[exc.reason] + (f" ({exc.detail})" if exc.reason == "missing_part" else "")
            raise not_a_workbook(self.path, what) from None
        self._dates: tuple[frozenset[int], frozenset[int]] | None = None
        self._cache: dict[str, list[list[Any]]] = {}

    def sheet_names(self) -> list[str]:
        return list(self.file.sheet_names)

    def read_used_range(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._cache:
            self._cache[sheet] = self._grid(sheet)
        return self._cache[sheet]

    def read_columns(self, sheet: str, columns: Iterable[int]) -> list[list[Any]]:
        """The used range with only ``columns`` (numbers) read, every other cell ``None``:
        the inputs of a sheet whose other columns are formulas cost only their parse."""
        if sheet in self._cache:
            return self._cache[sheet]
        return self._grid(sheet, columns)

    def _grid(self, sheet: str, columns: Iterable[int] | None = None) -> list[list[Any]]:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        if self._dates is None:
            self._dates = self.file.date_styles()
        dates, spans = self._dates
        epoch = CALENDAR_MAC_1904 if self.file.date1904 else CALENDAR_WINDOWS_1900

        def convert(number, style):
            try:
                return from_excel(number, epoch, timedelta=style in spans)
            except (OverflowError, ValueError):     # as openpyxl reads a serial no date can hold
                return "#VALUE!"

        return self.file.grid(sheet, dates=dates, convert=convert, columns=columns)

    def defined_names(self) -> dict[str, str]:
        return {d.name: d.value for d in self.file.defined_names if d.local_sheet_id is None}

    def custom_properties(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.file.custom_properties.items()}

    def close(self) -> None:
        self.file.close()
