"""The xlwings engine: a workbook open in Excel, including unsaved typing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from salesplan.xlsx.base import BaseReader

__all__ = ["XlwingsReader"]


class XlwingsReader(BaseReader):  # pragma: no cover - needs Excel
    def __init__(self, book):
        self.book = book
        full = getattr(book, "fullname", None)
        self.path = Path(full) if full else None

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_used_range(self, sheet: str) -> list[list[Any]]:
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        values = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value
        return [list(r) for r in values]

    def defined_names(self) -> dict[str, str]:
        return {n.name: n.refers_to.lstrip("=") for n in self.book.names}

    def custom_properties(self) -> dict[str, str]:
        try:
            props = self.book.api.CustomDocumentProperties
            return {props.Item(i).Name: str(props.Item(i).Value) for i in range(1, props.Count + 1)}
        except Exception:
            return {}
