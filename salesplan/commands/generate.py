"""`salesplan generate`: write the month's plan workbook (the ribbon's "Generate monthly plan")."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from salesplan.commands import check_output_file, positive_int
from salesplan.config import load_config
from salesplan.locking import plan_lock
from salesplan.config.limits import MAX_DEALS


def register(sub) -> None:
    p = sub.add_parser("generate", help="write the month's plan workbook (.xlsx)",
                       description="Write the month's battle-plan workbook. Re-running it on a workbook of the "
                                   "same month keeps every typed input; a workbook of another month is refused "
                                   "(or moved aside with --archive).")
    p.add_argument("--month", metavar="YYYY-MM", help="plan month (default: the config's month, else next month)")
    p.add_argument("--config", metavar="FILE",
                   help="plan configuration TOML (default: the existing workbook's 设置 sheet, else the built-in "
                        "seed plan)")
    p.add_argument("--lang", choices=("zh", "en"), help="workbook labels (default: the config's, zh)")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: 销售作战方案-<month>.xlsx here)")
    p.add_argument("--archive", action="store_true",
                   help="move a workbook of another month at the output path aside instead of refusing")
    p.add_argument("--drop-removed", action="store_true",
                   help="allow dropping typed inputs of regions/products/KPIs removed from the plan")
    p.add_argument("--deal-rows", type=deal_rows, metavar="N",
                   help=f"rows in the deals sheet (default 200, at most {MAX_DEALS:,})")
    p.add_argument("--db", metavar="URL",
                   help="history store (docs/history.md): its closed months of the year make the 年度累计 sheet; a "
                        "closed month's workbook is not regenerated")
    p.set_defaults(handler=run)


def deal_rows(text: str) -> int:
    """--deal-rows: a positive whole number within the stated capacity (docs/capacity.md)."""
    n = positive_int(text)
    if n > MAX_DEALS:
        raise argparse.ArgumentTypeError(f"at most {MAX_DEALS:,} deal rows (the stated capacity), got {n:,}")
    return n


def run(args) -> int:
    from salesplan.workbook_templates.labels import SHEETS
    from salesplan.workbook_templates import default_filename, generate_workbook, read_meta, read_plan_book
    if args.output:
        check_output_file(args.output, option="-o", suffixes=(".xlsx", ".xlsm"))
    config = load_config(args.config, month=args.month)
    lang = args.lang or config.workbook.language
    out = Path(args.output) if args.output else Path.cwd() / default_filename(config.month, lang)
    from salesplan.history.gate import refuse_if_closed
    from salesplan.history.churn import history_churn
    from salesplan.history.ytd import for_month
    month = str(config.month)
    with plan_lock(out, "generate"):    # one run at a time on a plan: read, merge and write under the lock
        meta = read_meta(out) if out.exists() else None
        again = meta is not None and meta.get("month") == month
        # a closed month is not written again, over its workbook or into a new file (exit 2): what
        # finance paid stays in one marked workbook; `salesplan statement`/`diff` read the history
        refuse_if_closed(month, ("regenerate " if again else "generate ") + out.name, args.db,
                         plan=out if again else None, meta=meta)
        previous = None
        if again:          # read once: its 设置 (unless --config) and every typed input
            previous = read_plan_book(out, month=month, config=config if args.config else None)
            if args.config is None:
                config = previous.config
                setup = SHEETS["setup"][meta.get("lang") == "en"]        # the sheet in the workbook's language
                print(f"salesplan: using the plan settings in {out.name} ({setup})", file=sys.stderr)
        result = generate_workbook(config, out, lang=args.lang, archive=args.archive, allow_drop=args.drop_removed,
                                   previous=previous,
                                   deal_rows=args.deal_rows, ytd=for_month(month, args.db),
                                   churn=history_churn(month, args.db))
    for w in result.warnings:
        print(f"salesplan: WARNING {w}", file=sys.stderr)
    if result.archived:
        print(f"salesplan: archived the old workbook as {result.archived}", file=sys.stderr)
    if result.regenerated:
        print(f"salesplan: regenerated {result.path.name}: {result.kept.summary()}", file=sys.stderr)
    print(result.path)
    return 0
