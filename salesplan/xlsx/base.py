"""The one small interface every workbook reader offers (pandas ``io.excel`` style):
whole blocks at once (a sheet's used range, all defined names), never cell by cell,
so the xlwings engine stays fast over COM."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["BookReader", "BaseReader"]


@runtime_checkable
class BookReader(Protocol):
    path: Path | None

    def sheet_names(self) -> list[str]: ...
    def read_used_range(self, sheet: str) -> list[list[Any]]: ...
    def defined_names(self) -> dict[str, str]: ...
    def custom_properties(self) -> dict[str, str]: ...
    def close(self) -> None: ...


class BaseReader:
    """Defaults every engine shares: nothing to close, a context manager."""

    path: Path | None = None

    def defined_names(self) -> dict[str, str]:
        return {}

    def custom_properties(self) -> dict[str, str]:
        return {}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
