"""The region tab (区域): personal targets, rep revenue and KPI scores, the phase table.

Formulas: :mod:`salesplan.workbook_templates.sheets.region`. Personal targets are the
engine's ``largest_remainder`` split of the region target by weights read to 6
decimals; the sheet's helper columns W/q/rem/rank spell the same split in integers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salesplan.engine import risks as risks_mod
from salesplan.engine.actuals.basis import DealBasis
from salesplan.engine.actuals.cells import COMPLETION_KEY, NO, WEIGHT_SCALE, YES, num, present, sum_fen, text, yes
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.kpi import score_curve, weighted_scores
from salesplan.money import excel_round, to_decimal

__all__ = ["Roster", "weight_split", "region_reps", "region_phases"]

_BLANK_REP = ("name", "new_hire", "target", "revenue", "attainment", "kpi_score", "min_coaching", "coaching_short",
              "sessions")


@dataclass(frozen=True)
class Split:
    """The weight split of one region target, as the sheet's helper columns hold it."""

    W: tuple[int, ...]
    S: int
    q: tuple[int, ...]
    rem: tuple[int, ...]
    rank: tuple[int, ...]
    left: int
    target: tuple[int, ...]          # the engine's largest_remainder (0 on blank slots)


@dataclass(frozen=True)
class Roster:
    """What the payouts need from the region tabs: target and KPI score of each named rep (first slot)."""

    targets: dict[tuple[str, str], int]
    kpi: dict[tuple[str, str], float]

    @staticmethod
    def of(parts: list["Roster"]) -> "Roster":
        return Roster({k: v for p in parts for k, v in p.targets.items()},
                      {k: v for p in parts for k, v in p.kpi.items()})


def _weight(row) -> int:
    if not present(row.name):
        return 0
    w = num(row.weight)
    return WEIGHT_SCALE if w is None else max(0, int(excel_round(to_decimal(w) * WEIGHT_SCALE)))


def weight_split(total: int, reps) -> Split:
    W = tuple(_weight(row) for row in reps)
    S = sum(W)
    q = tuple((total * w) // S if S else 0 for w in W)
    rem = tuple(total * w - qi * S for w, qi in zip(W, q))
    # rank = remainders larger + equal ones earlier = the place in the (largest first, earlier first) order
    order = sorted(range(len(rem)), key=lambda i: (-rem[i], i))
    rank_of = [0] * len(rem)
    for place, i in enumerate(order):
        rank_of[i] = place
    rank = tuple(rank_of)
    target = tuple(largest_remainder(total, W)) if S else (0,) * len(W)
    return Split(W, S, q, rem, rank, total - sum(q), target)


def _kpi_target(kw, focus_target: float | None) -> float | None:
    return focus_target if kw.key == "focus" else float(kw.target)


def _kpi(out: dict, named: list[tuple[tuple, object, float]], table, focus_t, score_max: float) -> list[float]:
    """Per-KPI scores and the weighted KPI score of the named reps ``(key, row, attainment)`` —
    the engine's score_curve (one call per KPI for the whole region) and weighted_scores
    (kpi_scores' compensated sum of those curves)."""
    curves = []
    for kw in table:
        col = []
        for k, row, att in named:
            if kw.key == COMPLETION_KEY:
                a = att
                out[k + ("kpi:" + kw.key,)] = att
            else:
                a = num(row.kpi.get(kw.key))
            col.append(a)
        t = _kpi_target(kw, focus_t)
        scores = (score_curve(col, t, kw.scoring, float(kw.cap)) if t is not None and t > 0 and col
                  else [0.0] * len(col))
        for (k, _, _), sc in zip(named, scores):
            out[k + ("score:" + kw.key,)] = sc
        curves.append(scores)
    ts = [_kpi_target(kw, focus_t) for kw in table]
    if not named:
        return []
    if all(t is not None and t > 0 for t in ts):
        return weighted_scores(curves, [kw.weight for kw in table], score_max, len(named))
    # a non-positive focus target: score what can be scored (the sheet does the same)
    return [min(score_max, score_max * sum(float(kw.weight) * (out[k + ("score:" + kw.key,)] or 0) for kw in table))
            for k, _, _ in named]


def _blank_rep(out: dict, k: tuple, table) -> None:
    for f in _BLANK_REP:
        out[k + (f,)] = None
    for kw in table:
        out[k + ("score:" + kw.key,)] = None
        if kw.key == COMPLETION_KEY:
            out[k + ("kpi:" + kw.key,)] = None


def _params(out: dict, name: str, table, focus_target) -> None:
    for kw in table:
        pk = ("param", name, kw.key)
        out[pk + ("target",)] = (num(focus_target) or 0.0) if kw.key == "focus" else float(kw.target)
        out[pk + ("scoring",)] = kw.scoring
        out[pk + ("cap",)] = float(kw.cap)


def region_reps(plan, inputs, region, basis: DealBasis, out: dict) -> Roster:
    """The region tab's rep table and summary cells; returns the named reps' target and KPI score."""
    cfg = plan.config
    name = region.name
    rin = inputs.regions[name]
    rt = next(x for x in plan.regions if x.name == name)
    table = plan.kpi_weights[name]
    split = weight_split(rt.revenue, rin.reps)
    out[("region", name, "S")] = split.S
    out[("region", name, "focus_target_ref")] = num(rin.focus_target) or 0.0
    out[("region", name, "left")] = split.left
    _params(out, name, table, rin.focus_target)
    revenue = basis.revenue_fen()
    focus_t = num(rin.focus_target)
    score_max = float(cfg.weights.score_max)
    roster = Roster({}, {})
    named = []
    for i, row in enumerate(rin.reps):
        k = ("rep", name, i)
        out[k + ("W",)], out[k + ("q",)], out[k + ("rem",)], out[k + ("rank",)] = (
            split.W[i], split.q[i], split.rem[i], split.rank[i])
        if not present(row.name):
            _blank_rep(out, k, table)
            continue
        rep = text(row.name)
        target = split.target[i]
        rev = revenue.get((name, rep), 0) / 100
        att = rev / target if target > 0 else 0.0
        out[k + ("name",)] = rep
        out[k + ("new_hire",)] = YES if yes(row.new_hire) else NO
        out[k + ("target",)], out[k + ("revenue",)], out[k + ("attainment",)] = target, rev, att
        named.append((k, row, att))
    scores = _kpi(out, named, table, focus_t, score_max)
    for (k, row, _), total in zip(named, scores):
        out[k + ("kpi_score",)] = total
        rep = out[k + ("name",)]
        roster.targets.setdefault((name, rep), out[k + ("target",)])   # a duplicated name: the FIRST slot counts
        roster.kpi.setdefault((name, rep), total)
        _coaching(out, k, row, cfg.coaching)
    _summary(out, name, rin.reps, scores)
    return roster


def _coaching(out: dict, k: tuple, row, coaching) -> None:
    sessions = num(row.coaching) or 0.0
    minimum = coaching.new_hire_min if yes(row.new_hire) else coaching.veteran_min
    out[k + ("sessions",)] = sessions
    out[k + ("min_coaching",)] = minimum
    out[k + ("coaching_short",)] = max(0.0, minimum - sessions)


def _summary(out: dict, name: str, reps, scores: list[float]) -> None:
    names = [text(row.name) if present(row.name) else None for row in reps]
    for i, nm in enumerate(names):
        out[("rep", name, i, "dup")] = int(nm is not None and names.count(nm) > 1)
    named = [i for i, nm in enumerate(names) if nm is not None]
    out[("region", name, "dup_names")] = sum(out[("rep", name, i, "dup")] for i in range(len(reps)))
    out[("region", name, "dup_flag")] = out[("region", name, "dup_names")] > 0
    out[("region", name, "rep_target_sum")] = sum(out[("rep", name, i, "target")] for i in named)
    out[("region", name, "rep_count")] = len(named)
    out[("region", name, "deals_revenue")] = sum(round(out[("rep", name, i, "revenue")] * 100) for i in named) / 100
    out[("region", name, "avg_kpi")] = (sum(scores) / len(scores)) if scores else None


# ------------------------------------------------------------------------------ phases (R10)

def streaks(totals_fen: list[int], judged: list[bool], targets_fen: list[int]) -> list[int]:
    """The sheet's streak column: consecutive judged phases below target (an unjudged phase resets it)."""
    out, streak = [], 0
    for t, jd, pt in zip(totals_fen, judged, targets_fen):
        streak = (streak + 1 if t < pt else 0) if jd else 0
        out.append(streak)
    return out


def region_phases(plan, inputs, region, out: dict) -> None:
    """The phase table, its month totals and the R10 flags of one region tab."""
    risks = plan.config.risks
    name = region.name
    rin = inputs.regions[name]
    products = [p.name for p in plan.products]
    targets = [pt.regions[name] for pt in plan.phases]
    judged = [any(num(ph.revenue.get(p)) is not None for p in products) for ph in rin.phases]
    totals_fen = [sum_fen([ph.revenue.get(p) for p in products]) for ph in rin.phases]
    missed = risks_mod.missed_streaks([t if jd else None for t, jd in zip(totals_fen, judged)],
                                      [pt * 100 for pt in targets], risks.missed_weeks)
    streak = streaks(totals_fen, judged, [pt * 100 for pt in targets])
    for j, ph in enumerate(rin.phases):
        k = ("phase", name, j)
        pt, total = targets[j], totals_fen[j] / 100
        out[k + ("total",)] = total
        out[k + ("attainment",)] = total / pt if judged[j] and pt > 0 else None
        out[k + ("status",)] = (("missed" if totals_fen[j] < pt * 100 else "met") if judged[j] else None)
        out[k + ("streak",)] = streak[j]
        out[k + ("missed_flag",)] = missed[j]
        hours, occ = num(ph.response_hours), num(ph.inventory)
        out[k + ("complaint_flag",)] = hours is not None and risks_mod.complaint_violation(hours, risks)
        out[k + ("inventory_flag",)] = occ is not None and risks_mod.inventory_alert(occ, risks)
    _month_totals(plan, name, rin.phases, totals_fen, out)


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _numbers(phases, f: str) -> list[float]:
    return [x for x in (num(getattr(ph, f)) for ph in phases) if x is not None]


def _month_totals(plan, name: str, phases, totals_fen: list[int], out: dict[tuple, Any]) -> None:
    rt = next(x for x in plan.regions if x.name == name)
    for p in plan.products:
        p_fen = sum_fen([ph.revenue.get(p.name) for ph in phases])
        out[("region", name, "product_actual_fen", p.name)] = p_fen
        out[("region", name, "product_actual", p.name)] = p_fen / 100
        out[("region", name, "product_attainment", p.name)] = _ratio(p_fen / 100, rt.products[p.name])
    out[("region", name, "weekly_revenue_fen")] = sum(totals_fen)
    out[("region", name, "weekly_revenue")] = sum(totals_fen) / 100
    out[("region", name, "attainment")] = _ratio(sum(totals_fen) / 100, rt.revenue)
    out[("region", name, "new_customers")] = sum(_numbers(phases, "new_customers"))
    out[("region", name, "new_customers_attainment")] = _ratio(out[("region", name, "new_customers")],
                                                               rt.new_customers)
    out[("region", name, "complaints")] = sum(_numbers(phases, "complaints"))
    hrs, sat, inv = (_numbers(phases, f) for f in ("response_hours", "satisfaction", "inventory"))
    out[("region", name, "max_hours")] = max(hrs) if hrs else None
    out[("region", name, "satisfaction")] = sum(sat) / len(sat) if sat else None
    out[("region", name, "max_inventory")] = max(inv) if inv else None
    out[("region", name, "flags")] = sum(int(bool(out[("phase", name, j, f)])) for j in range(len(phases))
                                         for f in ("missed_flag", "complaint_flag", "inventory_flag"))
