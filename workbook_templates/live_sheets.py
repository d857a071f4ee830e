"""Sheets that react to what people type: region tabs, 成交明细 deals, 激励 incentives,
风险预警 risks, 辅导 coaching, 仪表盘 dashboard. Everything live is a native formula
(Excel 2016 / LibreOffice 7.4 functions only: no LET, FILTER, XLOOKUP, MAXIFS)."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from salesplan.engine.actuals import COMPLETION_KEY, NO, YES
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
            "unknown": L("yes_unknown"), "champion": "★ " + L("champion"), "short": L("coaching_short")}[key]


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
    m.f(*c["weekly_revenue"], f"=SUM({COL(pc['total'])}{ph0}:{COL(pc['total'])}{phN})", "total_money",
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
    m.f(*c["deals_revenue"], f"=SUM({COL(rc['revenue'])}{rep0}:{COL(rc['revenue'])}{repN})", "money2",
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
        m.f(r, pc["total"], f"=SUM({pf}{r}:{pl}{r})", "money", ("phase", name, j, "total"))
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
        m.f(r, g.c_prod0 + k, f"=SUM({col}{ph0}:{col}{phN})", "total_money", ("region", name, "product_actual", p.name))
    m.f(r, pc["total"], f"=SUM({tot}{ph0}:{tot}{phN})", "total_money", ("region", name, "weekly_revenue"))
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
    for x in ("W", "q", "rem", "rank"):
        m.hidden_cols.add(rc[x])
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
             "customer": L("customer"), "new_customer": L("new_customer"), "product": L("product"),
             "amount": L("deal_amount"), "contract_id": L("contract_id"), "quote": L("quote"),
             "list_price": L("list_price"), "first_quote": L("first_quote"), "fen": L("fen"), "known": L("known"),
             "target": L("rep_target"), "cum_before": L("cum_before"), "cum_after": L("cum_after"),
             "commission": L("deal_commission"), "first_new": L("first_new"), "breakthrough": L("breakthrough"),
             "conquest": L("conquest"), "report_flag": L("flag_report"), "discount_flag": L("flag_discount"),
             "support_flag": L("flag_support"), "unknown_flag": L("flag_unknown")}
    h = d.r_hdr
    for f, t in heads.items():
        m.put(h, c[f], t, "header")
    tiers = cfg.commission.tiers
    for k, t in enumerate(tiers):
        m.put(h, d.c_tier0 + k, f"{L('tier')}{k + 1} {float(t.start):.0%}+ @{float(t.rate):.1%}", "header")
    m.put(h - 1, c["seq"], L.pick("← 录入（黄色）", "← inputs (yellow)"), "note")
    m.put(h - 1, c["fen"], L.pick("← 自动计算：累计、分档提成（即提成明细）、奖项与R9预警",
                                  "← computed: cumulative, per-tier commission (the trace), awards, R9 flags"), "note")
    fields = {f: c[f] for f in ("seq", "date", "rep", "region", "customer", "new_customer", "product", "amount",
                                "contract_id", "quote", "list_price", "first_quote")}
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
              "new_customer": "in_bool", "product": "in_text", "amount": "in_money2", "contract_id": "in_text",
              "quote": "in_money2", "list_price": "in_money2", "first_quote": "in_bool"}
    text_fields = {"rep", "region", "customer", "new_customer", "product", "contract_id", "first_quote"}
    for i, row_in in enumerate(ctx.inputs.deals):
        r = d.row(i)
        k = ("deal", i)
        for f, col in fields.items():
            v = getattr(row_in, f)
            if f in text_fields and v is not None and not isinstance(v, bool):
                m.text(r, col, v, styles[f])
            else:
                m.put(r, col, v, styles[f])
        none = f'{N_}{r}=""'
        m.f(r, c["fen"], f"=IF(ISNUMBER({H_}{r}),ROUND({H_}{r}*100,0),0)", "int", k + ("fen",))
        m.f(r, c["known"], f'=IF(AND({C_}{r}<>"",{D_}{r}<>"",ISNUMBER({H_}{r})),IF(SUMPRODUCT(EXACT({i_region},'
                           f'{D_}{r})*EXACT({i_name},{C_}{r}))>0,"{YES}","{NO}"),"")', "text", k + ("known",))
        m.f(r, c["target"], f'=IF({none},"",SUMPRODUCT(EXACT({i_region},{D_}{r})*EXACT({i_name},{C_}{r}),{i_target}))',
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
        m.f(r, c["breakthrough"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{bt}),IF(AND(NOT(SP_StackAwards),{cq},'
                                  f'SP_ConquestAmount>SP_BreakthroughAmount),0,SP_BreakthroughAmount),0))', "money",
            k + ("breakthrough",))
        m.f(r, c["conquest"], f'=IF({none},"",IF(AND({FN}{r}="{YES}",{cq}),IF(AND(NOT(SP_StackAwards),{bt},'
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
        m.f(r, c["unknown_flag"], f'=IF({N_}{r}="{NO}","{msg(ctx, "unknown")}","")', "flag",
            ("flag", k + ("unknown_flag",), msg(ctx, "unknown")))
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
    widths = {"seq": 6, "date": 11, "rep": 10, "region": 9, "customer": 18, "new_customer": 8, "product": 12,
              "amount": 14, "contract_id": 14, "quote": 13, "list_price": 13, "first_quote": 8, "fen": 12,
              "known": 8, "target": 12, "cum_before": 13, "cum_after": 13, "commission": 12, "first_new": 9,
              "breakthrough": 11, "conquest": 11, "report_flag": 10, "discount_flag": 10, "support_flag": 10,
              "unknown_flag": 10}
    for f, w in widths.items():
        m.widths[c[f]] = w
    for t in range(len(tiers)):
        m.widths[d.c_tier0 + t] = 13
    m.freeze = f"D{d.r0}"
    m.print_area = f"A1:{COL(d.last_col)}{rN}"
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
             "breakthrough": L("breakthrough"), "retention": L("retention"), "champion": L("champion"),
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
        m.text(r, c["region"], region, "text")
        m.f(r, c["name"], f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
        m.f(r, c["new_hire"], f'=IF({blank},"",IF({src("new_hire")}="{YES}","{YES}","{NO}"))', "text", rk + ("new_hire",))
        m.f(r, c["target"], f'=IF({blank},"",{src("target")})', "money", rk + ("target",))
        m.f(r, c["revenue"], f'=IF({blank},"",{src("revenue")})', "money2", rk + ("revenue",))
        m.f(r, c["attainment"], f'=IF({blank},"",{src("attainment")})', "pct", rk + ("attainment",))
        m.f(r, c["kpi_score"], f'=IF({blank},"",{src("kpi_score")})', "score", rk + ("kpi_score",))
        m.f(r, c["deal_count"], f'=IF({blank},"",SUMPRODUCT({match}*({d_known}="{YES}")))', "int", k + ("deal_count",))
        for t in range(len(tiers)):
            m.f(r, inc.c_tier0 + t, f'=IF({blank},"",SUMPRODUCT({match},{rng(d.sheet, d.c_tier0 + t, d.r0, d.r_last)}))',
                "money2", k + (f"tier:{t}",))
        m.f(r, c["commission"], f'=IF({blank},"",SUM({COL(inc.c_tier0)}{r}:{COL(inc.c_tier0 + len(tiers) - 1)}{r}))',
            "money2", k + ("commission",))
        for f in ("conquest", "breakthrough"):
            m.f(r, c[f], f'=IF({blank},"",SUMPRODUCT({match},{dr(f)}))', "money", k + (f,))
        churn = src("churn")
        m.f(r, c["retention"], f'=IF({blank},"",IF(AND(ISNUMBER({churn}),{churn}<=SP_RetentionMaxChurn),'
                               f'SP_RetentionBonus+SP_FullAttendanceBonus,0))', "money", k + ("retention",))
        m.f(r, c["h_rev"], f'=IF({blank},0,SUMPRODUCT({match}*({d_known}="{YES}"),{dr("fen")}))', "helper",
            k + ("h_rev",))
        m.f(r, c["h_kpi"], f"=IF({blank},0,N({col['kpi_score']}{r}))", "helper", k + ("h_kpi",))
        m.f(r, c["h_row"], f'=IF({blank},0,SUMPRODUCT(MAX({match}*({d_known}="{YES}")*{rows_rng})))', "helper",
            ("dealrow", k + ("h_row",)))
        m.f(r, c["h_date"], f"=IF({col['h_row']}{r}=0,0,N(INDEX({quote_sheet(d.sheet)}!${COL(d.c['date'])}:"
                            f"${COL(d.c['date'])},{col['h_row']}{r})))", "helper", k + ("h_date",))
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
                            f'{col["retention"]}{r}+{col["champion_prize"]}{r})', "money2", k + ("payout",))
    r = inc.r_total
    m.put(r, c["name"], L("team_total"), "label")
    for f in ["deal_count", "commission", "conquest", "breakthrough", "retention", "champion_prize", "payout"]:
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
    d = ctx.deals
    for i in range(d.n_rows):
        r = d.row(i)
        for f, lbl, mk in (("report_flag", "flag_report", "report"), ("discount_flag", "flag_discount", "discount"),
                           ("support_flag", "flag_support", "support"), ("unknown_flag", "flag_unknown", "unknown")):
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
    m.print_area = f"A1:F{regN}"
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
        m.f(r, 3, f"={parts}", "money", ("product", p.name, "actual"))
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
        m.f(r, 3, f"={prev_a}{parts}", "money", ("burnup", j))
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
    return m
