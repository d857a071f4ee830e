"""``salesplan diff A B [--format table|json]``: what changed between two months or versions.

A and B are ``2027-01`` (the month's latest closed version), ``2027-01@1`` (a version)
or a plan workbook (computed as it is now). Shows targets, configuration, inputs and
deals (added / removed / changed, by contract number), and for every rep whose payout
moved: before, after, delta and because — the deals and rules that moved it.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from salesplan.commands._format import write_json

from salesplan.commands.close import DB_HELP

VERSION_RE = re.compile(r"^(\d{4}-\d{1,2})(?:@(\d+))?$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="对比: what changed between two months, versions or workbooks",
                       description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("a", metavar="A", help="YYYY-MM, YYYY-MM@VERSION or a plan workbook")
    p.add_argument("b", metavar="B", help="YYYY-MM, YYYY-MM@VERSION or a plan workbook")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=run)


def load_side(spec: str, store_factory):
    """A snapshot for one side of a diff (a stored version, or a workbook computed now)."""
    from salesplan.commands.close import month_arg
    from salesplan.errors import InputError, Problem
    m = VERSION_RE.match(spec)
    if m and not Path(spec).is_file():
        from salesplan.history.diff import DIFF_PARTS
        return store_factory().load(month_arg(m.group(1)), int(m.group(2)) if m.group(2) else None,
                                    parts=DIFF_PARTS)
    from salesplan.history.source import read_workbook
    path = Path(spec)
    if not path.is_file():
        raise InputError([Problem(spec, "neither a month nor an existing file",
                                  "YYYY-MM, YYYY-MM@VERSION or a plan workbook", "diff_side")])
    reading = read_workbook(path)
    if reading.snapshot is None:
        raise InputError(reading.problems, source=str(path))
    for p in reading.problems:
        print(f"salesplan: WARNING {path.name} (not closable as it is): [{p.code}] {p}", file=sys.stderr)
    return reading.snapshot


def run(args: argparse.Namespace) -> int:
    from salesplan.history.diff import diff, render_table
    from salesplan.history.store import open_store

    opened = []

    def store():
        if not opened:
            opened.append(open_store(args.db))
        return opened[0]

    try:
        doc = diff(load_side(args.a, store), load_side(args.b, store))
    finally:
        for s in opened:
            s.close()
    if args.format == "json":
        write_json(doc, sys.stdout)
    else:
        sys.stdout.write(render_table(doc))
    return 0
