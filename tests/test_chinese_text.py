"""The Chinese workbook and the Chinese DingTalk / e-mail text are Chinese throughout: the plan's
alerts and warnings (sensitive period, strategy B, KPI weights, estimated holidays), scoring
methods, award names; internal helper columns are hidden."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from salesplan.announce import build_announcement, dingtalk
from salesplan.config import load_config
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.writer import build_models

ENGLISH = re.compile(r"Spring Festival|active|normalised|KPI base weights|strategy B targets|holiday schedule|"
                     r"statutory|\blinear\b|\bthreshold\b|lower_is_better|conquest|\bppm\b|\(fen\)|"
                     r"\b(?:mon|tue|wed|thu|fri|sat|sun|skip|keep|next|previous)\b|"       # R5 event settings
                     r"kpi_score|earliest_total_date")                                       # R8 champion tie-break


def _plans():
    """January (sensitive period), strategy B, KPI weights ≠ 100 %, and a year without a published schedule."""
    jan = load_config(None, month="2027-01")
    yield compute_plan(jan)
    yield compute_plan(replace(jan, strategy="B"))
    yield compute_plan(load_config(None, month="2031-02"))


@pytest.mark.parametrize("plan", list(_plans()), ids=["january", "strategy-b", "unpublished-year"])
def test_dingtalk_text_is_chinese(plan):
    assert plan.alerts or plan.warnings
    ann = build_announcement(plan, lang="zh")
    text, _ = dingtalk.render_markdown(ann)
    assert not ENGLISH.search(text), ENGLISH.search(text).group(0)
    for line in ann.alerts + ann.warnings:
        assert re.search(r"[\u4e00-\u9fff]", line), line
    en = build_announcement(plan, lang="en")
    assert all(not re.search(r"[\u4e00-\u9fff]", line) for line in en.alerts + en.warnings), en.alerts


@pytest.mark.parametrize("plan", list(_plans()), ids=["january", "strategy-b", "unpublished-year"])
def test_workbook_shows_chinese(plan):
    built = build_models(plan, lang="zh")
    for m in built.models:
        if m.role == "meta":
            continue
        for r, cols in m.cells.items():
            if r in m.hidden_rows:
                continue
            for c, (v, style, _k, is_text) in cols.items():
                if c in m.hidden_cols or style == "helper" or not isinstance(v, str):
                    continue
                shown = " ".join(re.findall(r'"([^"]*)"', v)) if v.startswith("=") and not is_text else v
                hit = ENGLISH.search(shown)
                assert hit is None, (m.name, r, c, v[:120])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_setup_words_and_percentages_read_back_exactly(tmp_path, lang):
    """Scoring methods and units shown as words, tier starts and rates as percentages (the ppm helpers
    hidden): regeneration reads the same configuration back."""
    import openpyxl
    from salesplan.workbook_templates import generate_workbook, read_config_from_workbook
    from workbook_helpers import second_config
    for cfg in (load_config(None, month="2026-12"), second_config()):
        path = tmp_path / f"{lang}-{cfg.month}.xlsx"
        generate_workbook(cfg, path, lang=lang)
        back = read_config_from_workbook(path)
        assert back.kpis == cfg.kpis and back.commission == cfg.commission and back.events == cfg.events
        assert back.awards == cfg.awards
        assert [(r.name, r.focus_scoring, r.focus_weight) for r in back.regions] == \
               [(r.name, r.focus_scoring, r.focus_weight) for r in cfg.regions]
        ws = openpyxl.load_workbook(path)["设置" if lang == "zh" else "Setup"]
        shown = {ws.cell(r, 8).value for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == "kpis"}
        if lang == "zh":
            assert shown - {None} <= {"线性", "达标制", "越低越好"}
            events = {ws.cell(r, 2).value for r in range(1, ws.max_row + 1)
                      if str(ws.cell(r, 12).value).startswith("events.") and ("weekday" in ws.cell(r, 12).value
                                                                               or "not_working" in ws.cell(r, 12).value)}
            assert events - {None} and events - {None} <= {"周一", "周二", "周三", "周四", "周五", "周六", "周日",
                                                           "取消", "照常", "顺延", "提前"}
        hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
        assert {"AA", "AB", "AC", "AD"} <= hidden           # ppm helpers and the settings checks


def test_the_champion_tie_break_is_typed_as_words_in_order(tmp_path):
    import openpyxl
    from salesplan.workbook_templates import generate_workbook, read_config_from_workbook
    path = tmp_path / "tb.xlsx"
    generate_workbook(load_config(None, month="2026-12"), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["设置"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == "awards.champion_tiebreak")
    assert ws.cell(row, 2).value == "KPI得分、先达成总额"
    for typed in ("先达成总额，KPI得分", "先达成总额 KPI得分", "earliest_total_date,kpi_score"):
        ws.cell(row, 2).value = typed            # the director swaps the order: full-width comma, space, codes
        wb.save(path)
        assert read_config_from_workbook(path).awards.champion_tiebreak == ("earliest_total_date", "kpi_score")
