"""仪表盘 dashboard: region and product tables, the phase burn-up, native charts.

The region table shows both actuals side by side, labelled by source: the managers' weekly
figures (region tab) and the deals (成交明细). Deals whose (region, rep) is on no region tab
are counted in no region; their revenue is the "unassigned" row, and the team total row
adds it, so the team's deals total is every valid deal of 成交明细 (a name typed on two rep
rows of one region is counted by each, as the region tab does; R3 flags the duplicate).

Values: :func:`salesplan.engine.actuals.dashboard.dashboard_values`."""
from __future__ import annotations

from salesplan.workbook_templates.context import Ctx
from salesplan.engine.actuals.cells import NO
from salesplan.workbook_templates.model import ChartSpec, SheetModel, ref, rng
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
    for cc, t in enumerate((L("region"), L("target"), L("weekly_revenue"), L("deals_revenue"),
                            L("weekly_attainment"), L("deals_attainment"), L("avg_kpi"), L("rank")), 1):
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
        m.f(r, 6, f'=IF(B{r}>0,D{r}/B{r},"")', "pct", ("region", x.name, "deals_attainment"))
        m.f(r, 7, f"={ref(g.sheet, *g.cell['avg_kpi'])}", "score", ("region", x.name, "avg_kpi"))
        m.f(r, 8, f'=IF(ISNUMBER(G{r}),RANK(G{r},$G${g0}:$G${g0 + n - 1}),"")', "int", ("region", x.name, "kpi_rank"))
        r += 1
    gN = r - 1
    r = _team_rows(ctx, m, r, g0, gN)
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
    m.charts.append(ChartSpec("col", L("by_region"), "J3", m.name, (1, g0, gN),
                              [(2, hdr_reg, g0, gN), (3, hdr_reg, g0, gN), (4, hdr_reg, g0, gN)], "¥"))
    m.charts.append(ChartSpec("col", L("by_product"), "J19", m.name, (1, p0, pN),
                              [(2, hdr_prod, p0, pN), (3, hdr_prod, p0, pN)], "¥"))
    m.charts.append(ChartSpec("line", L("burnup"), "J35", m.name, (1, b0, bN),
                              [(2, hdr_burn, b0, bN), (3, hdr_burn, b0, bN)], "¥"))
    m.charts.append(ChartSpec("bar", L("kpi_rank"), "J51", m.name, (1, g0, gN), [(7, hdr_reg, g0, gN)],
                              L("kpi_score")))
    m.widths.update({1: 22, 2: 14, 3: 16, 4: 16, 5: 12, 6: 12, 7: 12, 8: 8})
    print_setup(ctx, m, 20, max(r, 68), fit=(1, 1))  # tables and the four charts on one A4 page
    return m


def _team_rows(ctx: Ctx, m: SheetModel, r: int, g0: int, gN: int) -> int:
    """The unassigned row, the team total row and the note on the two actuals; the next free row."""
    L, d = ctx.L, ctx.deals
    fen, known = rng(d.sheet, d.c["fen"], d.r0, d.r_last), rng(d.sheet, d.c["known"], d.r0, d.r_last)
    u = r
    m.put(u, 1, L("unassigned"), "label")
    m.f(u, 4, f'=ROUND(SUMIFS({fen},{known},"{NO}")/100,2)', "money", ("dash", "unassigned"))
    t = u + 1
    m.put(t, 1, L("dash_team_total"), "label")
    m.f(t, 2, f"=SUM(B{g0}:B{gN})", "total_money", ("lit", sum(x.revenue for x in ctx.plan.regions)))
    m.f(t, 3, f"=ROUND(SUM(C{g0}:C{gN}),2)", "total_money", ("dash", "weekly_total"))
    m.f(t, 4, f"=ROUND(SUM(D{g0}:D{gN})+D{u},2)", "total_money", ("dash", "deals_total"))
    m.f(t, 5, f'=IF(B{t}>0,C{t}/B{t},"")', "total_pct", ("dash", "weekly_attainment"))
    m.f(t, 6, f'=IF(B{t}>0,D{t}/B{t},"")', "total_pct", ("dash", "deals_attainment"))
    m.put(t + 1, 1, L("dash_actuals_note"), "note")
    return t + 2
