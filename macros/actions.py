"""Ribbon actions: thin functions over the workbook writer, taking a "book".

A book is either a headless :class:`PathBook` (an openpyxl-backed adapter over a saved
file) or an xlwings ``Book`` open in Excel. The ribbon dispatcher calls
``salesplan.macros.actions.<name>(book)``.

A workbook open in Excel is never written by another process: ``generate_plan``
reads the open book (including unsaved typing), writes a NEW file next to it and
opens that one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from salesplan.workbook_templates.io import OpenpyxlReader, open_reader


@dataclass
class PathBook:
    """Headless book: a saved .xlsx on disk."""

    path: Path

    def __post_init__(self):
        self.path = Path(self.path)

    def reader(self):
        return OpenpyxlReader(self.path)


def _is_excel(book) -> bool:
    return hasattr(book, "sheets") and hasattr(book, "app")


def _book_path(book) -> Path | None:
    if isinstance(book, PathBook):
        return book.path
    full = getattr(book, "fullname", None)
    return Path(full) if full else None


def generate_plan(book, *, month: str | None = None, open_result: bool = True):
    """Regenerate the plan from the book's 设置 (keeping typed inputs) into a new file."""
    from salesplan.workbook_templates.writer import default_filename, generate_workbook, read_config_from_workbook
    from salesplan.config import load_config
    src = _book_path(book)
    reader = open_reader(book)
    try:
        from salesplan.workbook_templates.inputs import read_registry
        read_registry(reader)
        is_plan = True
    except Exception:
        is_plan = False
    finally:
        reader.close()
    if is_plan:
        config = read_config_from_workbook(book, month=month)
        folder = src.parent if src else Path.cwd()
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = folder / f"{Path(default_filename(config.month, config.workbook.language)).stem}-{stamp}.xlsx"
        result = generate_workbook(config, out, previous=book)
    else:   # any other workbook: a fresh plan for the (next) month
        config = load_config(None, month=month)
        folder = src.parent if src else Path.cwd()
        result = generate_workbook(config, folder / default_filename(config.month, config.workbook.language),
                                   archive=True)
    if open_result and _is_excel(book):  # pragma: no cover - needs Excel
        book.app.books.open(str(result.path))
    return result


def recalculate(book):
    """Recalculate: Excel recalculates live; headless, report the workbook's state (nothing to write)."""
    if _is_excel(book):  # pragma: no cover - needs Excel
        book.app.calculate()
        return None
    from salesplan.workbook_templates.inputs import read_inputs
    with OpenpyxlReader(_book_path(book)) as rd:
        meta, inputs = read_inputs(rd)
    return meta


def check_risks(book):
    """Every triggered R9/R10 flag, computed by the engine from the book's typed inputs."""
    from salesplan.engine.actuals import compute_actuals
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.workbook_templates.writer import read_config_from_workbook
    config = read_config_from_workbook(book)
    plan = compute_plan(config)
    reader = open_reader(book)
    try:
        _, inputs = read_inputs(reader)
    finally:
        reader.close()
    act = compute_actuals(plan, inputs)
    flags = []
    for key, v in act.items():
        if key[-1] in ("missed_flag", "complaint_flag", "inventory_flag", "report_flag", "discount_flag",
                       "support_flag", "unknown_flag") and v:
            flags.append(key)
    if _is_excel(book):  # pragma: no cover - needs Excel
        book.sheets["风险预警" if "风险预警" in [s.name for s in book.sheets] else "Risks"].activate()
    return flags


def open_settings(book):
    """Show the 设置 sheet (Excel); headless, return its name."""
    name = "设置"
    if _is_excel(book):  # pragma: no cover - needs Excel
        names = [s.name for s in book.sheets]
        name = "设置" if "设置" in names else "Setup"
        book.sheets[name].activate()
        return name
    with OpenpyxlReader(_book_path(book)) as rd:
        return "设置" if "设置" in rd.sheet_names() else "Setup"
