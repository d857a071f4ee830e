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


def _yuan(fen: int) -> int | float:
    """Fen as yuan: an int when whole."""
    return fen // 100 if fen % 100 == 0 else fen / 100


def _sum(vals) -> float | int:
    return sum(v for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool))


class _Writer:
    """Lays out one table (regions or reps): month blocks of 4 columns, then the YTD block."""

    def __init__(self, ctx: Ctx, m: SheetModel, months: list[str], current: str):
        self.ctx, self.m, self.months, self.current = ctx, m, months, current
        self.all = months + [current]
        self.c0 = 3
        self.month_cols = [tuple(self.col(j, f) for f in FIELDS) for j in range(len(months))]
        # a row's month cells of one field, "#" standing for the row number (the YTD sums)
        self.sum_cells = {f: ",".join(f"{COL(self.col(k, f))}#" for k in range(len(self.all)))
                          for f in ("target", "revenue", "payout")}

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
        """The closed months' values of one row; returns field -> values per month (for sums).

        The cells go straight into the model's row (plain values, the bulk of a large sheet:
        5,000 reps × 11 months × 4 fields), without a ``put`` call per cell."""
        row = self.m.cells.setdefault(r, {})
        targets, revenues, payouts = [], [], []
        for month, (ct, cr, ca, cp) in zip(self.months, self.month_cols):
            v = data.get(month)
            if v is None:
                continue
            t, rv, p = _yuan(v["target_fen"]), _yuan(v["revenue_fen"]), _yuan(v["payout_fen"])
            row[ct] = (t, "money", None, False)
            row[cr] = (rv, "money", None, False)
            row[ca] = (v["attainment"], "pct", None, False)
            row[cp] = (p, "money", None, False)
            targets.append(t)
            revenues.append(rv)
            payouts.append(p)
        return {"target": targets, "revenue": revenues, "payout": payouts}

    def ytd(self, r: int, vals: dict[str, list], *, blank: bool | None = None) -> None:
        """The year-to-date block; ``blank`` — a rep slot: "" while its name cell is blank (and it is now)."""
        m, j, rs = self.m, self.ytd_j, str(r)
        for f in ("target", "revenue", "payout"):
            formula, value = "SUM(" + self.sum_cells[f].replace("#", rs) + ")", _sum(vals[f])
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
    current = str(ctx.cfg.month)
    months = [mo for mo in doc.get("months", []) if mo < current]
    m = SheetModel(sheet_name(ctx), ROLE, tab_color="548235")
    m.put(1, 1, f"{label(ctx, 'title')} — {doc['year']}", "title")
    versions = ", ".join(f"{mo}@{doc['versions'][mo]}" for mo in months)
    m.put(2, 1, label(ctx, "note").format(versions=versions, month=current), "note")
    w = _Writer(ctx, m, months, current)
    hist_regions = {x["region"]: x for x in doc.get("regions", [])}
    plan_regions = [x.name for x in ctx.cfg.regions]
    regions = plan_regions + [x for x in hist_regions if x not in plan_regions]
    # rows: the trend (one a month) at 5, the region table below the chart, then the reps
    t_hdr = 5
    reg_sec = max(t_hdr + 1 + len(w.all) + 2, 22)
    reg0 = reg_sec + 3
    reg_total = reg0 + len(regions)
    rep_sec = reg_total + 2
    hist_reps: dict[str, list[dict]] = {}
    for x in doc.get("reps", []):
        hist_reps.setdefault(x["region"], []).append(x)
    m.put(rep_sec, 1, label(ctx, "by_rep"), "section")
    w.headers(rep_sec + 1, ctx.L("region"), label(ctx, "rep"))
    live: dict[tuple[int, str], Any] = {}      # (row, field) -> the live month's value
    rows_of, r = {}, rep_sec + 3
    for region in regions:
        rows_of[region], r = _rep_rows(w, act, region, hist_reps.get(region, []), r, live)
    m.put(reg_sec, 1, label(ctx, "by_region"), "section")
    w.headers(reg_sec + 1, ctx.L("region"), "")
    for k, region in enumerate(regions):
        _region_row(w, reg0 + k, region, hist_regions.get(region), rows_of[region], live)
    team = _team_row(w, reg0, reg_total)
    _trend(w, t_hdr, team)
    m.widths.update({1: 12, 2: 12})
    for c in range(3, w.last_col + 1):
        m.widths[c] = 9 if (c - 3) % 4 == 2 else 13
    for c in range(3, 9):
        m.widths[c] = max(m.widths.get(c, 0), 13)
    m.freeze = "C4"
    print_setup(ctx, m, max(w.last_col, 8), max(r - 1, reg_total), landscape=True, title_cols="A:B")
    return m


def _rep_rows(w: _Writer, act, region: str, hist: list[dict], r: int, live: dict) -> tuple[list[int], int]:
    """One row per rep slot of this month's plan (closed months matched by name), then the reps
    of the closed months who are not on it; returns (rows, next row)."""
    ctx, m = w.ctx, w.m
    stmt, sc = ctx.stmt, ctx.stmt.sc
    by_name = {x["rep"]: x for x in hist}
    cur = w.ytd_j - 1
    rows, used = [], set()
    g = ctx.region_geom.get(region)
    for i in range(g.n_reps if g is not None else 0):
        name = act.get(("rep", region, i, "name"))
        name = name if isinstance(name, str) and name else None
        used.add(name)
        srow = stmt.s0 + ctx.inc.row_of[(region, i)] - ctx.inc.r0
        m.text(r, 1, region, "text")
        nm = ref(stmt.sheet, srow, sc["name"])
        m.f(r, 2, f'=IF({nm}="","",{nm})', "text", ("rep", region, i, "name"))
        vals = w.closed(r, by_name[name]["months"] if name in by_name else {})
        for f, src, key in (("target", ref(g.sheet, g.rep_row(i), g.rc["target"]), ("rep", region, i, "target")),
                            ("revenue", ref(stmt.sheet, srow, sc["revenue"]), ("srep", region, i, "revenue")),
                            ("payout", ref(stmt.sheet, srow, sc["total"]), ("srep", region, i, "total"))):
            m.f(r, w.col(cur, f), f'=IF({src}="","",{src})', "money", key)
            live[(r, f)] = act.get(key)
            vals[f].append(live[(r, f)])
        w.attainment(r, cur, _ratio(live[(r, "revenue")], live[(r, "target")]))
        w.ytd(r, vals, blank=name is None)
        rows.append(r)
        r += 1
    for x in hist:     # reps of the closed months not on this month's roster
        if x["rep"] in used:
            continue
        m.text(r, 1, region, "text")
        m.text(r, 2, x["rep"], "text")
        w.ytd(r, w.closed(r, x["months"]))
        rows.append(r)
        r += 1
    return rows, r


def _region_row(w: _Writer, r: int, region: str, hist: dict | None, rows: list[int], live: dict) -> None:
    """A region: its closed months' values; this month = the sum of its rep rows above."""
    m, cur = w.m, w.ytd_j - 1
    m.text(r, 1, region, "label")
    vals = w.closed(r, hist["months"] if hist else {})
    if region in w.ctx.region_geom:
        for f in ("target", "revenue", "payout"):
            c = COL(w.col(cur, f))
            v = _sum(live.get((x, f)) for x in rows)
            m.f(r, w.col(cur, f), f"=SUM({c}{rows[0]}:{c}{rows[-1]})" if rows else "=0", "money", ("lit", v))
            vals[f].append(v)
            live[(r, f)] = v
        w.attainment(r, cur, _ratio(live[(r, "revenue")], live[(r, "target")]))
    w.ytd(r, vals)


def _team_row(w: _Writer, reg0: int, reg_total: int) -> dict[tuple[int, str], float]:
    m = w.m
    m.put(reg_total, 1, label(w.ctx, "team"), "label")
    team: dict[tuple[int, str], float] = {}
    for j in range(len(w.all) + 1):
        for f in ("target", "revenue", "payout"):
            c = COL(w.col(j, f))
            v = _sum(_num_cell(m, rr, w.col(j, f)) for rr in range(reg0, reg_total))
            m.f(reg_total, w.col(j, f), f"=SUM({c}{reg0}:{c}{reg_total - 1})", "total_money", ("lit", v))
            team[(j, f)] = v
        w.attainment(reg_total, j, _ratio(team[(j, "revenue")], team[(j, "target")]), "total_pct")
    team["row"] = reg_total
    return team


def _trend(w: _Writer, t_hdr: int, team: dict) -> None:
    """The team's month-by-month rows (the chart's data) and the trend chart beside them."""
    ctx, m, L = w.ctx, w.m, w.ctx.L
    m.put(t_hdr - 1, 1, label(ctx, "trend"), "section")
    heads = (L("month"), L("target"), label(ctx, "revenue"), L("attainment"), label(ctx, "payout"),
             label(ctx, "cum_target"), label(ctx, "cum_revenue"), label(ctx, "cum_payout"))
    for c, t in enumerate(heads, 1):
        m.put(t_hdr, c, t, "header")
    t0, total = t_hdr + 1, team["row"]
    cum = {"target": 0, "revenue": 0, "payout": 0}
    for j, month in enumerate(w.all):
        rr = t0 + j
        m.text(rr, 1, month, "label")
        for c, f in ((2, "target"), (3, "revenue"), (5, "payout")):
            m.f(rr, c, f"={COL(w.col(j, f))}{total}", "money", ("lit", team[(j, f)]))
        m.f(rr, 4, f'=IF(B{rr}>0,C{rr}/B{rr},"")', "pct", ("lit", _ratio(team[(j, "revenue")], team[(j, "target")])))
        for c, src, f in ((6, "B", "target"), (7, "C", "revenue"), (8, "E", "payout")):
            cum[f] += team[(j, f)]
            prev = f"{COL(c)}{rr - 1}+" if j else ""
            m.f(rr, c, f"={prev}{src}{rr}", "total_money", ("lit", cum[f]))
    tN = t0 + len(w.all) - 1
    m.charts.append(ChartSpec("line", label(ctx, "chart"), "J4", m.name, (1, t0, tN),
                              [(2, t_hdr, t0, tN), (3, t_hdr, t0, tN), (5, t_hdr, t0, tN)], "¥"))


def _num_cell(m: SheetModel, r: int, c: int):
    """The value a cell of this sheet shows: a number written here or a lit key's value."""
    v, _s, key, _t = m.cells.get(r, {}).get(c, (None, None, None, False))
    if key is not None and key[0] == "lit":
        return key[1]
    return v if _num(v) is not None else None
