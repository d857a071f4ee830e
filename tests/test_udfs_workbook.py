"""The UDFs evaluated inside a workbook, headlessly.

A sheet whose cells call =KPI_SCORE(...), =TARGET_SPLIT(...), =COMMISSION(...) and
friends (array formulas over their spill ranges, plus native Excel formulas that
use their results) is written with openpyxl and calculated by the ``formulas``
package with salesplan's functions registered; every result must equal the
engine's.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction
from decimal import Decimal

import numpy as np
import pytest

formulas = pytest.importorskip("formulas")
openpyxl = pytest.importorskip("openpyxl")
from openpyxl.worksheet.formula import ArrayFormula  # noqa: E402

import udf_support as sup  # noqa: E402
from salesplan.config import load_default  # noqa: E402
from salesplan.engine.allocation import largest_remainder  # noqa: E402
from salesplan.engine.commission import commission_for_amounts  # noqa: E402
from salesplan.engine.kpi import kpi_scores, region_weights  # noqa: E402
from salesplan.engine.plan import compute_plan  # noqa: E402
from salesplan.udfs.convert import date_to_serial  # noqa: E402

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
    a = np.array([[np.nan if v is None else v for v in row] for row in ACTUALS], dtype=float)
    total = sum(Fraction(Decimal(repr(w))) for w in WEIGHTS)
    weights = [float(Fraction(Decimal(repr(w))) / total) for w in WEIGHTS]
    expected = kpi_scores(a, TARGETS, weights, SCORING, [1.2] * 4, 100).tolist()
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
# formulas on the region tabs. On the same inputs those scores must equal KPI_SCORE.
# The layout is read from the workbook itself: the hidden _salesplan sheet records
# the rep table (sheet, header row, first row, KPI input columns); the four rows
# above the header hold each KPI's weight, target, scoring and cap; the header
# names the KPI-score column.

REPS = ('reps = [{ name = "赵一", weight = 1 }, { name = "钱二", weight = 2, new_hire = true },'
        ' { name = "孙三", weight = 1 }]\n')


def _generate_plan_workbook(path):
    """Write the default plan for 2026-12 (three named reps per region) to ``path``."""
    from salesplan.config import default_config_text, parse_config

    writer = pytest.importorskip("salesplan.workbook_templates.writer",
                                 reason="the plan workbook writer is not there yet")
    text = default_config_text().replace('focus_scoring = "linear"     # (assumption)\n',
                                         'focus_scoring = "linear"     # (assumption)\n' + REPS)
    text = text.replace("rep_rows = 12", "rep_rows = 3")   # a small workbook: formulas evaluates it all
    writer.generate_workbook(parse_config(text, month="2026-12"), path, deal_rows=2)


def test_plan_workbook_native_kpi_scores_equal_kpi_score(tmp_path):
    from salesplan.udfs.functions import KPI_SCORE
    from salesplan.workbook_templates.inputs import InputTable
    from salesplan.workbook_templates.labels import META_SHEET

    path = tmp_path / "plan.xlsx"
    _generate_plan_workbook(path)
    wb = openpyxl.load_workbook(path)
    tables = [InputTable.from_row(list(r) + [None] * 8) for r in wb[META_SHEET].iter_rows(values_only=True)
              if r and r[0] == "reps"]
    assert tables, "the workbook records no rep table in _salesplan"
    rng = np.random.default_rng(11)
    checks = []
    for t in tables:
        ws = wb[t.sheet]
        p0 = t.header_row - 4                                   # weight, target, scoring, cap rows
        kpi_cols = [c for c in range(1, ws.max_column + 1) if isinstance(ws.cell(p0, c).value, (int, float))]
        score_col = next(c for c in range(1, ws.max_column + 1)
                         if ws.cell(t.header_row, c).value in ("KPI得分", "KPI score"))
        inputs = [c for f, c in t.fields.items() if f.startswith("kpi:")]
        name_col = t.fields["name"]
        for r in range(t.first_row, t.first_row + t.n_rows):
            if not ws.cell(r, name_col).value:
                continue
            for c in inputs:  # typed KPI actuals; the completion KPI is a formula over the deals
                ws.cell(r, c).value = float(rng.uniform(0, 1.5) * 100)
            checks.append((t.sheet, r, p0, kpi_cols, score_col))
    assert len(checks) == 3 * len(tables), "expected three named reps per region"
    wb.save(path)
    # evaluate only what the rep scores depend on (the whole plan workbook takes minutes)
    from openpyxl.utils import get_column_letter
    ranges = {f"'[{path}]{sheet}'!A{p0}:{get_column_letter(score_col)}{r}"
              for sheet, r, p0, cols, score_col in checks}
    sol = formulas.ExcelModel().from_ranges(*sorted(ranges)).finish().calculate()
    cells = {}
    for k, v in sol.items():
        sheet, _, ref = k.rpartition("!")
        cells[(sheet.split("]")[-1].strip("'").upper(), ref.upper())] = np.asarray(getattr(v, "value", v)).ravel()[0]

    def cell(sheet, r, c):
        from openpyxl.utils import get_column_letter
        v = cells.get((sheet.upper(), f"{get_column_letter(c)}{r}"))
        return None if v is None or str(v) == "empty" else (v.item() if hasattr(v, "item") else v)

    for sheet, r, p0, cols, score_col in checks:
        actuals = [[cell(sheet, r, c) for c in cols]]
        params = [[[cell(sheet, p0 + i, c) for c in cols]] for i in range(4)]
        native = cell(sheet, r, score_col)
        udf = KPI_SCORE(actuals, params[1], params[0], params[2], params[3])
        assert isinstance(native, float) and 0 <= native <= 100, (sheet, r, native)
        assert udf == pytest.approx(native, rel=1e-12, abs=1e-9), (sheet, r, actuals, params)
