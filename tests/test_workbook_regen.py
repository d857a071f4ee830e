"""Regeneration keeps typed inputs; other months are refused or archived; saves are atomic."""
from __future__ import annotations

import os
import random
from datetime import date

import openpyxl
import pytest

from salesplan.config import load_config
from salesplan.engine.actuals import present
from salesplan.errors import WorkbookError
from salesplan.workbook_templates.inputs import read_registry
from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
from salesplan.workbook_templates import generate_workbook, read_config_from_workbook, read_meta


def _type_random_inputs(path, seed: int) -> dict:
    """Type values into input cells like a person would (openpyxl edit); return {stable key: value}."""
    rnd = random.Random(seed)
    with OpenpyxlReader(path) as rd:
        _, tables = read_registry(rd)
    wb = openpyxl.load_workbook(path)
    typed = {}
    for t in tables:
        ws = wb[t.sheet]
        if t.kind == "reps":
            for i in range(t.n_rows):
                r = t.first_row + i
                if rnd.random() < 0.3:
                    continue
                name = f"{rnd.choice(['=x', '王', 'Ann', '+1', '@b'])}{seed}-{i}"
                ws.cell(r, t.fields["name"], name).data_type = "s"
                typed[(t.key[1], name, "name")] = name
                for f, c in t.fields.items():
                    if f == "name" or rnd.random() < 0.2:
                        continue
                    v = {"new_hire": rnd.choice(["是", "否"])}.get(f, round(rnd.uniform(0, 5), 2))
                    ws.cell(r, c, v)
                    typed[(t.key[1], name, f)] = v
        elif t.kind == "phases":
            for i in range(t.n_rows):
                for f, c in t.fields.items():
                    if rnd.random() < 0.7:
                        v = round(rnd.uniform(0, 100000), 2)
                        ws.cell(t.first_row + i, c, v)
                        typed[(t.key[1], i + 1, f)] = v
        elif t.kind == "scalar":
            v = round(rnd.uniform(0.1, 9), 3)
            ws.cell(t.first_row, t.fields["value"], v)
            typed[(t.key[1], "focus_target")] = v
        elif t.kind == "deals":
            for i in range(25):
                for f, c in t.fields.items():
                    v = {"date": date(2026, 12, 1 + i), "rep": f"r{i}", "region": "华东区", "customer": f"=c{i}",
                         "new_customer": "是", "product": "产品A", "contract_id": f"HT{i}", "first_quote": "否",
                         "customer_region": rnd.choice(["北方区", "=x"])}.get(
                        f, round(rnd.uniform(1, 1e6), 2))
                    cell = ws.cell(t.first_row + i, c, v)
                    if isinstance(v, str):
                        cell.data_type = "s"
                    typed[("deals", i + 1, f)] = v
        elif t.kind == "quiz":
            for i in range(t.n_rows):
                if rnd.random() < 0.5:
                    r = t.first_row + i
                    week, place = ws.cell(r, t.fields["week"]).value, ws.cell(r, t.fields["place"]).value
                    for f, v in (("region", "华南区"), ("rep", f"=q{i}")):
                        ws.cell(r, t.fields[f], v).data_type = "s"
                        typed[("quiz", week, place, f)] = v
        elif t.kind == "referrals":
            for i in range(7):
                for f, c in t.fields.items():
                    v = {"region": "西南区", "partner": f"+p{i}", "level": rnd.choice([1, 2, 3]),
                         "reference": f"#{i}"}.get(f, round(rnd.uniform(1, 1e6), 2))
                    cell = ws.cell(t.first_row + i, c, v)
                    if isinstance(v, str):
                        cell.data_type = "s"
                    typed[("referrals", i + 1, f)] = v
    wb.save(path)
    return typed


def _read_back(path) -> dict:
    from salesplan.workbook_templates.inputs import read_inputs
    with OpenpyxlReader(path) as rd:
        _, inputs = read_inputs(rd)
    got = {}
    for region, ri in inputs.regions.items():
        for row in ri.reps:
            if not present(row.name):
                continue
            got[(region, row.name, "name")] = row.name
            for f in ("new_hire", "weight", "coaching", "churn"):
                got[(region, row.name, f)] = getattr(row, f)
            for k, v in row.kpi.items():
                got[(region, row.name, "kpi:" + k)] = v
        for j, p in enumerate(ri.phases):
            for prod, v in p.revenue.items():
                got[(region, j + 1, "rev:" + prod)] = v
            for f in ("new_customers", "complaints", "response_hours", "satisfaction", "inventory"):
                got[(region, j + 1, f)] = getattr(p, f)
        got[(region, "focus_target")] = ri.focus_target
    for i, d in enumerate(inputs.deals):
        for f in d.__dataclass_fields__:
            got[("deals", i + 1, f)] = getattr(d, f)
    for q in inputs.quiz:
        got[("quiz", q.week, q.place, "region")] = q.region
        got[("quiz", q.week, q.place, "rep")] = q.rep
    for i, x in enumerate(inputs.referrals):
        for f in x.__dataclass_fields__:
            got[("referrals", i + 1, f)] = getattr(x, f)
    return got


def _norm(v):
    from datetime import datetime
    if isinstance(v, datetime):
        return v.date()
    return v


def test_regeneration_keeps_every_typed_input(tmp_path, default_config):
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    typed = _type_random_inputs(path, seed=3)
    assert len(typed) > 300
    # a config change (new region targets) and regenerate over the same file
    changed = load_config(None, month="2026-12")
    from dataclasses import replace
    changed = replace(changed, coaching=replace(changed.coaching, team_total=12))
    result = generate_workbook(changed, path)
    assert result.regenerated and result.kept.count >= len(typed)
    got = _read_back(path)
    missing = {k: (v, got.get(k)) for k, v in typed.items() if _norm(got.get(k)) != _norm(v)}
    assert missing == {}
    # the new setting took effect, and the month is recognised
    assert read_config_from_workbook(path).coaching.team_total == 12
    assert read_meta(path)["month"] == "2026-12"


def test_untrusted_text_stays_text(tmp_path, default_config):
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    _type_random_inputs(path, seed=5)
    generate_workbook(default_config, path)
    wb = openpyxl.load_workbook(path, read_only=True)      # every cell's stored type, streamed
    formulas_from_names = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                           if c.data_type == "f" and str(c.value).startswith(("=x", "=c"))]
    assert formulas_from_names == []


def test_other_month_is_refused_or_archived(tmp_path, default_config):
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    before = path.read_bytes()
    jan = load_config(None, month="2027-01")
    with pytest.raises(WorkbookError, match="2027-01"):
        generate_workbook(jan, path)
    assert path.read_bytes() == before
    result = generate_workbook(jan, path, archive=True)
    assert result.archived is not None and result.archived.read_bytes() == before
    assert read_meta(path)["month"] == "2027-01"


def test_non_salesplan_file_is_never_overwritten(tmp_path, default_config):
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "precious"
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(WorkbookError):
        generate_workbook(default_config, path)
    assert path.read_bytes() == before


def test_failed_save_leaves_old_file_byte_identical(tmp_path, default_config, monkeypatch):
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    before = path.read_bytes()
    from salesplan.workbook_templates import writer

    def boom(built, tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(writer, "write_built", boom)
    with pytest.raises(OSError):
        generate_workbook(default_config, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_failed_save_with_archive_leaves_original_in_place(tmp_path, default_config, monkeypatch):
    """--archive moves the old month aside only after the new workbook is written and validated."""
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    before = path.read_bytes()
    from salesplan.workbook_templates import writer

    def boom(built, tmp):
        raise OSError("disk full")

    monkeypatch.setattr(writer, "write_built", boom)
    with pytest.raises(OSError):
        generate_workbook(load_config(None, month="2027-01"), path, archive=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_corrupt_output_is_not_installed(tmp_path, default_config, monkeypatch):
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    before = path.read_bytes()
    from salesplan.workbook_templates import writer
    monkeypatch.setattr(writer, "write_built", lambda built, tmp: open(tmp, "wb").write(b"not a zip"))
    with pytest.raises(WorkbookError):
        generate_workbook(default_config, path)
    assert path.read_bytes() == before


def test_cli_generate_without_arguments(tmp_path, monkeypatch, capsys):
    from salesplan.cli import main
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    files = list(tmp_path.glob("销售作战方案-*.xlsx"))
    assert len(files) == 1
    wb = openpyxl.load_workbook(files[0], read_only=True)
    assert wb.sheetnames[:5] == ["使用说明", "设置", "目标分解", "作战日历", "KPI考核"]
    # running it again regenerates in place and reports what it kept
    assert main(["generate"]) == 0
    assert "kept" in capsys.readouterr().err


def test_an_english_workbook_stays_english_when_regenerated(tmp_path, capsys):
    """--lang en over a config in Chinese: Setup's language row says en, so regenerating the file
    (which takes its settings from Setup) keeps it English; editing that row switches it."""
    from salesplan.cli import main
    from salesplan.workbook_templates.reader import read_meta
    path = tmp_path / "plan.xlsx"
    assert main(["generate", "--month", "2027-03", "--lang", "en", "-o", str(path)]) == 0
    assert main(["generate", "--month", "2027-03", "-o", str(path)]) == 0
    assert "using the plan settings in plan.xlsx (Setup)" in capsys.readouterr().err
    assert "Setup" in openpyxl.load_workbook(path, read_only=True).sheetnames and read_meta(path)["lang"] == "en"
    wb = openpyxl.load_workbook(path)
    ws = wb["Setup"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == "workbook.language")
    assert ws.cell(row, 2).value == "en"
    tier = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == "tiers")
    ws.cell(tier, 2).value = 1.5            # a rate above 100 %: named in the workbook's own words
    wb.save(path)
    assert main(["generate", "--month", "2027-03", "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"plan.xlsx Setup!B{tier} (commission.tiers[0].rate): got 1.5" in err and "设置" not in err, err
    ws.cell(tier, 2).value = 0.05
    ws.cell(row, 2).value = "zh"          # the director switches the language in Setup
    wb.save(path)
    assert main(["generate", "--month", "2027-03", "-o", str(path)]) == 0
    assert "设置" in openpyxl.load_workbook(path, read_only=True).sheetnames and read_meta(path)["lang"] == "zh"


def test_write_deals_lands_crm_rows(tmp_path, default_config):
    import pandas as pd
    from salesplan.workbook_templates.writer import write_deals
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    df = pd.DataFrame({"seq": [2, 1], "source_row": [3, 2], "date": pd.to_datetime(["2026-12-03", "2026-12-02"]),
                       "rep": ["=张", "李"], "region": ["华东区", "华南区"], "customer": ["A", "B"],
                       "is_new_customer": [True, False], "product": ["产品A", "产品B"],
                       "amount_fen": pd.array([123456, 100], dtype="int64"), "contract_id": ["H1", "H2"],
                       "stamped": [True, True], "quote_fen": [None, 100], "list_price_fen": [None, 120],
                       "first_quote": [False, True]})
    write_deals(path, df)
    got = _read_back(path)
    assert got[("deals", 1, "rep")] == "李" and got[("deals", 2, "rep")] == "=张"
    assert got[("deals", 2, "amount")] == 1234.56 and got[("deals", 1, "list_price")] == 1.2


def test_macro_actions_headless(tmp_path, default_config):
    from salesplan.macros import actions
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    book = actions.PathBook(path)
    assert actions.open_settings(book) == "设置"
    assert actions.check_risks(book) == []
    result = actions.generate_plan(book)
    assert result.path != path and result.path.exists()     # a NEW file: never the open one
    assert read_meta(result.path)["month"] == "2026-12"


def test_headless_macros_preflight_the_saved_file(tmp_path, default_config):
    """A saved book the ribbon's actions read headless passes the preflight every command's
    master passes: a sheet declaring entities is refused, naming the file, before any read."""
    import zipfile

    from salesplan.macros import actions
    from salesplan.xlsx.lxml_reader import UnsafeFileError
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1)
            zout.writestr(info, data)
    for action in (actions.open_settings, actions.recalculate, actions.check_risks, actions.generate_plan):
        with pytest.raises(UnsafeFileError) as exc:
            action(actions.PathBook(evil))
        assert exc.value.reason == "xml_entities" and "evil.xlsx" in str(exc.value), (action, exc.value)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_atomic_save_file_modes(tmp_path, default_config):
    """A new workbook gets the umask's mode (not mkstemp's 0600); a replaced one keeps its mode."""
    path = tmp_path / "plan.xlsx"
    old = os.umask(0o022)
    try:
        generate_workbook(default_config, path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    os.chmod(path, 0o640)
    generate_workbook(default_config, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_duplicate_rep_names_are_flagged(tmp_path, default_config):
    """Two rep rows with the same name in a region: a Problem on regeneration and a visible flag."""
    from salesplan.engine.actuals import RepRow, compute_actuals, default_inputs
    from salesplan.engine.plan import compute_plan
    plan = compute_plan(default_config)
    inputs = default_inputs(plan, deal_rows=5)
    reps = inputs.regions["华南区"].reps
    reps[0] = RepRow(name="同名")
    reps[1] = RepRow(name="同名")
    path = tmp_path / "plan.xlsx"
    result = generate_workbook(default_config, path, inputs=inputs)
    assert [p.code for p in result.problems] == ["duplicate-rep"] and "同名" in result.warnings[-1]
    act = compute_actuals(plan, inputs)
    assert act[("region", "华南区", "dup_flag")] and act[("region", "华南区", "dup_names")] == 2
    assert not act[("region", "华东区", "dup_flag")]
    again = generate_workbook(default_config, path)          # regeneration reads them back: still a Problem
    assert [p.code for p in again.problems] == ["duplicate-rep"]


def test_regenerating_an_untouched_file_reports_nothing_typed(tmp_path, default_config):
    """The pre-filled focus-KPI targets and config reps are the generator's, not a person's."""
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    result = generate_workbook(default_config, path)
    assert result.regenerated and result.kept.count == 0, result.kept.kept
    assert result.kept.summary() == "kept 0 typed value(s)"
    # one focus target typed over the pre-filled one: exactly that is reported
    wb = openpyxl.load_workbook(path)
    with OpenpyxlReader(path) as rd:
        _meta, tables = read_registry(rd)
    t = next(t for t in tables if t.kind == "scalar")
    wb[t.sheet].cell(t.first_row, t.fields["value"]).value = 0.55
    wb.save(path)
    result = generate_workbook(default_config, path)
    assert [k for k, _ in result.kept.kept] == [("focus_target", t.key[1])]
