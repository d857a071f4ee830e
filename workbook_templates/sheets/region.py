"""Region tab (one per region): targets, the phase table (R10), the rep table (R3, R6, R7).

Values: :mod:`salesplan.engine.actuals.region` (``region_reps`` for the rep table and the
summary cells, ``region_phases`` for the phase table and its month totals).
"""
from __future__ import annotations

from salesplan.engine.actuals.cells import COMPLETION_KEY, YES, present
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.inputs import InputTable
from salesplan.workbook_templates.model import COL, SheetModel, quote_sheet, ref, rng
from salesplan.workbook_templates.sheets.common import flag_cf, msg, print_setup, red_if, validate
from salesplan.workbook_templates.sheets.sprint import gap_cells


def build_region(ctx: Ctx, region) -> SheetModel:
    return _RegionTab(ctx, region).build()


class _RegionTab:
    def __init__(self, ctx: Ctx, region):
        self.ctx, self.L, self.plan, self.cfg = ctx, ctx.L, ctx.plan, ctx.cfg
        self.region, self.name = region, region.name
        self.g = g = ctx.region_geom[region.name]
        self.rin = ctx.inputs.regions[region.name]
        self.rt = next(x for x in ctx.plan.regions if x.name == region.name)
        self.m = SheetModel(g.sheet, "region", tab_color="2E75B6")
        self.c, self.pc, self.rc = g.cell, g.pc, g.rc
        self.ph0, self.phN = g.r_phase0, g.r_phase0 + g.n_phases - 1
        self.rep0, self.repN = g.r_rep0, g.r_rep_last
        self.pf, self.pl = COL(g.c_prod0), COL(g.c_prod0 + len(ctx.plan.products) - 1)

    def lab(self, key, label):
        r, col = self.c[key]
        self.m.put(r, col - 1 if col == 3 else col - 2, label, "label")

    def at(self, key):
        r, col = self.c[key]
        return f"${COL(col)}${r}"

    def col_range(self, col: int, first: int, last: int) -> str:
        return f"{COL(col)}{first}:{COL(col)}{last}"

    def build(self) -> SheetModel:
        self.header()
        self.summary()
        self.phase_table()
        self.phase_totals()
        self.rep_params()
        self.rep_table()
        self.layout()
        return self.m

    # ---------------------------------------------------------------- top: targets and summary
    def header(self) -> None:
        m, L, g = self.m, self.L, self.g
        m.put(1, 1, f"{g.sheet} — {L('title')} {self.cfg.month}", "title")
        m.put(2, 1, L("region"), "label")
        m.text(2, 2, self.name, "label")
        m.put(2, 3, L("manager"), "label")
        m.text(2, 4, self.region.manager, "text")
        if self.plan.sensitive_window:
            m.put(3, 1, L("sensitive"), "banner")
        m.put(4, 1, L("region_targets"), "section")

    def summary(self) -> None:
        m, L, c, pc, rc, at, name = self.m, self.L, self.c, self.pc, self.rc, self.at, self.name
        ph0, phN, rep0, repN = self.ph0, self.phN, self.rep0, self.repN
        self.lab("month_target", L("month_target"))
        m.put(*c["month_target"], self.rt.revenue, "money")
        self.lab("weekly_revenue", L("weekly_revenue"))
        m.f(*c["weekly_revenue"], f"=ROUND(SUM({self.col_range(pc['total'], ph0, phN)}),2)", "total_money",
            ("region", name, "weekly_revenue"))
        self.lab("attainment", L("attainment"))
        m.f(*c["attainment"], f'=IF({at("month_target")}>0,{at("weekly_revenue")}/{at("month_target")},"")',
            "total_pct", ("region", name, "attainment"))
        self.lab("nc_target", L("nc_target"))
        m.put(*c["nc_target"], self.rt.new_customers, "int")
        self.lab("nc_actual", L("nc_actual"))
        m.f(*c["nc_actual"], f"=SUM({self.col_range(pc['new_customers'], ph0, phN)})", "total_int",
            ("region", name, "new_customers"))
        self.lab("nc_attainment", L("attainment"))
        m.f(*c["nc_attainment"], f'=IF({at("nc_target")}>0,{at("nc_actual")}/{at("nc_target")},"")', "total_pct",
            ("region", name, "new_customers_attainment"))
        self.focus()
        self.lab("avg_kpi", L("avg_kpi"))
        sc = self.col_range(rc["kpi_score"], rep0, repN)
        m.f(*c["avg_kpi"], f'=IF(COUNT({sc})=0,"",AVERAGE({sc}))', "score", ("region", name, "avg_kpi"))
        self.lab("deals_revenue", L("deals_revenue"))
        m.f(*c["deals_revenue"], f"=ROUND(SUM({self.col_range(rc['revenue'], rep0, repN)}),2)", "money2",
            ("region", name, "deals_revenue"))
        self.lab("rep_target_sum", L("rep_target_sum"))
        m.f(*c["rep_target_sum"], f"=SUM({self.col_range(rc['target'], rep0, repN)})", "money",
            ("region", name, "rep_target_sum"))
        self.lab("flag_count", L("flag_count"))
        fr = f"{COL(pc['flag_missed'])}{ph0}:{COL(pc['flag_inventory'])}{phN}"
        m.f(*c["flag_count"], f'=SUMPRODUCT(--({fr}<>""))', "int", ("region", name, "flags"))
        self.lab("rep_count", L("rep_count"))
        m.f(*c["rep_count"], f'=SUMPRODUCT(--({self.col_range(rc["name"], rep0, repN)}<>""))', "int",
            ("region", name, "rep_count"))

    def focus(self) -> None:
        m, c, ft = self.m, self.c, self.rin.focus_target
        self.lab("focus_kpi", self.L("focus_kpi"))
        m.text(*c["focus_kpi"], self.region.focus_kpi, "text")
        self.lab("focus_target", self.L("focus_target"))
        style = "in_pct" if ft is not None and isinstance(ft, (int, float)) and ft <= 1 else "in_dec"
        m.put(*c["focus_target"], ft, style)
        r, col = c["focus_target"]
        validate(self.ctx, m, "scalar", "focus_target", [f"{COL(col)}{r}"])
        self.ctx.registry.add(InputTable("scalar", ("focus_target", self.name), self.g.sheet, r, r, 1,
                                         {"value": col}))

    # ---------------------------------------------------------------- phase table (R10)
    def phase_table(self) -> None:
        m, L, g, pc, name = self.m, self.L, self.g, self.pc, self.name
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
        for j, p in enumerate(self.plan.products):
            m.text(h, g.c_prod0 + j, p.name, "header")
        fields = {f"rev:{p.name}": g.c_prod0 + j for j, p in enumerate(self.plan.products)}
        for f in ("new_customers", "complaints", "response_hours", "satisfaction", "inventory"):
            fields[f] = pc[f]
        headers = {f: (m.get(h, col) or "") for f, col in fields.items()}
        self.ctx.registry.add(InputTable("phases", ("phases", name), g.sheet, h, self.ph0, g.n_phases, fields,
                                         headers))
        for j, pt in enumerate(self.plan.phases):
            self.phase_row(j, pt)
        ph0, phN = self.ph0, self.phN
        validate(self.ctx, m, "phases", "rev:*", [f"{self.pf}{ph0}:{self.pl}{phN}"])
        for f in ("new_customers", "complaints", "response_hours", "satisfaction", "inventory"):
            validate(self.ctx, m, "phases", f, [self.col_range(pc[f], ph0, phN)])
        flag_cf(m, f"{COL(pc['flag_missed'])}{ph0}:{COL(pc['flag_inventory'])}{phN}", f"{COL(pc['flag_missed'])}{ph0}")

    def phase_row(self, j: int, pt) -> None:
        m, L, g, pc, name, ctx = self.m, self.L, self.g, self.pc, self.name, self.ctx
        pf, pl = self.pf, self.pl
        tot, st = COL(pc["total"]), COL(pc["streak"])
        r = self.ph0 + j
        ph = pt.phase
        row_in = self.rin.phases[j]
        m.put(r, 1, ph.number, "int")
        m.text(r, 2, L.pick(ph.name_zh, ph.name_en), "text")
        m.put(r, 3, f"{ph.start:%m-%d}～{ph.end:%m-%d}", "text")
        m.put(r, 4, ph.working_days, "int")
        m.put(r, 5, pt.regions[name], "money")
        for k, p in enumerate(self.plan.products):
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
        m.f(r, pc["flag_complaint"],
            f'=IF(ISNUMBER({hrs}),IF({hrs}>=SP_ComplaintHours,"{msg(ctx, "complaint")}",""),"")',
            "flag", ("flag", ("phase", name, j, "complaint_flag"), msg(ctx, "complaint")))
        m.f(r, pc["flag_inventory"],
            f'=IF(ISNUMBER({inv}),IF({inv}>SP_InventoryAlert,"{msg(ctx, "inventory")}",""),"")',
            "flag", ("flag", ("phase", name, j, "inventory_flag"), msg(ctx, "inventory")))

    def phase_totals(self) -> None:
        m, L, g, pc, name = self.m, self.L, self.g, self.pc, self.name
        ph0, phN, tot = self.ph0, self.phN, COL(pc["total"])
        r = g.r_phase_total
        m.put(r, 2, L("month_total"), "label")
        m.f(r, 5, f"=SUM(E{ph0}:E{phN})", "total_money", ("lit", self.rt.revenue))
        for k, p in enumerate(self.plan.products):
            m.f(r, g.c_prod0 + k, f"=ROUND(SUM({self.col_range(g.c_prod0 + k, ph0, phN)}),2)", "total_money",
                ("region", name, "product_actual", p.name))
        m.f(r, pc["total"], f"=ROUND(SUM({tot}{ph0}:{tot}{phN}),2)", "total_money", ("region", name, "weekly_revenue"))
        m.f(r, pc["attainment"], f'=IF(E{r}>0,{tot}{r}/E{r},"")', "total_pct", ("region", name, "attainment"))
        for f in ("new_customers", "complaints"):
            m.f(r, pc[f], f"=SUM({self.col_range(pc[f], ph0, phN)})", "total_int", ("region", name, f))
        for f, key, fn, style in (("response_hours", "max_hours", "MAX", "dec"),
                                  ("satisfaction", "satisfaction", "AVERAGE", "dec"),
                                  ("inventory", "max_inventory", "MAX", "pct")):
            cells = self.col_range(pc[f], ph0, phN)
            m.f(r, pc[f], f'=IF(COUNT({cells})=0,"",{fn}({cells}))', style, ("region", name, key))
        r = g.r_prod_target
        m.put(r, 2, L("product_target"), "label")
        m.put(r + 1, 2, L("product_attainment"), "label")
        for k, p in enumerate(self.plan.products):
            col = COL(g.c_prod0 + k)
            m.put(r, g.c_prod0 + k, self.rt.products[p.name], "money")
            m.f(r + 1, g.c_prod0 + k, f'=IF({col}{r}>0,{col}{g.r_phase_total}/{col}{r},"")', "pct",
                ("region", name, "product_attainment", p.name))
        m.f(r, pc["total"], f"=SUM({self.pf}{r}:{self.pl}{r})", "total_money", ("lit", self.rt.revenue))

    # ---------------------------------------------------------------- rep table (R3, R6, R7)
    def rep_params(self) -> None:
        """The KPI parameter rows above the rep table and the split's S / left helpers."""
        m, L, g, rc, name, ctx = self.m, self.L, self.g, self.rc, self.name, self.ctx
        m.put(g.r_rep_section, 1, L("rep_table"), "section")
        p0 = g.r_param0
        for i_, lbl in enumerate((L("weight"), L("target"), L("scoring"), L("cap"))):
            m.put(p0 + i_, rc["attainment"], lbl, "label")
        focus_ref = f"${COL(self.c['focus_target'][1])}${self.c['focus_target'][0]}"
        for i, kw in enumerate(g.table):
            col = g.kpi_col(i)
            m.put(p0, col, float(kw.weight), "pct")
            if kw.key == "focus":
                m.f(p0 + 1, col, f"={focus_ref}", "dec", ("param", name, kw.key, "target"))
                m.f(p0 + 2, col, f"={ctx.setup_region[name]['focus_scoring']}", "text",
                    ("label", ("param", name, kw.key, "scoring")))
                m.put(p0 + 3, col, float(kw.cap), "pct")
            else:
                s = ctx.setup_kpi[kw.key]
                m.f(p0 + 1, col, f"={s['target']}", "pct" if kw.unit == "rate" else "dec",
                    ("param", name, kw.key, "target"))
                m.f(p0 + 2, col, f"={s['scoring']}", "text", ("label", ("param", name, kw.key, "scoring")))
                m.f(p0 + 3, col, f"={s['cap']}", "pct", ("param", name, kw.key, "cap"))
        W, Q = COL(rc["W"]), COL(rc["q"])
        m.put(p0, rc["rank"], "S", "helper")
        m.put(p0 + 1, rc["rank"], "left", "helper")
        m.f(p0, rc["W"], f"=SUM({W}{self.rep0}:{W}{self.repN})", "helper", ("region", name, "S"))
        m.f(p0 + 1, rc["W"], f"={self.at('month_target')}-SUM({Q}{self.rep0}:{Q}{self.repN})", "helper",
            ("region", name, "left"))

    def rep_table(self) -> None:
        m, L, g, rc, name = self.m, self.L, self.g, self.rc, self.name
        h = g.r_rep_hdr
        heads = {1: "#", rc["name"]: L("rep_name"), rc["new_hire"]: L("new_hire"), rc["weight"]: L("weight"),
                 rc["target"]: L("personal_target"), rc["revenue"]: L("deals_revenue"),
                 rc["attainment"]: L("attainment"), rc["kpi_score"]: L("kpi_score"),
                 rc["coaching"]: L("coaching_sessions"), rc["min_coaching"]: L("coaching_min"),
                 rc["coaching_short"]: L("coaching_short"), rc["churn"]: L("churn"),
                 rc["W"]: "W", rc["q"]: "q", rc["rem"]: "rem", rc["rank"]: "rank"}
        for col, t in heads.items():
            m.put(h, col, t, "header")
        for i, kw in enumerate(g.table):
            m.text(h, g.kpi_col(i), kw.name, "header")
            m.text(h, g.score_col(i), f"{kw.name} {L('score')}", "header")
        fields = {f: rc[f] for f in ("name", "new_hire", "weight", "coaching", "churn")}
        for i, kw in enumerate(g.table):
            if kw.key != COMPLETION_KEY:
                fields["kpi:" + kw.key] = g.kpi_col(i)
        headers = {f: (m.get(h, col) or "") for f, col in fields.items()}
        self.ctx.registry.add(InputTable("reps", ("reps", name), g.sheet, h, self.rep0, g.n_reps, fields, headers))
        for i, row_in in enumerate(self.rin.reps):
            self.rep_row(i, row_in)
            self.rep_kpis(i, row_in)
        gap_cells(self.ctx, self.m, self.name)
        self.rep_validations()

    def rep_row(self, i: int, row_in) -> None:
        m, rc, name, g = self.m, self.rc, self.name, self.g
        d = self.ctx.deals
        d_region, d_rep, d_fen = (rng(d.sheet, d.c[f], d.r0, d.r_last) for f in ("region", "rep", "fen"))
        W, Q, REM, RANK, B, E = (COL(rc[x]) for x in ("W", "q", "rem", "rank", "name", "target"))
        p0, rep0, repN = g.r_param0, self.rep0, self.repN
        S_cell, LEFT_cell, T = f"${W}${p0}", f"${W}${p0 + 1}", self.at("month_target")
        r = rep0 + i
        k = ("rep", name, i)
        blank = f'${B}{r}=""'
        m.put(r, 1, i + 1, "int")
        m.text(r, rc["name"], row_in.name, "in_text")
        if isinstance(row_in.new_hire, str) or row_in.new_hire is None:
            m.text(r, rc["new_hire"], row_in.new_hire, "in_bool")
        else:
            m.put(r, rc["new_hire"], row_in.new_hire, "in_bool")
        m.put(r, rc["weight"], row_in.weight, "in_dec")
        m.f(r, rc["target"], f'=IF({blank},"",IF({S_cell}=0,0,{Q}{r}+IF({RANK}{r}<{LEFT_cell},1,0)))', "money",
            k + ("target",))
        m.f(r, rc["revenue"], f'=IF({blank},"",SUMPRODUCT(EXACT({d_region},$B$2)*EXACT({d_rep},{B}{r}),{d_fen})/100)',
            "money2", k + ("revenue",))
        m.f(r, rc["attainment"], f'=IF({blank},"",IF(N({E}{r})>0,{COL(rc["revenue"])}{r}/{E}{r},0))', "pct",
            k + ("attainment",))
        m.put(r, rc["coaching"], row_in.coaching, "in_int")
        m.f(r, rc["min_coaching"],
            f'=IF({blank},"",IF(${COL(rc["new_hire"])}{r}="{YES}",SP_NewHireMin,SP_VeteranMin))',
            "int", k + ("min_coaching",))
        m.f(r, rc["coaching_short"],
            f'=IF({blank},"",MAX(0,{COL(rc["min_coaching"])}{r}-N({COL(rc["coaching"])}{r})))', "int",
            k + ("coaching_short",))
        m.put(r, rc["churn"], row_in.churn, "in_pct")
        wcol = COL(rc["weight"])
        m.f(r, rc["W"], f'=IF({blank},0,IF(ISNUMBER({wcol}{r}),MAX(0,ROUND({wcol}{r}*1000000,0)),1000000))',
            "helper", k + ("W",))
        m.f(r, rc["q"], f"=IF({S_cell}=0,0,INT({T}*{W}{r}/{S_cell}))", "helper", k + ("q",))
        m.f(r, rc["rem"], f"={T}*{W}{r}-{Q}{r}*{S_cell}", "helper", k + ("rem",))
        m.f(r, rc["dup"], f'=IF({blank},0,IF(SUMPRODUCT(--EXACT(${B}${rep0}:${B}${repN},{B}{r}))>1,1,0))', "helper",
            k + ("dup",))
        rank = f"=SUMPRODUCT(--(${REM}${rep0}:${REM}${repN}>{REM}{r}))"
        if i:
            rank += f"+SUMPRODUCT(--(${REM}${rep0}:{REM}{r - 1}={REM}{r}))"
        m.f(r, rc["rank"], rank, "helper", k + ("rank",))

    def rep_kpis(self, i: int, row_in) -> None:
        """KPI actuals, per-KPI scores and the weighted KPI score of one rep (R6, R7)."""
        m, g, rc = self.m, self.g, self.rc
        p0, r = g.r_param0, self.rep0 + i
        k = ("rep", self.name, i)
        blank = f'${COL(rc["name"])}{r}=""'
        for j, kw in enumerate(g.table):
            col = g.kpi_col(j)
            X = COL(col)
            if kw.key == COMPLETION_KEY:
                m.f(r, col, f'=IF({blank},"",{COL(rc["attainment"])}{r})', "pct", k + ("kpi:" + kw.key,))
            else:
                m.put(r, col, row_in.kpi.get(kw.key), "in_pct" if kw.unit == "rate" else "in_dec")
            x, t, s_, cap = f"{X}{r}", f"{X}${p0 + 1}", f"{X}${p0 + 2}", f"{X}${p0 + 3}"
            a = f"MAX({x},0)"
            m.f(r, g.score_col(j),
                f'=IF({blank},"",IF(AND(ISNUMBER({x}),ISNUMBER({t}),N({t})>0),'
                f'IF({s_}="{self.ctx.L("linear")}",MIN({a}/{t},{cap}),'
                f'IF({s_}="{self.ctx.L("threshold")}",IF({a}>={t},1,{a}/{t}),'
                f'IF({a}>0,MIN({t}/{a},{cap}),{cap}))),0))', "score", k + ("score:" + kw.key,))
        kf, kl = COL(g.kpi_col(0)), COL(g.kpi_col(len(g.table) - 1))
        sf, sl = COL(g.score_col(0)), COL(g.score_col(len(g.table) - 1))
        m.f(r, rc["kpi_score"],
            f'=IF({blank},"",MIN(SP_ScoreMax,SP_ScoreMax*SUMPRODUCT(${kf}${p0}:${kl}${p0},{sf}{r}:{sl}{r})))',
            "score", k + ("kpi_score",))

    def rep_validations(self) -> None:
        m, g, rc, rep0, repN, ctx = self.m, self.g, self.rc, self.rep0, self.repN, self.ctx
        for f in ("name", "new_hire", "weight"):
            validate(ctx, m, "reps", f, [self.col_range(rc[f], rep0, repN)])
        kpi_inputs = [self.col_range(g.kpi_col(j), rep0, repN) for j, kw in enumerate(g.table)
                      if kw.key != COMPLETION_KEY]
        validate(ctx, m, "reps", "kpi:*", kpi_inputs)
        for f in ("coaching", "churn"):
            validate(ctx, m, "reps", f, [self.col_range(rc[f], rep0, repN)])
        short = COL(rc["coaching_short"])
        red_if(m, f"{short}{rep0}:{short}{repN}", f"N({short}{rep0})>0")

    # ---------------------------------------------------------------- layout, R3 duplicate names, names
    def layout(self) -> None:
        m, L, g, rc, pc, c, name, ctx = self.m, self.L, self.g, self.rc, self.pc, self.c, self.name, self.ctx
        rep0, repN = self.rep0, self.repN
        m.widths.update({1: 18, 2: 22, 3: 16, 4: 14, 5: 14, 6: 14, 7: 14})
        for col in range(8, g.last_col + 1):
            m.widths.setdefault(col, 12)
        for x in ("W", "q", "rem", "rank", "dup"):
            m.hidden_cols.add(rc[x])
        m.put(g.r_rep_hdr, rc["dup"], "dup", "header")
        self.lab("dup_names", L("dup_names"))
        m.f(*c["dup_names"], f"=SUM({self.col_range(rc['dup'], rep0, repN)})", "int", ("region", name, "dup_names"))
        m.f(*c["dup_flag"], f'=IF({self.at("dup_names")}>0,"{msg(ctx, "dup")}","")', "flag",
            ("flag", ("region", name, "dup_flag"), msg(ctx, "dup")))
        m.freeze = "C5"
        # printed: up to the last named rep (blank slots are for typing, not paper); names and numbers repeat
        named = [i for i, row in enumerate(ctx.inputs.regions[name].reps) if present(row.name)]
        print_setup(ctx, m, g.last_col, rep0 + named[-1] if named else g.r_rep_hdr,
                    title_cols="A:B")
        n = list(ctx.region_sheet).index(name) + 1
        B = COL(rc["name"])
        ctx.names[f"SP_R{n}_FocusTarget"] = ref(g.sheet, *c["focus_target"])
        ctx.names[f"SP_R{n}_Reps"] = f"{quote_sheet(g.sheet)}!${B}${rep0}:${B}${repN}"
        ctx.names[f"SP_R{n}_WeeklyRevenue"] = f"{quote_sheet(g.sheet)}!${self.pf}${self.ph0}:${self.pl}${self.phN}"
