"""`salesplan gap`: how far each rep and region is from the next mark (冲刺指引, issue 21)."""
from __future__ import annotations

from salesplan.commands._format import dumps, parse_date, table
from salesplan.engine import gap as g
from salesplan.errors import InputError, Problem


def register(sub) -> None:
    p = sub.add_parser(
        "gap", help="what it takes: each rep's distance to the next tier, 80/100/120 %%, the champion; each region's",
        description="How much more, for whom, by when (冲刺指引): for every rep on the region tabs — revenue, "
                    "target, attainment, commission tier, distance to the next tier, to 80 / 100 / 120 % of the "
                    "target and to the champion, and what is needed per working day left; for every region — "
                    "distance to its target and to the current phase's target, new customers still needed. "
                    "The workbook is only read. JSON contract: docs/gap.md.")
    p.add_argument("workbook", metavar="PLAN.xlsx", help="the plan workbook")
    p.add_argument("--as-of", type=lambda s: parse_date(s, "--as-of"), metavar="YYYY-MM-DD",
                   help="the date (default today; clamped to the plan month); deals dated later do not count")
    p.add_argument("--rep", metavar="NAME", help="only this rep (NAME or REGION/NAME)")
    p.add_argument("--region", metavar="NAME", help="only this region (and its reps)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from salesplan.commands import _plan_source as ps
    source = ps.load(args.workbook)
    result = g.compute_gap(source.plan, source.gap_inputs(), args.as_of)
    data = g.gap_dict(source.plan, result)
    if args.region is not None:
        names = [r["region"] for r in data["regions"]]
        if args.region not in names:
            raise InputError([Problem("--region", args.region, f"a region of the plan ({', '.join(names)})",
                                      "unknown-region")])
        data["regions"] = [r for r in data["regions"] if r["region"] == args.region]
        data["reps"] = [r for r in data["reps"] if r["region"] == args.region]
    if args.rep is not None:
        key = ps.find_rep(source, args.rep, where="--rep")
        data["reps"] = [r for r in data["reps"] if (r["region"], r["rep"]) == key]
        data["regions"] = [r for r in data["regions"] if r["region"] == key[0]]
    print(dumps(data) if args.format == "json" else render(data))
    return 0


def _pct(x: str | None) -> str | None:
    return None if x is None else f"{float(x) * 100:.1f}%"


def render(data: dict) -> str:
    champ = data["champion"]
    head = (f"{data['month']} as of {data['as_of']}: {data['working_days_left']} working day(s) left"
            + (f"; champion {champ['region']}/{champ['rep']} ¥{champ['revenue']}" if champ else "; no champion yet"))
    reps = table(["区域", "销售", "业绩", "目标", "完成率", "档", "距下一档", "下一档费率", "距80%", "距达标",
                  "距120%", "距销冠", "日均需完成"],
                 [[r["region"], r["rep"], r["revenue"], r["target"], _pct(r["attainment"]), r["tier"],
                   r["to_next_tier"], _pct(r["next_tier_rate"]), r["to_80"], r["to_100"], r["to_120"],
                   r["to_champion"], r["daily_needed"]] for r in data["reps"]],
                 right=[False, False] + [True] * 11)
    regions = table(["区域", "业绩", "目标", "距目标", "阶段", "阶段累计目标", "距阶段目标", "新客户", "新客户目标", "尚需新客户"],
                    [[r["region"], r["revenue"], r["target"], r["to_target"], f"{r['phase']} {r['phase_name']}",
                      r["phase_target"], r["to_phase_target"], r["new_customers"], r["new_customers_target"],
                      r["new_customers_needed"]] for r in data["regions"]],
                    right=[False, True, True, True, False] + [True] * 5)
    return "\n\n".join([head, reps, regions])
