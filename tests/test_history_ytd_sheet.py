"""The 年度累计 sheet as the writer lays it out from a year-to-date record (the history's
document, here written by hand): closed months as values, the live month as formulas whose
stored values are the engine's, year-to-date totals, the trend chart (axes not deleted),
English labels with --lang en, print setup; no record → no sheet, the workbook as before.
LibreOffice: one soffice call for the module."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest
from lxml import etree

from salesplan.config import load_config
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.expect import same
from salesplan.workbook_templates.writer import build_models, write_built
from workbook_helpers import compare, random_inputs
from lo_recalc import load_values

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def ytd_doc(inputs) -> dict:
    """Two closed months: a rep still on the roster, one who left, a region that no longer exists."""
    region = next(iter(inputs.regions))
    stay = next(r.name for r in inputs.regions[region].reps if r.name)

    def mo(t, r, p):
        return {"target_fen": t, "revenue_fen": r, "payout_fen": p, "attainment": round(r / t, 6) if t else None}
    reps = [{"region": region, "rep": stay, "months": {"2027-01": mo(70_000_000, 80_012_345, 2_530_000),
                                                       "2027-02": mo(70_000_000, 10_000_000, 200_000)}},
            {"region": region, "rep": "离职者", "months": {"2027-01": mo(35_000_000, 0, 0)}},
            {"region": "旧区", "rep": "老周", "months": {"2027-02": mo(10_000_000, 12_000_000, 360_000)}}]
    regions = [{"region": region, "months": {"2027-01": mo(105_000_000, 80_012_345, 2_530_000),
                                             "2027-02": mo(70_000_000, 10_000_000, 200_000)}},
               {"region": "旧区", "months": {"2027-02": mo(10_000_000, 12_000_000, 360_000)}}]
    return {"year": 2027, "months": ["2027-01", "2027-02"], "versions": {"2027-01": 2, "2027-02": 1},
            "reps": reps, "regions": regions}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ytd")
    plan = compute_plan(load_config(None, month="2027-03"))
    out = {}
    for lang in ("zh", "en"):
        inputs = random_inputs(plan, seed=7)
        built = build_models(plan, inputs=inputs, lang=lang, ytd=ytd_doc(inputs))
        write_built(built, folder / f"ytd-{lang}.xlsx")
        out[lang] = (folder / f"ytd-{lang}.xlsx", built, inputs)
    return out


def sheet(built, name="年度累计"):
    return next(m for m in built.models if m.name == name)


def test_stored_values_are_the_engines(books):
    path, built, inputs = books["zh"]
    checked, bad = compare(built, load_values(path), inputs)
    assert checked > 1000 and bad == [], bad[:10]


def test_layout_closed_values_live_formulas_ytd(books):
    path, built, inputs = books["zh"]
    doc = ytd_doc(inputs)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == ["年度累计", "_salesplan"]
    ws = wb["年度累计"]
    assert ws["A1"].value == "年度累计 — 2027" and "2027-01@2, 2027-02@1" in ws["A2"].value
    vals = load_values(path)["年度累计"]
    rows = {(r[0].value, r[1].value): r[0].row for r in vals.iter_rows(min_col=1, max_col=2) if r[0].value}
    stay = doc["reps"][0]["rep"]
    region = doc["reps"][0]["region"]
    r = next(row for row in range(1, vals.max_row + 1)
             if vals.cell(row, 1).value == region and vals.cell(row, 2).value == stay)
    # 2027-01: C..F, 2027-02: G..J, 2027-03 (live): K..N, 年度累计: O..R
    assert [vals.cell(r, c).value for c in (3, 4, 6)] == [700_000, 800_123.45, 25_300]
    assert ws.cell(r, 11).value.startswith("=IF(") and "个人奖金明细" not in str(ws.cell(r, 11).value)
    assert "个人奖金明细" in ws.cell(r, 12).value and "个人奖金明细" in ws.cell(r, 14).value
    live_t, live_v, live_p = (vals.cell(r, c).value for c in (11, 12, 14))
    assert same(vals.cell(r, 15).value, 700_000 + 700_000 + live_t)
    assert same(vals.cell(r, 16).value, 800_123.45 + 100_000 + live_v)
    assert same(vals.cell(r, 18).value, 25_300 + 2_000 + live_p)
    assert same(vals.cell(r, 17).value, vals.cell(r, 16).value / vals.cell(r, 15).value)
    assert (region, "离职者") in rows and ("旧区", "老周") in rows and ("旧区", None) in rows
    # the team trend: one row a month, cumulative revenue ends at the team's year to date
    months = [vals.cell(row, 1).value for row in range(6, 9)]
    assert months == ["2027-01", "2027-02", "2027-03"]
    team = next(row for row in range(1, vals.max_row + 1) if vals.cell(row, 1).value == "团队合计")
    assert same(vals.cell(8, 7).value, vals.cell(team, 16).value)
    guide = wb["使用说明"]
    assert any(c.value == "年度累计" for c in guide["A"])
    assert ws.page_setup.orientation == "landscape" and ws.print_title_cols == "$A:$B"
    assert ws.print_area and ws.oddHeader.center.text.endswith("&A")


def test_english_labels(books):
    path, built, _ = books["en"]
    ws = openpyxl.load_workbook(path)["Year to date"]
    assert ws["A1"].value == "Year to date — 2027"
    texts = {c.value for row in ws.iter_rows(max_row=40) for c in row if isinstance(c.value, str)}
    assert {"Team trend", "By region", "By rep", "Team total", "Revenue", "Payout", "YTD revenue"} <= texts


def test_trend_chart_axes_shown(books):
    path, _, _ = books["zh"]
    with zipfile.ZipFile(path) as z:
        charts = [etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("xl/charts/chart")]
    line = [c for c in charts if c.find(f".//{C}lineChart") is not None and "年度趋势" in
            "".join(c.find(f"{C}chart/{C}title").itertext())]
    assert len(line) == 1
    axes = line[0].findall(f".//{C}plotArea/{C}catAx") + line[0].findall(f".//{C}plotArea/{C}valAx")
    assert len(axes) == 2 and all(ax.find(f"{C}delete").get("val") == "0" for ax in axes)
    assert len(line[0].findall(f".//{C}ser")) == 3


def test_no_record_no_sheet():
    """No history, or no closed month: the models are exactly today's."""
    plan = compute_plan(load_config(None, month="2027-03"))
    a = build_models(plan)
    for ytd in (None, {"year": 2027, "months": [], "versions": {}, "reps": [], "regions": []}):
        b = build_models(plan, ytd=ytd)
        assert [m.name for m in b.models] == [m.name for m in a.models]
        assert all(x.cells == y.cells for x, y in zip(a.models, b.models))


@pytest.mark.libreoffice
def test_libreoffice_agrees(books, tmp_path):
    """LibreOffice's recalculated 年度累计 equals the stored values (the Chinese file: the English one
    differs in labels only)."""
    from lo_recalc import error_cells, recalc, require_libreoffice
    require_libreoffice()
    langs = ("zh",)
    outs = recalc([books[k][0] for k in langs], tmp_path)
    for lang, out in zip(langs, outs):
        path, built, _ = books[lang]
        m = next(x for x in built.models if x.role == "ytd")
        got, kept = load_values(out)[m.name], load_values(path)[m.name]
        bad = [(kept.cell(r, c).coordinate, kept.cell(r, c).value, got.cell(r, c).value, f)
               for r, c, f, _ in m.formula_keys() if not same(got.cell(r, c).value, kept.cell(r, c).value)]
        assert bad == [], bad[:10]
        assert [e for e in error_cells(load_values(out)) if e[0] == m.name] == []
