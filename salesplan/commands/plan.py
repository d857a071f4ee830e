"""`salesplan plan`: print the month's computed plan as JSON or a table."""
from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence

from salesplan.commands._format import write_json
from salesplan.config import load_config
from salesplan.engine.params import CommissionTier
from salesplan.engine.plan import compute_plan


def register(sub) -> None:
    p = sub.add_parser("plan", help="compute the month's plan and print it",
                       description="Compute the month's plan from the configuration (default: the built-in "
                                   "seed plan for next month) and print it.")
    p.add_argument("--month", metavar="YYYY-MM", help="plan month (default: the config's month, else next month)")
    p.add_argument("--config", metavar="FILE", help="plan configuration TOML (default: built-in seed plan)")
    p.add_argument("--format", choices=("json", "table"), default="table", help="output format (default: table)")
    p.set_defaults(handler=run)


def run(args) -> int:
    config = load_config(args.config, month=args.month)
    plan = compute_plan(config)
    for w in plan.warnings:
        print(f"salesplan: WARNING [{w.code}] {w.message}", file=sys.stderr)
    if args.format == "json":
        write_json(plan.to_dict(), sys.stdout)
    else:
        sys.stdout.write(render_table(plan.to_dict(), config.commission.tiers))
    return 0


# --------------------------------------------------------------------------- text tables

def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide and full-width characters (CJK, ￥) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str, indent: str = "  ") -> list[str]:
    """Lines of a table whose columns line up on screen; ``align`` has one '<' or '>' per column."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(headers))]
    return [indent + "  ".join(_pad(c, w, a) for c, w, a in zip(r, widths, align)).rstrip() for r in cells]


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def render_table(d: dict, tiers: Sequence[CommissionTier] = ()) -> str:
    t = d["targets"]
    out = [f"销售作战方案 {d['month']}  strategy {d['strategy']}", "",
           f"Revenue ¥{t['revenue']:,}   new customers {t['new_customers']}   repurchase {t['repurchase_rate']:.0%}"
           f"   AOV ¥{t['average_order_value']:,}   implied orders {t['implied_orders']}", "", "Products:"]
    out += text_table(["product", "share", "revenue ¥"],
                      [[p["name"], _pct(p["share"]), f"{p['revenue']:,}"] for p in d["products"]], "<>>")
    names = [p["name"] for p in d["products"]]
    out += ["", "Regions (¥):"]
    out += text_table(["region", "manager", *names, "total", "new cust"],
                      [[r["name"], r["manager"], *(f"{r['products'][n]:,}" for n in names), f"{r['revenue']:,}",
                        r["new_customers"]] for r in d["regions"]], "<<" + ">" * (len(names) + 2))
    out += ["", "KPI weights by region (R6–R7, as scored):"]
    kpis: list[str] = []
    for r in d["regions"]:
        kpis += [k for k in r["kpi_weights"] if k not in kpis]
    out += text_table(["KPI", *(r["name"] for r in d["regions"])],
                      [[k, *(_pct(r["kpi_weights"][k]) if k in r["kpi_weights"] else "-" for r in d["regions"])]
                       for k in kpis], "<" + ">" * len(d["regions"]))
    if tiers:
        out += ["", "Commission tiers (attainment of the rep's target, R8):"]
        bounds = [f"{float(x.start):.0%}" for x in tiers] + [""]
        out += text_table(["from", "to", "rate"],
                          [[bounds[i], bounds[i + 1] or "and above", f"{float(x.rate):.2%}".replace(".00%", "%")]
                           for i, x in enumerate(tiers)], ">>>")
    out += ["", f"Phases ({d['working_days']} working days):"]
    out += text_table(["#", "phase", "from", "to", "days", "revenue ¥"],
                      [[p["number"], p["name"], p["start"], p["end"], p["working_days"], f"{p['revenue']:,}"]
                       for p in d["phases"]], "><<<>>")
    out += ["", "Events:"] + text_table(["date", "time", "event"],
                                        [[e["date"], e["time"] or "", e["name"]] for e in d["events"]], "<<<")
    if d["alerts"]:
        out += ["", "Alerts:"] + [f"  [{a['rule']} {a['code']}] {a['message']}" for a in d["alerts"]]
    if d["warnings"]:
        out += ["", "Warnings:"] + [f"  [{w['code']}] {w['message']}" for w in d["warnings"]]
    return "\n".join(out) + "\n"
