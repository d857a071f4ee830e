"""The workbook's 冲刺 figures — the region tabs' gap columns (距下一档, 距达标, 距销冠, 日均需完成) and the
冲刺指引 sheet — recalculated by LibreOffice equal salesplan.engine.gap (the shared session fixture
``recalculated_plans``: no soffice call of its own), with hand-computed values for the month of
tests/gap_helpers.py, and the near-tier highlight."""
from __future__ import annotations

from datetime import date

import pytest

from salesplan.engine import gap as eg
from salesplan.workbook_templates.expect import same
from workbook_helpers import compare

pytestmark = pytest.mark.libreoffice


def _gap_mismatches(recalculated_plans, tag, case):
    wb, built, inputs, _ = recalculated_plans[(tag, case)]
    _, bad = compare(built, wb, inputs)
    return [b for b in bad if b[4] and b[4][0] == "gap"]


@pytest.mark.parametrize("case", ["sprint", "sprint_past"])
def test_gap_cells_equal_the_engine(recalculated_plans, case):
    """The months built to exercise every figure. (The other workbooks of the fixture — seed and second
    config, empty, filled, regional — are compared cell by cell, gap cells included, in
    test_workbook_recalc.py.)"""
    tag = "seed"
    wb, built, _, _ = recalculated_plans[(tag, case)]
    n = sum(1 for m in built.models for *_, k in m.formula_keys() if k and k[0] == "gap")
    assert n > 50
    bad = _gap_mismatches(recalculated_plans, tag, case)
    assert bad == [], f"{len(bad)} of {n} gap cells differ from the engine, first: {bad[:10]}"


def _rep_row(built, region, name):
    ctx = built.ctx
    g = ctx.region_geom[region]
    i = next(i for i, r in enumerate(ctx.inputs.regions[region].reps) if r.name == name)
    return g, g.rep_row(i)


def test_hand_computed_month(recalculated_plans):
    """tests/gap_helpers.py's month, as of 1 March 2027 (22 working days left), by hand."""
    wb, built, _, _ = recalculated_plans[("seed", "sprint")]
    if date.today() >= date(2027, 3, 1):
        pytest.skip("the hand-computed figures are as of 1 March 2027 (TODAY() clamped into the month)")
    ctx = built.ctx
    sp = wb[ctx.sheet["sprint"]]
    assert sp["D3"].value == 22
    assert (sp["F3"].value, sp["G3"].value, sp["H3"].value) == ("华南区", "乙一", 400000)
    want = {   # name: (to next tier, to 100 %, to champion, daily needed)
        "甲一": (500, 53000, 190500.01, 2409.09),       # 209,500 of 262,500: 80 % tier at 210,000; 53,000 / 22
        "甲二": (52500, 0, 137500.01, 0),              # exactly 100 %: tier 3, 120 % at 315,000
        "甲三": (None, 0, 58749.46, 0),                # top tier (the 20 March deal counts)
        "甲四": (210000, 262500, 400000.01, 11931.82),  # no deals
        "乙一": (None, 0, 0, 0),                       # champion: level with 乙二, better KPI score
        "乙二": (None, 0, 0.01, 0),                    # level, lost the tie
        "乙三": (95209.22, 149876.22, 276543.22, 6812.56),   # better KPI score than 乙一: no extra fen
    }
    for name, expected in want.items():
        region = "华东区" if name.startswith("甲") else "华南区"
        g, r = _rep_row(built, region, name)
        ws = wb[g.sheet]
        got = tuple(ws.cell(r, g.rc[f]).value for f in ("to_next", "to_100", "to_champion", "daily"))
        assert all(same(a, b) for a, b in zip(got, expected)), (name, got, expected)


def test_month_already_over(recalculated_plans):
    """November 2026 is over: as of its last day, no working day left — daily needed is blank where the
    target is not met and 0 where it is."""
    if date.today() <= date(2026, 11, 30):
        pytest.skip("November 2026 is not over yet")
    wb, built, _, _ = recalculated_plans[("seed", "sprint_past")]
    sp = wb[built.ctx.sheet["sprint"]]
    assert sp["D3"].value == 0 and sp["B3"].value.date() == date(2026, 11, 30)
    for name, daily in (("甲一", None), ("甲二", 0), ("甲四", None)):
        g, r = _rep_row(built, "华东区", name)
        assert same(wb[g.sheet].cell(r, g.rc["daily"]).value, daily), name


def test_near_tier_highlight(recalculated_plans):
    """Reps within 10 % of their next tier are highlighted on the region tab and on 冲刺指引: the rule
    is the engine's near_next_tier."""
    _, built, inputs, _ = recalculated_plans[("seed", "sprint")]
    g, _ = _rep_row(built, "华东区", "甲一")
    rg = next(m for m in built.models if m.name == g.sheet)
    rules = [(sq, rule.formula[0]) for sq, rule in rg.cond if "ISNUMBER" in rule.formula[0] and "<=0.1*" in
             rule.formula[0]]
    assert len(rules) == 1
    sp = next(m for m in built.models if m.role == "sprint")
    assert any("<=0.1*" in rule.formula[0] for _, rule in sp.cond)
    gi_near = [x.rep for x in _engine_gap(built, inputs).reps if eg.near_next_tier(x)]
    assert gi_near == ["甲一"]


def _engine_gap(built, inputs):
    from salesplan.engine.actuals import compute_actuals
    plan = built.ctx.plan
    return eg.compute_gap(plan, eg.typed_gap_inputs(plan, inputs, compute_actuals(plan, inputs)),
                          built.ctx.as_of, every_deal=True)


def test_sprint_sheet_in_english_and_printed(recalculated_plans):
    """The second config is English: the sheet is "What it takes", with a print setup and in the guide."""
    _, built, _, _ = recalculated_plans[("second", "filled")]
    names = [m.name for m in built.models]
    assert "What it takes" in names
    sp = next(m for m in built.models if m.role == "sprint")
    assert sp.page.area.startswith("A1:L") and sp.page.header
    guide = next(m for m in built.models if m.role == "guide")
    assert "What it takes" in [v[0] for row in guide.cells.values() for v in row.values()]


def test_conditional_format_in_file(recalculated_plans):
    """The written file keeps the near-tier rules (read back with openpyxl)."""
    import openpyxl
    _, built, _, _ = recalculated_plans[("seed", "sprint")]
    stored = openpyxl.load_workbook(recalculated_plans.files["seed", "sprint"][0])
    for sheet in (built.ctx.region_geom["华东区"].sheet, built.ctx.sheet["sprint"]):
        ws = stored[sheet]
        assert any("<=0.1*" in r.formula[0] for cf in ws.conditional_formatting for r in cf.rules), sheet
