"""R6–R7: KPI weight tables per region and the 0–100 KPI score.

Weights are kept as exact fractions; scores are plain floats (a score is not money).
Scoring curves are vectorised with numpy so a 10,000-rep block scores in one pass.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

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

def score_curve(actual, target, scoring: str, cap) -> np.ndarray:
    """Per-KPI score (1.0 = on target) for arrays of actuals; NaN actual (blank) scores 0.

    linear:          min(actual / target, cap)
    threshold:       1 when actual ≥ target, else actual / target (never above 1)
    lower_is_better: min(target / actual, cap); an actual of 0 earns the cap
    Negative actuals count as 0.
    """
    a = np.asarray(actual, dtype=float)
    t = float(target)
    c = float(cap)
    blank = np.isnan(a)
    a = np.where(blank, 0.0, np.maximum(a, 0.0))
    if scoring == "linear":
        s = np.minimum(a / t, c)
    elif scoring == "threshold":
        s = np.where(a >= t, 1.0, a / t)
    elif scoring == "lower_is_better":
        with np.errstate(divide="ignore", over="ignore"):
            s = np.where(a > 0, np.minimum(t / np.where(a > 0, a, 1.0), c), c)
    else:
        raise ValueError(f"unknown scoring {scoring!r}; expected linear, threshold or lower_is_better")
    return np.where(blank, 0.0, s)


def kpi_scores(actuals: np.ndarray, targets: Sequence, weights: Sequence, scorings: Sequence[str],
               caps: Sequence, score_max: float = 100.0) -> np.ndarray:
    """0..score_max KPI score for each row of ``actuals`` (rows = reps, columns = KPIs).

    score = min(score_max, score_max · Σ weightᵢ · scoreᵢ); weights are used as given
    (normalise before calling when the plan says so).

    The Σ is a compensated (Neumaier) sum, as the workbook's SUMPRODUCT is in
    LibreOffice: normalised weights such as 1/3, 1/4, 1/4, 1/6 are not exact
    doubles, and a plain running sum of them is 0.9999999999999999, so every KPI
    on target would score 99.99999999999999 and ``=score=100`` would be FALSE.
    """
    a = np.atleast_2d(np.asarray(actuals, dtype=float))
    if a.shape[1] != len(weights):
        raise ValueError(f"{a.shape[1]} actual column(s) but {len(weights)} weight(s)")
    total = np.zeros(a.shape[0])
    lost = np.zeros(a.shape[0])  # the low-order bits each addition rounded away
    for j, (t, w, s, c) in enumerate(zip(targets, weights, scorings, caps)):
        term = float(w) * score_curve(a[:, j], t, s, c)
        new = total + term
        lost += np.where(np.abs(total) >= np.abs(term), (total - new) + term, (term - new) + total)
        total = new
    return np.minimum(float(score_max), float(score_max) * (total + lost))


def kpi_score(actuals: dict[str, float | None], table: list[KpiWeight], score_max: float = 100.0) -> float:
    """One score from {kpi key: actual} using a region's weight table (missing = blank)."""
    row = [[np.nan if actuals.get(k.key) is None else float(actuals[k.key]) for k in table]]
    return float(kpi_scores(np.array(row), [k.target for k in table], [k.weight for k in table],
                            [k.scoring for k in table], [k.cap for k in table], score_max)[0])
