"""Sheets written from the computed plan: 使用说明 guide, 目标分解 targets, 作战日历
calendar, KPI考核 KPI. Plan figures are values from ``compute_plan``; totals are SUM
formulas that the recalculation test checks against the engine's totals."""
from __future__ import annotations

from salesplan.engine.notices import notice
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.labels import GUIDE_ROWS
from salesplan.workbook_templates.model import COL, SheetModel, ref
from salesplan.workbook_templates.sheets.common import print_setup


def _pct_style(unit: str) -> str:
    return "pct" if unit == "rate" else "dec"


def build_guide(ctx: Ctx) -> SheetModel:
    L, plan, cfg = ctx.L, ctx.plan, ctx.cfg
    m = SheetModel(ctx.sheet["guide"], "guide")
    m.put(1, 1, f"{L('title')} — {cfg.month}", "title")
    m.put(2, 1, L("input_hint"), "note")
    m.f(3, 1, f"={ctx.banners['weights']}", "banner", ("lit", _weights_banner(ctx)))
    r = 4
    if ctx.regional:
        names = "、".join(ctx.scope) if ctx.lang == "zh" else ", ".join(ctx.scope)
        m.text(r, 1, L.pick(f"区域文件：{names}。所有目标取自总方案；只含本区域的数据。黄色单元格（本区域页）由区域经理填写，"
                            f"其余（设置、成交明细、竞赛与推荐）为只读，由总部维护。冠军与新客户首单奖以总方案为准。",
                            f"Regional file: {names}. Every target is the master plan's; only this region's data is "
                            f"included. Yellow cells (the region tab) are the manager's; everything else (Setup, Deals, "
                            f"Quiz & referrals) is read-only and kept by head office. The champion and first-deal awards "
                            f"are decided in the master."), "banner")
        r += 1
    for a in plan.alerts:
        m.text(r, 1, "⚠ " + notice(plan, a, ctx.lang), "banner")
        r += 1
    for w in plan.warnings:
        if w.code != "kpi_weights_not_100":
            m.text(r, 1, "⚠ " + notice(plan, w, ctx.lang), "banner")
            r += 1
    r += 1
    for c, h in enumerate((L("guide_sheet"), L("guide_purpose"), L("guide_who")), 1):
        m.put(r, c, h, "header")
    r += 1
    order = ["setup", "targets", "calendar", "kpi", "region", "deals", "awards_in", "incentives", "statements",
             "risks", "coaching", "dashboard", "sprint", *([] if ctx.regional else ["compare"])]
    for role in order:
        purpose, who = GUIDE_ROWS[role][ctx.L.i]
        if role == "region":
            for rg in cfg.regions:
                m.text(r, 1, ctx.region_sheet[rg.name], "label")
                m.text(r, 2, purpose, "wrap")
                m.text(r, 3, f"{who}（{rg.manager}）" if ctx.lang == "zh" else f"{who} ({rg.manager})", "wrap")
                r += 1
            continue
        m.text(r, 1, ctx.sheet[role], "label")
        m.text(r, 2, purpose, "wrap")
        m.text(r, 3, who, "wrap")
        r += 1
    for sheet, purpose, who in getattr(ctx, "guide_extra", ()):     # optional sheets (年度累计)
        m.text(r, 1, sheet, "label")
        m.text(r, 2, purpose, "wrap")
        m.text(r, 3, who, "wrap")
        r += 1
    r += 1
    m.put(r, 1, L("key_dates"), "section")
    r += 1
    for c, h in enumerate((L("date"), L("weekday"), L("name")), 1):
        m.put(r, c, h, "header")
    r += 1
    key_events = ("plan_announcement", "kickoff", "analysis_meeting", "support_list", "offline_salon")
    for p in plan.phases:
        m.put(r, 1, p.phase.start, "date")
        m.put(r, 2, L.weekday(p.phase.start), "text")
        m.text(r, 3, f"{L('phase')} {p.phase.number} {L.pick(p.phase.name_zh, p.phase.name_en)}："
                     f"{p.phase.start:%m-%d}～{p.phase.end:%m-%d}", "text")
        r += 1
    for e in plan.events:
        if e.key in key_events:
            m.put(r, 1, e.date, "date")
            m.put(r, 2, L.weekday(e.date), "text")
            m.text(r, 3, (e.time + " " if e.time else "") + L.pick(e.name_zh, e.name_en), "text")
            r += 1
    m.widths.update({1: 22, 2: 70, 3: 30})
    print_setup(ctx, m, 3, r - 1)
    return m


def _weights_banner(ctx: Ctx):
    from decimal import Decimal
    from salesplan.engine.kpi import base_weight_total
    total = base_weight_total(ctx.cfg)
    if total == 1:
        return None
    L = ctx.L
    pct = f"{(total * 100).quantize(Decimal(1), rounding='ROUND_HALF_UP')}%"
    return L("weights_banner_a") + pct + (L("weights_banner_norm") if ctx.cfg.weights.normalize
                                          else L("weights_banner_raw"))


def build_targets(ctx: Ctx) -> SheetModel:
    L, plan, cfg = ctx.L, ctx.plan, ctx.cfg
    m = SheetModel(ctx.sheet["targets"], "targets")
    m.put(1, 1, f"{L('targets_title')} — {cfg.month}", "title")
    r = 3
    m.put(r, 1, L("sec_r1") + (L.pick("（本区域，取自总方案）", " (this region, from the master plan)")
                               if ctx.regional else ""), "section")
    r += 1
    t = plan.targets
    rows = [(L.pick("月度销售额", "Monthly revenue"), t.revenue, "money"),
            (L.pick("新客户开发（家）", "New customers"), t.new_customers, "int"),
            (L.pick("现有客户复购率", "Repurchase rate"), float(t.repurchase_rate), "pct"),
            (L.pick("平均客单价", "Average order value"), t.average_order_value, "money"),
            (L("implied_orders"), t.implied_orders, "int")]
    for label, v, st in rows:
        m.put(r, 1, label, "label")
        m.put(r, 2, v, st)
        r += 1
    ctx.names["SP_ImpliedOrders"] = ref(m.name, r - 1, 2)
    r += 1
    # R2 products
    m.put(r, 1, L("sec_r2"), "section")
    r += 1
    for c, h in enumerate((L("product"), L("share"), L("target")), 1):
        m.put(r, c, h, "header")
    r += 1
    p0 = r
    for p in plan.products:
        m.text(r, 1, p.name, "label")
        m.put(r, 2, float(p.share), "pct")
        m.put(r, 3, p.revenue, "money")
        r += 1
    m.put(r, 1, L("total"), "label")
    m.f(r, 2, f"=SUM(B{p0}:B{r - 1})", "total_pct", ("lit", float(sum(p.share for p in plan.products))))
    m.f(r, 3, f"=SUM(C{p0}:C{r - 1})", "total_money", ("lit", sum(p.revenue for p in plan.products)))
    r += 2
    # R3 regions + new customers
    m.put(r, 1, L("sec_r3"), "section")
    r += 1
    for c, h in enumerate((L("region"), L("manager"), L("target"), L("share"), L("nc_target")), 1):
        m.put(r, c, h, "header")
    r += 1
    r0 = r
    total = sum(x.revenue for x in plan.regions) or 1
    for x in plan.regions:
        m.text(r, 1, x.name, "label")
        m.text(r, 2, x.manager, "text")
        m.put(r, 3, x.revenue, "money")
        if not ctx.regional:        # a regional file holds no company total to take a share of
            m.f(r, 4, f"=C{r}/SUM($C${r0}:$C${r0 + len(plan.regions) - 1})", "pct", ("lit", x.revenue / total))
        m.put(r, 5, x.new_customers, "int")
        r += 1
    if ctx.regional:
        m.cells[r0 - 1].pop(4, None)
    else:
        m.put(r, 1, L("total"), "label")
        m.f(r, 3, f"=SUM(C{r0}:C{r - 1})", "total_money", ("lit", sum(x.revenue for x in plan.regions)))
        m.f(r, 5, f"=SUM(E{r0}:E{r - 1})", "total_int", ("lit", sum(x.new_customers for x in plan.regions)))
    r += 1 if ctx.regional else 2
    # matrix
    m.put(r, 1, L("matrix"), "section")
    r += 1
    m.put(r, 1, L("region"), "header")
    for j, p in enumerate(plan.products):
        m.text(r, 2 + j, p.name, "header")
    P = len(plan.products)
    m.put(r, 2 + P, L("total"), "header")
    r += 1
    m0 = r
    for x in plan.regions:
        m.text(r, 1, x.name, "label")
        for j, p in enumerate(plan.products):
            m.put(r, 2 + j, x.products[p.name], "money")
        m.f(r, 2 + P, f"=SUM(B{r}:{COL(1 + P)}{r})", "total_money", ("lit", x.revenue))
        r += 1
    if not ctx.regional:
        m.put(r, 1, L("total"), "label")
        for j, p in enumerate(plan.products):
            m.f(r, 2 + j, f"=SUM({COL(2 + j)}{m0}:{COL(2 + j)}{r - 1})", "total_money", ("lit", p.revenue))
        m.f(r, 2 + P, f"=SUM({COL(2 + P)}{m0}:{COL(2 + P)}{r - 1})", "total_money",
            ("lit", sum(x.revenue for x in plan.regions)))
        r += 1
    r += 1
    m.put(r, 1, L("region_nc"), "note")
    m.widths.update({1: 30, 2: 16, 3: 16, 4: 16, 5: 16, 6: 16, 7: 16})
    m.freeze = "A3"
    print_setup(ctx, m, max(5, 2 + P), r, fit=(1, 1))     # a small sheet: one page
    return m


def build_calendar(ctx: Ctx) -> SheetModel:
    L, plan, cfg = ctx.L, ctx.plan, ctx.cfg
    m = SheetModel(ctx.sheet["calendar"], "calendar")
    m.put(1, 1, f"{L('calendar_title')} — {cfg.month}", "title")
    r = 2
    if plan.sensitive_window:
        a, b = plan.sensitive_window
        m.text(r, 1, f"{L('sensitive')}（{a.isoformat()} – {b.isoformat()}）" if ctx.lang == "zh"
               else f"{L('sensitive')} ({a.isoformat()} – {b.isoformat()})", "banner")
        r += 1
    for w in plan.warnings:
        if w.code == "holidays_estimated":
            m.text(r, 1, "⚠ " + notice(plan, w, ctx.lang), "banner")
            r += 1
    m.put(r, 1, L("phase_split_note"), "note")
    r += 2
    m.put(r, 1, L("phases"), "section")
    r += 1
    regions = [x.name for x in plan.regions]
    hdr = [L("phase"), L("name"), L.pick("开始", "Start"), L.pick("结束", "End"), L("working_days"),
           L("phase_target")] + regions + [L("goals"), L("assumption")]
    for c, h in enumerate(hdr, 1):
        m.text(r, c, h, "header")
    hdr_row = r
    r += 1
    p0 = r
    for pt in plan.phases:
        ph = pt.phase
        m.put(r, 1, ph.number, "int")
        m.text(r, 2, L.pick(ph.name_zh, ph.name_en), "label")
        m.put(r, 3, ph.start, "date")
        m.put(r, 4, ph.end, "date")
        m.put(r, 5, ph.working_days, "int")
        m.put(r, 6, pt.revenue, "money")
        for j, rg in enumerate(regions):
            m.put(r, 7 + j, pt.regions[rg], "money")
        m.text(r, 7 + len(regions), "；".join(L.pick(ph.goals_zh, ph.goals_en) if False else
                                             (ph.goals_zh if ctx.lang == "zh" else ph.goals_en)), "wrap")
        if ph.assumption:
            m.put(r, 8 + len(regions), L("assumption"), "banner")
        r += 1
    m.put(r, 1, L("total"), "label")
    m.f(r, 5, f"=SUM(E{p0}:E{r - 1})", "total_int", ("lit", plan.working_days))
    m.f(r, 6, f"=SUM(F{p0}:F{r - 1})", "total_money", ("lit", sum(p.revenue for p in plan.phases)))
    for j, rg in enumerate(regions):
        m.f(r, 7 + j, f"=SUM({COL(7 + j)}{p0}:{COL(7 + j)}{r - 1})", "total_money",
            ("lit", sum(p.regions[rg] for p in plan.phases)))
    del hdr_row
    r += 2
    m.put(r, 1, L("events"), "section")
    r += 1
    for c, h in enumerate((L("date"), L("weekday"), L("time"), L("name"), L("rule"), L("assumption")), 1):
        m.put(r, c, h, "header")
    r += 1
    for e in plan.events:
        m.put(r, 1, e.date, "date")
        m.put(r, 2, L.weekday(e.date), "text")
        m.text(r, 3, e.time or "", "text")
        m.text(r, 4, L.pick(e.name_zh, e.name_en), "text")
        m.text(r, 5, e.rule, "text")
        if e.assumption:
            m.put(r, 6, L("assumption"), "banner")
        r += 1
    m.put(r, 1, L("daily"), "note")
    r += 2
    m.put(r, 1, L("holidays"), "section")
    r += 1
    for c, h in enumerate((L("date"), L("weekday"), L("name"), L("source")), 1):
        m.put(r, c, h, "header")
    r += 1
    for h in plan.holidays:
        m.put(r, 1, h.date, "date")
        m.put(r, 2, L.weekday(h.date), "text")
        m.text(r, 3, h.name if ctx.lang == "zh" else (h.name_en or h.name), "text")
        m.text(r, 4, h.source, "text")
        r += 1
    for d in plan.makeup_workdays:
        m.put(r, 1, d, "date")
        m.put(r, 2, L.weekday(d), "text")
        m.put(r, 3, L("makeup"), "text")
        r += 1
    m.put(r, 1, L.pick("在“设置”的自定义假日/调休表中增加或更正日期，然后重新生成。",
                       "Add or correct days in Setup's holiday tables, then regenerate."), "note")
    last_col = 8 + len(regions)
    m.widths.update({1: 12, 2: 18, 3: 12, 4: 30, 5: 10, 6: 14})
    for j in range(len(regions)):
        m.widths[7 + j] = 13
    m.widths[7 + len(regions)] = 60
    m.freeze = "A2"
    print_setup(ctx, m, last_col, r, title_cols="A:B")
    return m


def build_kpi(ctx: Ctx) -> SheetModel:
    L, plan, cfg = ctx.L, ctx.plan, ctx.cfg
    from salesplan.engine.kpi import base_kpis, base_weight_total
    m = SheetModel(ctx.sheet["kpi"], "kpi")
    m.put(1, 1, f"{L('kpi_title')} — {cfg.month}", "title")
    m.f(2, 1, f"={ctx.banners['weights']}", "banner", ("lit", _weights_banner(ctx)))
    r = 4
    m.put(r, 1, L("base_weights"), "section")
    r += 1
    for c, h in enumerate((L("category"), L("kpi"), L("weight"), L("target"), L("scoring"), L("cap")), 1):
        m.put(r, c, h, "header")
    r += 1
    b0 = r
    for k in base_kpis(cfg):
        s = ctx.setup_kpi[k.key]
        m.f(r, 1, f"={s['category']}", "text", ("lit", k.category))
        m.f(r, 2, f"={s['name']}", "text", ("lit", k.name))
        m.f(r, 3, f"={s['effective']}", "pct", ("lit", float(k.weight)))
        m.f(r, 4, f"={s['target']}", _pct_style(k.unit), ("lit", float(k.target)))
        m.f(r, 5, f"={s['scoring']}", "text", ("lit", L(k.scoring)))
        m.f(r, 6, f"={s['cap']}", "pct", ("lit", float(k.cap)))
        r += 1
    m.put(r, 2, L("total"), "label")
    m.f(r, 3, f"=SUM(C{b0}:C{r - 1})", "total_pct", ("lit", float(base_weight_total(cfg))))
    r += 2
    m.put(r, 1, L("final_tables"), "section")
    r += 1
    for rg in cfg.regions:
        table = plan.kpi_weights[rg.name]
        m.text(r, 1, f"{ctx.region_sheet[rg.name]} — {rg.manager}", "label")
        r += 1
        for c, h in enumerate((L("category"), L("kpi"), L("raw_weight"), L("final_weight"), L("target"),
                               L("scoring"), L("cap")), 1):
            m.put(r, c, h, "header")
        r += 1
        t0 = r
        g = ctx.region_geom[rg.name]
        for i, kw in enumerate(table):
            m.text(r, 1, kw.category, "text")
            m.text(r, 2, kw.name, "text")
            m.put(r, 3, float(kw.raw_weight), "pct")
            m.put(r, 4, float(kw.weight), "pct")
            m.f(r, 5, f"={ref(g.sheet, g.r_param0 + 1, g.kpi_col(i))}", _pct_style(kw.unit),
                ("param", rg.name, kw.key, "target"))
            m.f(r, 6, f"={ref(g.sheet, g.r_param0 + 2, g.kpi_col(i))}", "text",
                ("label", ("param", rg.name, kw.key, "scoring")))
            m.f(r, 7, f"={ref(g.sheet, g.r_param0 + 3, g.kpi_col(i))}", "pct", ("param", rg.name, kw.key, "cap"))
            r += 1
        m.put(r, 2, L("total"), "label")
        m.f(r, 3, f"=SUM(C{t0}:C{r - 1})", "total_pct", ("lit", float(sum(k.raw_weight for k in table))))
        m.f(r, 4, f"=SUM(D{t0}:D{r - 1})", "total_pct", ("lit", float(sum(k.weight for k in table))))
        r += 2
    m.put(r, 1, L("scoring_rules"), "section")
    r += 1
    for k in ("rule_linear", "rule_threshold", "rule_lower", "rule_total"):
        m.put(r, 1, L(k), "text")
        r += 1
    m.widths.update({1: 16, 2: 26, 3: 12, 4: 12, 5: 12, 6: 16, 7: 10})
    m.freeze = "A4"
    print_setup(ctx, m, 7, r - 1)
    return m
