"""R6–R7: KPI weight tables per region and the 0–100 KPI score.

Weights are kept as exact fractions; scores are plain Python floats (a score is not
money), computed without numpy: 5,000 reps × 4 KPIs score in about 10 ms.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from salesplan.engine.params import Kpi, PlanConfig, Region

FOCUS_KEY = "focus"


@dataclass(frozen=True)
class KpiWeight:
    key: str
    name: str
    category: str
    raw_weight: Decimal        # as configured (base, or the focus change)
    weight: Fraction           # final weight after the configured normalisation
    target: Decimal
    scoring: str
    cap: Decimal
    unit: str

    @property
    def weight_float(self) -> float:
        return float(self.weight)


@dataclass(frozen=True)
class WeightWarning:
    code: str
    message: str


def base_kpis(config: PlanConfig) -> tuple[Kpi, ...]:
    """The R6 base KPIs, with strategy B's weights swapped in when it is active."""
    if config.strategy != "B" or not config.strategy_b.kpi_weights:
        return config.kpis
    override = config.strategy_b.kpi_weights
    return tuple(Kpi(k.key, k.name, k.category, override.get(k.key, k.weight), k.target, k.scoring, k.cap, k.unit)
                 for k in config.kpis)


def base_weight_total(config: PlanConfig) -> Decimal:
    return sum((k.weight for k in base_kpis(config)), Decimal(0))


def percent(total) -> str:
    return f"{float(total) * 100:.4g}%"


def weight_total_problem(total, normalize: bool) -> str | None:
    """R6, the one rule for a weight table's total, used by the config check, the plan
    and KPI_SCORE: None when the table can score, else what would be accepted.
    Weights used as written (normalize false) may not exceed 100%: the score would
    reach 100 before every KPI is on target."""
    if total <= 0:
        return "weights with a positive total (give at least one KPI a weight)"
    if not normalize and total > 1:
        return ("weights summing to at most 100% when they are used as written (normalize false); "
                "lower them or set normalize to true")
    return None


def weight_warnings(config: PlanConfig) -> list[WeightWarning]:
    """The loud R6 warning when base weights do not sum to 100%."""
    total = base_weight_total(config)
    if total == 1:
        return []
    problem = weight_total_problem(total, config.weights.normalize)
    if problem:
        rule = f"expected {problem}"
    elif config.weights.normalize:
        rule = "normalised proportionally to 100% (weights.normalize = true)"
    else:
        rule = (f"used as written; the KPI score tops out at {float(total) * 100:.4g} plus the region's focus "
                "KPI weight (weights.normalize = false)")
    return [WeightWarning("kpi_weights_not_100", f"KPI base weights sum to {percent(total)}, not 100%: {rule}.")]


def region_weights(config: PlanConfig, region: Region) -> list[KpiWeight]:
    """R7: base weights plus the region's focus KPI, then the R6 normalisation rule."""
    rows = [(k.key, k.name, k.category, k.weight, k.target, k.scoring, k.cap, k.unit) for k in base_kpis(config)]
    if region.focus_weight:
        rows.append((FOCUS_KEY, region.focus_kpi, "区域重点", region.focus_weight, region.focus_target,
                     region.focus_scoring, Decimal("1.2"), "rate" if region.focus_target <= 1 else "count"))
    total = sum((Fraction(r[3]) for r in rows), Fraction(0))
    scale = (1 / total) if (config.weights.normalize and total) else Fraction(1)
    return [KpiWeight(key, name, cat, raw, Fraction(raw) * scale, target, scoring, cap, unit)
            for key, name, cat, raw, target, scoring, cap, unit in rows]


def all_region_weights(config: PlanConfig) -> dict[str, list[KpiWeight]]:
    return {r.name: region_weights(config, r) for r in config.regions}


# ----------------------------------------------------------------------------- scoring

def _actuals(values: Iterable) -> list[float | None]:
    """Blanks (None or NaN) become None; a negative actual (or -0.0) counts as 0.0."""
    return [None if x is None or (f := float(x)) != f else (f if f > 0.0 else 0.0) for x in values]


def _minimum(x: float, y: float) -> float:
    """IEEE minimum that, like numpy's, is NaN when either side is NaN."""
    return x if (x <= y or x != x) else y


def _over_zero(x: float, t: float) -> float:
    """``x / t`` for a zero target, the IEEE way (±inf, or NaN for 0/0) rather than ZeroDivisionError.
    The plan, KPI_SCORE and the actuals engine only score targets > 0; a direct call keeps IEEE answers."""
    if x == 0.0 or x != x:
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, t)


def score_curve(actual: Iterable, target, scoring: str, cap) -> list[float]:
    """Per-KPI score (1.0 = on target) for a sequence of actuals; a blank (None or NaN) scores 0.

    linear:          min(actual / target, cap)
    threshold:       1 when actual ≥ target, else actual / target (never above 1)
    lower_is_better: min(target / actual, cap); an actual of 0 earns the cap
    Negative actuals count as 0.
    """
    a = _actuals(actual)
    t = float(target)
    c = float(cap)
    # min(q, c) is spelt `q if q <= c or q != q else c`: NaN-propagating as numpy's was, inline for speed
    if scoring == "linear":
        if t == 0.0:
            return [0.0 if x is None else _minimum(_over_zero(x, t), c) for x in a]
        return [0.0 if x is None else (q if (q := x / t) <= c or q != q else c) for x in a]
    if scoring == "threshold":  # x ≥ 0, so a zero target never divides
        return [0.0 if x is None else (1.0 if x >= t else x / t) for x in a]
    if scoring == "lower_is_better":
        return [0.0 if x is None else ((q if (q := t / x) <= c or q != q else c) if x > 0.0 else c) for x in a]
    raise ValueError(f"unknown scoring {scoring!r}; expected linear, threshold or lower_is_better")


def kpi_scores(actuals: Iterable[Sequence], targets: Sequence, weights: Sequence, scorings: Sequence[str],
               caps: Sequence, score_max: float = 100.0) -> list[float]:
    """0..score_max KPI score for each row of ``actuals`` (rows = reps, columns = KPIs;
    None or NaN = blank).

    score = min(score_max, score_max · Σ weightᵢ · scoreᵢ); weights are used as given
    (normalise before calling when the plan says so).

    The Σ is a compensated (Neumaier) sum, as the workbook's SUMPRODUCT is in
    LibreOffice: normalised weights such as 1/3, 1/4, 1/4, 1/6 are not exact
    doubles, and a plain running sum of them is 0.9999999999999999, so every KPI
    on target would score 99.99999999999999 and ``=score=100`` would be FALSE.
    """
    rows = [list(r) for r in actuals]
    for r in rows:
        if len(r) != len(weights):
            raise ValueError(f"{len(r)} actual column(s) but {len(weights)} weight(s)")
    curves = [score_curve([r[j] for r in rows], t, s, c)
              for j, (t, s, c) in enumerate(zip(targets, scorings, caps))]
    return weighted_scores(curves, weights[:len(curves)], score_max, len(rows))


def weighted_scores(curves: Sequence[Sequence[float]], weights: Sequence, score_max: float = 100.0,
                    rows: int | None = None) -> list[float]:
    """min(score_max, score_max · Σ weightⱼ · curvesⱼ[i]) for each row i, from per-KPI score
    columns (``score_curve``'s); the Σ is kpi_scores' compensated sum. ``rows`` is only
    needed when there are no columns."""
    m = float(score_max)
    if not curves:
        return [_minimum(m, m * 0.0)] * (rows or 0)
    wf = [float(w) for w in weights]
    if len(wf) != len(curves):
        raise ValueError(f"{len(curves)} score column(s) but {len(wf)} weight(s)")
    out = []
    for scores in zip(*curves):
        total = lost = 0.0  # lost: the low-order bits each addition rounded away
        for w, sc in zip(wf, scores):
            term = w * sc
            new = total + term
            lost += ((total - new) + term) if abs(total) >= abs(term) else ((term - new) + total)
            total = new
        out.append(_minimum(m, m * (total + lost)))
    return out


def kpi_score(actuals: dict[str, float | None], table: list[KpiWeight], score_max: float = 100.0) -> float:
    """One score from {kpi key: actual} using a region's weight table (missing = blank)."""
    row = [actuals.get(k.key) for k in table]
    return kpi_scores([row], [k.target for k in table], [k.weight for k in table],
                      [k.scoring for k in table], [k.cap for k in table], score_max)[0]
