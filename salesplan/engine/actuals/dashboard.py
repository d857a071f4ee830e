"""仪表盘 (dashboard) and 辅导 (coaching) team figures.

Formulas: :mod:`salesplan.workbook_templates.sheets.dashboard` and
:mod:`salesplan.workbook_templates.sheets.coaching`.
"""
from __future__ import annotations

from salesplan.engine.actuals.cells import NO, num, present, text, yes
from salesplan.engine.coaching import coaching_report

__all__ = ["dashboard_values", "coaching_values"]


def dashboard_values(plan, slots, champion, out: dict) -> None:
    regions = plan.config.regions
    avgs = {r.name: out[("region", r.name, "avg_kpi")] for r in regions}
    for r in regions:   # RANK: 1 + the regions with a higher average
        a = avgs[r.name]
        out[("region", r.name, "kpi_rank")] = None if a is None else 1 + sum(
            1 for b in avgs.values() if b is not None and b > a)
    _team_values(plan, out)
    for p in plan.products:
        act = sum(out[("region", r.name, "product_actual_fen", p.name)] for r in regions) / 100
        out[("product", p.name, "actual")] = act
        out[("product", p.name, "attainment")] = act / p.revenue if p.revenue > 0 else None
    cum_fen = 0
    for j, _ in enumerate(plan.phases):
        cum_fen += sum(round(out[("phase", r.name, j, "total")] * 100) for r in regions)
        out[("burnup", j)] = cum_fen / 100
    out[("team", "champion")] = None if champion is None else f"{champion.region} {champion.rep}"
    named = [(r, i) for r, i, row in slots if present(row.name)]
    out[("team", "payout")] = sum(out[("inc", r, i, "payout_fen")] for r, i in named) / 100
    out[("team", "commission")] = sum(round(out[("inc", r, i, "commission")] * 100) for r, i in named) / 100


def coaching_values(plan, slots, out: dict) -> None:
    """Team coaching: sessions typed, the R-minimum (the engine's coaching_report), reps short."""
    named = [(r, i, row) for r, i, row in slots if present(row.name)]
    report = coaching_report([(r, text(row.name), yes(row.new_hire), int(num(row.coaching) or 0))
                              for r, i, row in named], plan.config.coaching)
    out[("team", "coaching_total")] = float(sum(num(row.coaching) or 0 for _, _, row in named))
    out[("team", "coaching_minimum")] = report.team_minimum
    out[("team", "coaching_short")] = max(0.0, report.team_minimum - out[("team", "coaching_total")])
    out[("team", "reps_short")] = sum(1 for r, i, _ in named if out[("rep", r, i, "coaching_short")] > 0)


def unassigned_fen(out: dict) -> int:
    """Σ fen of the valid deals whose (region, rep) is on no region tab (成交明细's 在名单 = 否)."""
    total, i = 0, 0
    while ("deal", i, "known") in out:
        if out[("deal", i, "known")] == NO:
            total += out[("deal", i, "fen")]
        i += 1
    return total


def _team_values(plan, out: dict) -> None:
    """Both actuals per region and for the team; unassigned deals count in the team total only."""
    ratio = lambda a, b: a / b if b > 0 else None  # noqa: E731
    for t in plan.regions:
        out[("region", t.name, "deals_attainment")] = ratio(out[("region", t.name, "deals_revenue")], t.revenue)
    target = sum(t.revenue for t in plan.regions)
    unassigned = unassigned_fen(out)
    deals = sum(round(out[("region", t.name, "deals_revenue")] * 100) for t in plan.regions) + unassigned
    weekly = sum(round(out[("region", t.name, "weekly_revenue")] * 100) for t in plan.regions)
    out[("dash", "unassigned")] = unassigned / 100
    out[("dash", "deals_total")] = deals / 100
    out[("dash", "weekly_total")] = weekly / 100
    out[("dash", "deals_attainment")] = ratio(deals / 100, target)
    out[("dash", "weekly_attainment")] = ratio(weekly / 100, target)
