"""The workbook side of a close: the 已结账 mark written into the plan workbook, and the
check that the mark and the history agree before anything writes into a workbook.

The mark is written by regenerating the workbook from its own 设置 and typed inputs
through the writer's atomic save (temp file, validation, replace): no input value moves,
the inputs are locked and a 已结账 banner names the version, who and when
(workbook_templates/sheets/closed.py). ``reopen`` needs no write: the next generate,
deals import or consolidation writes an open workbook.

Agreement (``refuse_if_closed`` with the plan): the store says the month is closed → refused;
the workbook carries a mark the store has no close for (another history, or none) →
refused, naming the mark; a mark of a version the store has since reopened → stale, the
write goes on and leaves the workbook open.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


def workbook_mark(plan: str | Path, meta: dict[str, str] | None = None) -> dict[str, Any] | None:
    """The workbook's 已结账 mark, or None (open, or not a salesplan workbook). ``meta``: its
    salesplan meta when the caller has read it already."""
    from salesplan.workbook_templates.sheets.closed import read_mark
    from salesplan.workbook_templates.reader import read_meta
    p = Path(plan)
    if meta is None and not p.exists():
        return None
    return read_mark(meta if meta is not None else read_meta(p))


def mark_of(rec) -> dict[str, Any]:
    """The mark for a close record of the store."""
    from salesplan.history.snapshot import shanghai_time
    return {"version": rec.version, "by": rec.actor, "at_utc": rec.at_utc, "at_shanghai": shanghai_time(rec.at_utc)}


def unknown_mark(plan: Path, mark: dict[str, Any], month: str | None, records: list, url: str) -> str | None:
    """Why the workbook's mark disagrees with the store's records of its month (None: it agrees —
    the store closed that version and has since reopened it)."""
    from salesplan.history.store import safe_url
    closes = {r.version: r for r in records if r.kind == "close"}
    reopened = any(r.kind == "reopen" and r.version == mark.get("version") for r in records)
    if mark.get("version") in closes and reopened:
        return None
    return (f"{plan.name} is marked 已结账 ({month} version {mark.get('version')}, by {mark.get('by')} at "
            f"{mark.get('at_shanghai')} Asia/Shanghai) but the history {safe_url(url)} has no such close open to "
            f"change: use the history it was closed in (--db URL or SALESPLAN_DB) and reopen the month there")


def write_mark(plan: str | Path, mark: dict[str, Any] | None, *, ytd: dict | None = None):
    """Regenerate ``plan`` from its own settings and inputs with the mark (None: open), atomically."""
    from salesplan.workbook_templates import generate_workbook, read_plan_book
    p = Path(plan)
    book = read_plan_book(p)          # meta and 设置 in one read (the month is the workbook's)
    return generate_workbook(book.config, p, lang=book.meta.get("lang") or None, closed=mark, ytd=ytd,
                             previous=book)
