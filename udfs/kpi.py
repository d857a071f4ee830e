"""KPI_SCORE and KPI_WEIGHTS (R6–R7): the bodies behind ``salesplan.udfs.functions``.

Scores come from ``salesplan.engine.kpi.kpi_scores``, weight tables from
``region_weights``; arguments pass through ``salesplan.udfs.convert``.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from salesplan.engine.params import Kpi, PlanConfig, SCORING_TYPES
from salesplan.engine.kpi import kpi_scores, percent, region_weights, weight_total_problem
from salesplan.workbook_templates.labels import choice_code
from salesplan.udfs.convert import (
    BLANK, NA, NUMBER, Grid, UdfError, bad_message, boolean, column, error_text, exact_decimal, grid,
    is_error_text, is_missing, numbers, require, text, value_error, vector,
)
from salesplan.udfs.plans import plan_config

DEFAULT_CAP = float(Kpi.cap)  # the model's default KPI cap, 1.2


def kpi_score(actuals, targets, weights, scoring=None, cap=None, normalize=None):
    """KPI_SCORE: one score per row of actuals (a column of scores, or one value)."""
    cfg = plan_config()
    t = vector(targets, "targets")
    w = vector(weights, "weights")
    n = t.size
    if w.size != n:
        raise value_error(f"weights has {w.size} values but targets has {n}: give one weight per KPI")
    target_values = numbers(t, what="a target > 0")
    require(target_values > 0, t, "a target must be > 0")
    final_weights = _kpi_weights(w, boolean(normalize, "normalize", cfg.weights.normalize))
    scorings = _per_kpi(scoring, "scoring", n, _scoring_name, "linear")
    caps = _per_kpi(cap, "cap", n, _cap_value, DEFAULT_CAP)

    a = grid(actuals, "actuals")
    if a.cols != n:
        if a.cols == 1 and a.rows == n:
            a = a.transpose()  # one rep typed down a column
        else:
            raise value_error(f"actuals has {a.cols} column(s) but there are {n} KPI targets: "
                              f"one column per KPI, one row per rep")
    kinds = a.kinds.reshape(a.rows, n)
    values = a.values.reshape(a.rows, n)
    # blanks are NaN, which the engine scores 0; rows with text etc. are replaced below
    out: list = kpi_scores(values.tolist(), target_values.tolist(), final_weights, scorings, caps,
                           cfg.weights.score_max)
    for r in np.flatnonzero((kinds == BLANK).all(axis=1)):
        out[r] = ""
    bad = (kinds != NUMBER) & (kinds != BLANK)
    for r in np.flatnonzero(bad.any(axis=1)):
        c = int(np.flatnonzero(bad[r])[0])
        err = bad_message(a, r * n + c, "a number")
        out[r] = error_text(err.code, err.message)
    return column(out)


def _kpi_weights(w: Grid, normalize: bool) -> list[float]:
    """R6: the weights as given, or scaled to 100% exactly (as the engine's region tables)."""
    values = numbers(w, what="a weight ≥ 0")
    require(values >= 0, w, "a weight must be ≥ 0")
    exact = [Fraction(exact_decimal(x)) for x in values]
    total = sum(exact, Fraction(0))
    problem = weight_total_problem(total, normalize)  # the plan's rule (config check, plan)
    if problem:
        raise value_error(f"weights sum to {percent(total)}; expected {problem}")
    if normalize:
        return [float(x / total) for x in exact]
    return [float(x) for x in exact]


def _scoring_name(v, where: str) -> str:
    if not isinstance(v, str) or is_error_text(v):
        raise value_error(f"{where} is not a scoring name; expected linear, threshold or lower_is_better")
    # the plan workbook's 设置 shows the method as a word of its language (线性 / 达标制 / 越低越好)
    name = choice_code("scoring", v.strip()).lower().replace("-", "_").replace(" ", "_")
    if name not in SCORING_TYPES:
        raise value_error(f"{where} is '{v}'; expected linear (线性), threshold (达标制) or lower_is_better (越低越好)")
    return name


def _cap_value(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise value_error(f"{where} is not a number; expected a cap ≥ 1 such as 1.2")
    if not v >= 1:
        raise value_error(f"{where} is {v:.15g}; a cap must be ≥ 1 (1.2 = 120%)")
    return float(v)


def _per_kpi(value, name: str, n: int, parse, default) -> list:
    """An optional per-KPI setting: omitted, one value for all, or one per KPI (empty = default)."""
    if is_missing(value):
        return [default] * n
    g = vector(value, name)
    if g.size not in (1, n):
        raise value_error(f"{name} has {g.size} values; give one for all KPIs or one per KPI ({n})")
    out = []
    for i in range(g.size):
        v = g.flat[i]
        if g.kinds[i] == BLANK:
            out.append(default)
        elif is_error_text(v):
            raise UdfError(v.split(" ")[0], f"{g.where(i)} is {v.split(' ')[0]}")
        else:
            out.append(parse(v, g.where(i)))
    return out * n if g.size == 1 else out


def kpi_weights(region, detail=None, config=None):
    """KPI_WEIGHTS: rows of KPI name and final weight (+ target, scoring, cap)."""
    cfg = plan_config(config)
    reg = _region(cfg, text(region, "region"))
    rows = []
    for w in region_weights(cfg, reg):
        row = [w.name, w.weight_float]
        if boolean(detail, "detail", False):
            row += [float(w.target), w.scoring, float(w.cap)]
        rows.append(row)
    return rows


def _region(cfg: PlanConfig, name: str):
    for r in cfg.regions:
        if r.name == name:
            return r
    loose = [r for r in cfg.regions if r.name.casefold().startswith(name.casefold()) or r.manager == name]
    if len(loose) == 1:
        return loose[0]
    raise UdfError(NA, f"region '{name}' is not in the plan; known: " + ", ".join(r.name for r in cfg.regions))
