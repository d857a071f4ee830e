"""`salesplan scenario`: the plan and a what-if version of it side by side — touching no file (issue 21)."""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

from salesplan.commands._format import dumps, table
from salesplan.engine import scenario as sc
from salesplan.engine.gap import yuan_text
from salesplan.errors import ConfigError, InputError, Problem


def register(sub) -> None:
    p = sub.add_parser(
        "scenario", help="compare the plan with a changed version: targets, KPI weights, every rep's payout",
        description="Compute the plan (--config, default the built-in seed plan) and a scenario of it — the same "
                    "configuration with --set changes and/or --strategy — and show them side by side: targets by "
                    "region and product, each region's final KPI weights and, with --deals, every rep's payout "
                    "under the same deals. Without --set and --strategy the scenario is the other strategy "
                    "(A ↔ B, R10). Nothing is written. JSON contract: docs/gap.md.")
    p.add_argument("--config", metavar="FILE", help="the base plan configuration TOML (default: built-in seed plan)")
    p.add_argument("--month", metavar="YYYY-MM",
                   help="plan month (default: the --deals workbook's, else the config's, else next month)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="change one setting in the scenario, e.g. targets.revenue=3200000, "
                        "regions.华东区.revenue=1250000, kpis.followups.weight=0.25, commission.tiers.1.rate=0.05 "
                        "(VALUE is a TOML value; list tables by name, key or index). Repeatable")
    p.add_argument("--strategy", choices=("A", "B"), help="the scenario's strategy (R10)")
    p.add_argument("--deals", metavar="PLAN.xlsx",
                   help="a plan workbook whose reps and typed deals are paid under both plans (only read)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.set_defaults(handler=run)


def parse_sets(items: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or not key or any(not part for part in key.split(".")):
            raise InputError([Problem(f"--set {item!r}", item, "KEY=VALUE, e.g. targets.revenue=3200000", "syntax")])
        out[key] = _toml_value(raw.strip())
    return out


def _toml_value(raw: str) -> object:
    """A TOML value (number → Decimal, exact); anything that is not TOML is taken as text."""
    try:
        return tomllib.loads(f"v = {raw}", parse_float=Decimal)["v"]
    except tomllib.TOMLDecodeError:
        return raw


def run(args) -> int:
    from salesplan.config import default_config_text, validate
    from salesplan.engine.plan import compute_plan

    source = None
    if args.deals:
        from salesplan.commands import _plan_source as ps
        source = ps.load(args.deals)
    base_name = args.config or "<built-in default>"
    text = Path(args.config).read_text("utf-8") if args.config else default_config_text()
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(base_name, str(exc), "valid TOML", "syntax")], base_name) from None
    month = args.month or (str(source.config.month) if source else None)
    sets = parse_sets(args.sets)
    try:
        changed = sc.apply_sets(data, sets)
    except KeyError as exc:
        raise InputError([Problem(f"--set {exc.args[0]}", exc.args[0], "a key of the plan configuration (see "
                                  "`salesplan config --print-default`; list tables by name, key or index)",
                                  "unknown-key")]) from None
    base_cfg = validate(data, source=base_name, month=month)
    if args.strategy or not sets:
        changed["strategy"] = args.strategy or ("A" if base_cfg.strategy == "B" else "B")
    scen_cfg = validate(changed, source=f"scenario ({base_name} with --set/--strategy)", month=month)
    base, scen = compute_plan(base_cfg), compute_plan(scen_cfg)
    data_out = sc.compare_plans(base, scen)
    data_out["set"] = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in sets.items()}
    if source is not None:
        data_out["payouts"] = payouts(source, base, scen)
    data_out = money_as_yuan(data_out)
    print(dumps(data_out) if args.format == "json" else render(data_out))
    return 0


def payouts(source, base, scen) -> list[dict]:
    """Every rep's payout under each plan, same typed deals (the workbook's semantics)."""
    from salesplan.commands._plan_source import gap_inputs
    from salesplan.engine.gap import bonuses
    typed = set(source.inputs.regions)
    for plan in (base, scen):
        names = {r.name for r in plan.config.regions}
        if names != typed:
            raise InputError([Problem(f"--deals {source.path}", ", ".join(sorted(typed)),
                                      f"the plan's regions ({', '.join(sorted(names))})", "regions")])
    st = [bonuses(p.config, gap_inputs(p, source.inputs)).statements for p in (base, scen)]
    return sc.compare_payouts(*st)


def money_as_yuan(d: dict) -> dict:
    """Targets are whole yuan, payouts fen: both become 2-decimal yuan strings (customers stay counts)."""
    def pair(p, fen=False):
        return {k: yuan_text(v if fen else v * 100) for k, v in p.items()}
    d["targets"]["revenue"] = pair(d["targets"]["revenue"])
    d["products"] = [{"product": p["product"], **pair({k: p[k] for k in ("base", "scenario", "delta")})}
                     for p in d["products"]]
    for r in d["regions"]:
        r["revenue"] = pair(r["revenue"])
        r["products"] = {k: pair(v) for k, v in r["products"].items()}
    for r in d.get("payouts", []):
        r["target"] = pair(r.pop("target_yuan"))
        for f in ("revenue", "commission", "total"):
            r[f] = pair(r.pop(f + "_fen"), fen=True)
    return d


def _cmp(p: dict) -> list:
    return [p["base"], p["scenario"], p["delta"]]


def render(d: dict) -> str:
    t = d["targets"]
    out = [f"{d['month']}: base (strategy {d['strategy']['base']}) vs scenario (strategy {d['strategy']['scenario']})"
           + (" with " + ", ".join(f"{k}={v}" for k, v in d["set"].items()) if d["set"] else ""),
           table(["目标", "基准", "方案", "差额"], [["月度销售额"] + _cmp(t["revenue"]),
                                                  ["新客户"] + _cmp(t["new_customers"])], right=[False, True, True, True]),
           table(["产品线", "基准", "方案", "差额"], [[p["product"], p["base"], p["scenario"], p["delta"]]
                                                  for p in d["products"]], right=[False, True, True, True]),
           table(["区域", "基准", "方案", "差额", "新客户 基准", "方案"],
                 [[r["region"]] + _cmp(r["revenue"]) + [r["new_customers"]["base"], r["new_customers"]["scenario"]]
                  for r in d["regions"]], right=[False] + [True] * 5),
           table(["区域", "KPI", "权重 基准", "方案"],
                 [[w["region"], w["name"], w["base"], w["scenario"]] for w in d["kpi_weights"]
                  if w["base"] != w["scenario"]] or [["—", "(KPI weights unchanged)", "", ""]],
                 right=[False, False, True, True])]
    if "payouts" in d:
        out.append(table(["区域", "销售", "目标 基准", "方案", "提成 基准", "方案", "合计 基准", "方案", "差额"],
                         [[r["region"], r["rep"], r["target"]["base"], r["target"]["scenario"],
                           r["commission"]["base"], r["commission"]["scenario"], r["total"]["base"],
                           r["total"]["scenario"], r["total"]["delta"]] for r in d["payouts"]],
                         right=[False, False] + [True] * 7))
    return "\n\n".join(out)
