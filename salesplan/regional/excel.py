"""The Excel side of split / consolidate (ribbon buttons 拆分区域文件 and 合并区域文件).

Plain functions of the calling book, registered as macros in ``salesplan.macros``
(``macros/workflow_macros.py`` → ``macros/actions.py``; see docs/regional.md).
The book is an xlwings ``Book`` open in Excel, or a headless book with a ``path``
(``salesplan.macros.actions.PathBook``) — tests and scripts run the same code.
Progress goes to Excel's status bar; the result is a one-paragraph summary string
for the caller to show.

The master is a file on disk: in Excel both actions save the book first, and
consolidation — which rewrites the master atomically — closes it while writing (a
workbook open in Excel is never written by another process; Excel also holds a lock
on open workbooks on Windows) and opens it again afterwards, also when it fails.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from salesplan.progress import NullProgress, status_bar_progress

__all__ = ["split_book", "consolidate_book", "default_regions_dir"]


def _is_excel(book: Any) -> bool:
    return hasattr(book, "app") and hasattr(book, "sheets")


def _path(book: Any) -> Path:
    full = getattr(book, "path", None) if not _is_excel(book) else None
    if full is None:
        full = getattr(book, "fullname", None)
    if not full or not Path(full).is_file():
        from salesplan.errors import Problem, WorkbookError
        raise WorkbookError([Problem("workbook", full, "a plan workbook saved to disk (save it first)", "unsaved")])
    return Path(full)


def _save(book: Any) -> None:
    if _is_excel(book):  # pragma: no cover - needs Excel
        book.save()


def _progress(book: Any):
    return status_bar_progress(book) if _is_excel(book) else NullProgress()


def default_regions_dir(plan: Path) -> Path:
    return plan.parent / f"{plan.stem}.regions"


def split_book(book: Any, out_dir: str | Path | None = None) -> str:
    from salesplan.regional.workflow import split_plan

    _save(book)
    plan = _path(book)
    result = split_plan(plan, out_dir or default_regions_dir(plan), progress=_progress(book))
    lines = [result.summary()] + [f"{r}: {p}" for r, p in result.files.items()]
    return "\n".join(lines)


def consolidate_book(book: Any, files: Iterable[str | Path] | None = None) -> str:
    """Merge ``files`` (default: every .xlsx in ``<plan>.regions``) into the calling workbook."""
    from salesplan.regional.workflow import consolidate, expand

    _save(book)
    plan = _path(book)
    paths = expand([Path(f) for f in files] if files is not None else [default_regions_dir(plan)])
    progress = _progress(book)
    if not _is_excel(book):
        report = consolidate(plan, paths, progress=progress)
        return "\n".join([report.summary(), *report.details()[:40]])
    app = book.app  # pragma: no cover - needs Excel
    book.close()
    try:
        report = consolidate(plan, paths, progress=progress)
    finally:
        app.books.open(str(plan))
    return "\n".join([report.summary(), *report.details()[:40]])
