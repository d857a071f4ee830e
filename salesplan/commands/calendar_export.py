"""`salesplan calendar`: the month's events and phases as an iCalendar (.ics) file (R4, R5)."""
from __future__ import annotations

import sys
from pathlib import Path

from salesplan.announce import load_plan, write_ics
from salesplan.announce.ics import render_ics
from salesplan.commands import check_output_file


def register(sub) -> None:
    p = sub.add_parser(
        "calendar", help="export the month's events and phases as an iCalendar (.ics) file",
        description="Write every dated event (R5) and battle phase (R4) of the plan month, its holidays and "
                    "make-up working days and the Spring Festival sensitive period, as an RFC 5545 .ics file in "
                    "the Asia/Shanghai time zone, for Outlook, Google Calendar, DingTalk or any calendar.")
    p.add_argument("workbook", nargs="?", metavar="PLAN.xlsx", help="the plan workbook")
    p.add_argument("--config", metavar="FILE", help="plan configuration TOML (instead of the workbook)")
    p.add_argument("--month", metavar="YYYY-MM", help="plan month (must match the workbook's, if one is given)")
    p.add_argument("-o", "--output", metavar="FILE.ics",
                   help="output file ('-' for standard output; default: salesplan-YYYY-MM.ics)")
    p.add_argument("--lang", choices=("zh", "en"), help="event names (default: the plan's workbook language)")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.output and args.output != "-":
        check_output_file(args.output, option="-o")
    source = load_plan(args.workbook, config=args.config, month=args.month)
    for note in source.notes:
        print(f"salesplan: note: {note}", file=sys.stderr)
    plan = source.plan
    if args.output == "-":
        sys.stdout.buffer.write(render_ics(plan, lang=args.lang).encode("utf-8"))
        return 0
    out = Path(args.output) if args.output else Path(f"salesplan-{plan.to_dict()['month']}.ics")
    write_ics(plan, out, lang=args.lang)
    print(f"wrote {out} ({len(plan.events)} events, {len(plan.phases)} phases)", file=sys.stderr)
    return 0
