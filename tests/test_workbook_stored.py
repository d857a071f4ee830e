"""The workbook as people receive it, read without recalculating: every formula cell stores
its value (python-calamine, pandas and openpyxl see KPI scores, commissions and payouts),
and the charts' XML shows both axes with readable labels. No LibreOffice here (the
agreement of stored and recalculated values is tests/test_workbook_recalc.py)."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from lxml import etree

from salesplan.config import load_config
from salesplan.engine.actuals import compute_actuals
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.cellxml import OPENPYXL_CHECKED, cached_xml
from salesplan.workbook_templates.expect import same
from salesplan.workbook_templates.writer import build_models, generate_workbook, write_built
from workbook_helpers import compare, random_inputs

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stored")
    cfg = load_config(None, month="2026-12")
    plan = compute_plan(cfg)
    out = {}
    generate_workbook(cfg, folder / "default.xlsx")
    out["default"] = (folder / "default.xlsx", build_models(plan))
    built = build_models(plan, inputs=random_inputs(plan, seed=7))
    write_built(built, folder / "filled.xlsx")
    out["filled"] = (folder / "filled.xlsx", built)
    region = cfg.regions[1].name
    built = build_models(plan, inputs=random_inputs(plan, seed=7), regions=[region])
    write_built(built, folder / "region.xlsx")
    out["region"] = (folder / "region.xlsx", built)
    return out


def test_openpyxl_version_is_the_checked_one():
    """cellxml replaces openpyxl's row writer: an openpyxl outside the checked range must be re-checked."""
    v = tuple(int(x) for x in re.findall(r"\d+", openpyxl.__version__)[:2])
    assert OPENPYXL_CHECKED[0] <= v < OPENPYXL_CHECKED[1], openpyxl.__version__


def test_cached_xml_types():
    assert cached_xml(None, None) == ("str", "")
    assert cached_xml("达标", None) == ("str", "达标")
    assert cached_xml("#N/A", None) == ("e", "#N/A")
    assert cached_xml(True, None) == ("b", "1")
    assert cached_xml(12, None) == (None, "12")
    assert cached_xml(0.1, None) == (None, "0.1")
    import numpy as np
    assert cached_xml(np.float64(2.5), None) == (None, "2.5") and cached_xml(np.int64(3), None) == (None, "3")


@pytest.mark.parametrize("case", ["default", "filled", "region"])
def test_every_formula_cell_stores_the_engine_value(files, case):
    """openpyxl data_only (no recalculation) reads the engine's value in every formula cell."""
    path, built = files[case]
    checked, bad = compare(built, openpyxl.load_workbook(path, data_only=True), built.ctx.inputs)
    assert checked > 1000
    assert bad == [], f"{len(bad)} mismatches, first: {bad[:10]}"


def test_no_formula_without_a_value(files):
    for path, _ in files.values():
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert b"<v/>" not in z.read(name), (path.name, name)


def _sheet_rows(path, name):
    from python_calamine import CalamineWorkbook
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)


def test_calamine_reads_scores_commissions_payouts(files):
    path, built = files["filled"]
    ctx = built.ctx
    act = compute_actuals(ctx.plan, ctx.inputs)
    inc = ctx.inc
    rows = _sheet_rows(path, inc.sheet)
    paid = 0
    for (r, i), row in inc.row_of.items():
        if ctx.inputs.regions[r].reps[i].name is None:
            continue
        for f in ("kpi_score", "commission", "payout"):
            got = rows[row - 1][inc.c[f] - 1]
            key = ("rep", r, i, f) if f == "kpi_score" else ("inc", r, i, f)
            assert isinstance(got, (int, float)) and same(got, act[key]), (r, i, f, got)
        paid += rows[row - 1][inc.c["payout"] - 1] > 0
    assert paid >= 3
    region = ctx.cfg.regions[0].name
    g = ctx.region_geom[region]
    tab = _sheet_rows(path, g.sheet)
    scores = [tab[g.rep_row(i) - 1][g.rc["kpi_score"] - 1] for i, rep in enumerate(ctx.inputs.regions[region].reps)
              if rep.name is not None]
    assert scores and all(isinstance(s, (int, float)) for s in scores) and any(s > 0 for s in scores)


def test_pandas_reads_payouts(files):
    import pandas as pd
    path, built = files["filled"]
    inc = built.ctx.inc
    df = pd.read_excel(path, sheet_name=inc.sheet, header=None, engine="calamine")
    payouts = df.iloc[inc.r0 - 1:inc.r_last, inc.c["payout"] - 1]
    assert payouts.notna().sum() >= 3 and payouts.sum() > 0
    assert df.iloc[inc.r_total - 1, inc.c["payout"] - 1] == pytest.approx(payouts.sum())


def _charts(path):
    with zipfile.ZipFile(path) as z:
        return [etree.fromstring(z.read(n)) for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]


def _texts(el):
    return ["".join(t.itertext()) for t in el.iter(f"{A}t")]


@pytest.mark.parametrize("case", ["default", "region"])
def test_charts_show_axes_titles_and_labels(files, case):
    """Both axes of every chart are explicitly not deleted (Excel), the chart has a title, no axis
    title is a lone glyph, category labels are text references, and value labels carry a format."""
    charts = _charts(files[case][0])
    assert len(charts) == 4
    for ch in charts:
        axes = ch.findall(f".//{C}plotArea/{C}catAx") + ch.findall(f".//{C}plotArea/{C}valAx")
        assert len(axes) == 2
        for ax in axes:
            delete = ax.find(f"{C}delete")
            assert delete is not None and delete.get("val") == "0"
            assert ax.find(f"{C}txPr") is not None
            title = ax.find(f"{C}title")
            if title is not None:
                text = "".join(_texts(title)).strip()
                assert len(text) > 1 and any(ch_.isalnum() for ch_ in text), text
        title = ch.find(f"{C}chart/{C}title")
        assert title is not None and "".join(_texts(title)).strip()
        assert ch.find(f".//{C}valAx/{C}numFmt") is not None
        assert ch.findall(f".//{C}cat/{C}strRef") and not ch.findall(f".//{C}cat/{C}numRef")
        for t in _texts(ch):      # every text run says something (no stray symbol runs)
            assert any(c.isalnum() for c in t), repr(t)


def test_the_row_writer_keeps_every_awkward_text_and_value(tmp_path):
    """cellxml formats each row as XML text (checked by expat): markup characters, a carriage
    return, edge spaces, CJK, formula-looking text, a stored "" and a stored text value all
    read back exactly as written, and the formulas keep their text and value."""
    from datetime import date
    from salesplan.workbook_templates.model import SheetModel, render

    awkward = ["a & b", "<b>x</b>", "x > y", "line\r\nnext", "  edge  ", "达标 ✓", "=cmd|' /c calc'!A0",
               "&amp; already", "tab\there", "]]>", ""]
    m = SheetModel("表", "t")
    for i, s in enumerate(awkward, 1):
        m.text(i, 1, s)
    m.put(1, 2, 3.25)
    m.put(2, 2, 7)
    m.put(3, 2, True)
    m.put(4, 2, date(2027, 1, 31))
    m.f(1, 3, '=IF(B1>1,"a<&>b","")', key=("k", 1))
    m.f(2, 3, '=IF(B1>9,"x","")', key=("k", 2))
    m.f(3, 3, "=B1*2", key=("k", 3))
    cached = {("k", 1): "a<&>b", ("k", 2): "", ("k", 3): 6.5}
    path = tmp_path / "awkward.xlsx"
    render([m], path, cached=cached.get)
    ws = openpyxl.load_workbook(path)["表"]
    got = [ws.cell(i, 1).value for i in range(1, len(awkward) + 1)]
    assert got == [s or None for s in awkward]
    assert ws["B1"].value == 3.25 and ws["B2"].value == 7 and ws["B3"].value is True
    from openpyxl.utils.datetime import to_excel
    assert ws["B4"].value == to_excel(date(2027, 1, 31))     # a date's serial (no date style here)
    assert [ws.cell(i, 3).value for i in (1, 2, 3)] == ['=IF(B1>1,"a<&>b","")', '=IF(B1>9,"x","")', "=B1*2"]
    vals = openpyxl.load_workbook(path, data_only=True)["表"]
    assert [vals.cell(i, 3).value for i in (1, 3)] == ["a<&>b", 6.5]
    with zipfile.ZipFile(path) as z:      # "" is stored as <v></v> (openpyxl reads it back as None)
        assert b'<c r="C2" t="str"><f>IF(B1&gt;9,"x","")</f><v></v></c>' in z.read("xl/worksheets/sheet1.xml")


def test_a_row_that_is_not_well_formed_xml_is_refused_naming_sheet_and_row(tmp_path):
    """Trusted (generated) text is not cleaned: a control character in it is a bug, caught
    before the row is written."""
    from salesplan.workbook_templates.model import SheetModel, render
    m = SheetModel("表", "t")
    m.put(1, 1, "fine")
    m.put(2, 1, "bell\x07")                 # generated text with a character XML 1.0 cannot hold
    with pytest.raises(ValueError, match=r"表 row 2: not well-formed XML"):
        render([m], tmp_path / "bad.xlsx")
