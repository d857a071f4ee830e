"""The Excel side of split / consolidate (ribbon buttons 拆分区域文件 and 合并区域文件).

Plain functions of the calling xlwings ``Book``, for the macro layer to register
(``macros/registry.py`` / ``macros/actions.py`` are owned elsewhere; see docs/regional.md).
Progress goes to Excel's status bar; the result is a one-paragraph summary string
for the caller to show.

The master is a file on disk: both actions save the book first, and consolidation —
which rewrites the master atomically — closes it while writing (Excel holds a lock
on open workbooks on Windows) and opens it again afterwards, also when it fails.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from salesplan.progress import status_bar_progress

__all__ = ["split_book", "consolidate_book", "default_regions_dir"]


def _path(book: Any) -> Path:
    full = getattr(book, "fullname", None)
    if not full or not Path(full).is_file():
        from salesplan.errors import Problem, WorkbookError
        raise WorkbookError([Problem("workbook", full, "a plan workbook saved to disk (save it first)", "unsaved")])
    return Path(full)


def default_regions_dir(plan: Path) -> Path:
    return plan.parent / f"{plan.stem}.regions"


def split_book(book: Any, out_dir: str | Path | None = None) -> str:
    from salesplan.regional.workflow import split_plan

    book.save()
    plan = _path(book)
    result = split_plan(plan, out_dir or default_regions_dir(plan), progress=status_bar_progress(book))
    lines = [result.summary()] + [f"{r}: {p}" for r, p in result.files.items()]
    return "\n".join(lines)


def consolidate_book(book: Any, files: Iterable[str | Path] | None = None) -> str:
    """Merge ``files`` (default: every .xlsx in ``<plan>.regions``) into the calling workbook."""
    from salesplan.commands.consolidate import expand
    from salesplan.regional.workflow import consolidate

    book.save()
    plan = _path(book)
    paths = expand([Path(f) for f in files] if files is not None else [default_regions_dir(plan)])
    app = book.app
    progress = status_bar_progress(book)
    book.close()
    try:
        report = consolidate(plan, paths, progress=progress)
    finally:
        app.books.open(str(plan))
    return "\n".join([report.summary(), *report.details()[:40]])
