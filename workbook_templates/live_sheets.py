"""Sheets that react to what people type: region tabs, 成交明细 deals, 激励 incentives,
风险预警 risks, 辅导 coaching, 仪表盘 dashboard. Everything live is a native formula
(Excel 2016 / LibreOffice 7.4 functions only: no LET, FILTER, XLOOKUP, MAXIFS)."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from salesplan.engine.actuals import BLANK_DATE, COMPLETION_KEY, NO, YES
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.inputs import InputTable
from salesplan.workbook_templates.model import COL, ChartSpec, SheetModel, Validation, quote_sheet, ref, rng

_RED = (Font(color="9C0006", bold=True), PatternFill("solid", fgColor="FFC7CE"))


def _flag_cf(m: SheetModel, sqref: str, first_cell: str) -> None:
    m.cond.append((sqref, FormulaRule(formula=[f'{first_cell}<>""'], font=_RED[0], fill=_RED[1])))


def msg(ctx: Ctx, key: str) -> str:
    """The exact text a flag cell shows (the tests compare it)."""
    L = ctx.L
    if key == "missed":
        extra = ctx.cfg.risks.extra_support_staff
        return f"⚠ {L('msg_missed')}（+{extra}）" if ctx.lang == "zh" else f"⚠ {L('msg_missed')} (+{extra})"
    return {"complaint": "⚠ " + L("msg_complaint"), "inventory": "⚠ " + L("msg_inventory"),
            "report": L("yes_report"), "discount": L("yes_discount"), "support": L("yes_support"),
            "unknown": L("yes_unknown"), "champion": "★ " + L("champion"), "short": L("coaching_short"),
            "green": L("yes_green"), "dup": L("msg_dup")}[key]


def _num_dv(m, kind, lo, hi, cells, prompt=""):
    m.validate(Validation(kind, cells, str(lo), str(hi), "between", prompt=prompt))


# ================================================================================ region tab

def build_region(ctx: Ctx, region) -> SheetModel:
    L, plan, cfg = ctx.L, ctx.plan, ctx.cfg
    g = ctx.region_geom[region.name]
    rin = ctx.inputs.regions[region.name]
    rt = next(x for x in plan.regions if x.name == region.name)
    m = SheetModel(g.sheet, "region", tab_color="2E75B6")
    name = region.name
    m.put(1, 1, f"{g.sheet} — {L('title')} {cfg.month}", "title")
    m.put(2, 1, L("region"), "label")
    m.text(2, 2, name, "label")
    m.put(2, 3, L("manager"), "label")
    m.text(2, 4, region.manager, "text")
    if plan.sensitive_window:
        m.put(3, 1, L("sensitive"), "banner")
    m.put(4, 1, L("region_targets"), "section")
    c = g.cell
    T = rt.revenue
    P = len(plan.products)
    pc = g.pc
    ph0, phN = g.r_phase0, g.r_phase0 + g.n_phases - 1
    rep0, repN = g.r_rep0, g.r_rep_last
    rc = g.rc

    def lab(key, label):
        r, col = c[key]
        m.put(r, col - 1 if col == 3 else col - 2, label, "label")

    def at(key):
        r, col = c[key]
        return f"${COL(col)}${r}"

    lab("month_target", L("month_target"))
    m.put(*c["month_target"], T, "money")
    lab("weekly_revenue", L("weekly_revenue"))
    m.f(*c["weekly_revenue"], f"=ROUND(SUM({COL(pc['total'])}{ph0}:{COL(pc['total'])}{phN}),2)", "total_money",
        ("region", name, "weekly_revenue"))
    lab("attainment", L("attainment"))
    m.f(*c["attainment"], f'=IF({at("month_target")}>0,{at("weekly_revenue")}/{at("month_target")},"")', "total_pct",
        ("region", name, "attainment"))
    lab("nc_target", L("nc_target"))
    m.put(*c["nc_target"], rt.new_customers, "int")
    lab("nc_actual", L("nc_actual"))
    m.f(*c["nc_actual"], f"=SUM({COL(pc['new_customers'])}{ph0}:{COL(pc['new_customers'])}{phN})", "total_int",
        ("region", name, "new_customers"))
    lab("nc_attainment", L("attainment"))
    m.f(*c["nc_attainment"], f'=IF({at("nc_target")}>0,{at("nc_actual")}/{at("nc_target")},"")', "total_pct",
        ("region", name, "new_customers_attainment"))
    lab("focus_kpi", L("focus_kpi"))
    m.text(*c["focus_kpi"], region.focus_kpi, "text")
    lab("focus_target", L("focus_target"))
    ft_style = "in_pct" if (rin.focus_target is not None and isinstance(rin.focus_target, (int, float))
                            and rin.focus_target <= 1) else "in_dec"
    m.put(*c["focus_target"], rin.focus_target, ft_style)
    _num_dv(m, "decimal", 0, 1000000000, [f"{COL(c['focus_target'][1])}{c['focus_target'][0]}"])
    ctx.registry.add(InputTable("scalar", ("focus_target", name), g.sheet, c["focus_target"][0],
                                c["focus_target"][0], 1, {"value": c["focus_target"][1]}))
    lab("avg_kpi", L("avg_kpi"))
    sc = COL(rc["kpi_score"])
    m.f(*c["avg_kpi"], f'=IF(COUNT({sc}{rep0}:{sc}{repN})=0,"",AVERAGE({sc}{rep0}:{sc}{repN}))', "score",
        ("region", name, "avg_kpi"))
    lab("deals_revenue", L("deals_revenue"))
    m.f(*c["deals_revenue"], f"=ROUND(SUM({COL(rc['revenue'])}{rep0}:{COL(rc['revenue'])}{repN}),2)", "money2",
        ("region", name, "deals_revenue"))
    lab("rep_target_sum", L("rep_target_sum"))
    m.f(*c["rep_target_sum"], f"=SUM({COL(rc['target'])}{rep0}:{COL(rc['target'])}{repN})", "money",
        ("region", name, "rep_target_sum"))
    lab("flag_count", L("flag_count"))
    fr = f"{COL(pc['flag_missed'])}{ph0}:{COL(pc['flag_inventory'])}{phN}"
    m.f(*c["flag_count"], f'=SUMPRODUCT(--({fr}<>""))', "int", ("region", name, "flags"))
    lab("rep_count", L("rep_count"))
    m.f(*c["rep_count"], f'=SUMPRODUCT(--({COL(rc["name"])}{rep0}:{COL(rc["name"])}{repN}<>""))', "int",
        ("region", name, "rep_count"))

    # ---------------------------------------------------------------- phase table
    m.put(g.r_phase_hdr - 1, 1, L("phase_table"), "section")
    h = g.r_phase_hdr
    heads = {1: L("phase"), 2: L("name"), 3: L("dates"), 4: L("working_days"), 5: L("phase_target"),
             pc["total"]: L("total"), pc["attainment"]: L("attainment"), pc["status"]: L("status"),
             pc["streak"]: L("streak"), pc["new_customers"]: L("new_customers"), pc["complaints"]: L("complaints"),
             pc["response_hours"]: L("max_hours"), pc["satisfaction"]: L("satisfaction"),
             pc["inventory"]: L("inventory"), pc["flag_missed"]: L("flag_missed"),
             pc["flag_complaint"]: L("flag_complaint"), pc["flag_inventory"]: L("flag_inventory")}
    for col, t in heads.items():
        m.put(h, col, t, "header")
    for j, p in enumerate(plan.products):
        m.text(h, g.c_prod0 + j, p.name, "header")
    fields = {f"rev:{p.name}": g.c_prod0 + j for j, p in enumerate(plan.products)}
    for f in ("new_customers", "complaints", "response_hours", "satisfaction", "inventory"):
        fields[f] = pc[f]
    headers = {f: (m.get(h, col) or "") for f, col in fields.items()}
    ctx.registry.add(InputTable("phases", ("phases", name), g.sheet, h, ph0, g.n_phases, fields, headers))
    pf, pl = COL(g.c_prod0), COL(g.c_prod0 + P - 1)
    tot, st = COL(pc["total"]), COL(pc["streak"])
    for j, pt in enumerate(plan.phases):
        r = ph0 + j
        ph = pt.phase
        row_in = rin.phases[j]
        m.put(r, 1, ph.number, "int")
        m.text(r, 2, L.pick(ph.name_zh, ph.name_en), "text")
        m.put(r, 3, f"{ph.start:%m-%d}～{ph.end:%m-%d}", "text")
        m.put(r, 4, ph.working_days, "int")
        m.put(r, 5, pt.regions[name], "money")
        for k, p in enumerate(plan.products):
            m.put(r, g.c_prod0 + k, row_in.revenue.get(p.name), "in_money")
        judged = f"COUNT({pf}{r}:{pl}{r})>0"
        m.f(r, pc["total"], f"=ROUND(SUM({pf}{r}:{pl}{r}),2)", "money", ("phase", name, j, "total"))
        m.f(r, pc["attainment"], f'=IF(AND({judged},E{r}>0),{tot}{r}/E{r},"")', "pct",
            ("phase", name, j, "attainment"))
        m.f(r, pc["status"], f'=IF({judged},IF({tot}{r}<E{r},"{L("missed")}","{L("met")}"),"")', "text",
            ("label", ("phase", name, j, "status")))
        prev = f"{st}{r - 1}" if j else "0"
        m.f(r, pc["streak"], f"=IF({judged},IF({tot}{r}<E{r},{prev}+1,0),0)", "int", ("phase", name, j, "streak"))
        m.put(r, pc["new_customers"], row_in.new_customers, "in_int")
        m.put(r, pc["complaints"], row_in.complaints, "in_int")
        m.put(r, pc["response_hours"], row_in.response_hours, "in_dec")
        m.put(r, pc["satisfaction"], row_in.satisfaction, "in_dec")
        m.put(r, pc["inventory"], row_in.inventory, "in_pct")
        m.f(r, pc["flag_missed"], f'=IF({st}{r}>=SP_MissedWeeks,"{msg(ctx, "missed")}","")', "flag",
            ("flag", ("phase", name, j, "missed_flag"), msg(ctx, "missed")))
        hrs, inv = f"{COL(pc['response_hours'])}{r}", f"{COL(pc['inventory'])}{r}"
        m.f(r, pc["flag_complaint"], f'=IF(ISNUMBER({hrs}),IF({hrs}>=SP_ComplaintHours,"{msg(ctx, "complaint")}",""),"")',
            "flag", ("flag", ("phase", name, j, "complaint_flag"), msg(ctx, "complaint")))
        m.f(r, pc["flag_inventory"], f'=IF(ISNUMBER({inv}),IF({inv}>SP_InventoryAlert,"{msg(ctx, "inventory")}",""),"")',
            "flag", ("flag", ("phase", name, j, "inventory_flag"), msg(ctx, "inventory")))
    _num_dv(m, "decimal", 0, 100000000000, [f"{pf}{ph0}:{pl}{phN}"], L.pick("销售额（元）", "revenue (yuan)"))
    _num_dv(m, "whole", 0, 1000000, [f"{COL(pc['new_customers'])}{ph0}:{COL(pc['complaints'])}{phN}"])
    _num_dv(m, "decimal", 0, 10000, [f"{COL(pc['response_hours'])}{ph0}:{COL(pc['response_hours'])}{phN}"],
            L.pick("小时", "hours"))
    _num_dv(m, "decimal", 0, 100, [f"{COL(pc['satisfaction'])}{ph0}:{COL(pc['satisfaction'])}{phN}"])
    _num_dv(m, "decimal", 0, 1, [f"{COL(pc['inventory'])}{ph0}:{COL(pc['inventory'])}{phN}"], "0–100%")
    _flag_cf(m, f"{COL(pc['flag_missed'])}{ph0}:{COL(pc['flag_inventory'])}{phN}",
             f"{COL(pc['flag_missed'])}{ph0}")
    # month totals
    r = g.r_phase_total
    m.put(r, 2, L("month_total"), "label")
    m.f(r, 5, f"=SUM(E{ph0}:E{phN})", "total_money", ("lit", T))
    for k, p in enumerate(plan.products):
        col = COL(g.c_prod0 + k)
        m.f(r, g.c_prod0 + k, f"=ROUND(SUM({col}{ph0}:{col}{phN}),2)", "total_money",
            ("region", name, "product_actual", p.name))
    m.f(r, pc["total"], f"=ROUND(SUM({tot}{ph0}:{tot}{phN}),2)", "total_money", ("region", name, "weekly_revenue"))
    m.f(r, pc["attainment"], f'=IF(E{r}>0,{tot}{r}/E{r},"")', "total_pct", ("region", name, "attainment"))
    for f, key, style in (("new_customers", "new_customers", "total_int"), ("complaints", "complaints", "total_int")):
        col = COL(pc[f])
        m.f(r, pc[f], f"=SUM({col}{ph0}:{col}{phN})", style, ("region", name, key))
    for f, key, fn, style in (("response_hours", "max_hours", "MAX", "dec"), ("satisfaction", "satisfaction", "AVERAGE", "dec"),
                              ("inventory", "max_inventory", "MAX", "pct")):
        col = COL(pc[f])
        m.f(r, pc[f], f'=IF(COUNT({col}{ph0}:{col}{phN})=0,"",{fn}({col}{ph0}:{col}{phN}))', style,
            ("region", name, key))
    r = g.r_prod_target
    m.put(r, 2, L("product_target"), "label")
    m.put(r + 1, 2, L("product_attainment"), "label")
    for k, p in enumerate(plan.products):
        col = COL(g.c_prod0 + k)
        m.put(r, g.c_prod0 + k, rt.products[p.name], "money")
        m.f(r + 1, g.c_prod0 + k, f'=IF({col}{r}>0,{col}{g.r_phase_total}/{col}{r},"")', "pct",
            ("region", name, "product_attainment", p.name))
    m.f(r, pc["total"], f"=SUM({pf}{r}:{pl}{r})", "total_money", ("lit", T))

    # ---------------------------------------------------------------- rep table
    m.put(g.r_rep_section, 1, L("rep_table"), "section")
    table = g.table
    K = len(table)
    p0 = g.r_param0
    W, Q, REM, RANK = (COL(rc[x]) for x in ("W", "q", "rem", "rank"))
    S_cell, LEFT_cell = f"${W}${p0}", f"${W}${p0 + 1}"
    for i_, lbl in enumerate((L("weight"), L("target"), L("scoring"), L("cap"))):
        m.put(p0 + i_, rc["attainment"], lbl, "label")
    focus_ref = f"${COL(c['focus_target'][1])}${c['focus_target'][0]}"
    for i, kw in enumerate(table):
        col = g.kpi_col(i)
        m.put(p0, col, float(kw.weight), "pct")
        if kw.key == "focus":
            m.f(p0 + 1, col, f"={focus_ref}", "dec", ("param", name, kw.key, "target"))
            m.f(p0 + 2, col, f"={ctx.setup_region[name]['focus_scoring']}", "text",
                ("param", name, kw.key, "scoring"))
            m.put(p0 + 3, col, float(kw.cap), "pct")
        else:
            s = ctx.setup_kpi[kw.key]
            m.f(p0 + 1, col, f"={s['target']}", "pct" if kw.unit == "rate" else "dec", ("param", name, kw.key, "target"))
            m.f(p0 + 2, col, f"={s['scoring']}", "text", ("param", name, kw.key, "scoring"))
            m.f(p0 + 3, col, f"={s['cap']}", "pct", ("param", name, kw.key, "cap"))
    m.put(p0, rc["rank"], "S", "helper")
    m.put(p0 + 1, rc["rank"], "left", "helper")
    m.f(p0, rc["W"], f"=SUM({W}{rep0}:{W}{repN})", "helper", ("region", name, "S"))
    m.f(p0 + 1, rc["W"], f"={at('month_target')}-SUM({Q}{rep0}:{Q}{repN})", "helper", ("region", name, "left"))
    h = g.r_rep_hdr
    heads = {1: "#", rc["name"]: L("rep_name"), rc["new_hire"]: L("new_hire"), rc["weight"]: L("weight"),
             rc["target"]: L("personal_target"), rc["revenue"]: L("deals_revenue"), rc["attainment"]: L("attainment"),
             rc["kpi_score"]: L("kpi_score"), rc["coaching"]: L("coaching_sessions"),
             rc["min_coaching"]: L("coaching_min"), rc["coaching_short"]: L("coaching_short"), rc["churn"]: L("churn"),
             rc["W"]: "W", rc["q"]: "q", rc["rem"]: "rem", rc["rank"]: "rank"}
    for col, t in heads.items():
        m.put(h, col, t, "header")
    for i, kw in enumerate(table):
        m.text(h, g.kpi_col(i), kw.name, "header")
        m.text(h, g.score_col(i), f"{kw.name} {L('score')}", "header")
    fields = {"name": rc["name"], "new_hire": rc["new_hire"], "weight": rc["weight"], "coaching": rc["coaching"],
              "churn": rc["churn"]}
    for i, kw in enumerate(table):
        if kw.key != COMPLETION_KEY:
            fields["kpi:" + kw.key] = g.kpi_col(i)
    headers = {f: (m.get(h, col) or "") for f, col in fields.items()}
    ctx.registry.add(InputTable("reps", ("reps", name), g.sheet, h, rep0, g.n_reps, fields, headers))
    dcell = ctx.deals
    d_region = rng(dcell.sheet, dcell.c["region"], dcell.r0, dcell.r_last)
    d_rep = rng(dcell.sheet, dcell.c["rep"], dcell.r0, dcell.r_last)
    d_fen = rng(dcell.sheet, dcell.c["fen"], dcell.r0, dcell.r_last)
    B, E, G = COL(rc["name"]), COL(rc["target"]), COL(rc["attainment"])
    kf, kl = COL(g.kpi_col(0)), COL(g.kpi_col(K - 1))
    sf, sl = COL(g.score_col(0)), COL(g.score_col(K - 1))
    for i, row_in in enumerate(rin.reps):
        r = rep0 + i
        k = ("rep", name, i)
        blank = f'${B}{r}=""'
        m.put(r, 1, i + 1, "int")
        m.text(r, rc["name"], row_in.name, "in_text")
        m.text(r, rc["new_hire"], row_in.new_hire, "in_bool") if isinstance(row_in.new_hire, str) or \
            row_in.new_hire is None else m.put(r, rc["new_hire"], row_in.new_hire, "in_bool")
        m.put(r, rc["weight"], row_in.weight, "in_dec")
        m.f(r, rc["target"], f'=IF({blank},"",IF({S_cell}=0,0,{Q}{r}+IF({RANK}{r}<{LEFT_cell},1,0)))', "money",
            k + ("target",))
        m.f(r, rc["revenue"], f'=IF({blank},"",SUMPRODUCT(EXACT({d_region},$B$2)*EXACT({d_rep},{B}{r}),{d_fen})/100)',
            "money2", k + ("revenue",))
        m.f(r, rc["attainment"], f'=IF({blank},"",IF(N({E}{r})>0,{COL(rc["revenue"])}{r}/{E}{r},0))', "pct",
            k + ("attainment",))
        for j, kw in enumerate(table):
            col = g.kpi_col(j)
            X = COL(col)
            if kw.key == COMPLETION_KEY:
                m.f(r, col, f'=IF({blank},"",{G}{r})', "pct", k + ("kpi:" + kw.key,))
            else:
                v = row_in.kpi.get(kw.key)
                m.put(r, col, v, "in_pct" if kw.unit == "rate" else "in_dec")
            x, t, s_, cap = f"{X}{r}", f"{X}${p0 + 1}", f"{X}${p0 + 2}", f"{X}${p0 + 3}"
            a = f"MAX({x},0)"
            m.f(r, g.score_col(j),
                f'=IF({blank},"",IF(AND(ISNUMBER({x}),ISNUMBER({t}),N({t})>0),'
                f'IF({s_}="linear",MIN({a}/{t},{cap}),IF({s_}="threshold",IF({a}>={t},1,{a}/{t}),'
                f'IF({a}>0,MIN({t}/{a},{cap}),{cap}))),0))', "score", k + ("score:" + kw.key,))
        m.f(r, rc["kpi_score"],
            f'=IF({blank},"",MIN(SP_ScoreMax,SP_ScoreMax*SUMPRODUCT(${kf}${p0}:${kl}${p0},{sf}{r}:{sl}{r})))',
            "score", k + ("kpi_score",))
        m.put(r, rc["coaching"], row_in.coaching, "in_int")
        m.f(r, rc["min_coaching"], f'=IF({blank},"",IF(${COL(rc["new_hire"])}{r}="{YES}",SP_NewHireMin,SP_VeteranMin))',
            "int", k + ("min_coaching",))
        m.f(r, rc["coaching_short"],
            f'=IF({blank},"",MAX(0,{COL(rc["min_coaching"])}{r}-N({COL(rc["coaching"])}{r})))', "int",
            k + ("coaching_short",))
        m.put(r, rc["churn"], row_in.churn, "in_pct")
        wcol = COL(rc["weight"])
        m.f(r, rc["W"], f'=IF({blank},0,IF(ISNUMBER({wcol}{r}),MAX(0,ROUND({wcol}{r}*1000000,0)),1000000))', "helper",
            k + ("W",))
        m.f(r, rc["q"], f"=IF({S_cell}=0,0,INT({at('month_target')}*{W}{r}/{S_cell}))", "helper", k + ("q",))
        m.f(r, rc["rem"], f"={at('month_target')}*{W}{r}-{Q}{r}*{S_cell}", "helper", k + ("rem",))
        m.f(r, rc["dup"], f'=IF({blank},0,IF(SUMPRODUCT(--EXACT(${B}${rep0}:${B}${repN},{B}{r}))>1,1,0))', "helper",
            k + ("dup",))
        rank = f"=SUMPRODUCT(--(${REM}${rep0}:${REM}${repN}>{REM}{r}))"
        if i:
            rank += f"+SUMPRODUCT(--(${REM}${rep0}:{REM}{r - 1}={REM}{r}))"
        m.f(r, rc["rank"], rank, "helper", k + ("rank",))
    # validations
    m.validate(Validation("textLength", [f"{B}{rep0}:{B}{repN}"], "0", "60", "between",
                          prompt=L.pick("销售姓名", "rep name")))
    m.validate(Validation("list", [f"{COL(rc['new_hire'])}{rep0}:{COL(rc['new_hire'])}{repN}"], f'"{YES},{NO}"'))
    _num_dv(m, "decimal", 0, 1000000, [f"{COL(rc['weight'])}{rep0}:{COL(rc['weight'])}{repN}"],
            L.pick("权重（空白=1）", "weight (blank = 1)"))
    kpi_inputs = [f"{COL(g.kpi_col(j))}{rep0}:{COL(g.kpi_col(j))}{repN}" for j, kw in enumerate(table)
                  if kw.key != COMPLETION_KEY]
    if kpi_inputs:
        _num_dv(m, "decimal", 0, 1000000000, kpi_inputs)
    _num_dv(m, "whole", 0, 1000, [f"{COL(rc['coaching'])}{rep0}:{COL(rc['coaching'])}{repN}"])
    _num_dv(m, "decimal", 0, 1, [f"{COL(rc['churn'])}{rep0}:{COL(rc['churn'])}{repN}"], "0–100%")
    m.cond.append((f"{COL(rc['coaching_short'])}{rep0}:{COL(rc['coaching_short'])}{repN}",
                   FormulaRule(formula=[f"N({COL(rc['coaching_short'])}{rep0})>0"], font=_RED[0], fill=_RED[1])))
    # layout
    m.widths.update({1: 18, 2: 22, 3: 16, 4: 14, 5: 14, 6: 14, 7: 14})
    for col in range(8, g.last_col + 1):
        m.widths.setdefault(col, 12)
    for x in ("W", "q", "rem", "rank", "dup"):
        m.hidden_cols.add(rc[x])
    m.put(h, rc["dup"], "dup", "header")
    lab("dup_names", L("dup_names"))
    dcol_ = COL(rc["dup"])
    m.f(*c["dup_names"], f"=SUM({dcol_}{rep0}:{dcol_}{repN})", "int", ("region", name, "dup_names"))
    m.f(*c["dup_flag"], f'=IF({at("dup_names")}>0,"{msg(ctx, "dup")}","")', "flag",
        ("flag", ("region", name, "dup_flag"), msg(ctx, "dup")))
    m.freeze = "C5"
    m.print_area = f"A1:{COL(max(rc['churn'], pc['flag_inventory']))}{repN}"
    n = list(ctx.region_sheet).index(name) + 1
    ctx.names[f"SP_R{n}_FocusTarget"] = ref(g.sheet, *c["focus_target"])
    ctx.names[f"SP_R{n}_Reps"] = f"{quote_sheet(g.sheet)}!${B}${rep0}:${B}${repN}"
    ctx.names[f"SP_R{n}_WeeklyRevenue"] = f"{quote_sheet(g.sheet)}!${pf}${ph0}:${pl}${phN}"
    return m


# ================================================================================ deals

def build_deals(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    d = ctx.deals
    m = SheetModel(d.sheet, "deals", tab_color="548235")
    m.put(1, 1, L("deals_title"), "title")
    m.put(2, 1, L.pick("金额单位：元（精确到分）；未盖章合同不得录入（R11）；行的先后即月报表顺序，提成按此顺序分档计算。",
                       "Amounts in yuan (to the fen); unstamped contracts are not entered (R11); row order is the "
                       "monthly report's order, which drives the commission tiers."), "note")
    c = d.c
    heads = {"seq": L("seq"), "date": L("deal_date"), "rep": L("rep"), "region": L("region"),
             "customer": L("customer"), "customer_region": L("customer_region"),
             "new_customer": L("new_customer"), "product": L("product"),
             "amount": L("deal_amount"), "contract_id": L("contract_id"), "quote": L("quote"),
             "list_price": L("list_price"), "first_quote": L("first_quote"), "fen": L("fen"), "known": L("known"),
             "target": L("rep_target"), "cum_before": L("cum_before"), "cum_after": L("cum_after"),
             "commission": L("deal_commission"), "first_new": L("first_new"), "breakthrough": L("breakthrough"),
             "conquest": L("conquest"), "report_flag": L("flag_report"), "discount_flag": L("flag_discount"),
             "support_flag": L("flag_support"), "green_flag": L("flag_green"), "unknown_flag": L("flag_unknown"),
             "stmt_key": "stmt key"}
    h = d.r_hdr
    for f, t in heads.items():
        m.put(h, c[f], t, "header")
    tiers = cfg.commission.tiers
    for k, t in enumerate(tiers):
        m.put(h, d.c_tier0 + k, f"{L('tier')}{k + 1} {float(t.start):.0%}+ @{float(t.rate):.1%}", "header")
    m.put(h - 1, c["seq"], L.pick("← 录入（黄色）", "← inputs (yellow)"), "note")
    m.put(h - 1, c["fen"], L.pick("← 自动计算：累计、分档提成（即提成明细）、奖项与R9预警",
                                  "← computed: cumulative, per-tier commission (the trace), awards, R9 flags"), "note")
    fields = {f: c[f] for f in ("seq", "date", "rep", "region", "customer", "customer_region", "new_customer",
                                "product", "amount", "contract_id", "quote", "list_price", "first_quote")}
    headers = {f: heads[f] for f in fields}
    ctx.registry.add(InputTable("deals", ("deals",), d.sheet, h, d.r0, d.n_rows, fields, headers))
    inc = ctx.inc
    i_region = rng(inc.sheet, inc.c["region"], inc.r0, inc.r_last)
    i_name = rng(inc.sheet, inc.c["name"], inc.r0, inc.r_last)
    i_target = rng(inc.sheet, inc.c["target"], inc.r0, inc.r_last)
    C_, D_, E_, F_, H_, J_, K_, L_ = (COL(c[x]) for x in ("rep", "region", "customer", "new_customer", "amount",
                                                           "quote", "list_price", "first_quote"))
    M_, N_, O_, P_, Q_ = (COL(c[x]) for x in ("fen", "known", "target", "cum_before", "cum_after"))
    FN = COL(c["first_new"])
    styles = {"seq": "in_int", "date": "in_date", "rep": "in_text", "region": "in_text", "customer": "in_text",
              "customer_region": "in_text",
              "new_customer": "in_bool", "product": "in_text", "amount": "in_money2", "contract_id": "in_text",
              "quote": "in_money2", "list_price": "in_money2", "first_quote": "in_bool"}
    text_fields = {"rep", "region", "customer", "customer_region", "new_customer", "product", "contract_id",
                   "first_quote"}
    i_slot = f"(ROW({i_name})-{inc.r0 - 1})"
    SLOT_FAR = 100000      # > any slot number: SLOT_FAR - MAX(match × (SLOT_FAR - slot)) = the first matching slot
    CR_ = COL(c["customer_region"])
    for i, row_in in enumerate(ctx.inputs.deals):
        r = d.row(i)
        k = ("deal", i)
        for f, col in fields.items():
            v = getattr(row_in, f)
            if f in text_fields and isinstance(v, str):
                m.text(r, col, v, styles[f])
            else:
                m.put(r, col, v, styles[f])
        none = f'{N_}{r}=""'
        m.f(r, c["fen"], f"=IF(ISNUMBER({H_}{r}),ROUND({H_}{r}*100,0),0)", "int", k + ("fen",))
        m.f(r, c["known"], f'=IF(AND({C_}{r}<>"",{D_}{r}<>"",ISNUMBER({H_}{r})),IF(SUMPRODUCT(EXACT({i_region},'
                           f'{D_}{r})*EXACT({i_name},{C_}{r}))>0,"{YES}","{NO}"),"")', "text", k + ("known",))
        # the rep's FIRST slot with that name (a duplicated name is flagged R3 and paid on its first slot)
        far = f"SUMPRODUCT(MAX(EXACT({i_region},{D_}{r})*EXACT({i_name},{C_}{r})*({SLOT_FAR}-{i_slot})))"
        m.f(r, c["target"], f'=IF({none},"",IF({far}=0,0,INDEX({i_target},{SLOT_FAR}-{far})))',
            "money", k + ("target",))
        m.f(r, c["cum_before"], f'=IF({none},"",SUMPRODUCT(EXACT(${C_}${h}:{C_}{r - 1},{C_}{r})*EXACT(${D_}${h}:'
                                f'{D_}{r - 1},{D_}{r}),${M_}${h}:{M_}{r - 1}))', "int", k + ("cum_before",))
        m.f(r, c["cum_after"], f'=IF({none},"",{P_}{r}+{M_}{r})', "int", k + ("cum_after",))
        for t in range(len(tiers)):
            start = f"ROUND({O_}{r}*{ctx.tier_refs[t][0]}/1000000,0)*100"
            hi = f"{Q_}{r}" if t + 1 == len(tiers) else \
                f"MIN({Q_}{r},ROUND({O_}{r}*{ctx.tier_refs[t + 1][0]}/1000000,0)*100)"
            m.f(r, d.c_tier0 + t, f'=IF({none},"",IF({N_}{r}="{YES}",ROUND(MAX(0,{hi}-MAX({P_}{r},{start}))*'
                                  f'{ctx.tier_refs[t][1]}/1000000,0)/100,0))', "money2", k + (f"tier:{t}",))
        m.f(r, c["commission"], f'=IF({none},"",SUM({COL(d.c_tier0)}{r}:{COL(d.c_tier0 + len(tiers) - 1)}{r}))',
            "money2", k + ("commission",))
        m.f(r, c["first_new"], f'=IF({none},"",IF({F_}{r}="{YES}",IF(SUMPRODUCT(EXACT(${E_}${h}:{E_}{r - 1},{E_}{r})*'
                               f'(${F_}${h}:{F_}{r - 1}="{YES}")*(${N_}${h}:{N_}{r - 1}<>""))=0,"{YES}","{NO}"),"{NO}"))',
            "text", k + ("first_new",))
        bt = f"{M_}{r}>SP_BreakthroughThreshold*100"
        cq = f"{M_}{r}>SP_ConquestThreshold*100"
        m.f(r, c["breakthrough"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{N_}{r}="{YES}",{bt}),IF(AND(NOT(SP_StackAwards),{cq},'
                                  f'SP_ConquestAmount>SP_BreakthroughAmount),0,SP_BreakthroughAmount),0))', "money",
            k + ("breakthrough",))
        m.f(r, c["conquest"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{N_}{r}="{YES}",{cq}),IF(AND(NOT(SP_StackAwards),{bt},'
                              f'SP_BreakthroughAmount>=SP_ConquestAmount),0,SP_ConquestAmount),0))', "money",
            k + ("conquest",))
        m.f(r, c["report_flag"], f'=IF({none},"",IF({M_}{r}>=SP_ReportThreshold*100,"{msg(ctx, "report")}",""))',
            "flag", ("flag", k + ("report_flag",), msg(ctx, "report")))
        qf, lf = f"ROUND({J_}{r}*100,0)", f"ROUND({K_}{r}*100,0)"
        floor = (f'IF(AND({L_}{r}="{YES}",{qf}>SP_SpecialThreshold*100),ROUND(SP_SpecialFloor*1000000,0),'
                 f'ROUND(SP_StandardFloor*1000000,0))')
        m.f(r, c["discount_flag"], f'=IF({none},"",IF(AND(ISNUMBER({J_}{r}),ISNUMBER({K_}{r})),IF({lf}>0,'
                                   f'IF({qf}*1000000<{floor}*{lf},"{msg(ctx, "discount")}",""),""),""))', "flag",
            ("flag", k + ("discount_flag",), msg(ctx, "discount")))
        m.f(r, c["support_flag"], f'=IF({none},"",IF({M_}{r}>SP_SupportThreshold*100,"{msg(ctx, "support")}",""))',
            "flag", ("flag", k + ("support_flag",), msg(ctx, "support")))
        m.f(r, c["green_flag"], f'=IF({none},"",IF(AND(SP_GreenCustomerRegion<>"",SP_GreenViaRegion<>"",'
                                f'EXACT({CR_}{r},SP_GreenCustomerRegion),EXACT({D_}{r},SP_GreenViaRegion)),'
                                f'"{msg(ctx, "green")}",""))', "flag", ("flag", k + ("green_flag",), msg(ctx, "green")))
        m.f(r, c["unknown_flag"], f'=IF({N_}{r}="{NO}","{msg(ctx, "unknown")}","")', "flag",
            ("flag", k + ("unknown_flag",), msg(ctx, "unknown")))
        # sort key of the rep statements: (incentives slot of the rep) × 10⁶ + deal row
        m.f(r, c["stmt_key"], f'=IF({N_}{r}="{YES}",({SLOT_FAR}-{far})*1000000+{i + 1},"")', "helper",
            ("stmt_key", i))
    r0, rN = d.r0, max(d.r_last, d.r0)
    m.validate(Validation("list", [f"{F_}{r0}:{F_}{rN}", f"{L_}{r0}:{L_}{rN}"], f'"{YES},{NO}"'))
    names = ",".join(x.name for x in cfg.regions)
    if "," not in "".join(x.name for x in cfg.regions) and len(names) < 250:
        m.validate(Validation("list", [f"{D_}{r0}:{D_}{rN}"], f'"{names}"'))
    prods = ",".join(p.name for p in cfg.products)
    if "," not in "".join(p.name for p in cfg.products) and len(prods) < 250:
        m.validate(Validation("list", [f"{COL(c['product'])}{r0}:{COL(c['product'])}{rN}"], f'"{prods}"'))
    _num_dv(m, "decimal", 0, 100000000000, [f"{H_}{r0}:{H_}{rN}", f"{J_}{r0}:{K_}{rN}"],
            L.pick("金额（元）", "amount (yuan)"))
    m.validate(Validation("date", [f"{COL(c['date'])}{r0}:{COL(c['date'])}{rN}"], "36526", "73051", "between"))
    _flag_cf(m, f"{COL(c['report_flag'])}{r0}:{COL(c['unknown_flag'])}{rN}", f"{COL(c['report_flag'])}{r0}")
    widths = {"seq": 6, "date": 11, "rep": 10, "region": 9, "customer": 18, "customer_region": 9,
              "new_customer": 8, "product": 12,
              "amount": 14, "contract_id": 14, "quote": 13, "list_price": 13, "first_quote": 8, "fen": 12,
              "known": 8, "target": 12, "cum_before": 13, "cum_after": 13, "commission": 12, "first_new": 9,
              "breakthrough": 11, "conquest": 11, "report_flag": 10, "discount_flag": 10, "support_flag": 10,
              "green_flag": 10, "unknown_flag": 10, "stmt_key": 12}
    for f, w in widths.items():
        m.widths[c[f]] = w
    for t in range(len(tiers)):
        m.widths[d.c_tier0 + t] = 13
    m.hidden_cols.add(c["stmt_key"])
    m.freeze = f"D{d.r0}"
    m.print_area = f"A1:{COL(c['unknown_flag'])}{rN}"
    m.print_title_rows = f"{h}:{h}"
    ctx.names["SP_DealsAmount"] = f"{quote_sheet(d.sheet)}!${H_}${r0}:${H_}${rN}"
    ctx.names["SP_DealsRep"] = f"{quote_sheet(d.sheet)}!${C_}${r0}:${C_}${rN}"
    return m


# ================================================================================ incentives

def build_incentives(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    inc, d = ctx.inc, ctx.deals
    m = SheetModel(inc.sheet, "incentives")
    m.put(1, 1, L("inc_title"), "title")
    m.put(2, 1, L("inc_rules"), "note")
    c = inc.c
    tiers = cfg.commission.tiers
    heads = {"region": L("region"), "name": L("rep_name"), "new_hire": L("new_hire"), "target": L("personal_target"),
             "revenue": L("deals_revenue"), "attainment": L("attainment"), "kpi_score": L("kpi_score"),
             "deal_count": L("deal_count"), "commission": L("commission"), "conquest": L("conquest"),
             "breakthrough": L("breakthrough"), "retention": L("retention"), "quiz": L("quiz"),
             "champion": L("champion"),
             "champion_prize": L("champion_prize"), "payout": L("payout"), "h_rev": "h_rev (fen)", "h_kpi": "h_kpi",
             "h_row": "h_row", "h_date": "h_date", "better": L("better")}
    h = inc.r_hdr
    for f, t in heads.items():
        m.put(h, c[f], t, "header")
    for k, t in enumerate(tiers):
        m.put(h, inc.c_tier0 + k, f"{L('tier')}{k + 1} @{float(t.rate):.1%}", "header")
    dr = lambda f: rng(d.sheet, d.c[f], d.r0, d.r_last)  # noqa: E731
    d_region, d_rep, d_known = dr("region"), dr("rep"), dr("known")
    rows_rng = f"ROW({dr('known')})"
    aw = ctx.awards_in
    q_region = rng(aw.sheet, aw.qc["region"], aw.q0, max(aw.q_last, aw.q0))
    q_rep = rng(aw.sheet, aw.qc["rep"], aw.q0, max(aw.q_last, aw.q0))
    q_award = rng(aw.sheet, aw.qc["award"], aw.q0, max(aw.q_last, aw.q0))
    col = {f: COL(v) for f, v in c.items()}
    r0, rN = inc.r0, inc.r_last
    rng_of = lambda f: f"${col[f]}${r0}:${col[f]}${rN}"  # noqa: E731
    for (region, i), r in inc.row_of.items():
        g = ctx.region_geom[region]
        rr = g.rep_row(i)
        src = lambda f: ref(g.sheet, rr, g.rc[f])  # noqa: E731
        k = ("inc", region, i)
        rk = ("rep", region, i)
        A, B = f"$A{r}", f"$B{r}"
        blank = f'{B}=""'
        match = f"EXACT({d_region},{A})*EXACT({d_rep},{B})"
        # a name repeated in a region (R3 duplicate flag) is paid on its FIRST slot only: later slots show 0
        if r > r0:
            later = f"SUMPRODUCT(EXACT($A${r0}:$A{r - 1},{A})*EXACT($B${r0}:$B{r - 1},{B}))>0"
            pay = lambda x, later=later: f"IF({later},0,{x})"  # noqa: E731
        else:
            pay = lambda x: x  # noqa: E731
        m.text(r, c["region"], region, "text")
        m.f(r, c["name"], f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
        m.f(r, c["new_hire"], f'=IF({blank},"",IF({src("new_hire")}="{YES}","{YES}","{NO}"))', "text", rk + ("new_hire",))
        m.f(r, c["target"], f'=IF({blank},"",{src("target")})', "money", rk + ("target",))
        m.f(r, c["revenue"], f'=IF({blank},"",{src("revenue")})', "money2", rk + ("revenue",))
        m.f(r, c["attainment"], f'=IF({blank},"",{src("attainment")})', "pct", rk + ("attainment",))
        m.f(r, c["kpi_score"], f'=IF({blank},"",{src("kpi_score")})', "score", rk + ("kpi_score",))
        is_known = f'({d_known}="{YES}")'
        fen_rng = dr("fen")
        m.f(r, c["deal_count"], f'=IF({blank},"",{pay(f"SUMPRODUCT({match}*{is_known})")})', "int",
            k + ("deal_count",))
        for t in range(len(tiers)):
            m.f(r, inc.c_tier0 + t,
                f'=IF({blank},"",{pay(f"SUMPRODUCT({match},{rng(d.sheet, d.c_tier0 + t, d.r0, d.r_last)})")})',
                "money2", k + (f"tier:{t}",))
        m.f(r, c["commission"], f'=IF({blank},"",SUM({COL(inc.c_tier0)}{r}:{COL(inc.c_tier0 + len(tiers) - 1)}{r}))',
            "money2", k + ("commission",))
        for f in ("conquest", "breakthrough"):
            m.f(r, c[f], f'=IF({blank},"",{pay(f"SUMPRODUCT({match},{dr(f)})")})', "money", k + (f,))
        churn = src("churn")
        ret = f"IF(AND(ISNUMBER({churn}),{churn}<=SP_RetentionMaxChurn),SP_RetentionBonus+SP_FullAttendanceBonus,0)"
        m.f(r, c["retention"], f'=IF({blank},"",{pay(ret)})', "money", k + ("retention",))
        m.f(r, c["quiz"], f'=IF({blank},"",{pay(f"SUMPRODUCT(EXACT({q_region},{A})*EXACT({q_rep},{B}),{q_award})")})',
            "money", k + ("quiz",))
        m.f(r, c["h_rev"], f'=IF({blank},0,{pay(f"SUMPRODUCT({match}*{is_known},{fen_rng})")})',
            "helper", k + ("h_rev",))
        m.f(r, c["h_kpi"], f"=IF({blank},0,N({col['kpi_score']}{r}))", "helper", k + ("h_kpi",))
        m.f(r, c["h_row"], f'=IF({blank},0,{pay(f"SUMPRODUCT(MAX({match}*{is_known}*{rows_rng}))")})',
            "helper",
            ("dealrow", k + ("h_row",)))
        h_dt = f"INDEX({quote_sheet(d.sheet)}!${COL(d.c['date'])}:${COL(d.c['date'])},{col['h_row']}{r})"
        m.f(r, c["h_date"], f"=IF({col['h_row']}{r}=0,0,IF(ISNUMBER({h_dt}),N({h_dt}),{BLANK_DATE}))", "helper",
            k + ("h_date",))
        # ranking: candidates (≥1 deal) ahead of this rep by revenue, then the configured tie-breaks, then report order
        R, Kc, Dd, S = (rng_of(x) for x in ("h_rev", "h_kpi", "h_date", "h_row"))
        ri, ki, di, si = (f"{col[x]}{r}" for x in ("h_rev", "h_kpi", "h_date", "h_row"))
        chain = f"({S}<{si})"
        for rule in reversed(cfg.awards.champion_tiebreak):
            if rule == "kpi_score":
                chain = f"(({Kc}>{ki})+({Kc}={ki})*{chain})"
            elif rule == "earliest_total_date":
                chain = f"(({Dd}<{di})+({Dd}={di})*{chain})"
        cnt = rng_of("deal_count")
        m.f(r, c["better"], f'=IF({blank},"",SUMPRODUCT(ISNUMBER({cnt})*({cnt}>0)*(({R}>{ri})+({R}={ri})*{chain})))',
            "helper", k + ("better",))
        m.f(r, c["champion"], f'=IF({blank},"",IF(AND(N({col["deal_count"]}{r})>0,{col["better"]}{r}=0),'
                              f'"{msg(ctx, "champion")}",""))', "flag",
            ("flag", k + ("champion",), msg(ctx, "champion")))
        m.f(r, c["champion_prize"], f'=IF({blank},"",IF({col["champion"]}{r}<>"",SP_ChampionPrizeValue,0))', "money",
            k + ("champion_prize",))
        m.f(r, c["payout"], f'=IF({blank},"",{col["commission"]}{r}+{col["conquest"]}{r}+{col["breakthrough"]}{r}+'
                            f'{col["retention"]}{r}+{col["quiz"]}{r}+{col["champion_prize"]}{r})', "money2", k + ("payout",))
    r = inc.r_total
    m.put(r, c["name"], L("team_total"), "label")
    for f in ["deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion_prize",
              "payout"]:
        m.f(r, c[f], f"=SUM({col[f]}{r0}:{col[f]}{rN})", "total_money" if f != "deal_count" else "total_int",
            ("team", f))
    for t in range(len(tiers)):
        cl = COL(inc.c_tier0 + t)
        m.f(r, inc.c_tier0 + t, f"=SUM({cl}{r0}:{cl}{rN})", "total_money", ("team", f"tier:{t}"))
    m.put(3, 1, L("champion_is"), "label")
    ch = rng_of("champion")
    m.f(3, 3, f'=IF(SUMPRODUCT(--({ch}<>""))=0,"",INDEX({rng_of("region")},MATCH("{msg(ctx, "champion")}",{ch},0))'
              f'&" "&INDEX({rng_of("name")},MATCH("{msg(ctx, "champion")}",{ch},0)))', "banner", ("team", "champion"))
    m.text(3, 6, f"{L('champion_prize')}: {cfg.awards.champion_prize}", "note")
    for f in ("h_rev", "h_kpi", "h_row", "h_date", "better"):
        m.hidden_cols.add(c[f])
    m.widths.update({1: 10, 2: 12, 3: 9, 4: 13, 5: 14, 6: 9, 7: 9, 8: 8})
    for cc in range(9, inc.last_col + 1):
        m.widths.setdefault(cc, 13)
    _flag_cf(m, f"{col['champion']}{r0}:{col['champion']}{rN}", f"{col['champion']}{r0}")
    m.freeze = f"C{r0}"
    m.print_area = f"A1:{col['payout']}{inc.r_total}"
    m.print_title_rows = f"{h}:{h}"
    return m


# ================================================================================ risks

def risk_checks(ctx: Ctx) -> list[tuple[str, str, str, str, int, int, tuple, str]]:
    """(rule, check label, region/where, sheet, row, col, flag key, message) for every check."""
    L, out = ctx.L, []
    for rg in ctx.cfg.regions:
        g = ctx.region_geom[rg.name]
        for j, pt in enumerate(ctx.plan.phases):
            r = g.r_phase0 + j
            for f, key, lbl, mk in (("flag_missed", "missed_flag", "flag_missed", "missed"),
                                    ("flag_complaint", "complaint_flag", "flag_complaint", "complaint"),
                                    ("flag_inventory", "inventory_flag", "flag_inventory", "inventory")):
                out.append(("R10", f"{L(lbl)} · {L('phase')}{pt.phase.number}", rg.name, g.sheet, r, g.pc[f],
                            ("phase", rg.name, j, key), msg(ctx, mk)))
    for rg in ctx.cfg.regions:
        g = ctx.region_geom[rg.name]
        out.append(("R3", L("flag_dup"), rg.name, g.sheet, *g.cell["dup_flag"], ("region", rg.name, "dup_flag"),
                    msg(ctx, "dup")))
    d = ctx.deals
    for i in range(d.n_rows):
        r = d.row(i)
        for f, lbl, mk in (("report_flag", "flag_report", "report"), ("discount_flag", "flag_discount", "discount"),
                           ("support_flag", "flag_support", "support"), ("green_flag", "flag_green", "green"),
                           ("unknown_flag", "flag_unknown", "unknown")):
            out.append(("R9" if f != "unknown_flag" else "R11", f"{L(lbl)} · #{i + 1}", "", d.sheet, r, d.c[f],
                        ("deal", i, f), msg(ctx, mk)))
    return out


def build_risks(ctx: Ctx) -> SheetModel:
    L, plan = ctx.L, ctx.plan
    m = SheetModel(ctx.sheet["risks"], "risks")
    m.put(1, 1, L("risks_title"), "title")
    checks = risk_checks(ctx)
    m.extra_checks = [c[6] for c in checks]
    r = 3
    m.put(r, 1, L("plan_alerts"), "section")
    r += 1
    for a in plan.alerts:
        m.text(r, 1, a.rule, "text")
        m.text(r, 2, a.message, "banner")
        r += 1
    m.f(r, 2, f"={ctx.banners['weights']}", "banner", ("lit", _weights_banner_text(ctx)))
    r += 2
    n_list = min(len(checks), 200)
    reg_hdr = r + n_list + 4
    reg0, regN = reg_hdr + 1, reg_hdr + len(checks)
    m.put(r, 1, L("triggered_count"), "label")
    m.f(r, 2, f"=IF(COUNT($G${reg0}:$G${regN})=0,0,MAX($G${reg0}:$G${regN}))", "total_int", ("cumflags", len(checks)))
    total_cell = f"$B${r}"
    r += 1
    for cc, t in enumerate(("#", L("rule"), L("check"), L("region"), L("where"), L("message")), 1):
        m.put(r, cc, t, "header")
    m.print_title_rows = f"{r}:{r}"
    r += 1
    for k in range(1, n_list + 1):
        mt = f"MATCH({k},$G${reg0}:$G${regN},0)"
        m.f(r, 1, f'=IF({k}>{total_cell},"",{k})', "int", ("trig", k, "n"))
        for cc, src_col in ((2, "B"), (3, "C"), (4, "D"), (5, "E"), (6, "F")):
            tail = "" if cc == 6 else '&""'
            m.f(r, cc, f'=IF({k}>{total_cell},"",INDEX(${src_col}${reg0}:${src_col}${regN},{mt}){tail})',
                "flag" if cc == 6 else "text", ("trig", k, cc))
        r += 1
    if len(checks) > n_list:
        m.put(r, 1, L.pick(f"（仅列出前{n_list}条，完整清单见下方）", f"(first {n_list} shown; see the register below)"),
              "note")
    r = reg_hdr - 1
    m.put(r, 1, L("register"), "section")
    for cc, t in enumerate(("#", L("rule"), L("check"), L("region"), L("where"), L("message"), "Σ"), 1):
        m.put(reg_hdr, cc, t, "header")
    for n, (rule, label, region, sheet, sr, sc, key, text_) in enumerate(checks):
        r = reg0 + n
        src = ref(sheet, sr, sc)
        m.put(r, 1, n + 1, "int")
        m.put(r, 2, rule, "text")
        m.text(r, 3, label, "text")
        m.text(r, 4, region, "text")
        m.text(r, 5, f"{sheet}!{COL(sc)}{sr}", "text")
        m.f(r, 6, f'=IF({src}="","",{src})', "flag", ("flag", key, text_))
        prev = f"G{r - 1}" if n else "0"
        m.f(r, 7, f'={prev}+IF(F{r}<>"",1,0)', "helper", ("cumflags", n + 1))
    _flag_cf(m, f"F{reg0}:F{max(regN, reg0)}", f"F{reg0}")
    m.widths.update({1: 6, 2: 8, 3: 34, 4: 10, 5: 18, 6: 48, 7: 6})
    m.freeze = "A3"
    # Print the triggered list only: the register below holds every possible check
    # (a thousand rows for the default plan) and would fill dozens of blank pages.
    m.print_area = f"A1:F{reg_hdr - 2}"
    return m


def _weights_banner_text(ctx):
    from salesplan.workbook_templates.plan_sheets import _weights_banner
    return _weights_banner(ctx)


# ================================================================================ coaching

def build_coaching(ctx: Ctx) -> SheetModel:
    L, cfg = ctx.L, ctx.cfg
    inc = ctx.inc
    m = SheetModel(ctx.sheet["coaching"], "coaching", landscape=False)
    m.put(1, 1, L("coach_title"), "title")
    h = 7
    r0, rN = h + 1, h + len(inc.slots)
    m.put(3, 1, L("team_total"), "label")
    m.f(3, 3, f"=SUM(D{r0}:D{rN})", "total_int", ("team", "coaching_total"))
    m.put(4, 1, L("team_minimum"), "label")
    m.f(4, 3, "=SP_TeamCoaching", "total_int", ("team", "coaching_minimum"))
    m.put(4, 4, L("coaching_short"), "label")
    m.f(4, 5, "=MAX(0,C4-C3)", "total_int", ("team", "coaching_short"))
    m.put(5, 1, L("reps_short"), "label")
    m.f(5, 3, f"=SUMPRODUCT(ISNUMBER(F{r0}:F{rN})*(F{r0}:F{rN}>0))", "total_int", ("team", "reps_short"))
    for cc, t in enumerate((L("region"), L("rep_name"), L("new_hire"), L("coaching_sessions"), L("coaching_min"),
                            L("coaching_short"), L("status")), 1):
        m.put(h, cc, t, "header")
    for n, (region, i) in enumerate(inc.slots):
        r = r0 + n
        g = ctx.region_geom[region]
        rr = g.rep_row(i)
        src = lambda f: ref(g.sheet, rr, g.rc[f])  # noqa: E731
        rk = ("rep", region, i)
        m.text(r, 1, region, "text")
        m.f(r, 2, f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
        m.f(r, 3, f'=IF(B{r}="","",IF({src("new_hire")}="{YES}","{YES}","{NO}"))', "text", rk + ("new_hire",))
        m.f(r, 4, f'=IF(B{r}="","",N({src("coaching")}))', "int", rk + ("sessions",))
        m.f(r, 5, f'=IF(B{r}="","",{src("min_coaching")})', "int", rk + ("min_coaching",))
        m.f(r, 6, f'=IF(B{r}="","",{src("coaching_short")})', "int", rk + ("coaching_short",))
        m.f(r, 7, f'=IF(B{r}="","",IF(F{r}>0,"{msg(ctx, "short")} "&F{r},""))', "flag",
            ("coachflag", rk + ("coaching_short",)))
    _flag_cf(m, f"G{r0}:G{max(r0, rN)}", f"G{r0}")
    m.widths.update({1: 10, 2: 14, 3: 12, 4: 12, 5: 12, 6: 10, 7: 14})
    m.freeze = f"C{r0}"
    m.print_area = f"A1:G{rN}"
    m.print_title_rows = f"{h}:{h}"
    del cfg
    return m


# ================================================================================ dashboard

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
    m.print_area = f"A1:T{max(r, 68)}"
    m.fit_height = 1  # tables and the four charts on one A4 page
    return m


# ================================================================================ quiz & referrals

def build_awards_inputs(ctx: Ctx) -> SheetModel:
    """竞赛与推荐: weekly quiz places (week × place; region + rep typed) and partner referral rows."""
    from salesplan.engine.actuals import quiz_weeks
    L, cfg = ctx.L, ctx.cfg
    g, inc = ctx.awards_in, ctx.inc
    m = SheetModel(g.sheet, "awards_in", tab_color="548235")
    m.put(1, 1, L("awards_in_title"), "title")
    m.put(2, 1, L("input_hint"), "note")
    m.put(g.r_quiz_hdr - 1, 1, L("quiz_section"), "section")
    qc = g.qc
    heads = {"week": L("week"), "date": L("quiz_date"), "place": L("place"), "region": L("region"),
             "rep": L("rep_name"), "award": L("quiz"), "flag": L("flag_unknown")}
    for f, t in heads.items():
        m.put(g.r_quiz_hdr, qc[f], t, "header")
    weeks = quiz_weeks(ctx.plan)
    i_region = rng(inc.sheet, inc.c["region"], inc.r0, inc.r_last)
    i_name = rng(inc.sheet, inc.c["name"], inc.r0, inc.r_last)
    for s, q in enumerate(ctx.inputs.quiz):
        r = g.q0 + s
        k = ("quiz", s)
        m.put(r, qc["week"], q.week, "int")
        w = int(q.week) - 1 if q.week is not None else -1
        m.put(r, qc["date"], weeks[w] if 0 <= w < len(weeks) else None, "date")
        m.put(r, qc["place"], q.place, "int")
        m.text(r, qc["region"], q.region, "in_text")
        m.text(r, qc["rep"], q.rep, "in_text")
        A, B, P = (f"{COL(qc[x])}{r}" for x in ("region", "rep", "place"))
        on = f"SUMPRODUCT(EXACT({i_region},{A})*EXACT({i_name},{B}))>0"
        m.f(r, qc["award"], f'=IF({B}="","",IF(AND({on},{P}<=MIN(SP_QuizTopN,COUNT(SP_QuizAwards))),'
                            f'INDEX(SP_QuizAwards,{P}),0))', "money", k + ("award",))
        m.f(r, qc["flag"], f'=IF({B}="","",IF({on},"","{msg(ctx, "unknown")}"))', "flag",
            ("flag", k + ("unknown_flag",), msg(ctx, "unknown")))
    q0, qN = g.q0, max(g.q_last, g.q0)
    if ctx.inputs.quiz:
        ctx.registry.add(InputTable("quiz", ("quiz",), g.sheet, g.r_quiz_hdr, g.q0, g.n_quiz,
                                    {f: qc[f] for f in ("week", "place", "region", "rep")},
                                    {f: heads[f] for f in ("week", "place", "region", "rep")}))
        names = ",".join(x.name for x in cfg.regions)
        if "," not in "".join(x.name for x in cfg.regions) and len(names) < 250:
            m.validate(Validation("list", [f"{COL(qc['region'])}{q0}:{COL(qc['region'])}{qN}"], f'"{names}"'))
        _flag_cf(m, f"{COL(qc['flag'])}{q0}:{COL(qc['flag'])}{qN}", f"{COL(qc['flag'])}{q0}")
    # ---------------------------------------------------------------- referrals
    fc = g.fc
    m.put(g.r_ref_hdr - 1, 1, L("ref_section"), "section")
    rheads = {"no": "#", "region": L("region"), "partner": L("partner"), "level": L("level"),
              "amount": L("ref_amount"), "reference": L("reference"), "rate": L("rate"), "award": L("reward")}
    for f, t in rheads.items():
        m.put(g.r_ref_hdr, fc[f], t, "header")
    for s, x in enumerate(ctx.inputs.referrals):
        r = g.f0 + s
        k = ("ref", s)
        m.put(r, fc["no"], s + 1, "int")
        m.text(r, fc["region"], x.region, "in_text")
        m.text(r, fc["partner"], x.partner, "in_text")
        m.put(r, fc["level"], x.level, "in_int")
        m.put(r, fc["amount"], x.amount, "in_money2")
        m.text(r, fc["reference"], x.reference, "in_text")
        Pn, Lv, Am = (f"{COL(fc[f])}{r}" for f in ("partner", "level", "amount"))
        ok = f"AND({Pn}<>\"\",ISNUMBER({Lv}),ISNUMBER({Am}))"
        lv_ok = f"AND({Lv}=INT({Lv}),{Lv}>=1,{Lv}<=COUNT(SP_ReferralRates))"
        m.f(r, fc["rate"], f'=IF({ok},IF({lv_ok},INDEX(SP_ReferralRates,{Lv}),""),"")', "pct", k + ("rate",))
        m.f(r, fc["award"], f'=IF(ISNUMBER({COL(fc["rate"])}{r}),ROUND(ROUND({Am}*100,0)*ROUND('
                            f'{COL(fc["rate"])}{r}*1000000,0)/1000000,0)/100,"")', "money2", k + ("award",))
    f0, fN = g.f0, max(g.f_last, g.f0)
    ctx.registry.add(InputTable("referrals", ("referrals",), g.sheet, g.r_ref_hdr, g.f0, g.n_ref,
                                {f: fc[f] for f in ("region", "partner", "level", "amount", "reference")},
                                {f: rheads[f] for f in ("region", "partner", "level", "amount", "reference")}))
    r = g.r_ref_total
    m.put(r, fc["partner"], L("total"), "label")
    aw_col = COL(fc["award"])
    m.f(r, fc["award"], f"=SUM({aw_col}{f0}:{aw_col}{fN})", "total_money", ("recon", "referral"))
    if ctx.inputs.referrals:
        _num_dv(m, "whole", 1, 9, [f"{COL(fc['level'])}{f0}:{COL(fc['level'])}{fN}"], L.pick("级别 1–3", "level 1–3"))
        _num_dv(m, "decimal", 0, 100000000000, [f"{COL(fc['amount'])}{f0}:{COL(fc['amount'])}{fN}"],
                L.pick("金额（元）", "amount (yuan)"))
    m.widths.update({1: 8, 2: 16, 3: 14, 4: 12, 5: 16, 6: 26, 7: 10, 8: 14})
    m.landscape = False
    m.freeze = "A4"
    m.print_area = f"A1:{COL(max(qc['flag'], fc['award']))}{r}"
    ctx.names["SP_ReferralTotal"] = ref(g.sheet, r, fc["award"])
    return m


# ================================================================================ rep statements

def build_statements(ctx: Ctx) -> SheetModel:
    """个人奖金明细: reconciliation, one summary row per rep, deal lines grouped by rep."""
    L, cfg = ctx.L, ctx.cfg
    g, inc, d, aw = ctx.stmt, ctx.inc, ctx.deals, ctx.awards_in
    tiers = cfg.commission.tiers
    m = SheetModel(g.sheet, "statements", tab_color="7030A0")
    m.put(1, 1, L("stmt_title") + f" — {cfg.month}", "title")
    m.put(2, 1, L("stmt_note"), "note")
    lc, sc = g.lc, g.sc
    LC = {f: COL(v) for f, v in lc.items()}
    SC = {f: COL(v) for f, v in sc.items()}
    l0, lN = g.l0, max(g.l_last, g.l0)
    s0, sN = g.s0, max(g.s_last, g.s0)
    dq = quote_sheet(d.sheet)

    def dcol(f):
        return f"{dq}!${COL(d.c[f])}${d.r0}:${COL(d.c[f])}${max(d.r_last, d.r0)}"

    # ---------------------------------------------------------------- deal lines
    h = g.r_line_hdr
    m.put(h - 1, 1, L("stmt_lines"), "section")
    heads = {"region": L("region"), "rep": L("rep_name"), "seq": L("seq"), "date": L("deal_date"),
             "customer": L("customer"), "amount": L("deal_amount"), "cum_before": L("cum_before").replace("(分)", "")
             .replace(" (fen)", ""), "cum_after": L("cum_after").replace("(分)", "").replace(" (fen)", ""),
             "commission": L("deal_commission"), "award": L("first_awards"), "rule": L("award_rule"),
             "line_total": L("line_total"), "running": L("running"), "row": L("deal_row")}
    for f, t in heads.items():
        m.put(h, lc[f], t, "header")
    for t, tier in enumerate(tiers):
        m.put(h, g.slice_col(t), f"{L('tier')}{t + 1} {L('slice')} ({float(tier.start):.0%}+)", "header")
        m.put(h, g.tier_col(t), f"{L('tier')}{t + 1} × {float(tier.rate):.1%}", "header")
    keys = dcol("stmt_key")
    R = LC["row"]
    for k in range(g.n_lines):
        r = l0 + k
        s = ("stmt", k)
        m.f(r, lc["row"], f'=IF(COUNT({keys})<{k + 1},"",MOD(SMALL({keys},{k + 1}),1000000))', "helper", s + ("row",))
        blank = f'${R}{r}=""'

        def at(f, rr=r):
            return f"INDEX({dcol(f)},${R}{rr})"
        m.f(r, lc["region"], f'=IF({blank},"",{at("region")}&"")', "text", s + ("region",))
        m.f(r, lc["rep"], f'=IF({blank},"",{at("rep")}&"")', "text", s + ("rep",))
        m.f(r, lc["seq"], f'=IF({blank},"",IF({at("seq")}="","",{at("seq")}))', "int", s + ("seq",))
        m.f(r, lc["date"], f'=IF({blank},"",IF(ISNUMBER({at("date")}),{at("date")},""))', "date", s + ("date",))
        m.f(r, lc["customer"], f'=IF({blank},"",{at("customer")}&"")', "text", s + ("customer",))
        m.f(r, lc["amount"], f'=IF({blank},"",{at("fen")}/100)', "money2", s + ("amount",))
        m.f(r, lc["cum_before"], f'=IF({blank},"",{at("cum_before")}/100)', "money2", s + ("cum_before",))
        m.f(r, lc["cum_after"], f'=IF({blank},"",{at("cum_after")}/100)', "money2", s + ("cum_after",))
        tgt = at("target")
        for t in range(len(tiers)):
            start = f"ROUND({tgt}*{ctx.tier_refs[t][0]}/1000000,0)"
            hi = f"{LC['cum_after']}{r}" if t + 1 == len(tiers) else \
                f"MIN({LC['cum_after']}{r},ROUND({tgt}*{ctx.tier_refs[t + 1][0]}/1000000,0))"
            m.f(r, g.slice_col(t), f'=IF({blank},"",ROUND(MAX(0,{hi}-MAX({LC["cum_before"]}{r},{start})),2))', "money2",
                s + (f"slice:{t}",))
            m.f(r, g.tier_col(t), f'=IF({blank},"",INDEX({rng(d.sheet, d.c_tier0 + t, d.r0, max(d.r_last, d.r0))},'
                                  f'${R}{r}))', "money2", s + (f"tier:{t}",))
        m.f(r, lc["commission"], f'=IF({blank},"",{at("commission")})', "money2", s + ("commission",))
        m.f(r, lc["award"], f'=IF({blank},"",{at("conquest")}+{at("breakthrough")})', "money", s + ("award",))
        bt_txt = f'"{L("breakthrough")} > ¥"&SP_BreakthroughThreshold'
        cq_txt = f'"{L("conquest")} > ¥"&SP_ConquestThreshold'
        m.f(r, lc["rule"], f'=IF({blank},"",IF({at("breakthrough")}>0,{bt_txt},"")&IF(AND({at("breakthrough")}>0,'
                           f'{at("conquest")}>0),"; ","")&IF({at("conquest")}>0,{cq_txt},""))', "text",
            ("awardrule", s + ("rule",)))
        m.f(r, lc["line_total"], f'=IF({blank},"",{LC["commission"]}{r}+{LC["award"]}{r})', "money2",
            s + ("line_total",))
        prev = (f'IF(AND(EXACT({LC["region"]}{r - 1},{LC["region"]}{r}),EXACT({LC["rep"]}{r - 1},{LC["rep"]}{r})),'
                f'{LC["running"]}{r - 1},0)') if k else "0"
        m.f(r, lc["running"], f'=IF({blank},"",{prev}+{LC["line_total"]}{r})', "money2", s + ("running",))
    # ---------------------------------------------------------------- per-rep summary
    h = g.r_sum_hdr
    m.put(h - 1, 1, L("stmt_summary"), "section")
    sheads = {"region": L("region"), "name": L("rep_name"), "deal_count": L("deal_count"),
              "revenue": L("deals_revenue"), "commission": L("commission"), "first_awards": L("first_awards"),
              "retention": L("retention"), "churn": L("churn"), "quiz": L("quiz"), "quiz_places": L("quiz_places"),
              "champion_prize": L("champion_prize"), "total": L("stmt_total"), "inc_payout": L("inc_payout"),
              "check": L("check")}
    for f, t in sheads.items():
        m.put(h, sc[f], t, "header")
    lreg, lrep = f"${LC['region']}${l0}:${LC['region']}${lN}", f"${LC['rep']}${l0}:${LC['rep']}${lN}"
    qa = lambda f: rng(aw.sheet, aw.qc[f], aw.q0, max(aw.q_last, aw.q0))  # noqa: E731
    for n, (region, i) in enumerate(inc.slots):
        r = s0 + n
        ir = inc.row_of[(region, i)]
        gg = ctx.region_geom[region]
        s = ("srep", region, i)
        A, B = f"$A{r}", f"$B{r}"
        blank = f'{B}=""'
        match = f"EXACT({lreg},{A})*EXACT({lrep},{B})"
        if r > s0:   # a later slot of a duplicated name: its deals and awards are on the first slot
            later = f"SUMPRODUCT(EXACT($A${s0}:$A{r - 1},{A})*EXACT($B${s0}:$B{r - 1},{B}))>0"
            pay = lambda x, later=later: f"IF({later},0,{x})"  # noqa: E731
        else:
            pay = lambda x: x  # noqa: E731
        m.text(r, sc["region"], region, "text")
        m.f(r, sc["name"], f'=IF({ref(inc.sheet, ir, inc.c["name"])}="","",{ref(inc.sheet, ir, inc.c["name"])})',
            "text", ("rep", region, i, "name"))
        m.f(r, sc["deal_count"], f'=IF({blank},"",{pay(f"SUMPRODUCT({match}*1)")})', "int", s + ("deal_count",))
        for f, src in (("revenue", "amount"), ("commission", "commission"), ("first_awards", "award")):
            m.f(r, sc[f], f'=IF({blank},"",{pay(f"SUMPRODUCT({match},${LC[src]}${l0}:${LC[src]}${lN})")})',
                "money" if f == "first_awards" else "money2", s + (f,))
        m.f(r, sc["retention"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["retention"])})', "money", s + ("retention",))
        churn = ref(gg.sheet, gg.rep_row(i), gg.rc["churn"])
        m.f(r, sc["churn"], f'=IF({blank},"",IF(ISNUMBER({churn}),{churn},""))', "pct", s + ("churn",))
        qm = f"EXACT({qa('region')},{A})*EXACT({qa('rep')},{B})"
        q_award_rng = qa("award")
        m.f(r, sc["quiz"], f'=IF({blank},"",{pay(f"SUMPRODUCT({qm},{q_award_rng})")})', "money", s + ("quiz",))
        m.f(r, sc["quiz_places"], f'=IF({blank},"",{pay(f"SUMPRODUCT({qm}*1)")})', "int", s + ("quiz_places",))
        m.f(r, sc["champion_prize"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["champion_prize"])})', "money",
            s + ("champion_prize",))
        m.f(r, sc["total"], f'=IF({blank},"",{SC["commission"]}{r}+{SC["first_awards"]}{r}+{SC["retention"]}{r}+'
                            f'{SC["quiz"]}{r}+{SC["champion_prize"]}{r})', "total_money", s + ("total",))
        m.f(r, sc["inc_payout"], f'=IF({blank},"",{ref(inc.sheet, ir, inc.c["payout"])})', "money2",
            s + ("inc_payout",))
        m.f(r, sc["check"], f'=IF({blank},"",IF(ROUND({SC["total"]}{r}-{SC["inc_payout"]}{r},2)=0,"✓","✗"))', "flag",
            s + ("check",))
    r = g.r_sum_total
    m.put(r, sc["name"], L("team_total"), "label")
    for f in ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "champion_prize", "total",
              "inc_payout"):
        m.f(r, sc[f], f"=SUM({SC[f]}{s0}:{SC[f]}{sN})", "total_int" if f == "deal_count" else "total_money",
            ("stmt_team", f))
    m.cond.append((f"{SC['check']}{s0}:{SC['check']}{sN}", FormulaRule(formula=[f'{SC["check"]}{s0}="✗"'],
                                                                        font=_RED[0], fill=_RED[1])))
    # ---------------------------------------------------------------- reconciliation
    rc = g.recon
    m.put(g.r_recon - 1, 1, L("recon_section"), "section")
    dsum = lambda f: f"SUM({dcol(f)})"  # noqa: E731
    inc_tot = lambda f: ref(inc.sheet, inc.r_total, inc.c[f])  # noqa: E731
    rows = [("statements", L("recon_statements"), f"=SUM({SC['total']}{s0}:{SC['total']}{sN})"),
            ("incentives", L("recon_incentives"), f"={inc_tot('payout')}"),
            ("trace", L("recon_trace"), f"={dsum('commission')}"),
            ("awards", L("recon_awards"), f"={dsum('conquest')}+{dsum('breakthrough')}+{inc_tot('retention')}+"
                                          f"SUM({qa('award')})+{inc_tot('champion_prize')}"),
            ("trace_plus_awards", L("recon_tpa"), f"=E{rc['trace']}+E{rc['awards']}"),
            ("check", L("recon_check"), f'=IF(AND(ROUND(E{rc["statements"]}-E{rc["incentives"]},2)=0,'
                                        f'ROUND(E{rc["statements"]}-E{rc["trace_plus_awards"]},2)=0),'
                                        f'"{L("recon_ok")}","{L("recon_bad")}")'),
            ("referral", L("recon_referral"), "=SP_ReferralTotal"),
            ("payout", L("recon_payout"), f"=E{rc['statements']}+E{rc['referral']}")]
    for f, label, formula in rows:
        m.put(rc[f], 1, label, "label")
        m.merges.append(f"A{rc[f]}:D{rc[f]}")
        style = "banner" if f == "check" else ("total_money" if f in ("statements", "payout") else "money2")
        key = ("label", ("recon", f)) if f == "check" else ("recon", f)
        m.f(rc[f], 5, formula, style, key)
    ctx.names["SP_ReconCheck"] = ref(g.sheet, rc["check"], 5)
    ctx.names["SP_StatementsTotal"] = ref(g.sheet, rc["statements"], 5)
    m.cond.append((f"E{rc['check']}", FormulaRule(formula=[f'E{rc["check"]}="{L("recon_bad")}"'], font=_RED[0],
                                                 fill=_RED[1])))
    # ---------------------------------------------------------------- layout
    w = {"region": 9, "rep": 10, "seq": 6, "date": 11, "customer": 16, "amount": 14, "cum_before": 14,
         "cum_after": 14, "commission": 12, "award": 10, "rule": 26, "line_total": 13, "running": 13, "row": 8}
    for f, v in w.items():
        m.widths[lc[f]] = v
    for t in range(len(tiers)):
        m.widths[g.slice_col(t)] = 13
        m.widths[g.tier_col(t)] = 11
    m.widths[1] = max(m.widths.get(1, 0), 12)
    m.widths[2] = max(m.widths.get(2, 0), 12)
    m.widths[3] = max(m.widths.get(3, 0), 14)
    m.freeze = "C4"
    m.print_area = f"A1:{COL(g.last_col)}{lN}"
    m.print_title_rows = None
    return m
