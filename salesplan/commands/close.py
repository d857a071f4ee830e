"""``salesplan close PLAN.xlsx --by NAME`` and ``salesplan reopen MONTH --by NAME --reason TEXT``.

close: refuses (exit 2, every reason listed) while the plan has errors, unresolved
consolidation conflicts or a statement that does not reconcile; otherwise stores the
month as its next immutable version in the history (docs/history.md). A closed month
cannot be consolidated, imported into or closed again until it is reopened.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

DB_HELP = "history store: a SQLAlchemy URL (postgresql://…) or a SQLite file (default: $SALESPLAN_DB, else " \
          "the per-user history.sqlite3; see docs/history.md)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("close", help="结账: close the month and store it as a locked version",
                       description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("plan", type=Path, metavar="PLAN.xlsx", help="the master plan workbook")
    p.add_argument("--by", required=True, metavar="NAME", help="who closes the month")
    p.add_argument("--note", default="", metavar="TEXT", help="a note stored with the version")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=run_close)

    r = sub.add_parser("reopen", help="reopen a closed month (the next close is a new version)",
                       description="Reopen a closed month, recording who and why; the next close stores "
                                   "version n+1 and keeps every earlier version.")
    r.add_argument("month", metavar="MONTH", help="YYYY-MM")
    r.add_argument("--by", required=True, metavar="NAME", help="who reopens it")
    r.add_argument("--reason", required=True, metavar="TEXT", help="why (stored in the history)")
    r.add_argument("--db", metavar="URL", help=DB_HELP)
    r.set_defaults(handler=run_reopen)


def month_arg(text: str) -> str:
    from salesplan.engine.month import Month
    from salesplan.errors import InputError, Problem
    try:
        return str(Month.parse(text))
    except (ValueError, AttributeError):
        raise InputError([Problem("MONTH", text, "a month as YYYY-MM", "month")]) from None


@dataclass
class CloseResult:
    """What one close did: the stored record (``rec``) and its snapshot; ``problems`` when
    the month cannot be closed (nothing stored); ``remarked`` when the month was already
    closed from this very workbook and only its 已结账 mark was written; ``cancelled``."""

    month: str
    rec: Any = None
    snapshot: Any = None
    problems: list = field(default_factory=list)
    remarked: bool = False
    cancelled: bool = False
    mark_error: Exception | None = None


def close_plan(plan: Path, *, by: str, note: str = "", db: str | None = None,
               ask: Callable[[str], bool] | None = None,
               rewrite: Callable[[Callable[[], Any]], Any] | None = None) -> CloseResult:
    """结账 one plan workbook, for the CLI and the ribbon alike: under the plan's lock, store the
    month as its next version, then mark the workbook 已结账 (banner, locked inputs) through
    ``rewrite(write)`` — the ribbon closes the book in Excel around the write. ``ask(month)``
    confirms after the checks passed. HistoryError when the month is already closed."""
    from salesplan.workbook_templates import plan_month
    from salesplan.locking import plan_lock
    from salesplan.history.mark import mark_of, workbook_mark, write_mark
    from salesplan.history.source import file_sha256, read_workbook
    from salesplan.history.store import HistoryError, already_closed, open_store
    from salesplan.history.ytd import for_month

    month = plan_month(plan)
    rewrite = rewrite or (lambda write: write())
    with plan_lock(plan, "close"):     # nobody writes the workbook between reading, storing and marking it
        with open_store(db) as st:
            closed = st.state(month)
            if closed is not None:       # say so before reading the whole workbook
                last = [r for r in st.records(month) if r.seq == closed.seq]
                if not (last and workbook_mark(plan) is None and last[0].workbook_sha256 == file_sha256(plan)):
                    raise HistoryError(already_closed(closed))
                # this very workbook was closed but its mark was not written (the save failed): write it now
                rewrite(lambda: write_mark(plan, mark_of(closed), ytd=for_month(month, db)))
                return CloseResult(month, closed, remarked=True)
            reading = read_workbook(plan)
            if reading.problems:
                return CloseResult(month, problems=list(reading.problems))
            if ask is not None and not ask(month):
                return CloseResult(month, cancelled=True)
            rec = st.close_month(reading.snapshot, by=by, note=note)
        result = CloseResult(month, rec, reading.snapshot)
        try:      # the version is stored; the workbook gets the 已结账 mark atomically
            rewrite(lambda: write_mark(plan, mark_of(rec), ytd=for_month(month, db)))
        except Exception as exc:
            result.mark_error = exc
    return result


def run_close(args: argparse.Namespace) -> int:
    from salesplan.history.snapshot import shanghai_time

    if not args.by.strip():
        print("salesplan: error: --by must name who closes the month", file=sys.stderr)
        return 2
    r = close_plan(args.plan, by=args.by.strip(), note=args.note, db=args.db)
    if r.remarked:
        print(f"{r.month} was closed as version {r.rec.version}; marked {args.plan.name} 已结账 now")
        return 0
    if r.problems:
        print(f"salesplan: {args.plan.name}: {r.month} cannot be closed — {len(r.problems)} reason(s):",
              file=sys.stderr)
        for p in r.problems:
            print(f"  - [{p.code}] {p}", file=sys.stderr)
        return 2
    rec, s = r.rec, r.snapshot
    if r.mark_error is not None:
        print(f"salesplan: error: {r.month} is closed as version {rec.version} in the history, but "
              f"{args.plan.name} could not be marked 已结账 ({r.mark_error}); run the same close again to mark it",
              file=sys.stderr)
        return 1
    print(f"closed {rec.month} as version {rec.version} by {rec.actor} at {shanghai_time(rec.at_utc)} "
          f"(Asia/Shanghai): revenue ¥{s.revenue_fen / 100:,.2f}, payout ¥{s.payout_fen / 100:,.2f}, "
          f"{len(s.deals)} deals, {len(s.statements)} statements; workbook sha256 {s.workbook_sha256[:16]}…, "
          f"record {rec.sha256[:16]}…; {args.plan.name} marked 已结账 (inputs locked)")
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    from salesplan.history.store import open_store
    month = month_arg(args.month)
    with open_store(args.db) as st:
        rec = st.reopen(month, by=args.by.strip(), reason=args.reason)
    print(f"reopened {rec.month} (version {rec.version} stays in the history) by {rec.actor}: {rec.text}")
    return 0
