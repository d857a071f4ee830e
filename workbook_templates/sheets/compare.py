"""方案对比 (strategy A vs B, R10): both strategies' targets by region and product and each region's
final KPI weights side by side, so "switch to version B" is a visible choice.

Values only (plan figures, like 目标分解): :func:`salesplan.engine.scenario.strategy_plans` and
:func:`~salesplan.engine.scenario.compare_plans`. Switching is a 设置 edit and a regeneration.
"""
from __future__ import annotations

from decimal import Decimal

from salesplan.engine import scenario as sc
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import SheetModel
from salesplan.workbook_templates.sheets.common import print_setup


def build_compare(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    m = SheetModel(ctx.sheet["compare"], "compare", tab_color="7030A0")
    m.put(1, 1, f"{L('compare_title')} — {cfg.month}", "title")
    m.put(2, 1, L("compare_note"), "note")
    d = sc.compare_plans(*sc.strategy_plans(cfg, ctx.plan))
    active = {"A": L("strategy_a"), "B": L("strategy_b")}
    heads = [active[s] + (f"（{L('active')}）" if ctx.lang == "zh" else f" ({L('active')})") * (s == cfg.strategy)
             for s in ("A", "B")]
    r = 4
    r = _block(m, r, L("cmp_totals"), (L("item"), "", *heads, L("delta")),
               [(L("month_target"), "", d["targets"]["revenue"], "money"),
                (L("nc_target"), "", d["targets"]["new_customers"], "int")])
    r = _block(m, r, L.pick("产品线目标", "Targets by product"), (L("product"), "", *heads, L("delta")),
               [(p["product"], "", p, "money") for p in d["products"]])
    rows = []
    for reg in d["regions"]:
        rows.append((reg["region"], L("total"), reg["revenue"], "money"))
        rows.append((reg["region"], L("new_customers"), reg["new_customers"], "int"))
        rows += [(reg["region"], name, pair, "money") for name, pair in reg["products"].items()]
    r = _block(m, r, L("cmp_regions"), (L("region"), L("product"), *heads, L("delta")), rows)
    w = [(x["region"], x["name"], {"base": _pct(x["base"]), "scenario": _pct(x["scenario"]), "delta": None}, "pct")
         for x in d["kpi_weights"]]
    last = _block(m, r, L("cmp_weights"), (L("region"), L("kpi"), *heads, ""), w)
    m.widths.update({1: 16, 2: 20, 3: 16, 4: 16, 5: 14})
    m.freeze = "A4"
    print_setup(ctx, m, 5, last - 2)
    return m


def _pct(w: str | None) -> float | None:
    return None if w is None else float(Decimal(w))


def _block(m: SheetModel, r: int, title: str, heads: tuple, rows: list) -> int:
    """A section: title, header row, one row per (label, sub-label, {base, scenario, delta}, style)."""
    m.put(r, 1, title, "section")
    r += 1
    for c, h in enumerate(heads, 1):
        m.put(r, c, h or None, "header")        # one continuous header band
    for label, sub, pair, style in rows:
        r += 1
        m.text(r, 1, label, "label")
        if sub:
            m.text(r, 2, sub, "text")
        for c, f in ((3, "base"), (4, "scenario"), (5, "delta")):
            if pair.get(f) is not None:
                m.put(r, c, pair[f], style)
    return r + 2
