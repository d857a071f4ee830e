"""The Excel worksheet functions called as plain Python functions.

* every case of tests/cases/udfs.toml (a table sales-ops can extend);
* the same numbers as the engine (property tests against salesplan.engine);
* robustness: no input, however odd, raises or puts a traceback in a cell.
"""
from __future__ import annotations

import math
import os
import tomllib
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan.config import default_config_text, load_default
from salesplan.engine import calendar as cal
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.awards import first_deal_awards
from salesplan.engine.commission import commission_for_amounts
from salesplan.engine.deal import Deal
from salesplan.engine.kpi import kpi_score, kpi_scores, region_weights
from salesplan.engine.month import Month
from salesplan.engine.plan import compute_plan
from salesplan.engine.risks import discount_ok
from salesplan.udfs import functions as F
from salesplan.udfs.convert import ERROR_CODES, MAX_MESSAGE, is_error_text

CASES = tomllib.loads((Path(__file__).parent / "cases" / "udfs.toml").read_text("utf-8"))["case"]
EMPTY, MISSING = "<empty>", "<missing>"
CONFIG = load_default()


def decode(value):
    """Case notation -> what xlwings hands a UDF (None for empty cells / missing arguments)."""
    if value in (EMPTY, MISSING):
        return None
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def matches(actual, expected, tol: float) -> bool:
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(matches(a, e, tol) for a, e in zip(actual, expected)))
    if isinstance(expected, str) and expected.startswith("#"):
        return isinstance(actual, str) and actual.startswith(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return actual == expected if not tol else math.isclose(actual, expected, rel_tol=tol, abs_tol=tol)
    return actual == expected


def run_case(case, call):
    fn = getattr(F, case["function"])
    result = call(fn, *[decode(a) for a in case["args"]])
    if "error" in case:
        assert isinstance(result, str) and result.startswith(case["error"] + " "), result
        assert case.get("message", "") in result, result
    else:
        expected = decode(case["expected"])
        assert matches(result, expected, case.get("tolerance", 0.0)), f"got {result!r}, expected {expected!r}"
    return result


@pytest.mark.parametrize("case", CASES, ids=[f"{c['function']}: {c['name']}" for c in CASES])
def test_case(case):
    run_case(case, lambda fn, *args: fn(*args))


def test_every_function_has_cases():
    covered = {c["function"] for c in CASES}
    assert set(F.__all__) <= covered, set(F.__all__) - covered


def test_cases_include_bad_inputs_for_every_function():
    bad = {c["function"] for c in CASES if "error" in c or "#" in repr(c.get("expected", ""))}
    assert set(F.__all__) <= bad, set(F.__all__) - bad


# ----------------------------------------------------------------------------- plain Python

def test_decorators_leave_plain_python_functions():
    """Off Windows xw.func/arg/ret are no-ops: the UDFs are ordinary functions."""
    for name in F.__all__:
        fn = getattr(F, name)
        assert callable(fn) and fn.__name__ == name
        assert not hasattr(fn, "__xlfunc__")
        assert fn.__wrapped__.__doc__ == fn.__doc__
    assert F.TARGET_SPLIT(10, [[1, 1, 1]]) == [[4, 3, 3]]


def walk(value):
    if isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def assert_com_safe(result):
    """Only values COM marshals to Excel without surprises."""
    for v in walk(result):
        assert type(v) in (int, float, str, bool, date), (type(v), v)
        if type(v) is int:
            assert -2**31 <= v < 2**31
        if type(v) is float:
            assert math.isfinite(v)
        if type(v) is str and v.startswith("#"):
            assert len(v) <= MAX_MESSAGE and "\n" not in v and "Traceback" not in v


@pytest.mark.parametrize("case", CASES, ids=[f"{c['function']}: {c['name']}" for c in CASES])
def test_results_are_com_safe(case):
    assert_com_safe(getattr(F, case["function"])(*[decode(a) for a in case["args"]]))


def test_big_totals_stay_exact_and_com_safe():
    parts = F.TARGET_SPLIT(9_000_000_001, [[1, 1]])
    assert parts == [[4_500_000_001.0, 4_500_000_000]]
    assert_com_safe(parts)


# ----------------------------------------------------------------------------- same numbers as the engine

weights_st = st.lists(st.integers(0, 10_000).map(lambda n: n / 100), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.integers(-10**9, 10**9), weights_st)
def test_target_split_is_the_engines_largest_remainder(total, weights):
    if not any(weights):
        assert F.TARGET_SPLIT(total, [weights]).startswith("#VALUE!")
        return
    got = F.TARGET_SPLIT(total, [weights])
    expected = largest_remainder(total, [Decimal(repr(w)) for w in weights])
    row = got[0] if isinstance(got, list) else [got]
    assert row == expected and sum(row) == total


scoring_st = st.sampled_from(["linear", "threshold", "lower_is_better"])
actual_st = st.one_of(st.none(), st.floats(-10, 5000, allow_nan=False), st.integers(0, 100))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.lists(actual_st, min_size=n, max_size=n), min_size=2, max_size=12),
    st.lists(st.floats(0.01, 2000), min_size=n, max_size=n),
    st.lists(st.integers(0, 100).map(lambda x: x / 100), min_size=n, max_size=n).filter(any),
    st.lists(scoring_st, min_size=n, max_size=n),
    st.lists(st.sampled_from([1.0, 1.2, 1.5]), min_size=n, max_size=n),
)))
def test_kpi_score_is_the_engines_kpi_scores(data):
    actuals, targets, weights, scorings, caps = data
    got = F.KPI_SCORE(actuals, [targets], [weights], [scorings], [caps])
    exact = [Fraction(Decimal(repr(w))) for w in weights]
    normalised = [float(w / sum(exact)) for w in exact]  # R6 normalisation, exactly as the engine's tables
    expected = kpi_scores(actuals, targets, normalised, scorings, caps, CONFIG.weights.score_max)
    for row, g, e in zip(actuals, got, expected):
        assert g == ([""] if all(v is None for v in row) else [e])  # exactly equal, not approx


def test_kpi_score_with_the_regions_weight_tables_equals_the_engine():
    """KPI_WEIGHTS(region, TRUE) fed to KPI_SCORE gives the engine's kpi_score for the region."""
    rng = np.random.default_rng(7)
    for region in CONFIG.regions:
        table = F.KPI_WEIGHTS(region.name, True)
        names, weights, targets, scorings, caps = zip(*table)
        engine_table = region_weights(CONFIG, region)
        for _ in range(50):
            row = [float(x) for x in rng.uniform(0, 1.5, len(table)) * np.array(targets)]
            got = F.KPI_SCORE([row], [list(targets)], [list(weights)], [list(scorings)], [list(caps)])
            expected = kpi_score({k.key: v for k, v in zip(engine_table, row)}, engine_table,
                                 CONFIG.weights.score_max)
            assert got == pytest.approx(expected, rel=1e-12)
            # raw weights (15%, 20%, …, the focus KPI's +pts) normalise to the engine's exact floats
            raw = [float(k.raw_weight) for k in engine_table]
            assert F.KPI_SCORE([row], [list(targets)], [raw], [list(scorings)], [list(caps)]) == expected


def test_kpi_weights_equal_the_engines_region_tables():
    for region in CONFIG.regions:
        table = F.KPI_WEIGHTS(region.name)
        assert table == [[k.name, k.weight_float] for k in region_weights(CONFIG, region)]
        assert math.isclose(sum(w for _, w in table), 1.0)


amount_st = st.one_of(st.none(), st.integers(0, 5_000_000_00).map(lambda fen: fen / 100))


@settings(max_examples=120, deadline=None)
@given(st.lists(amount_st, min_size=1, max_size=30), st.integers(1, 5_000_000))
def test_commission_is_the_engines_per_deal_commission(amounts, target):
    got = F.COMMISSION([[a] for a in amounts], target)
    fen = [round(a * 100) for a in amounts if a is not None]
    expected_fen = iter(commission_for_amounts(fen, target, CONFIG.commission.tiers) if fen else [])
    got_col = [got] if not isinstance(got, list) else [r[0] for r in got]
    for a, g in zip(amounts, got_col):
        if a is None:
            assert g == ""
        else:
            assert g == next(expected_fen) / 100
    # the trace adds up to the per-deal commission, to the fen
    trace = F.COMMISSION_TRACE([[a] for a in amounts], target)
    traced = sum(round(r[9] * 100) for r in trace[1:])
    assert traced == sum(round(g * 100) for g in got_col if g != "")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**12), st.integers(-5, 10**12), st.booleans()), min_size=1, max_size=20))
def test_discount_ok_is_the_engines_discount_ok(rows):
    quotes = [[q / 100] for q, _, _ in rows]
    lists = [[lp / 100] for _, lp, _ in rows]
    firsts = [[f] for _, _, f in rows]
    got = F.DISCOUNT_OK(quotes, lists, firsts)
    got = [got] if not isinstance(got, list) else [r[0] for r in got]
    assert got == [discount_ok(q, lp, f, CONFIG.risks) for q, lp, f in rows]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * 10**9), st.booleans()), min_size=1, max_size=20))
def test_awards_are_the_engines_first_deal_awards(rows):
    got = F.AWARDS([[fen / 100] for fen, _ in rows], [[new] for _, new in rows])
    got = [got] if not isinstance(got, list) else [r[0] for r in got]
    for i, ((fen, new), g) in enumerate(zip(rows, got)):
        deals = [Deal(1, "", "", fen, "c", new)]
        assert g * 100 == sum(a.amount_fen for a in first_deal_awards(deals, CONFIG.awards))


@pytest.mark.parametrize("month", ["2026-01", "2026-02", "2026-10", "2026-12", "2027-01", "2027-02", "2030-05"])
def test_phase_targets_and_workdays_equal_the_plan(month):
    plan = compute_plan(load_default(month))
    assert F.WORKDAYS(month) == plan.working_days
    got = F.PHASE_TARGET(month, [[p.phase.number for p in plan.phases]])
    assert got == [[p.revenue for p in plan.phases]]
    for p in plan.phases:
        for d in (p.phase.start, p.phase.end):
            assert F.PHASE_OF(d) == [[p.phase.number, p.phase.name_zh]]


def test_spring_festival_and_sensitive_period_equal_the_calendar():
    for year in range(1990, 2060):
        sf = cal.spring_festival(year)
        assert F.SPRING_FESTIVAL(year) == sf
        start, end = cal.sensitive_window(year, CONFIG.risks.sensitive_months_before)
        assert F.SENSITIVE_WINDOW(year) == [[start, end]]
        assert F.SENSITIVE_PERIOD(start) is True and F.SENSITIVE_PERIOD(end) is True
        assert F.SENSITIVE_PERIOD(start - timedelta(days=1)) is False
        assert F.SENSITIVE_PERIOD(sf) is False
        m = Month.of(start)
        assert F.SENSITIVE_PERIOD(str(m)) is (cal.sensitive_overlap(m, 1) is not None)


def test_datetime_cells_work_like_dates():
    assert F.PHASE_OF(datetime(2026, 12, 12, 15, 30)) == [[3, "重点客户突破周"]]
    assert F.SENSITIVE_PERIOD(datetime(2027, 1, 20)) is True
    assert F.WORKDAYS(datetime(2026, 12, 1)) == 23


# ----------------------------------------------------------------------------- config

def test_config_argument_reads_a_plan_file(tmp_path):
    text = default_config_text().replace("normalize = true ", "normalize = false")
    text = text.replace("focus_weight = 0.05", "focus_weight = 0.10")
    path = tmp_path / "plan.toml"
    path.write_text(text, "utf-8")
    table = F.KPI_WEIGHTS("华东区", False, str(path))
    assert [w for _, w in table] == [0.15, 0.2, 0.25, 0.1, 0.1]
    # edits are picked up (the file's modification time is part of the cache key)
    path.write_text(text.replace("focus_weight = 0.10", "focus_weight = 0.20"), "utf-8")
    import os
    os.utime(path, (1, 1))
    assert F.KPI_WEIGHTS("华东区", False, str(path))[-1][1] == 0.2


def test_bad_config_file_is_a_short_message(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(default_config_text().replace("revenue = 1050000", "revenue = 1050001"), "utf-8")
    result = F.WORKDAYS("2026-12", str(path))
    assert result.startswith("#VALUE! config: ") and "regions[*].revenue" in result
    assert len(result) <= MAX_MESSAGE


def test_salesplan_config_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "plan.toml"
    path.write_text(default_config_text().replace("extra_holidays = []", 'extra_holidays = ["2026-12-31"]'),
                    "utf-8")
    monkeypatch.setenv("SALESPLAN_CONFIG", str(path))
    assert F.WORKDAYS("2026-12") == 22
    monkeypatch.delenv("SALESPLAN_CONFIG")
    assert F.WORKDAYS("2026-12") == 23


# ----------------------------------------------------------------------------- robustness

cell_st = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(list(ERROR_CODES) + ["#VALUE! from another UDF", "2026-12", "2027-01-20", "华东区", "linear"]),
    st.dates(min_value=date(1800, 1, 1), max_value=date(2300, 1, 1)),
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2300, 1, 1)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**6),
)
arg_st = st.one_of(
    cell_st,
    st.lists(cell_st, max_size=4),                                   # 1-D (xlwings without ndim)
    st.lists(st.lists(cell_st, min_size=1, max_size=4), max_size=4),  # 2-D, maybe ragged
)


@settings(max_examples=int(os.environ.get("SALESPLAN_FUZZ_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(F.__all__), st.lists(arg_st, min_size=0, max_size=6))
def test_no_input_raises_or_leaks_a_traceback(name, args):
    fn = getattr(F, name)
    import inspect
    n_params = len(inspect.signature(fn).parameters)
    result = fn(*args[:n_params]) if len(args) >= _required(fn) else fn(*(args + [None] * 6)[:n_params])
    assert_com_safe(result)
    for v in walk(result):
        if isinstance(v, str) and v.startswith("#"):
            assert is_error_text(v), v


def _required(fn) -> int:
    import inspect
    return sum(1 for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty)


def test_internal_errors_become_short_error_texts(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire\nline two")

    monkeypatch.setattr(F, "largest_remainder", boom)
    result = F.TARGET_SPLIT(10, [[1, 2]])
    assert result.startswith("#VALUE! internal error (RuntimeError: disk on fire line two)")
    assert "\n" not in result


def test_error_texts_are_recognised_and_passed_on():
    err = F.TARGET_SPLIT("lots", [[1]])
    assert err.startswith("#VALUE! total is text 'lots'")
    # another function receiving that error text passes the error code on
    assert F.TARGET_SPLIT(10, [[1, err]]).startswith("#VALUE! weights: item 2 is #VALUE!")
    assert F.PHASE_TARGET("2026-12", 1, err).startswith("#VALUE!")
