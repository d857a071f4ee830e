"""``salesplan close PLAN.xlsx --by NAME`` and ``salesplan reopen MONTH --by NAME --reason TEXT``.

close: refuses (exit 2, every reason listed) while the plan has errors, unresolved
consolidation conflicts or a statement that does not reconcile; otherwise stores the
month as its next immutable version in the history (docs/history.md). A closed month
cannot be consolidated, imported into or closed again until it is reopened.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

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


def run_close(args: argparse.Namespace) -> int:
    from salesplan.commands.deals import plan_month
    from salesplan.locking import plan_lock

    if not args.by.strip():
        print("salesplan: error: --by must name who closes the month", file=sys.stderr)
        return 2
    month = plan_month(args.plan)
    with plan_lock(args.plan, "close"):     # nobody writes the workbook between reading, storing and marking it
        return _close(args, month)


def _close(args: argparse.Namespace, month: str) -> int:
    from salesplan.history.mark import mark_of, workbook_mark, write_mark
    from salesplan.history.snapshot import shanghai_time
    from salesplan.history.source import file_sha256, read_workbook
    from salesplan.history.store import already_closed, open_store
    from salesplan.history.ytd import for_month

    with open_store(args.db) as st:
        closed = st.state(month)
        if closed is not None:       # say so before reading the whole workbook
            last = [r for r in st.records(month) if r.seq == closed.seq]
            if last and workbook_mark(args.plan) is None and last[0].workbook_sha256 == file_sha256(args.plan):
                # this very workbook was closed but its mark was not written (the save failed): write it now
                write_mark(args.plan, mark_of(closed), ytd=for_month(month, args.db))
                print(f"{month} was closed as version {closed.version}; marked {args.plan.name} 已结账 now")
                return 0
            print(f"salesplan: error: {already_closed(closed)}", file=sys.stderr)
            return 2
        reading = read_workbook(args.plan)
        if reading.problems:
            print(f"salesplan: {args.plan.name}: {month} cannot be closed — {len(reading.problems)} reason(s):",
                  file=sys.stderr)
            for p in reading.problems:
                print(f"  - [{p.code}] {p}", file=sys.stderr)
            return 2
        rec = st.close_month(reading.snapshot, by=args.by.strip(), note=args.note)
    s = reading.snapshot
    try:      # the version is stored; the workbook gets the 已结账 mark (banner, locked inputs) atomically
        write_mark(args.plan, mark_of(rec), ytd=for_month(month, args.db))
    except Exception as exc:
        print(f"salesplan: error: {month} is closed as version {rec.version} in the history, but {args.plan.name} "
              f"could not be marked 已结账 ({exc}); run the same close again to mark it", file=sys.stderr)
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
