"""The engine's KPI scoring (plain Python floats) gives bit-for-bit what its former numpy
version gave: that version is kept here, verbatim, as the oracle, and both score a
deterministic random table of thousands of rows (all three scorings, caps 1.0–1.5,
normalised weights such as 1/3 1/4 1/6, blanks as None or NaN, 0, -0.0, negatives, huge
and tiny actuals and targets)."""
from __future__ import annotations

import math
import random
import warnings
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pytest

from salesplan.engine.kpi import kpi_scores, score_curve, weighted_scores

SCORINGS = ("linear", "threshold", "lower_is_better")


# ------------------------------------------------------------------ the oracle (numpy, as it was)

def oracle_score_curve(actual, target, scoring: str, cap) -> np.ndarray:
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


def oracle_kpi_scores(actuals: np.ndarray, targets: Sequence, weights: Sequence, scorings: Sequence[str],
                      caps: Sequence, score_max: float = 100.0) -> np.ndarray:
    a = np.atleast_2d(np.asarray(actuals, dtype=float))
    if a.shape[1] != len(weights):
        raise ValueError(f"{a.shape[1]} actual column(s) but {len(weights)} weight(s)")
    total = np.zeros(a.shape[0])
    lost = np.zeros(a.shape[0])
    for j, (t, w, s, c) in enumerate(zip(targets, weights, scorings, caps)):
        term = float(w) * oracle_score_curve(a[:, j], t, s, c)
        new = total + term
        lost += np.where(np.abs(total) >= np.abs(term), (total - new) + term, (term - new) + total)
        total = new
    return np.minimum(float(score_max), float(score_max) * (total + lost))


# ------------------------------------------------------------------ the random table

def same(x: float, y: float) -> bool:
    """Bit-for-bit equal, the sign of zero included; any NaN equals any NaN."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def _target(rng: random.Random) -> float:
    return rng.choice([
        lambda: rng.choice([1.0, 0.3, 0.85, 20.0, 100.0, 3000.0]),
        lambda: round(rng.uniform(0.01, 2000), rng.randrange(0, 4)),
        lambda: rng.uniform(1e-9, 1e-6),
        lambda: rng.uniform(1e6, 1e12),
        lambda: 10.0 ** rng.randrange(-300, 301),
    ])()


def _actual(rng: random.Random, target: float):
    return rng.choice([
        lambda: None, lambda: math.nan, lambda: 0.0, lambda: -0.0, lambda: target,
        lambda: -rng.uniform(0, 1e6), lambda: -math.inf, lambda: math.inf,
        lambda: target * rng.uniform(0, 2), lambda: target * rng.randrange(0, 21) / 10,
        lambda: rng.uniform(0, 5000), lambda: float(rng.randrange(0, 200)),
        lambda: 10.0 ** rng.randrange(-320, 309), lambda: 5e-324, lambda: 1.7976931348623157e308,
        lambda: rng.uniform(1e-12, 1e-6),
    ])()


def _weights(rng: random.Random, n: int) -> list[float]:
    kind = rng.randrange(4)
    if kind == 0:    # raw percentages normalised exactly (R6), as the region tables are
        raw = [Fraction(rng.choice([5, 10, 15, 20, 25, 30, 40, 3, 7]), 100) for _ in range(n)]
    elif kind == 1:  # 1/3 1/4 1/6 …
        raw = [Fraction(1, rng.choice([2, 3, 4, 6, 7, 12])) for _ in range(n)]
    elif kind == 2:  # used as written
        return [rng.choice([0.15, 0.2, 0.25, 0.1, 0.3, 0.0]) for _ in range(n)]
    else:
        raw = [Fraction(rng.randrange(0, 1000), 997) for _ in range(n)]
    total = sum(raw, Fraction(0)) or Fraction(1)
    return [float(w / total) for w in raw]


def random_tables(seed: int = 20261207, tables: int = 60, rows: int = 80):
    rng = random.Random(seed)
    for _ in range(tables):
        n = rng.randrange(1, 7)
        targets = [_target(rng) for _ in range(n)]
        weights = _weights(rng, n)
        scorings = [rng.choice(SCORINGS) for _ in range(n)]
        caps = [rng.choice([1.0, 1.1, 1.2, 1.25, 1.5, rng.uniform(1.0, 1.5)]) for _ in range(n)]
        actuals = [[_actual(rng, targets[j]) for j in range(n)] for _ in range(rows)]
        yield actuals, targets, weights, scorings, caps, rng.choice([100.0, 100.0, 120.0, 1.0])


def as_array(actuals) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in actuals], dtype=float)


def test_the_random_table_is_thousands_of_rows_of_every_kind():
    rows = [(a, s) for actuals, _, _, scorings, _, _ in random_tables() for a in actuals for s in [scorings]]
    assert len(rows) >= 4000
    values = [v for a, _ in rows for v in a]
    assert None in values and any(v is not None and math.isnan(v) for v in values)
    assert any(v is not None and v < 0 for v in values) and 0.0 in values
    assert {s for _, sc in rows for s in sc} == set(SCORINGS)


def test_kpi_scores_are_bit_for_bit_the_numpy_oracles():
    checked = 0
    for actuals, targets, weights, scorings, caps, score_max in random_tables():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the oracle's inf/NaN on overflow
            want = oracle_kpi_scores(as_array(actuals), targets, weights, scorings, caps, score_max).tolist()
        got = list(kpi_scores(actuals, targets, weights, scorings, caps, score_max))
        assert all(type(g) is float for g in got)
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if not same(g, w)]
        assert len(got) == len(want) and not bad, (targets, weights, scorings, caps, bad[:3])
        checked += len(got)
    assert checked >= 4000


def test_weighted_scores_of_ready_curves_are_kpi_scores():
    """The actuals engine's region tab sums the curves it has already scored (weighted_scores)."""
    for actuals, targets, weights, scorings, caps, score_max in random_tables(seed=3, tables=20):
        curves = [score_curve([row[j] for row in actuals], t, s, c)
                  for j, (t, s, c) in enumerate(zip(targets, scorings, caps))]
        got = weighted_scores(curves, weights, score_max)
        want = kpi_scores(actuals, targets, weights, scorings, caps, score_max)
        assert len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    assert weighted_scores([], [], 100.0, rows=3) == kpi_scores([[], [], []], [], [], [], []) == [0.0] * 3


def test_score_curves_are_bit_for_bit_the_numpy_oracles():
    for actuals, targets, _, scorings, caps, _ in random_tables(seed=7, tables=30):
        for j, (t, s, c) in enumerate(zip(targets, scorings, caps)):
            col = [row[j] for row in actuals]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                want = oracle_score_curve(np.array([np.nan if v is None else v for v in col]), t, s, c).tolist()
            got = list(score_curve(col, t, s, c))
            assert all(same(g, w) for g, w in zip(got, want)) and len(got) == len(want), (t, s, c)


@pytest.mark.parametrize("target", [0.0, -0.0, -2.0, math.inf, math.nan])
@pytest.mark.parametrize("scoring", SCORINGS)
def test_targets_no_caller_passes_still_score_as_numpy_did(target, scoring):
    """The plan, KPI_SCORE and the actuals engine only score targets > 0; a direct call
    with 0 (or worse) still gets numpy's IEEE answer, never a ZeroDivisionError."""
    col = [None, math.nan, 0.0, -0.0, -3.0, 0.5, 2.0, math.inf, 5e-324]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = oracle_score_curve(np.array([np.nan if v is None else v for v in col]), target, scoring, 1.2).tolist()
        want_total = oracle_kpi_scores(np.array([[np.nan if v is None else v, 1.0] for v in col]), [target, 1.0],
                                       [0.5, 0.5], [scoring, "linear"], [1.2, 1.2]).tolist()
    got = list(score_curve(col, target, scoring, 1.2))
    assert all(same(g, w) for g, w in zip(got, want)), (got, want)
    got_total = kpi_scores([[v, 1.0] for v in col], [target, 1.0], [0.5, 0.5], [scoring, "linear"], [1.2, 1.2])
    assert all(same(g, w) for g, w in zip(got_total, want_total)), (got_total, want_total)


def test_unknown_scoring_and_a_wrong_column_count_are_refused():
    with pytest.raises(ValueError, match="unknown scoring 'linaer'"):
        score_curve([1.0], 1.0, "linaer", 1.2)
    with pytest.raises(ValueError, match="3 actual column"):
        kpi_scores([[1.0, 2.0, 3.0]], [1, 1], [0.5, 0.5], ["linear"] * 2, [1.2] * 2)
