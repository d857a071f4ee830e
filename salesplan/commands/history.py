"""``salesplan history [--format table|json] [--verify]``: the closed months and their versions.

Each version: who closed it and when (UTC, shown in Asia/Shanghai), the note, revenue,
total payout, the workbook's SHA-256, the record hash — and, when it was reopened, who,
when and why. ``--verify`` recomputes every record's content hash and the chain and
exits 1 naming the first record that no longer matches (docs/history.md).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from salesplan.commands._format import dumps, write_json
from salesplan.commands.close import DB_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="closed months and versions; --verify checks the hash chain",
                       description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    p.add_argument("--month", metavar="YYYY-MM", help="only this month")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--verify", action="store_true", help="check every record against its hash; exit 1 on a mismatch")
    p.add_argument("--ytd", type=int, metavar="YEAR",
                   help="年度累计: per rep and region, month by month and year-to-date (with --month: up to it)")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=run)


def history_doc(store, month: str | None = None) -> dict[str, Any]:
    """The documented history JSON (docs/history.md, "history JSON")."""
    from salesplan.history.snapshot import shanghai_time
    from salesplan.history.store import safe_url

    months: dict[str, dict[str, Any]] = {}
    for r in store.records(month):
        m = months.setdefault(r.month, {"month": r.month, "state": "open", "versions": []})
        if r.kind == "close":
            m["versions"].append({"version": r.version, "closed_by": r.actor, "closed_at_utc": r.at_utc,
                                  "closed_at_shanghai": shanghai_time(r.at_utc), "note": r.text,
                                  "revenue_fen": r.revenue_fen, "payout_fen": r.payout_fen,
                                  "workbook_sha256": r.workbook_sha256, "record_seq": r.seq, "sha256": r.sha256,
                                  "reopened": None})
            m["state"] = "closed"
        else:
            m["versions"][-1]["reopened"] = {"by": r.actor, "at_utc": r.at_utc,
                                             "at_shanghai": shanghai_time(r.at_utc), "reason": r.text,
                                             "record_seq": r.seq, "sha256": r.sha256}
            m["state"] = "open"
    return {"store": safe_url(store.url), "months": [months[k] for k in sorted(months)]}


def render_table(doc: dict[str, Any]) -> str:
    from salesplan.history.diff import yuan
    out = [f"history: {doc['store']}"]
    if not doc["months"]:
        out.append("  (no month closed yet)")
    for m in doc["months"]:
        out.append(f"{m['month']}  {'已结账 closed' if m['state'] == 'closed' else 'open'}")
        for v in m["versions"]:
            out.append(f"  v{v['version']}  closed by {v['closed_by']} at {v['closed_at_shanghai']}  revenue "
                       f"{yuan(v['revenue_fen'])}  payout {yuan(v['payout_fen'])}  hash {v['sha256'][:16]}"
                       + (f"  note: {v['note']}" if v["note"] else ""))
            if v["reopened"]:
                r = v["reopened"]
                out.append(f"      reopened by {r['by']} at {r['at_shanghai']}: {r['reason']}")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    from salesplan.commands.close import month_arg
    from salesplan.history.store import open_store

    month = month_arg(args.month) if args.month else None
    with open_store(args.db) as st:
        if args.verify:
            problems = st.verify()
            n = len(st.records())
            if args.format == "json":
                sys.stdout.write(dumps({"records": n, "ok": not problems,
                                        "problems": [{"where": p.where, "found": str(p.value),
                                                      "expected": p.expected, "code": p.code} for p in problems]})
                                 + "\n")
            elif problems:
                print(f"salesplan: history verification FAILED: {problems[0].where} no longer matches "
                      f"({problems[0].code}); {len(problems)} problem(s):", file=sys.stderr)
                for p in problems:
                    print(f"  - [{p.code}] {p}", file=sys.stderr)
            else:
                print(f"history verified: {n} record(s), every content hash and the chain match")
            return 1 if problems else 0
        if args.ytd is not None:
            from salesplan.history import ytd
            doc = ytd.ytd(st, args.ytd, month)
            table = ytd.render_table
        else:
            doc = history_doc(st, month)
            table = render_table
    if args.format == "json":
        write_json(doc, sys.stdout)
    else:
        sys.stdout.write(table(doc))
    return 0
