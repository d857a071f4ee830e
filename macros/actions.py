"""Ribbon actions: thin functions over the workbook writer, taking a "book".

A book is either a headless :class:`PathBook` (a saved file, read as a master given as a
path is: preflighted, lxml) or an xlwings ``Book`` open in Excel. The ribbon dispatcher calls
``salesplan.macros.actions.<name>(book)``.

A workbook open in Excel is never written by another process: ``generate_plan``
reads the open book (including unsaved typing), writes a NEW file next to it and
opens that one; ``import_deals`` and ``consolidate_regions`` save the book, close it,
rewrite the file atomically and open it again (also when the rewrite fails).

What Excel asks the user (which file, yes/no) goes through three small functions —
:func:`choose_files`, :func:`confirm`, :func:`inform` — that a headless book answers
from its :class:`HeadlessUI` instead of a dialog.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from salesplan.xlsx import open_book as open_reader


@dataclass
class HeadlessUI:
    """The answers a headless run gives where Excel would show a dialog.

    ``files``: what the file dialog returns (``None`` = the user cancelled);
    ``yes``: the answer to every yes/no question; ``messages``: what would be shown.
    """

    files: Sequence[str | Path] | None = None
    yes: bool = False
    messages: list[str] = field(default_factory=list)


@dataclass
class PathBook:
    """Headless book: a saved .xlsx on disk (and the answers to any dialog)."""

    path: Path
    ui: HeadlessUI = field(default_factory=HeadlessUI)

    def __post_init__(self):
        self.path = Path(self.path)

    def reader(self):
        """The saved file through the reader every command gives a master it is handed as a path
        (``MASTER_ENGINE``: preflighted, then lxml)."""
        from salesplan.workbook_templates.reader import MASTER_ENGINE
        return open_reader(self.path, engine=MASTER_ENGINE)


def _is_excel(book) -> bool:
    return hasattr(book, "sheets") and hasattr(book, "app")


def _book_path(book) -> Path | None:
    if isinstance(book, PathBook):
        return book.path
    full = getattr(book, "fullname", None)
    return Path(full) if full else None


def generate_plan(book, *, month: str | None = None, open_result: bool = True):
    """Regenerate the plan from the book's 设置 (keeping typed inputs) into a new file."""
    from salesplan.workbook_templates import default_filename, generate_workbook, read_config_from_workbook
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
    with open_reader(book) as rd:
        meta, inputs = read_inputs(rd)
    return meta


def check_risks(book):
    """Every triggered flag of the 风险预警 sheet (R3 duplicate names, R9 deal flags including the finance
    green channel, R10 phase flags, R11 unknown reps), computed by the engine from the book's typed inputs:
    :func:`salesplan.engine.actuals.risks.risk_flags`, the function the sheet's register is built from."""
    from salesplan.engine.actuals.risks import risk_flags
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.workbook_templates.reader import read_config_from_workbook
    config = read_config_from_workbook(book)
    reader = open_reader(book)
    try:
        _, inputs = read_inputs(reader)
    finally:
        reader.close()
    flags = risk_flags(compute_plan(config), inputs)
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
    with open_reader(book) as rd:
        return "设置" if "设置" in rd.sheet_names() else "Setup"


# ------------------------------------------------------------------------------ dialogs

CRM_FILTER = "CRM 成交导出 CRM exports (*.csv;*.xlsx;*.txt),*.csv;*.xlsx;*.txt"
XLSX_FILTER = "区域文件 Regional files (*.xlsx),*.xlsx"


def choose_files(book, title: str, *, file_filter: str = CRM_FILTER, initial_dir: Path | None = None
                 ) -> list[Path] | None:
    """Ask for one or more files; ``None`` when cancelled.

    Headless: the book's ``ui.files``. Excel on Windows: ``Application.GetOpenFilename``
    (multi-select). Elsewhere (Excel for Mac has no GetOpenFilename over xlwings): the
    native Tk file dialog.
    """
    ui = getattr(book, "ui", None)
    if ui is not None or not _is_excel(book):
        files = getattr(ui, "files", None)
        return None if files is None else [Path(f) for f in files]
    if sys.platform.startswith("win"):  # pragma: no cover - needs Excel
        # (opens in Excel's current folder: Python runs in another process and cannot change it)
        got = book.app.api.GetOpenFilename(file_filter, 1, title, None, True)
        if got is False or got is None:
            return None
        items = [got] if isinstance(got, str) else list(got)
        return [Path(str(x)) for x in items if x]
    try:  # pragma: no cover - needs a desktop
        import tkinter
        from tkinter import filedialog
        root = tkinter.Tk()
        root.withdraw()
        try:
            root.attributes("-topmost", True)
            patterns = file_filter.split(",", 1)[1].replace(";", " ") if "," in file_filter else "*"
            got = filedialog.askopenfilenames(title=title, initialdir=str(initial_dir or Path.home()),
                                              filetypes=[(file_filter.split(" (")[0], patterns), ("*", "*")])
        finally:
            root.destroy()
        return [Path(g) for g in got] or None
    except Exception as exc:  # pragma: no cover - no dialog available
        from salesplan.errors import InputError, Problem
        raise InputError([Problem("file dialog", type(exc).__name__,
                                  "a desktop session; or run `salesplan deals import FILE --into PLAN.xlsx`",
                                  "no-dialog")]) from None


def confirm(book, message: str) -> bool:
    """A yes/no question; headless: the book's ``ui.yes``."""
    ui = getattr(book, "ui", None)
    if ui is not None or not _is_excel(book):
        if ui is not None:
            ui.messages.append(message)
        return bool(getattr(ui, "yes", False))
    from salesplan.macros.runner import ALERT_TITLE  # pragma: no cover - needs Excel
    return book.app.alert(message, title=ALERT_TITLE, buttons="yes_no", mode="info") == "yes"  # pragma: no cover


def inform(book, message: str) -> None:
    """Show a result; headless: appended to the book's ``ui.messages``."""
    ui = getattr(book, "ui", None)
    if ui is not None or not _is_excel(book):
        if ui is not None:
            ui.messages.append(message)
        return
    from salesplan.macros.runner import ALERT_TITLE  # pragma: no cover - needs Excel
    try:  # pragma: no cover - needs Excel
        book.app.alert(message[:900], title=ALERT_TITLE, mode="info")
    except Exception:  # pragma: no cover
        pass


def _saved_path(book) -> Path:
    """The book's file on disk (Excel: it must have been saved once)."""
    from salesplan.errors import Problem, WorkbookError
    path = _book_path(book)
    if path is None or not path.is_file():
        raise WorkbookError([Problem("workbook", str(path) if path else None,
                                     "a plan workbook saved to disk (save it first)", "unsaved")])
    return path


def _rewrite_closed(book, path: Path, write) -> Any:
    """Excel: save, close, ``write()`` the file, reopen (also on failure). Headless: ``write()``."""
    if not _is_excel(book):
        return write()
    book.save()  # pragma: no cover - needs Excel
    app = book.app  # pragma: no cover
    book.close()  # pragma: no cover
    try:  # pragma: no cover
        return write()
    finally:  # pragma: no cover
        app.books.open(str(path))


# ------------------------------------------------------------------------------ 导入成交 import deals

@dataclass
class ImportDealsResult:
    plan: Path
    files: list[Path]
    landed: Any = None                 # salesplan.commands.deals.LandResult, None when nothing was written
    report: Any = None                 # salesplan.commands.deals.DealFiles
    cancelled: bool = False

    def summary(self) -> str:
        if self.cancelled:
            return "导入已取消 Import cancelled."
        c = self.report.counts()
        lines = [f"读取文件 files read: {c['files']}", f"导入成交 rows imported: {c['imported']}",
                 f"未盖章排除 excluded unstamped (R11): {c['excluded_unstamped']}",
                 f"重复合同号 duplicate contract numbers: {c['duplicates']}", f"错误 errors: {c['errors']}"]
        if self.landed is not None:
            lines.append(f"已写入 landed {self.landed.landed} deal(s) in {self.plan.name} ({self.landed.month}); "
                         f"replaced {self.landed.replaced}; typed inputs kept")
            lines += [f"warning: {p.where}: {p.value}: {p.expected}" for p in self.landed.warnings[:15]]
        return "\n".join(lines)


def import_deals(book, files: Iterable[str | Path] | None = None, *, allow_other_months: bool | None = None,
                 columns=None, progress=None) -> ImportDealsResult:
    """导入成交: read CRM export(s) and land them in the book's 成交明细 sheet.

    Every file is validated first; any problem (in any file) raises DealsError listing
    them all and nothing is written. Deals dated outside the workbook's month are
    refused unless ``allow_other_months`` (``None``: ask; headless answer ``ui.yes``).
    The sheet is replaced by the imported deals through ``write_deals`` (atomic; every
    typed input kept): in Excel the book is saved, closed, rewritten and reopened.
    Progress (one step a file, one for writing the sheet) goes to Excel's status bar
    (``progress``: any :class:`salesplan.progress.Progress` instead).
    """
    from salesplan.commands.deals import check_landable, import_steps, land_deals, read_deal_files
    from salesplan.workbook_templates import plan_month
    from salesplan.progress import NullProgress, status_bar_progress

    path = _saved_path(book)
    month = plan_month(path)
    if files is None:
        files = choose_files(book, "选择CRM成交导出文件 Choose the CRM deals export(s)", initial_dir=path.parent)
        if not files:
            result = ImportDealsResult(path, [], cancelled=True)
            inform(book, result.summary())
            return result
    files = [Path(f) for f in files]
    if progress is None:
        progress = status_bar_progress(book) if _is_excel(book) else NullProgress()
    progress.start(import_steps(files, True), "导入成交 import deals")
    try:
        report = read_deal_files(files, columns, month=month, progress=progress)
        check_landable(report, allow_other_months=True)          # file problems first, all at once
        allow = allow_other_months
        if report.other_month and allow is None:
            shown = "\n".join(f"  {p.where}: {p.value}" for p in report.other_month[:10])
            more = len(report.other_month) - 10
            allow = confirm(book, f"{len(report.other_month)} 笔成交日期不在 {month} / deal(s) dated outside "
                                  f"{month}:\n{shown}" + (f"\n  … {more} more" if more > 0 else "")
                                  + "\n\n仍然导入？ Import them anyway?")
        check_landable(report, allow_other_months=bool(allow))
        landed = _rewrite_closed(book, path, lambda: land_deals(path, report, allow_other_months=bool(allow),
                                                                progress=progress))
    finally:
        progress.finish()          # the status bar is Excel's again, also when the import stops
    result = ImportDealsResult(path, files, landed, report)
    inform(book, result.summary())
    return result


# ------------------------------------------------------------------------------ 区域协作 regions

def split_regions(book, out_dir: str | Path | None = None) -> str:
    """拆分区域文件: one file per region in ``<plan>.regions`` (see docs/regional.md)."""
    from salesplan.regional.excel import split_book
    text = split_book(book, out_dir)
    inform(book, text)
    return text


def consolidate_regions(book, files: Iterable[str | Path] | None = None) -> str:
    """合并区域文件: merge the managers' files (default: ``<plan>.regions``; in Excel, when that
    folder holds no regional file, a file dialog) into the book."""
    from salesplan.regional.excel import consolidate_book, default_regions_dir
    if files is None:
        folder = default_regions_dir(_saved_path(book))
        has_files = folder.is_dir() and any(p.suffix.lower() == ".xlsx" for p in folder.iterdir())
        if not has_files:
            chosen = choose_files(book, "选择区域文件 Choose the regional files", file_filter=XLSX_FILTER,
                                  initial_dir=folder if folder.is_dir() else folder.parent)
            if chosen is None and _is_excel(book):  # pragma: no cover - needs Excel
                return "合并已取消 Consolidation cancelled."
            files = chosen
    text = consolidate_book(book, files)
    inform(book, text)
    return text


# ------------------------------------------------------------------------------ 下发 distribute

def announce_plan(book, *, send: bool | None = None, outdir: str | Path | None = None, pdf: bool = True):
    """下发方案: write the PDF summary, DingTalk message, e-mail and .ics next to the plan;
    send them when ``send`` (``None``: ask; headless answer ``ui.yes``). The workbook is
    only read (in Excel it is saved first, so the announcement is what is on screen)."""
    from salesplan.announce import announce_workbook
    if _is_excel(book):  # pragma: no cover - needs Excel
        book.save()
    path = _saved_path(book)
    if send is None:
        send = confirm(book, "生成下发文件（PDF摘要、钉钉消息、邮件、日历），并立即发送到钉钉群和团队邮箱？\n"
                             "Write the announcement (PDF, DingTalk message, e-mail, calendar) and send it to "
                             "the DingTalk group and the team mailbox now?\n"
                             "否 No = 只生成文件 write the files only")
    result = announce_workbook(path, outdir, send=bool(send), pdf=pdf)
    lines = [f"{result.month}: {result.outdir}"] + [f"  {k}: {v.name}" for k, v in result.files.items()]
    lines += [f"  {d.channel}: {d.status} {d.detail}".rstrip() for d in result.deliveries]
    lines += [f"  note: {n}" for n in result.notes]
    inform(book, "\n".join(lines))
    return result
