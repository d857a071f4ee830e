"""What it takes (冲刺指引): the region tabs' gap columns and the 冲刺指引 sheet.

Every cell is a native formula (no UDF: the file works in WPS / LibreOffice without
Python) standing on the cells the rep's revenue and target come from: the region tab's
rep table (revenue = every typed deal of the rep) and the 激励 sheet's champion ranking.
The rules are :mod:`salesplan.engine.gap`'s (``compute_gap(..., every_deal=True)``): the
stored value of each cell is the engine's, and the LibreOffice agreement test holds the
formulas equal to it.

As of: TODAY() kept inside the plan month (``SP_AsOf``). It sets the working days left
(``SP_DaysLeft``: the month's working days, China calendar with the plan's extra holidays
and working days, listed in a hidden column), the current phase and the date of the
what-if deal behind 距销冠. The stored values are computed as of the generation date
(``ctx.as_of``), which is what TODAY() shows that day.
"""
from __future__ import annotations

from datetime import date, datetime, time

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from salesplan.engine import gap as eg
from salesplan.engine.actuals.cells import present
from salesplan.engine.plan import holiday_calendar
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, SheetModel, ref, rng
from salesplan.workbook_templates.sheets.common import msg, print_setup

NEAR = (Font(color="7F6000", bold=True), PatternFill("solid", fgColor="FFEB9C"))
HC = 14                  # first hidden helper column of the 冲刺指引 sheet (N)
R_TOP, R_HELP0 = 3, 5    # the as-of / leader row; first row of the helper lists
# the as-of row: (label col, value col) of each figure
TOP = {"as_of": (1, 2), "days_left": (3, 4), "leader": (5, 6)}
LEADER_COLS = {"region": 6, "name": 7, "revenue": 8, "row": HC, "kpi": HC + 1, "date": HC + 2}
REGION_COLS = ("region", "revenue", "target", "to_target", "phase", "phase_name", "phase_target",
               "to_phase_target", "new_customers", "new_customers_target", "new_customers_needed")
REP_COLS = ("region", "name", "revenue", "target", "attainment", "tier", "tier_rate", "to_next", "next_rate",
            "to_100", "to_champion", "daily")


def as_of(ctx: Ctx) -> date:
    """The as-of date of the stored values: fixed once per build (generation date, clamped)."""
    if not ctx.as_of_fixed:
        ctx.as_of, ctx.as_of_fixed = eg.clamp_as_of(ctx.plan, ctx.as_of), True
    return ctx.as_of


def near_tier_rule(next_ref: str, revenue_ref: str) -> str:
    """The conditional-format test of :func:`salesplan.engine.gap.near_next_tier` (≤ 10 % of the boundary)."""
    share = eg.NEAR_TIER_SHARE
    return f"AND(ISNUMBER({next_ref}),{next_ref}<={share}*({revenue_ref}+{next_ref}))"


# ----------------------------------------------------------------------------- region tab columns

def gap_cells(ctx: Ctx, m: SheetModel, region: str) -> None:
    """距下一档, 距达标, 距销冠, 日均需完成 on one region tab's rep table."""
    L, g = ctx.L, ctx.region_geom[region]
    rc, h = g.rc, g.r_rep_hdr
    for f, label in (("to_next", "to_next_tier"), ("to_100", "to_100"), ("to_champion", "to_champion"),
                     ("daily", "daily_needed")):
        m.put(h, rc[f], L(label), "header")
        m.widths[rc[f]] = 13
    B, E, F, K = (COL(rc[x]) for x in ("name", "target", "revenue", "kpi_score"))
    X, T = COL(rc["to_next"]), COL(rc["to_100"])
    tiers = ctx.tier_refs
    for i in range(g.n_reps):
        r = g.rep_row(i)
        k = ("gap", "rep", region, i)
        # blank for an empty row and for a later row repeating a name (the engine knows a name once)
        later = f"SUMPRODUCT(--EXACT(${B}${g.r_rep0}:${B}{r - 1},${B}{r}))>0" if i else None
        guard = lambda x, r=r, later=later: (f'=IF(${B}{r}="","",IF({later},"",{x}))' if later  # noqa: E731
                                             else f'=IF(${B}{r}="","",{x})')
        revfen = f"ROUND({F}{r}*100,0)"
        nxt = '""'
        for t in reversed(range(1, len(tiers))):
            bnd = f"ROUND({E}{r}*{tiers[t][0]}/1000000,0)"
            nxt = f"IF({revfen}<{bnd}*100,ROUND({bnd}-{F}{r},2),{nxt})"
        m.f(r, rc["to_next"], guard(nxt), "money2", k + ("to_next",))
        m.f(r, rc["to_100"], guard(f"MAX(0,ROUND({E}{r}-{F}{r},2))"), "money2", k + ("to_100",))
        need = f"ROUND(SP_LeaderRev-{F}{r},2)"
        champ = (f'IF(SP_LeaderRev="",0.01,IF(AND(EXACT($B$2,SP_LeaderRegion),EXACT(${B}{r},SP_LeaderName)),0,'
                 f'IF({need}<=0,0.01,{need}+IF({_wins_tie(ctx, f"N({K}{r})")},0,0.01))))')
        m.f(r, rc["to_champion"], guard(champ), "money2", k + ("to_champion",))
        m.f(r, rc["daily"], f'=IF({T}{r}="","",IF({T}{r}=0,0,IF(SP_DaysLeft=0,"",'
                            f'ROUND(ROUND({T}{r}*100,0)/SP_DaysLeft,0)/100)))', "money2", k + ("daily",))
    r0, rN = g.r_rep0, g.r_rep_last
    m.cond.append((f"{B}{r0}:{B}{rN} {X}{r0}:{X}{rN}",
                   FormulaRule(formula=[near_tier_rule(f"${X}{r0}", f"${F}{r0}")], font=NEAR[0], fill=NEAR[1])))


def _wins_tie(ctx: Ctx, kpi: str) -> str:
    """1 when the champion tie-break would give a tie to the rep's next deal (dated SP_AsOf, reported
    last): the configured rules in order, KPI score then the date that reached the total; report
    order always favours the leader (as :class:`salesplan.engine.gap._ChampionGap` decides it)."""
    chain = "FALSE"
    for rule in reversed(ctx.cfg.awards.champion_tiebreak):
        mine, theirs = {"kpi_score": (kpi, "SP_LeaderKpi"), "earliest_total_date": ("SP_LeaderDate", "SP_AsOf")}.get(
            rule, (None, None))
        if mine is None:
            continue
        # higher KPI wins; for the date, the earlier one (the leader's later date means the rep wins)
        chain = f"{mine}>{theirs}" if chain == "FALSE" else f"IF({mine}>{theirs},TRUE,IF({mine}<{theirs},FALSE,{chain}))"
    return chain


# ----------------------------------------------------------------------------- the 冲刺指引 sheet

def build_sprint(ctx: Ctx) -> SheetModel:
    return _Sprint(ctx).build()


class _Sprint:
    def __init__(self, ctx: Ctx):
        self.ctx, self.L, self.plan = ctx, ctx.L, ctx.plan
        self.m = SheetModel(ctx.sheet["sprint"], "sprint", tab_color="C55A11")
        as_of(ctx)

    def build(self) -> SheetModel:
        m, L = self.m, self.L
        m.put(1, 1, f"{L('sprint_title')} — {self.ctx.cfg.month}", "title")
        m.put(2, 1, L("sprint_note"), "note")
        self.helpers()
        self.top()
        r = self.regions(R_TOP + 2)
        last = self.reps(r + 1)
        # one landscape page wide at ≥ 70 %: the region table's phase name (F) is the widest text
        m.widths.update({1: 10, 2: 13, 3: 13, 4: 12, 5: 9, 6: 14, 7: 12, 8: 12, 9: 12, 10: 12, 11: 12, 12: 12})
        for c in range(HC, HC + 4):
            m.hidden_cols.add(c)
        m.freeze = f"C{R_TOP + 1}"
        print_setup(self.ctx, m, len(REP_COLS), last, title_cols="A:B")
        return m

    def helpers(self) -> None:
        """Hidden lists: the month's working days; the phases' number, start and name."""
        m, plan = self.m, self.plan
        month = plan.config.month
        days = holiday_calendar(plan.config).working_days(month.first_day, month.last_day)
        for j, d in enumerate(days):
            m.put(R_HELP0 + j, HC, d, "date")
        self.days = rng(m.name, HC, R_HELP0, R_HELP0 + max(len(days), 1) - 1)
        for j, pt in enumerate(plan.phases):
            r = R_HELP0 + j
            m.put(r, HC + 1, pt.phase.number, "int")
            m.put(r, HC + 2, pt.phase.start, "date")
            m.text(r, HC + 3, self.L.pick(pt.phase.name_zh, pt.phase.name_en), "text")
        last = R_HELP0 + len(plan.phases) - 1
        self.ph_start = f"${COL(HC + 2)}${R_HELP0}:${COL(HC + 2)}${last}"
        self.ph_name = f"${COL(HC + 3)}${R_HELP0}:${COL(HC + 3)}${last}"

    def top(self) -> None:
        """As of, working days left and the current leader (the 激励 sheet's champion)."""
        m, L, ctx = self.m, self.L, self.ctx
        month = ctx.cfg.month
        first, last = month.first_day, month.last_day
        r = R_TOP
        for f, (lc, vc) in TOP.items():
            m.put(r, lc, L(f), "label")
        d = lambda x: f"DATE({x.year},{x.month},{x.day})"  # noqa: E731
        m.f(r, 2, f"=MIN(MAX(TODAY(),{d(first)}),{d(last)})", "date", ("gap", "team", "as_of"))
        m.f(r, 4, f'=COUNTIF({self.days},">"&$B${r})', "int", ("gap", "team", "days_left"))
        inc = ctx.inc
        irng = lambda f: rng(inc.sheet, inc.c[f], inc.r0, max(inc.r_last, inc.r0))  # noqa: E731
        at = lambda f: f"${COL(LEADER_COLS[f])}${r}"  # noqa: E731
        m.f(r, LEADER_COLS["row"], f'=IFERROR(MATCH("{msg(ctx, "champion")}",{irng("champion")},0),0)', "helper",
            ("gap", "team", "leader_row"))
        row = at("row")
        m.f(r, LEADER_COLS["region"], f'=IF({row}=0,"",INDEX({irng("region")},{row}))', "text",
            ("gap", "team", "leader_region"))
        m.f(r, LEADER_COLS["name"], f'=IF({row}=0,"",INDEX({irng("name")},{row}))', "text",
            ("gap", "team", "leader_name"))
        m.f(r, LEADER_COLS["revenue"], f'=IF({row}=0,"",INDEX({irng("h_rev")},{row})/100)', "money2",
            ("gap", "team", "leader_revenue"))
        m.f(r, LEADER_COLS["kpi"], f'=IF({row}=0,0,INDEX({irng("h_kpi")},{row}))', "helper",
            ("gap", "team", "leader_kpi"))
        m.f(r, LEADER_COLS["date"], f'=IF({row}=0,0,INDEX({irng("h_date")},{row}))', "helper",
            ("gap", "team", "leader_date"))
        names = {"SP_AsOf": (r, 2), "SP_DaysLeft": (r, 4), "SP_LeaderRegion": (r, LEADER_COLS["region"]),
                 "SP_LeaderName": (r, LEADER_COLS["name"]), "SP_LeaderRev": (r, LEADER_COLS["revenue"]),
                 "SP_LeaderKpi": (r, LEADER_COLS["kpi"]), "SP_LeaderDate": (r, LEADER_COLS["date"])}
        for n, (rr, cc) in names.items():
            ctx.names[n] = ref(m.name, rr, cc)

    def regions(self, r: int) -> int:
        m, L, ctx = self.m, self.L, self.ctx
        m.put(r, 1, L("sprint_regions"), "section")
        r += 1
        heads = (L("region"), L("deals_revenue"), L("month_target"), L("to_target"), L("current_phase"),
                 L("name"), L("phase_cum_target"), L("to_phase_target"), L("nc_actual"), L("nc_target"),
                 L("nc_needed"))
        for c, t in enumerate(heads, 1):
            m.put(r, c, t, "header")
        inc = ctx.inc
        inc_region = rng(inc.sheet, inc.c["region"], inc.r0, max(inc.r_last, inc.r0))
        inc_rev = rng(inc.sheet, inc.c["h_rev"], inc.r0, max(inc.r_last, inc.r0))
        for rt in self.plan.regions:
            r += 1
            g = ctx.region_geom[rt.name]
            k = ("gap", "region", rt.name)
            at = lambda key, g=g: ref(g.sheet, *g.cell[key])  # noqa: E731
            col = {f: COL(i + 1) for i, f in enumerate(REGION_COLS)}
            v = lambda f, r=r: f"{col[f]}{r}"  # noqa: E731
            m.text(r, 1, rt.name, "label")
            m.f(r, 2, f"=SUMPRODUCT(EXACT({inc_region},$A{r})*{inc_rev})/100", "money2", k + ("revenue",))
            m.f(r, 3, f"={at('month_target')}", "money", k + ("target",))
            m.f(r, 4, f"=MAX(0,ROUND({v('target')}-{v('revenue')},2))", "money2", k + ("to_target",))
            m.f(r, 5, f'=MAX(1,COUNTIF({self.ph_start},"<="&SP_AsOf))', "int", k + ("phase",))
            m.f(r, 6, f"=INDEX({self.ph_name},{v('phase')})", "text", k + ("phase_name",))
            pn, pt = (rng(g.sheet, c, g.r_phase0, g.r_phase0 + g.n_phases - 1) for c in (1, g.c_ph_target))
            m.f(r, 7, f'=SUMIF({pn},"<="&{v("phase")},{pt})', "money", k + ("phase_target",))
            m.f(r, 8, f"=MAX(0,ROUND({v('phase_target')}-{v('revenue')},2))", "money2", k + ("to_phase_target",))
            m.f(r, 9, f"=ROUND(N({at('nc_actual')}),0)", "int", k + ("new_customers",))
            m.f(r, 10, f"={at('nc_target')}", "int", k + ("new_customers_target",))
            m.f(r, 11, f"=MAX(0,{v('new_customers_target')}-{v('new_customers')})", "int",
                k + ("new_customers_needed",))
        return r + 1

    def reps(self, r: int) -> int:
        m, L, ctx = self.m, self.L, self.ctx
        m.put(r, 1, L("sprint_reps"), "section")
        r += 1
        heads = (L("region"), L("rep_name"), L("deals_revenue"), L("personal_target"), L("attainment"),
                 L("tier_now"), L("tier_rate"), L("to_next_tier"), L("next_rate"), L("to_100"), L("to_champion"),
                 L("daily_needed"))
        for c, t in enumerate(heads, 1):
            m.put(r, c, t, "header")
        col = {f: COL(i + 1) for i, f in enumerate(REP_COLS)}
        tiers = ctx.tier_refs
        rates = ",".join(f"{t[1]}/1000000" for t in tiers)
        r0 = r + 1
        for region, i in ctx.inc.slots:
            r += 1
            g = ctx.region_geom[region]
            rr = g.rep_row(i)
            src = lambda f, g=g, rr=rr: ref(g.sheet, rr, g.rc[f])  # noqa: E731
            rk, k = ("rep", region, i), ("gap", "rep", region, i)
            v = lambda f, r=r: f"{col[f]}{r}"  # noqa: E731
            m.text(r, 1, region, "text")
            m.f(r, 2, f'=IF({src("name")}="","",{src("name")})', "text", rk + ("name",))
            m.f(r, 3, f"={src('revenue')}", "money2", rk + ("revenue",))
            m.f(r, 4, f"={src('target')}", "money", rk + ("target",))
            m.f(r, 5, f"={src('attainment')}", "pct", rk + ("attainment",))
            revfen = f"ROUND({v('revenue')}*100,0)"
            tier = "+".join(["1"] + [f"({revfen}>=ROUND({v('target')}*{t[0]}/1000000,0)*100)" for t in tiers[1:]])
            m.f(r, 6, f'=IF({src("to_100")}="","",{tier})', "int", k + ("tier",))
            m.f(r, 7, f'=IF({v("tier")}="","",CHOOSE({v("tier")},{rates}))', "pct", k + ("tier_rate",))
            m.f(r, 8, f"={src('to_next')}", "money2", k + ("to_next",))
            m.f(r, 9, f'=IF({v("to_next")}="","",CHOOSE({v("tier")}+1,{rates}))', "pct", k + ("next_rate",))
            for c, f in ((10, "to_100"), (11, "to_champion"), (12, "daily")):
                m.f(r, c, f"={src(f)}", "money2", k + (f,))
        # printed: up to the last named rep (blank slots are for typing, as on the region tabs)
        named = [r0 + n for n, (region, i) in enumerate(ctx.inc.slots)
                 if present(ctx.inputs.regions[region].reps[i].name)]
        last = named[-1] if named else r0 - 1
        if r >= r0:
            X, F_, B = col["to_next"], col["revenue"], col["name"]
            m.cond.append((f"{B}{r0}:{B}{r} {X}{r0}:{X}{r}",
                           FormulaRule(formula=[near_tier_rule(f"${X}{r0}", f"${F_}{r0}")], font=NEAR[0],
                                       fill=NEAR[1])))
        return last


# ----------------------------------------------------------------------------- stored values

class _GapValues:
    """The engine's gap figures for a built workbook (``compute_gap(every_deal=True)`` as of ``ctx``'s date)."""

    def __init__(self, ctx: Ctx, actuals: dict):
        plan = ctx.plan
        self.day = as_of(ctx)
        gi = eg.typed_gap_inputs(plan, ctx.inputs, actuals)
        self.gap = eg.compute_gap(plan, gi, self.day, every_deal=True)
        self.reps = {(x.region, x.rep): x for x in self.gap.reps}
        self.regions = {x.region: x for x in self.gap.regions}
        self.first: dict[tuple[str, str], tuple[str, int]] = {}     # (region, name) -> its first slot
        for region, i in ctx.inc.slots:
            name = actuals.get(("rep", region, i, "name"))
            if name is not None:
                self.first.setdefault((region, name), (region, i))
        self.slot_pos = {s: n + 1 for n, s in enumerate(ctx.inc.slots)}
        self.actuals, self.ctx = actuals, ctx

    def rep(self, region: str, i: int, field: str):
        name = self.actuals.get(("rep", region, i, "name"))
        if name is None or self.first.get((region, name)) != (region, i):
            return None                         # blank row, or a later slot repeating a name
        x = self.reps[(region, name)]
        yuan = lambda fen: None if fen is None else fen / 100  # noqa: E731
        return {"to_next": yuan(x.to_next_tier_fen), "to_100": yuan(x.to_100_fen),
                "to_champion": yuan(x.to_champion_fen), "daily": yuan(x.daily_needed_fen), "tier": x.tier,
                "tier_rate": float(x.tier_rate),
                "next_rate": None if x.next_tier_rate is None else float(x.next_tier_rate)}[field]

    def region(self, name: str, field: str):
        x = self.regions[name]
        pt = self.ctx.plan.phases[x.phase - 1].phase
        return {"revenue": x.revenue_fen / 100, "target": x.target_yuan, "to_target": x.to_target_fen / 100,
                "phase": x.phase, "phase_name": self.ctx.L.pick(pt.name_zh, pt.name_en),
                "phase_target": x.phase_target_yuan, "to_phase_target": x.to_phase_target_fen / 100,
                "new_customers": x.new_customers, "new_customers_target": x.new_customers_target,
                "new_customers_needed": x.new_customers_needed}[field]

    def team(self, field: str):
        if field == "as_of":
            return datetime.combine(self.day, time())
        if field == "days_left":
            return self.gap.working_days_left
        c = self.gap.champion
        slot = None if c is None else self.first.get((c.region, c.rep))
        if field == "leader_row":
            return 0 if slot is None else self.slot_pos[slot]
        if slot is None:
            return 0 if field in ("leader_kpi", "leader_date") else None
        k = ("inc",) + slot
        return {"leader_region": c.region, "leader_name": c.rep, "leader_revenue": c.revenue_fen / 100,
                "leader_kpi": self.actuals[k + ("h_kpi",)], "leader_date": self.actuals[k + ("h_date",)]}[field]


def expected_gap(key: tuple, actuals: dict, ctx: Ctx, memo: dict):
    """The value of a ``("gap", ...)`` cell: ``("gap", "rep", region, slot, field)``,
    ``("gap", "region", name, field)`` or ``("gap", "team", field)``."""
    vals = memo.get("gap")
    if vals is None:
        vals = memo["gap"] = _GapValues(ctx, actuals)
    if key[1] == "rep":
        return vals.rep(key[2], key[3], key[4])
    if key[1] == "region":
        return vals.region(key[2], key[3])
    return vals.team(key[2])

