"""``salesplan consolidate PLAN.xlsx FILE|DIR ...``: merge the managers' files back.

Every file is preflighted and checked on its own (month, region, plan version, edited
formulas, changed locked cells, input validation); a bad file is rejected with a named
reason and the others proceed. Inputs are merged by region, rep and field; a value
changed both in the master and in a regional file since the split is listed as a
conflict and the master keeps its value. Re-running with the same files changes
nothing. A directory argument means every ``*.xlsx`` in it.

Exit status: 0 when every file merged cleanly, 1 when any file was excluded or had
errors or conflicts, 2 on a usage or master-workbook error — also when the arguments
name no file at all (an empty folder: nothing to consolidate is not a clean merge).
"""
from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from salesplan.commands._format import write_json
from salesplan.locking import plan_lock
from salesplan.progress import CliProgress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("consolidate", help="合并区域文件: merge the regional files into the master",
                              description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("plan", type=Path, metavar="PLAN.xlsx", help="the master plan workbook")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="regional files or folders of them")
    p.add_argument("--config", metavar="TOML",
                   help="plan configuration (default: read from the workbook's 设置 sheet)")
    p.add_argument("--month", metavar="YYYY-MM", help="with --config: the plan month (default: the workbook's)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--ignore-version", action="store_true",
                   help="merge files split under an earlier plan version (by key; still reported)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--db", metavar="URL", help="history store to ask whether the month is closed (docs/history.md)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from salesplan.regional.workflow import consolidate, expand

    from salesplan.errors import SalesPlanError
    from salesplan.workbook_templates import read_meta
    try:                          # the master's meta, read once: its month, its 已结账 mark
        meta = read_meta(args.plan)
    except (OSError, SalesPlanError):
        meta = None               # no workbook at all: refused below, once the files are known
    month = (meta or {}).get("month") or None
    config = None
    if args.config:
        from salesplan.config import load_config
        config = load_config(args.config, month=args.month or month)
    from salesplan.history.gate import refuse_if_closed
    refuse_if_closed(month, "consolidate into " + args.plan.name, args.db,   # closed: exit 2
                     plan=args.plan, meta=meta)
    files = expand(args.files)
    if not files:
        print("nothing to consolidate: " + ", ".join(str(p) for p in args.files)
              + " holds no regional file (*.xlsx, *.xlsm)", file=sys.stderr)
        return 2
    if meta is None:              # a master that is no workbook: refused (its own words) before the lock file
        from salesplan.xlsx.openpyxl_reader import open_workbook
        open_workbook(args.plan, read_only=True).close()
    # one run at a time on a plan (a dry run writes nothing: it reads without waiting)
    with plan_lock(args.plan, "consolidate") if not args.dry_run else nullcontext():
        from salesplan.history.ytd import for_month
        report = consolidate(args.plan, files, config=config, write=not args.dry_run,
                             check_version=not args.ignore_version, progress=CliProgress(show_summary=False),
                             ytd=for_month(month, args.db) if not args.dry_run else None)
    if args.json:
        write_json(report.to_json(), sys.stdout, default=str)
    else:
        print(report.summary())
        for line in report.details():
            print(line)
        if report.saved:
            print(f"master updated: {report.master}")
    return 0 if report.ok else 1
