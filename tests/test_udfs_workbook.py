"""The UDFs evaluated inside a workbook, headlessly.

A sheet whose cells call =KPI_SCORE(...), =TARGET_SPLIT(...), =COMMISSION(...) and
friends (array formulas over their spill ranges, plus native Excel formulas that
use their results) is written with openpyxl and calculated by the ``formulas``
package with salesplan's functions registered; every result must equal the
engine's. The generated plan workbook's native KPI-score formulas, recalculated by
LibreOffice, must equal KPI_SCORE.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction
from decimal import Decimal

import formulas          # a dev dependency: missing, the module fails instead of skipping
import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import udf_support as sup
from salesplan.config import load_default
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.commission import commission_for_amounts
from salesplan.engine.kpi import kpi_scores, region_weights
from salesplan.engine.plan import compute_plan
from salesplan.udfs.convert import date_to_serial

CONFIG = load_default("2026-12")

ACTUALS = [[0.70, 55, 0.90, 1200], [0.40, None, 0.50, 800], [None, None, None, None], [0.65, 50, 0.80, 1000]]
TARGETS = [0.65, 50, 0.80, 1000]
WEIGHTS = [0.15, 0.20, 0.25, 0.10]
SCORING = ["threshold", "linear", "linear", "linear"]
REGION_REVENUE = [1050000, 820000, 550000, 580000]
DEALS = [100000, None, 900000, 300000.55]
REP_TARGET = 1000000


def put(ws, top_left: str, rows):
    cell = ws[top_left]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(cell.row + i, cell.column + j, v)


@pytest.fixture(scope="module")
def solution(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "udfs.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    # KPI block: actuals A2:D5, targets A7:D7, weights A8:D8, scoring A9:D9
    put(ws, "A2", ACTUALS)
    put(ws, "A7", [TARGETS, WEIGHTS, SCORING])
    ws["F2"] = ArrayFormula("F2:F5", "=KPI_SCORE(A2:D5,A7:D7,A8:D8,A9:D9)")
    ws["G2"] = "=KPI_SCORE(A2:D2,A7:D7,A8:D8,A9:D9)"          # one rep, one cell
    # splits
    ws["A11"] = ArrayFormula("A11:D11", "=TARGET_SPLIT(3000000,{0.4,0.3,0.2,0.1})")
    put(ws, "A13", [[v] for v in REGION_REVENUE])
    ws["B13"] = ArrayFormula("B13:B16", "=TARGET_SPLIT(80,A13:A16)")
    ws["B17"] = "=SUM(B13:B16)"                                 # native Excel over a UDF's result
    # commission: deals A20:A23 in report order, target B19
    ws["B19"] = REP_TARGET
    put(ws, "A20", [[v] for v in DEALS])
    ws["B20"] = ArrayFormula("B20:B23", "=COMMISSION(A20:A23,B19)")
    ws["B24"] = "=SUM(B20:B23)"
    # calendar and the rest
    ws["A26"] = '=WORKDAYS("2026-12")'
    ws["B26"] = ArrayFormula("B26:G26", '=PHASE_TARGET("2026-12",{1,2,3,4,5,6})')
    ws["A27"] = "=SPRING_FESTIVAL(2027)"
    ws["B27"] = "=SENSITIVE_PERIOD(DATE(2027,1,20))"
    ws["C27"] = "=DISCOUNT_OK(3500000,3800000,TRUE)"
    ws["D27"] = '=AWARDS(15000000,TRUE)'
    ws["A28"] = ArrayFormula("A28:B28", "=PHASE_OF(DATE(2026,12,12))")
    ws["A30"] = ArrayFormula("A30:B34", '=KPI_WEIGHTS("华东区")')
    ws["D30"] = '=TARGET_SPLIT(100,{1,"abc"})'                 # an error text in a cell
    wb.save(path)
    with sup.formulas_functions():
        model = formulas.ExcelModel().loads(str(path)).finish()
        sol = model.calculate()
    return {k.split("!")[-1]: v.value if hasattr(v, "value") else v for k, v in sol.items()}


def value(sol, ref):
    return np.asarray(sol[ref]).tolist()


def test_kpi_score_cells_equal_the_engine(solution):
    total = sum(Fraction(Decimal(repr(w))) for w in WEIGHTS)
    weights = [float(Fraction(Decimal(repr(w))) / total) for w in WEIGHTS]
    expected = kpi_scores(ACTUALS, TARGETS, weights, SCORING, [1.2] * 4, 100)
    got = [row[0] for row in value(solution, "F2:F5")]
    assert got[0] == expected[0] and got[1] == expected[1] and got[3] == expected[3]  # exactly
    assert got[2] == ""                                                              # an empty rep row
    assert value(solution, "G2")[0][0] == expected[0]


def test_target_split_cells_equal_the_engine_and_sum_exactly(solution):
    assert value(solution, "A11:D11") == [largest_remainder(3000000, [Decimal("0.4"), Decimal("0.3"),
                                                                      Decimal("0.2"), Decimal("0.1")])]
    assert value(solution, "A11:D11") == [[1200000, 900000, 600000, 300000]]
    assert [r[0] for r in value(solution, "B13:B16")] == largest_remainder(80, REGION_REVENUE) == [28, 22, 15, 15]
    assert value(solution, "B17") == [[80]]


def test_commission_cells_equal_the_engine(solution):
    fen = [round(v * 100) for v in DEALS if v is not None]
    expected = [c / 100 for c in commission_for_amounts(fen, REP_TARGET, CONFIG.commission.tiers)]
    got = [r[0] for r in value(solution, "B20:B23")]
    assert got[1] == ""
    assert [got[0], got[2], got[3]] == expected
    assert value(solution, "B24")[0][0] == pytest.approx(sum(expected), abs=1e-9)


def test_calendar_and_rule_cells(solution):
    plan = compute_plan(CONFIG)
    assert value(solution, "A26") == [[plan.working_days]] == [[23]]
    assert value(solution, "B26:G26") == [[p.revenue for p in plan.phases]]
    assert value(solution, "A27") == [[date_to_serial(date(2027, 2, 6))]]
    assert value(solution, "B27") == [[True]]
    assert value(solution, "C27") == [[True]]
    assert value(solution, "D27") == [[20000]]
    assert value(solution, "A28:B28") == [[3, "重点客户突破周"]]
    east = region_weights(CONFIG, CONFIG.regions[0])
    assert value(solution, "A30:B34") == [[k.name, k.weight_float] for k in east]


def test_error_text_lands_in_the_cell(solution):
    text = value(solution, "D30")[0][0]
    assert text.startswith("#VALUE! weights: item 2 is text 'abc'")


# ----------------------------------------------------------------------------- the generated plan workbook
#
# The plan workbook (salesplan.workbook_templates) scores each rep with native Excel
# formulas on the region tabs. Recalculated by LibreOffice, those scores must equal
# KPI_SCORE on the same cells. The layout is read from the workbook itself: the hidden
# _salesplan sheet records the rep table (sheet, header row, first row, KPI input
# columns); the four rows above the header hold each KPI's weight, target, scoring and
# cap; the header names the KPI-score column. The workbooks are conftest's
# ``recalculated_plans`` (seed and second config; empty, filled with random typed KPI
# actuals — blanks, zeros, over the cap — and a regional file), recalculated once a session.


def _kpi_score_checks(wb):
    """(sheet, row, actuals, [weights, targets, scoring, caps], native score) for every named rep."""
    from salesplan.workbook_templates.inputs import InputTable
    from salesplan.workbook_templates.labels import META_SHEET

    tables = [InputTable.from_row(list(r) + [None] * 8) for r in wb[META_SHEET].iter_rows(values_only=True)
              if r and r[0] == "reps"]
    assert tables, "the workbook records no rep table in _salesplan"
    for t in tables:
        ws = wb[t.sheet]
        p0 = t.header_row - 4                                   # weight, target, scoring, cap rows
        # the KPI block: the run of weights from the first typed KPI column (computed KPIs sit inside it)
        c = min(col for f, col in t.fields.items() if f.startswith("kpi:"))
        kpi_cols = []
        while isinstance(ws.cell(p0, c).value, (int, float)) and not isinstance(ws.cell(p0, c).value, bool):
            kpi_cols.append(c)
            c += 1
        score_col = next(c for c in range(1, ws.max_column + 1)
                         if ws.cell(t.header_row, c).value in ("KPI得分", "KPI score"))
        assert score_col - kpi_cols[-1] - 1 == len(kpi_cols) >= 2, (t.sheet, kpi_cols, score_col)  # a score each
        params = [[[ws.cell(p0 + i, c).value for c in kpi_cols]] for i in range(4)]
        for r in range(t.first_row, t.first_row + t.n_rows):
            if ws.cell(r, t.fields["name"]).value not in (None, ""):
                yield t.sheet, r, [[ws.cell(r, c).value for c in kpi_cols]], params, ws.cell(r, score_col).value


@pytest.mark.libreoffice
@pytest.mark.parametrize("tag", ["seed", "second"])
def test_plan_workbook_native_kpi_scores_equal_kpi_score(recalculated_plans, tag):
    from salesplan.udfs.functions import KPI_SCORE

    n, typed, capped = 0, 0, 0
    for case in ("empty", "filled", "region"):
        wb, built, *_ = recalculated_plans[(tag, case)]
        normalize = built.ctx.cfg.weights.normalize         # the second config keeps its weights as typed
        for sheet, r, actuals, (weights, targets, scoring, caps), native in _kpi_score_checks(wb):
            udf = KPI_SCORE(actuals, targets, weights, scoring, caps, normalize)
            assert isinstance(native, (int, float)) and not isinstance(native, bool), (case, sheet, r, native)
            assert 0 <= native <= 100, (case, sheet, r, native)
            assert udf == pytest.approx(native, rel=1e-12, abs=1e-9), (case, sheet, r, actuals, targets, native)
            n += 1
            typed += any(v not in (None, "") for v in actuals[0])
            capped += any(isinstance(a, (int, float)) and isinstance(t, (int, float)) and t and a / t > c
                          for a, t, c in zip(actuals[0], targets[0], caps[0]))
    # every region's named reps, most with typed actuals, some beyond a KPI's cap
    assert n >= 20 and typed >= 15 and capped >= 3, (n, typed, capped)
