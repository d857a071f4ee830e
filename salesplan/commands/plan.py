"""`salesplan plan`: print the month's computed plan as JSON or a table."""
from __future__ import annotations

import json
import sys

from salesplan.config import load_config
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
    plan = compute_plan(load_config(args.config, month=args.month))
    for w in plan.warnings:
        print(f"salesplan: WARNING [{w.code}] {w.message}", file=sys.stderr)
    if args.format == "json":
        json.dump(plan.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(plan.to_dict()))
    return 0


def render_table(d: dict) -> str:
    out = [f"销售作战方案 {d['month']}  strategy {d['strategy']}",
           "",
           f"Revenue ¥{d['targets']['revenue']:,}   new customers {d['targets']['new_customers']}   "
           f"repurchase {d['targets']['repurchase_rate']:.0%}   AOV ¥{d['targets']['average_order_value']:,}   "
           f"implied orders {d['targets']['implied_orders']}",
           "", "Products:"]
    out += [f"  {p['name']:<10} {p['share']:>6.1%}  ¥{p['revenue']:>12,}" for p in d["products"]]
    names = [p["name"] for p in d["products"]]
    out += ["", "Regions:" + "".join(f"{n:>14}" for n in names) + f"{'total':>14}{'new cust':>10}"]
    for r in d["regions"]:
        out.append(f"  {r['name']} {r['manager']:<4}" + "".join(f"{r['products'][n]:>14,}" for n in names)
                   + f"{r['revenue']:>14,}{r['new_customers']:>10}")
    out += ["", f"Phases ({d['working_days']} working days):"]
    out += [f"  {p['number']} {p['name']:<10} {p['start']} – {p['end']}  {p['working_days']:>2} d  ¥{p['revenue']:>12,}"
            for p in d["phases"]]
    out += ["", "Events:"] + [f"  {e['date']} {e['time'] or '':>5} {e['name']}" for e in d["events"]]
    if d["alerts"]:
        out += ["", "Alerts:"] + [f"  [{a['rule']} {a['code']}] {a['message']}" for a in d["alerts"]]
    if d["warnings"]:
        out += ["", "Warnings:"] + [f"  [{w['code']}] {w['message']}" for w in d["warnings"]]
    return "\n".join(out) + "\n"
