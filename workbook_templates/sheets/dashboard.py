"""仪表盘 dashboard: region and product tables, the phase burn-up, native charts.

Values: :func:`salesplan.engine.actuals.dashboard.dashboard_values`."""
from __future__ import annotations

from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import ChartSpec, SheetModel, ref
from salesplan.workbook_templates.sheets.common import print_setup


def build_dashboard(ctx: Ctx) -> SheetModel:
    L, plan = ctx.L, ctx.plan
    m = SheetModel(ctx.sheet["dashboard"], "dashboard")
    m.put(1, 1, f"{L('dash_title')} — {ctx.cfg.month}", "title")
    # region table
    r = 3
    m.put(r, 1, L("by_region"), "section")
    r += 1
    hdr_reg = r
    for cc, t in enumerate((L("region"), L("target"), L("weekly_revenue"), L("deals_revenue"), L("attainment"),
                            L("avg_kpi"), L("rank")), 1):
        m.put(r, cc, t, "header")
    r += 1
    g0 = r
    n = len(plan.regions)
    for x in plan.regions:
        g = ctx.region_geom[x.name]
        m.text(r, 1, g.sheet, "label")
        m.put(r, 2, x.revenue, "money")
        m.f(r, 3, f"={ref(g.sheet, *g.cell['weekly_revenue'])}", "money", ("region", x.name, "weekly_revenue"))
        m.f(r, 4, f"={ref(g.sheet, *g.cell['deals_revenue'])}", "money", ("region", x.name, "deals_revenue"))
        m.f(r, 5, f'=IF(B{r}>0,C{r}/B{r},"")', "pct", ("region", x.name, "attainment"))
        m.f(r, 6, f"={ref(g.sheet, *g.cell['avg_kpi'])}", "score", ("region", x.name, "avg_kpi"))
        m.f(r, 7, f'=IF(ISNUMBER(F{r}),RANK(F{r},$F${g0}:$F${g0 + n - 1}),"")', "int", ("region", x.name, "kpi_rank"))
        r += 1
    gN = r - 1
    r += 1
    m.put(r, 1, L("by_product"), "section")
    r += 1
    hdr_prod = r
    for cc, t in enumerate((L("product"), L("target"), L("actual"), L("attainment")), 1):
        m.put(r, cc, t, "header")
    r += 1
    p0 = r
    for p in plan.products:
        m.text(r, 1, p.name, "label")
        m.put(r, 2, p.revenue, "money")
        parts = "+".join(ref(ctx.region_geom[x.name].sheet, ctx.region_geom[x.name].r_phase_total,
                             ctx.region_geom[x.name].c_prod0 + j)
                         for x in plan.regions for j, q in enumerate(plan.products) if q.name == p.name)
        m.f(r, 3, f"=ROUND({parts},2)", "money", ("product", p.name, "actual"))
        m.f(r, 4, f'=IF(B{r}>0,C{r}/B{r},"")', "pct", ("product", p.name, "attainment"))
        r += 1
    pN = r - 1
    r += 1
    m.put(r, 1, L("burnup"), "section")
    r += 1
    hdr_burn = r
    for cc, t in enumerate((L("phase"), L("cum_target"), L("cum_actual")), 1):
        m.put(r, cc, t, "header")
    r += 1
    b0 = r
    cum = 0
    for j, pt in enumerate(plan.phases):
        cum += pt.revenue
        m.text(r, 1, f"{pt.phase.number} {L.pick(pt.phase.name_zh, pt.phase.name_en)}", "label")
        prev_t = f"B{r - 1}+" if j else ""
        prev_a = f"C{r - 1}+" if j else ""
        m.f(r, 2, f"={prev_t}{pt.revenue}", "money", ("lit", cum))
        parts = "+".join(ref(ctx.region_geom[x.name].sheet, ctx.region_geom[x.name].r_phase0 + j,
                             ctx.region_geom[x.name].pc["total"]) for x in plan.regions)
        m.f(r, 3, f"=ROUND({prev_a}{parts},2)", "money", ("burnup", j))
        r += 1
    bN = r - 1
    m.charts.append(ChartSpec("col", L("by_region"), "I3", m.name, (1, g0, gN),
                              [(2, hdr_reg, g0, gN), (3, hdr_reg, g0, gN), (4, hdr_reg, g0, gN)], "¥"))
    m.charts.append(ChartSpec("col", L("by_product"), "I19", m.name, (1, p0, pN),
                              [(2, hdr_prod, p0, pN), (3, hdr_prod, p0, pN)], "¥"))
    m.charts.append(ChartSpec("line", L("burnup"), "I35", m.name, (1, b0, bN),
                              [(2, hdr_burn, b0, bN), (3, hdr_burn, b0, bN)], "¥"))
    m.charts.append(ChartSpec("bar", L("kpi_rank"), "I51", m.name, (1, g0, gN), [(6, hdr_reg, g0, gN)],
                              L("kpi_score")))
    m.widths.update({1: 22, 2: 14, 3: 16, 4: 16, 5: 10, 6: 12, 7: 8})
    print_setup(ctx, m, 20, max(r, 68), fit=(1, 1))  # tables and the four charts on one A4 page
    return m
