"""``salesplan split PLAN.xlsx [-o DIR] [--region NAME ...]``: one workbook per region.

Each regional file holds only its region (no sheet, name or string of any other
region — checked by a leak scan before it is handed out), has its inputs unlocked
and formulas locked, and is stamped with the plan month, region, plan version and
split id. The split record (base values, formula fingerprints) is written next to
the master in ``<plan>.splits/<region>.json`` for ``salesplan consolidate``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from salesplan.locking import plan_lock
from salesplan.progress import CliProgress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("split", help="拆分区域文件: one workbook per region for its manager",
                              description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("plan", type=Path, metavar="PLAN.xlsx", help="the master plan workbook")
    p.add_argument("-o", "--out", type=Path, metavar="DIR",
                   help="folder for the regional files (default: <plan>.regions next to the plan)")
    p.add_argument("--region", action="append", metavar="NAME", help="only this region (repeatable)")
    p.add_argument("--config", metavar="TOML",
                   help="plan configuration (default: read from the workbook's 设置 sheet)")
    p.add_argument("--month", metavar="YYYY-MM", help="with --config: the plan month (default: the workbook's)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from salesplan.commands import check_output_dir
    from salesplan.regional.workflow import split_plan
    from salesplan.workbook_templates import read_meta

    if args.out is not None:
        check_output_dir(args.out, option="-o")
    # refuse a plan that is not a workbook before the output folder is created
    meta = read_meta(args.plan) or {}

    config = None
    if args.config:
        from salesplan.config import load_config
        config = load_config(args.config, month=args.month or meta.get("month"))
    with plan_lock(args.plan, "split"):     # it writes the plan's split records, as consolidate does
        result = split_plan(args.plan, args.out, args.region, config=config, progress=CliProgress(show_summary=False))
    for region, path in result.files.items():
        print(f"{region}\t{path}")
    for p in result.problems:
        print(f"  {p}", file=sys.stderr)
    return 0
