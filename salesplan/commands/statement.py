"""``salesplan statement MONTH --rep NAME [-o FILE.pdf]``: a rep's closed statement.

MONTH is ``2027-01`` (the latest closed version) or ``2027-01@1``. Prints the statement
(target, revenue, every deal line with its tier slice and rate, the awards and their
rules, the total) from the history; ``-o FILE.pdf`` prints it to PDF with LibreOffice,
``-o FILE.txt`` writes the text.
"""
from __future__ import annotations

import argparse
import sys

from salesplan.commands import check_output_file
from salesplan.commands.close import DB_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("statement", help="a rep's closed statement (text or PDF)",
                       description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("month", metavar="MONTH", help="YYYY-MM or YYYY-MM@VERSION")
    p.add_argument("--rep", required=True, metavar="NAME", help="the rep's name")
    p.add_argument("--region", metavar="REGION", help="the rep's region (when the name is in several)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE.pdf (LibreOffice) or FILE.txt")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from salesplan.commands.close import month_arg
    from salesplan.commands.diff import VERSION_RE
    from salesplan.errors import InputError, Problem
    from salesplan.history.statement import statement_lines, write_pdf
    from salesplan.history.store import open_store

    m = VERSION_RE.match(args.month)
    if m is None:
        raise InputError([Problem("MONTH", args.month, "YYYY-MM or YYYY-MM@VERSION", "month")])
    out = check_output_file(args.output, option="-o", suffixes=(".pdf", ".txt")) if args.output else None
    with open_store(args.db) as st:
        snap = st.load(month_arg(m.group(1)), int(m.group(2)) if m.group(2) else None)
    lines = statement_lines(snap, args.rep, args.region)
    if out is None:
        sys.stdout.write("\n".join(lines) + "\n")
    elif out.suffix.lower() == ".txt":
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(out)
    else:
        write_pdf(lines, out, title=f"{snap.month} {args.rep}")
        print(out)
    return 0
