"""年度累计 year to date: the year's closed months (values from the history) and the live month
(formulas on 个人奖金明细 and the region tabs), per region and per rep, with year-to-date totals
and a trend chart.

The history data arrives as a plain record (``salesplan history --ytd YEAR --format json``'s
document, see docs/history.md): the workbook layer never reads the history itself. Every
formula stores the engine's value — the live month's cells carry the engine's own keys,
sums and ratios a ``("lit", value)`` computed here from the same actuals (shared with the
renderer through ``ctx.actuals`` so the engine runs once).
"""
from __future__ import annotations

from typing import Any

from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, ChartSpec, SheetModel, ref
from salesplan.workbook_templates.sheets.common import print_setup

ROLE = "ytd"
FIELDS = ("target", "revenue", "attainment", "payout")
_T = {  # labels of this sheet only: (zh, en)
    "sheet": ("年度累计", "Year to date"),
    "title": ("年度累计", "Year to date"),
    "note": ("已结账月份取自历史记录（每月最新版本：{versions}）；本月 {month} 为实时公式，随输入更新。金额单位：元。",
             "Closed months come from the history (latest version of each: {versions}); this month {month} is "
             "live formulas that follow the inputs. Amounts in yuan."),
    "trend": ("团队趋势", "Team trend"),
    "by_region": ("按区域", "By region"),
    "by_rep": ("按销售", "By rep"),
    "revenue": ("成交额", "Revenue"),
    "payout": ("奖金", "Payout"),
    "cum_target": ("累计目标", "YTD target"),
    "cum_revenue": ("累计成交额", "YTD revenue"),
    "cum_payout": ("累计奖金", "YTD payout"),
    "ytd": ("年度累计", "Year to date"),
    "this_month": ("本月", "this month"),
    "team": ("团队合计", "Team total"),
    "rep": ("销售", "Rep"),
    "chart": ("年度趋势：目标、成交额与奖金", "Trend: target, revenue and payout"),
    "guide": ("今年已结账月份与本月（实时）：按区域、按销售的目标、成交额、完成率与奖金，年度累计与趋势图。",
              "This year's closed months and this month (live): target, revenue, attainment and payout by region "
              "and rep, year-to-date totals and a trend chart."),
    "guide_who": ("—（自动，取自历史记录）", "— (generated from the history)"),
}


def label(ctx: Ctx, key: str) -> str:
    return _T[key][ctx.L.i]


def sheet_name(ctx: Ctx) -> str:
    name = label(ctx, "sheet")
    taken = {n.casefold() for n in (*ctx.sheet.values(), *ctx.region_sheet.values())}
    return name if name.casefold() not in taken else name + " (2)"


def guide_row(ctx: Ctx) -> tuple[str, str, str]:
    """(sheet, purpose, who) for the guide's sheet list."""
    return sheet_name(ctx), label(ctx, "guide"), label(ctx, "guide_who")


def _num(v) -> float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _ratio(rev, tgt):
    rev, tgt = _num(rev), _num(tgt)
    return None if rev is None or tgt is None or tgt <= 0 else rev / tgt


def _sum(vals) -> float | int:
    return sum(v for v in vals if _num(v) is not None)


class _Writer:
    """Lays out one table (regions or reps): month blocks of 4 columns, then the YTD block."""

    def __init__(self, ctx: Ctx, m: SheetModel, months: list[str], current: str):
        self.ctx, self.m, self.months, self.current = ctx, m, months, current
        self.all = months + [current]
        self.c0 = 3

    def col(self, j: int, f: str) -> int:
        return self.c0 + 4 * j + FIELDS.index(f)

    @property
    def ytd_j(self) -> int:
        return len(self.all)

    @property
    def last_col(self) -> int:
        return self.col(self.ytd_j, "payout")

    def headers(self, r: int, first: str, second: str) -> int:
        L, m = self.ctx.L, self.m
        m.put(r, 1, first, "header")
        m.put(r, 2, second, "header")
        m.put(r + 1, 1, None, "header")
        m.put(r + 1, 2, None, "header")
        names = [*self.months, f"{self.current} ({label(self.ctx, 'this_month')})", label(self.ctx, "ytd")]
        for j, name in enumerate(names):
            c = self.col(j, "target")
            m.put(r, c, name, "header")
            for k in range(1, 4):
                m.put(r, c + k, None, "header")
            m.merges.append(f"{COL(c)}{r}:{COL(c + 3)}{r}")
            for f, t in zip(FIELDS, (L("target"), label(self.ctx, "revenue"), L("attainment"),
                                     label(self.ctx, "payout"))):
                m.put(r + 1, self.col(j, f), t, "header")
        return r + 2

    def closed(self, r: int, data: dict[str, dict[str, Any]]) -> dict[str, list]:
        """The closed months' values of one row; returns field -> values per month (for sums)."""
        vals: dict[str, list] = {f: [] for f in ("target", "revenue", "payout")}
        for j, month in enumerate(self.months):
            v = data.get(month)
            if v is None:
                continue
            for f, style in (("target", "money"), ("revenue", "money"), ("payout", "money")):
                x = v[f + "_fen"] / 100
                x = int(x) if x == int(x) else x
                self.m.put(r, self.col(j, f), x, style)
                vals[f].append(x)
            self.m.put(r, self.col(j, "attainment"), v["attainment"], "pct")
        return vals

    def ytd(self, r: int, vals: dict[str, list], *, blank: bool | None = None) -> None:
        """The year-to-date block; ``blank`` — a rep slot: "" while its name cell is blank (and it is now)."""
        m, j = self.m, self.ytd_j
        for f in ("target", "revenue", "payout"):
            cells = ",".join(f"{COL(self.col(k, f))}{r}" for k in range(len(self.all)))
            formula, value = f"SUM({cells})", _sum(vals[f])
            if blank is not None:
                formula, value = f'IF($B{r}="","",{formula})', None if blank else value
            m.f(r, self.col(j, f), "=" + formula, "total_money", ("lit", value))
        self.attainment(r, j, _ratio(_sum(vals["revenue"]), _sum(vals["target"])), "total_pct")

    def attainment(self, r: int, j: int, value, style: str = "pct") -> None:
        t, v = f"{COL(self.col(j, 'target'))}{r}", f"{COL(self.col(j, 'revenue'))}{r}"
        self.m.f(r, self.col(j, "attainment"),
                 f'=IF(AND(ISNUMBER({t}),ISNUMBER({v})),IF({t}>0,{v}/{t},""),"")', style, ("lit", value))


def build_ytd(ctx: Ctx, doc: dict[str, Any]) -> SheetModel:
    """The 年度累计 sheet from the history's year-to-date document (closed months before this one)."""
    from salesplan.engine.actuals import compute_actuals
    act = getattr(ctx, "actuals", None)
    if act is None:
        act = ctx.actuals = compute_actuals(ctx.plan, ctx.inputs)
    L, cfg = ctx.L, ctx.cfg
    current = str(cfg.month)
    months = [mo for mo in doc.get("months", []) if mo < current]
    m = SheetModel(sheet_name(ctx), ROLE, tab_color="548235")
    m.put(1, 1, f"{label(ctx, 'title')} — {doc['year']}", "title")
    versions = ", ".join(f"{mo}@{doc['versions'][mo]}" for mo in months)
    m.put(2, 1, label(ctx, "note").format(versions=versions, month=current), "note")
    w = _Writer(ctx, m, months, current)

    # ------------------------------------------------------------ layout rows
    n_trend = len(w.all)
    t_hdr = 5
    t0 = t_hdr + 1
    reg_sec = max(t0 + n_trend + 2, 22)       # below the chart
    hist_regions = {x["region"]: x for x in doc.get("regions", [])}
    plan_regions = [x.name for x in cfg.regions]
    regions = plan_regions + [x for x in hist_regions if x not in plan_regions]
    reg_hdr = reg_sec + 1
    reg0 = reg_hdr + 2
    reg_total = reg0 + len(regions)
    rep_sec = reg_total + 2
    rep_hdr = rep_sec + 1
    rep0 = rep_hdr + 2

    # ------------------------------------------------------------ by rep
    m.put(rep_sec, 1, label(ctx, "by_rep"), "section")
    w.headers(rep_hdr, L("region"), label(ctx, "rep"))
    hist_reps: dict[str, list[dict]] = {}
    for x in doc.get("reps", []):
        hist_reps.setdefault(x["region"], []).append(x)
    cur = w.ytd_j - 1
    rows_of: dict[str, list[int]] = {}
    live: dict[tuple[int, str], Any] = {}      # (row, field) -> the live month's value
    r = rep0
    stmt, sc = ctx.stmt, ctx.stmt.sc
    for region in regions:
        rows_of[region] = []
        by_name = {x["rep"]: x for x in hist_reps.get(region, [])}
        used: set[str] = set()
        if region in ctx.region_geom:
            g = ctx.region_geom[region]
            for i in range(g.n_reps):
                name = act.get(("rep", region, i, "name"))
                name = name if isinstance(name, str) and name else None
                hist = by_name.get(name) if name is not None else None
                if name is not None:
                    used.add(name)
                srow = stmt.s0 + ctx.inc.slots.index((region, i))
                m.text(r, 1, region, "text")
                nm = ref(stmt.sheet, srow, sc["name"])
                m.f(r, 2, f'=IF({nm}="","",{nm})', "text", ("rep", region, i, "name"))
                vals = w.closed(r, hist["months"] if hist else {})
                for f, src, key in (("target", ref(g.sheet, g.rep_row(i), g.rc["target"]), ("rep", region, i, "target")),
                                    ("revenue", ref(stmt.sheet, srow, sc["revenue"]), ("srep", region, i, "revenue")),
                                    ("payout", ref(stmt.sheet, srow, sc["total"]), ("srep", region, i, "total"))):
                    m.f(r, w.col(cur, f), f'=IF({src}="","",{src})', "money", key)
                    live[(r, f)] = act.get(key)
                    vals[f].append(act.get(key))
                w.attainment(r, cur, _ratio(live[(r, "revenue")], live[(r, "target")]))
                w.ytd(r, vals, blank=name is None)
                rows_of[region].append(r)
                r += 1
        for x in hist_reps.get(region, []):     # reps of the closed months not on this month's roster
            if x["rep"] in used:
                continue
            m.text(r, 1, region, "text")
            m.text(r, 2, x["rep"], "text")
            w.ytd(r, w.closed(r, x["months"]))
            rows_of[region].append(r)
            r += 1
    rep_last = r - 1

    # ------------------------------------------------------------ by region
    m.put(reg_sec, 1, label(ctx, "by_region"), "section")
    w.headers(reg_hdr, L("region"), "")
    team_live: dict[str, float] = {}
    for k, region in enumerate(regions):
        rr = reg0 + k
        m.text(rr, 1, region, "label")
        hist = hist_regions.get(region)
        vals = w.closed(rr, hist["months"] if hist else {})
        if region in ctx.region_geom:
            for f in ("target", "revenue", "payout"):
                c = COL(w.col(cur, f))
                rows = rows_of[region]
                v = _sum(live.get((x, f)) for x in rows)
                formula = f"=SUM({c}{rows[0]}:{c}{rows[-1]})" if rows else "=0"
                m.f(rr, w.col(cur, f), formula, "money", ("lit", v))
                vals[f].append(v)
                live[(rr, f)] = v
                team_live[f] = team_live.get(f, 0) + v
            w.attainment(rr, cur, _ratio(live[(rr, "revenue")], live[(rr, "target")]))
        w.ytd(rr, vals)
    m.put(reg_total, 1, label(ctx, "team"), "label")
    team: dict[tuple[int, str], float] = {}
    for j in range(len(w.all) + 1):
        for f in ("target", "revenue", "payout"):
            c = COL(w.col(j, f))
            v = _sum(_num_cell(m, rr, w.col(j, f)) for rr in range(reg0, reg_total))
            m.f(reg_total, w.col(j, f), f"=SUM({c}{reg0}:{c}{reg_total - 1})", "total_money", ("lit", v))
            team[(j, f)] = v
        w.attainment(reg_total, j, _ratio(team[(j, "revenue")], team[(j, "target")]), "total_pct")

    # ------------------------------------------------------------ team trend (the chart's data)
    m.put(4, 1, label(ctx, "trend"), "section")
    heads = (L("month"), L("target"), label(ctx, "revenue"), L("attainment"), label(ctx, "payout"),
             label(ctx, "cum_target"), label(ctx, "cum_revenue"), label(ctx, "cum_payout"))
    for c, t in enumerate(heads, 1):
        m.put(t_hdr, c, t, "header")
    cum = {"target": 0, "revenue": 0, "payout": 0}
    for j, month in enumerate(w.all):
        rr = t0 + j
        m.text(rr, 1, month, "label")
        for c, f in ((2, "target"), (3, "revenue"), (5, "payout")):
            m.f(rr, c, f"={COL(w.col(j, f))}{reg_total}", "money", ("lit", team[(j, f)]))
        m.f(rr, 4, f'=IF(B{rr}>0,C{rr}/B{rr},"")', "pct", ("lit", _ratio(team[(j, "revenue")], team[(j, "target")])))
        for c, src, f in ((6, "B", "target"), (7, "C", "revenue"), (8, "E", "payout")):
            cum[f] += team[(j, f)]
            prev = f"{COL(c)}{rr - 1}+" if j else ""
            m.f(rr, c, f"={prev}{src}{rr}", "total_money", ("lit", cum[f]))
    tN = t0 + n_trend - 1
    m.charts.append(ChartSpec("line", label(ctx, "chart"), "J4", m.name, (1, t0, tN),
                              [(2, t_hdr, t0, tN), (3, t_hdr, t0, tN), (5, t_hdr, t0, tN)], "¥"))

    # ------------------------------------------------------------ layout
    m.widths.update({1: 12, 2: 12})
    for c in range(3, w.last_col + 1):
        m.widths[c] = 9 if (c - 3) % 4 == 2 else 13
    for c in range(3, 9):
        m.widths[c] = max(m.widths.get(c, 0), 13)
    m.freeze = "C4"
    print_setup(ctx, m, max(w.last_col, 8), max(rep_last, reg_total), landscape=True, title_cols="A:B")
    return m


def _num_cell(m: SheetModel, r: int, c: int):
    """The value a cell of this sheet shows: a number written here or a lit key's value."""
    v, _s, key, _t = m.cells.get(r, {}).get(c, (None, None, None, False))
    if key is not None and key[0] == "lit":
        return key[1]
    return v if _num(v) is not None else None
