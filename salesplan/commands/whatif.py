"""`salesplan whatif`: what one more deal would pay — each touched rep's payout before and after (issue 21)."""
from __future__ import annotations

from salesplan.commands._format import dumps, parse_date, table
from salesplan.engine import gap as g
from salesplan.errors import InputError, Problem


def register(sub) -> None:
    p = sub.add_parser(
        "whatif", help="what a deal would pay: commission slices, awards and payout before / after",
        description="Append hypothetical deals after every deal of the plan workbook (report order), dated the "
                    "as-of date, recompute the month's payouts and show, for each rep the deals touch — and any "
                    "rep whose payout changes with them (a champion dethroned) — the payout before, after, the "
                    "difference and the new deals' commission slices. The workbook is only read. "
                    "JSON contract: docs/gap.md.")
    p.add_argument("workbook", metavar="PLAN.xlsx", help="the plan workbook")
    p.add_argument("--deal", action="append", required=True, metavar="NAME=AMOUNT[:new]",
                   help="a hypothetical deal: rep NAME (or REGION/NAME), AMOUNT in yuan (e.g. 45000, 12.5万, "
                        "¥1,200,000.50); ':new' = a new customer's first deal (conquest / breakthrough). Repeatable")
    p.add_argument("--as-of", type=lambda s: parse_date(s, "--as-of"), metavar="YYYY-MM-DD",
                   help="the hypothetical deals' date (default today; clamped to the plan month)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.set_defaults(handler=run)


def parse_deal(text: str, source) -> g.NewDeal:
    """``NAME=AMOUNT[:new]`` → a what-if deal; errors name the option and the value."""
    from salesplan.commands._plan_source import find_rep
    from salesplan.deals.amounts import AmountError, parse_amount_fen
    where = f"--deal {text!r}"
    name, eq, rest = text.partition("=")
    if not eq or not name.strip() or not rest.strip():
        raise InputError([Problem(where, text, "NAME=AMOUNT or NAME=AMOUNT:new (e.g. 陈一=45000:new)", "syntax")])
    amount, colon, flag = rest.rpartition(":") if rest.rstrip().lower().endswith(":new") else (rest, "", "")
    if colon and flag.strip().lower() != "new":
        raise InputError([Problem(where, flag, "':new' or nothing after the amount", "syntax")])
    try:
        fen = parse_amount_fen(amount.strip())
    except AmountError as exc:
        raise InputError([Problem(where, amount.strip(), f"an amount in yuan ({exc})", "amount")]) from None
    region, rep = find_rep(source, name.strip(), where=where)
    return g.NewDeal(region, rep, fen, bool(colon))


def run(args) -> int:
    from salesplan.commands import _plan_source as ps
    from salesplan.engine.actuals import DealRow
    source = ps.load(args.workbook)
    new = [parse_deal(t, source) for t in args.deal]
    day = g.clamp_as_of(source.plan, args.as_of)
    rows = [DealRow(date=day, rep=d.rep, region=d.region, amount=_yuan_number(d.amount_fen),
                    customer=g.WHATIF_CUSTOMER.format(n=i + 1) if d.new_customer else None,
                    new_customer="是" if d.new_customer else "否") for i, d in enumerate(new)]
    first = len(source.inputs.deals)
    after = source.gap_inputs(rows)
    result = g.whatif(source.config, source.gap_inputs(), after, range(first, first + len(rows)),
                      [(d.region, d.rep) for d in new])
    data = {"month": str(source.plan.config.month), "as_of": day.isoformat(),
            "deals": [{"region": d.region, "rep": d.rep, "amount": g.yuan_text(d.amount_fen),
                       "new_customer": d.new_customer, "seq": first + i} for i, d in enumerate(new)],
            "reps": [g.whatif_dict(r) for r in result]}
    print(dumps(data) if args.format == "json" else render(data))
    return 0


def _yuan_number(fen: int):
    """A typed amount cell: whole yuan as int, else the 2-decimal value (read back exactly by to_fen)."""
    return fen // 100 if fen % 100 == 0 else float(g.yuan_text(fen))


def render(data: dict) -> str:
    out = [f"{data['month']}: what-if deals dated {data['as_of']}: "
           + ", ".join(f"{d['region']}/{d['rep']} ¥{d['amount']}{' (new customer)' if d['new_customer'] else ''}"
                       for d in data["deals"])]
    out.append(table(["区域", "销售", "提成前", "提成后", "奖励前", "奖励后", "合计前", "合计后", "差额"],
                     [[r["region"], r["rep"], r["before"]["commission"], r["after"]["commission"],
                       _awards(r["before"]), _awards(r["after"]), r["before"]["total"], r["after"]["total"],
                       r["delta"]] for r in data["reps"]], right=[False, False] + [True] * 7))
    for r in data["reps"]:
        if r["slices"]:
            out.append(f"{r['region']}/{r['rep']} slices: " + "; ".join(
                f"#{s['seq']} tier {s['tier']} ¥{s['base']} × {float(s['rate']) * 100:g}% = ¥{s['commission']}"
                for s in r["slices"]))
        gained = [a for a in r["awards_after"] if a not in r["awards_before"]]
        lost = [a for a in r["awards_before"] if a not in r["awards_after"]]
        for a in gained:
            out.append(f"{r['region']}/{r['rep']} + {a['award']} ¥{a['amount']}: {a['basis']}")
        for a in lost:
            out.append(f"{r['region']}/{r['rep']} − {a['award']} ¥{a['amount']}: {a['basis']}")
    return "\n".join(out)


def _awards(s: dict) -> str:
    from decimal import Decimal
    total = sum(Decimal(s[k]) for k in ("champion", "conquest", "breakthrough", "retention", "quiz"))
    return f"{total:.2f}"
