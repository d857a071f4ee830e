"""The workbook side of the 结账 Close ribbon group: close this month, compare with last month.

Both go through the history store the CLI uses (``SALESPLAN_DB``, else the per-user
SQLite file; docs/history.md). In Excel the book is saved first, so what is closed or
compared is what is on screen.
"""
from __future__ import annotations

import getpass
from typing import Any

from salesplan.macros.actions import _is_excel, _saved_path, confirm, inform

MAX_LINES = 40


def _who(book) -> str:
    """Who closes: Excel's user name, else the login name."""
    if _is_excel(book):  # pragma: no cover - needs Excel
        try:
            name = str(book.app.api.UserName or "").strip()
            if name:
                return name
        except Exception:
            pass
    return getpass.getuser()


def close_month(book, *, by: str | None = None, note: str = "", db: str | None = None) -> Any:
    """结账: store this month as its next locked version and mark the workbook 已结账 (in Excel the
    book is saved, closed, marked and reopened), or list every reason it cannot be closed."""
    from salesplan.commands.close import close_plan
    from salesplan.errors import InputError
    from salesplan.history.snapshot import shanghai_time
    from salesplan.macros.actions import _rewrite_closed

    if _is_excel(book):  # pragma: no cover - needs Excel
        book.save()
    path = _saved_path(book)
    who = by or _who(book)

    def ask(month: str) -> bool:
        return confirm(book, f"结账 {month}：锁定本月数据与奖金，结账后不能再导入成交或合并区域文件（除非重新开账）。\n"
                             f"Close {month} as {who}? Payouts are locked; deals import and consolidation are "
                             f"refused until the month is reopened.")

    r = close_plan(path, by=who, note=note, db=db, ask=ask,
                   rewrite=lambda write: _rewrite_closed(book, path, write))
    if r.problems:
        raise InputError(r.problems, source=f"{path.name}: {r.month} cannot be closed (结账)")
    if r.cancelled:
        inform(book, "结账已取消 Close cancelled.")
        return None
    rec = r.rec
    if r.remarked:
        inform(book, f"{rec.month} 已于第 {rec.version} 版结账；本工作簿已标记 已结账 (marked closed now).")
        return rec
    if r.mark_error is not None:
        from salesplan.history.store import HistoryError
        raise HistoryError(f"{rec.month} is closed as version {rec.version} in the history, but {path.name} could "
                           f"not be marked 已结账 ({r.mark_error}); click 结账 again to mark it")
    s = r.snapshot
    inform(book, f"已结账 {rec.month} version {rec.version} by {rec.actor} at {shanghai_time(rec.at_utc)}\n"
                 f"revenue ¥{s.revenue_fen / 100:,.2f}, payout ¥{s.payout_fen / 100:,.2f}, {len(s.deals)} deals; "
                 f"workbook marked 已结账 (inputs locked)")
    return rec


def diff_last_month(book, *, db: str | None = None) -> dict:
    """对比上月: this workbook as it is now against last month's latest closed version."""
    from salesplan.workbook_templates import plan_month
    from salesplan.engine.month import Month
    from salesplan.errors import InputError
    from salesplan.history.diff import DIFF_PARTS, diff, render_table
    from salesplan.history.source import read_workbook
    from salesplan.history.store import open_store

    if _is_excel(book):  # pragma: no cover - needs Excel
        book.save()
    path = _saved_path(book)
    m = Month.parse(plan_month(path))
    last = str(Month(m.year - 1, 12) if m.month == 1 else Month(m.year, m.month - 1))
    reading = read_workbook(path)
    if reading.snapshot is None:
        raise InputError(reading.problems, source=path.name)
    with open_store(db) as st:
        doc = diff(st.load(last, parts=DIFF_PARTS), reading.snapshot)
    lines = render_table(doc).splitlines()
    more = len(lines) - MAX_LINES
    inform(book, "\n".join(lines[:MAX_LINES]) + (f"\n… {more} more lines (salesplan diff {last} {path.name})"
                                                  if more > 0 else ""))
    return doc
