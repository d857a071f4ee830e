"""Headless regeneration compared with reviewed reference expectations (no volatile bytes):
sheet names, key cells (values and formulas), defined names, validations, protection,
plus structural rules every workbook must follow (inputs unlocked, formulas locked,
recalc on load, number formats, frozen headers, print areas, no post-2016 functions)."""
from __future__ import annotations

import re
import tomllib
from importlib import resources

import openpyxl
import pytest

from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.model import INPUT_STYLES
from salesplan.workbook_templates.writer import build_models, write_built

REFERENCE = "reference_default_2026-12_zh.toml"
FORBIDDEN = re.compile(r"\b(LET|FILTER|XLOOKUP|XMATCH|SORT|SORTBY|UNIQUE|SEQUENCE|MAXIFS|MINIFS|IFS|SWITCH|"
                       r"CONCAT|TEXTJOIN|LAMBDA|RANDARRAY)\(")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from salesplan.config import load_config
    plan = compute_plan(load_config(None, month="2026-12"))
    built = build_models(plan)
    path = tmp_path_factory.mktemp("ref") / "plan.xlsx"
    write_built(built, path)
    return built, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def reference():
    text = resources.files("salesplan.workbook_templates").joinpath(REFERENCE).read_text("utf-8")
    return tomllib.loads(text)


def test_sheet_names(generated, reference):
    _, wb = generated
    assert wb.sheetnames == reference["sheets"]
    assert wb["_salesplan"].sheet_state == "veryHidden"


def test_key_cells(generated, reference):
    _, wb = generated
    for sheet, cells in reference["cells"].items():
        for coord, expected in cells.items():
            got = wb[sheet][coord].value
            assert (got if got is not None else "") == expected, f"{sheet}!{coord}"


def test_defined_names(generated, reference):
    _, wb = generated
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    for name, target in reference["defined_names"].items():
        assert names.get(name) == target, name


def test_validations(generated, reference):
    _, wb = generated
    for sheet, kinds in reference["validations"].items():
        got = sorted({dv.type for dv in wb[sheet].data_validations.dataValidation})
        assert got == kinds, sheet


def test_protection(generated, reference):
    _, wb = generated
    for sheet, protected in reference["protection"].items():
        assert wb[sheet].protection.sheet is protected, sheet
        assert not wb[sheet].protection.password   # no password by default


def test_inputs_unlocked_formulas_locked(generated):
    built, wb = generated
    n_inputs = 0
    for m in built.models:
        ws = wb[m.name]
        for r, cols in m.cells.items():
            for c, (value, style, _key, _t) in cols.items():
                cell = ws.cell(r, c)
                if style in INPUT_STYLES:
                    n_inputs += 1
                    assert cell.protection.locked is False, f"{m.name}!{cell.coordinate}"
                elif isinstance(value, str) and value.startswith("=") and not _t:
                    assert cell.protection.locked is not False, f"{m.name}!{cell.coordinate}"
    assert n_inputs > 500


def test_formulas_use_excel_2016_functions_only(generated):
    built, _ = generated
    for m in built.models:
        for r, c, f, _ in m.formula_keys():
            assert not FORBIDDEN.search(f), f"{m.name} r{r}c{c}: {f}"


def test_recalc_on_load_and_metadata(generated):
    _, wb = generated
    assert wb.calculation.fullCalcOnLoad is True
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["salesplan.month"] == "2026-12" and props["salesplan.layout"] == "1"


def test_formats_freeze_print(generated):
    _, wb = generated
    east = wb["华东区"]
    assert east["C5"].number_format == "¥#,##0"
    assert east["K5"].number_format == "0.0%"
    for name in wb.sheetnames[:-1]:
        assert wb[name].print_area, name
    assert east.freeze_panes and wb["成交明细"].freeze_panes


def test_print_setup_is_a4_and_compact(generated):
    _, wb = generated
    for name in wb.sheetnames[:-1]:
        assert wb[name].page_setup.paperSize in (9, "9"), name
        # wide tables are not squeezed to one page wide: a readable scale, split across pages
        fitted = wb[name].sheet_properties.pageSetUpPr is not None and wb[name].sheet_properties.pageSetUpPr.fitToPage
        assert fitted or 70 <= int(wb[name].page_setup.scale or 100) <= 100, name
    assert wb["仪表盘"].page_setup.fitToHeight in (1, "1")       # one page with the charts
    risks = wb["风险预警"]
    last_printed = int(re.findall(r"\d+", str(risks.print_area).split(":")[-1])[0])
    assert last_printed < 260 < risks.max_row                   # the long register is not printed


def test_assumptions_marked_on_setup(generated):
    _, wb = generated
    ws = wb["设置"]
    marked = {ws.cell(r, 12).value for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "假设"}
    for key in ("weights.normalize", "risks.standard_discount_floor", "awards.retention_bonus",
                "awards.champion_prize_value", "strategy_b.revenue"):
        assert key in marked


def test_english_labels():
    from salesplan.config import load_config
    plan = compute_plan(load_config(None, month="2026-12"))
    built = build_models(plan, lang="en")
    names = [m.name for m in built.models]
    assert names[:5] == ["Guide", "Setup", "Targets", "Calendar", "KPI"]
    assert "Incentives" in names and "Dashboard" in names


def test_sensitive_period_banner():
    from salesplan.config import load_config
    plan = compute_plan(load_config(None, month="2027-01"))   # Spring Festival 2027-02-06
    built = build_models(plan)
    cal = built.by_role()["calendar"]
    assert any("春节前敏感期" in str(v[0]) for row in cal.cells.values() for v in row.values())
