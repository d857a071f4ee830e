"""Split and consolidate on the real plan workbook (the writer in workbook_templates).

generate → split → every part of every regional file is free of other regions →
managers type through openpyxl → consolidate → the master holds their values, keyed by
region/rep/field; re-running changes nothing; a value changed on both sides is a conflict.
"""
from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salesplan.config import load_config
from salesplan.engine.params import Rep
from salesplan.regional.manifest import SplitManifest, sidecar_path
from salesplan.regional.scan import scan_for_names
from salesplan.xlsx.lxml_reader import XlsxFile

writer = pytest.importorskip("salesplan.workbook_templates.writer")

REPS = {
    "华东区": ["钱东一", "孙东二", "周东三"],
    "华南区": ["吴南一", "郑南二"],
    "西南区": ["冯西一", "陈西二"],
    "北方区": ["褚北一", "卫北二", "蒋北三"],
}


@pytest.fixture(scope="module")
def config():
    cfg = load_config(month="2025-07")
    regions = tuple(dataclasses.replace(r, reps=tuple(Rep(n, i == 0, Decimal(1)) for i, n in enumerate(REPS[r.name])))
                    for r in cfg.regions)
    return dataclasses.replace(cfg, regions=regions)


@pytest.fixture
def master(tmp_path, config) -> Path:
    path = tmp_path / "plan.xlsx"
    writer.generate_workbook(config, path)
    return path


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_split_files_hold_only_their_region(master, config, tmp_path):
    from salesplan.regional.workflow import split_plan

    res = split_plan(master, tmp_path / "out", config=config)
    assert sorted(res.files) == sorted(REPS)
    for region, path in res.files.items():
        others = [r for r in config.regions if r.name != region]
        needles = [r.name for r in others] + [r.manager for r in others] + [n for r in others for n in REPS[r.name]]
        assert scan_for_names(path, needles) == [], region          # every part of the zip
        own = [region, config.region(region).manager] + REPS[region]
        assert {h.needle for h in scan_for_names(path, own)} >= {region, *REPS[region]}
        with XlsxFile(path) as x:
            stamp = {k: v for k, v in x.custom_properties.items() if k.startswith("salesplan.split.")}
            assert stamp["salesplan.split.region"] == region and stamp["salesplan.split.month"] == "2025-07"
            assert stamp["salesplan.split.plan_version"].startswith("v")
            assert [s.name for s in x.sheets if s.state != "visible"] in ([], ["_salesplan"])
            assert not [d for d in x.defined_names if any(n in d.value or n in d.name for n in needles)]
            m = SplitManifest.load(sidecar_path(master, region))
            assert m.region == region and m.split_id == stamp["salesplan.split.split_id"]
            tab = x.read_sheet(region)
            inputs = [f for f in m.inputs if f.sheet == region]
            assert inputs and all(not x.is_locked(tab[f.cell].style) for f in inputs if f.cell in tab)
            formulas = [a for a, c in tab.items() if c.formula is not None]
            assert formulas and all(x.is_locked(tab[a].style) for a in formulas)
            assert x.sheet_protected(region)
            # managers fill only their region tab: 设置 (assumptions too), deals, quiz and referrals are locked
            cells = {f.cell for f in inputs}
            assert not [a for a, c in tab.items() if not x.is_locked(c.style) and a not in cells]
            for sheet in x.sheet_names:
                if sheet not in (region, "_salesplan"):
                    assert x.sheet_protected(sheet), sheet
                    assert not [a for a, c in x.read_sheet(sheet).items() if not x.is_locked(c.style)], sheet


def test_month_loop_split_fill_consolidate(master, config, tmp_path):
    from salesplan.regional.workflow import consolidate, split_plan
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    res = split_plan(master, tmp_path / "out", config=config)
    typed = {}
    for region, path in res.files.items():
        m = SplitManifest.load(sidecar_path(master, region))
        by_key = {f.key: f for f in m.inputs}
        wb = openpyxl.load_workbook(path)
        ws = wb[region]
        for i, rep in enumerate(REPS[region]):
            f = by_key[("reps", region, rep, "coaching")]
            ws[f.cell] = i + 2
            typed[(region, rep, "coaching")] = i + 2
            f = by_key[("reps", region, rep, "churn")]
            ws[f.cell] = 0.05 * (i + 1)
            typed[(region, rep, "churn")] = 0.05 * (i + 1)
        f = by_key[("phases", region, 1, "complaints")]
        ws[f.cell] = 3
        wb.save(path)
    # the director changes one value in the master after the split: a conflict if the manager also did
    rep0 = REPS["华东区"][0]
    report = consolidate(master, list(res.files.values()), config=config)
    assert report.saved and report.ok, report.details()
    assert report.rows_imported == len(typed) + len(REPS)
    with OpenpyxlReader(master) as rd:
        _, inputs = read_inputs(rd)
    for (region, rep, field), v in typed.items():
        row = next(r for r in inputs.regions[region].reps if r.name == rep)
        assert getattr(row, field) == pytest.approx(v)
    for region in REPS:
        assert inputs.regions[region].phases[0].complaints == 3
    before = _digest(master)
    again = consolidate(master, list(res.files.values()), config=config)     # idempotent
    assert again.rows_imported == 0 and not again.saved and _digest(master) == before
    assert not again.conflicts
    # a conflict: the master and the manager both change 钱东一's coaching differently
    m = SplitManifest.load(sidecar_path(master, "华东区"))
    cell = next(f.cell for f in m.inputs if f.key == ("reps", "华东区", rep0, "coaching"))
    wb = openpyxl.load_workbook(res.files["华东区"])
    wb["华东区"][cell] = 9
    wb.save(res.files["华东区"])
    with OpenpyxlReader(master) as rd:
        _, inputs = read_inputs(rd)
    next(r for r in inputs.regions["华东区"].reps if r.name == rep0).coaching = 5
    writer.generate_workbook(config, master, inputs=inputs)
    third = consolidate(master, [res.files["华东区"]], config=config)
    (_, c), = third.conflicts
    assert c.key == ("reps", "华东区", rep0, "coaching") and (c.base, c.master, c.regional) == (2, 5, 9)
    with OpenpyxlReader(master) as rd:
        _, inputs = read_inputs(rd)
    assert next(r for r in inputs.regions["华东区"].reps if r.name == rep0).coaching == 5


def test_cli_split_and_consolidate(master, tmp_path, capsys):
    from salesplan.cli import main

    toml = tmp_path / "plan.toml"
    # the CLI reads the configuration from --config here (the same seed plan with reps)
    from salesplan.config.loader import default_config_text
    text = default_config_text()
    toml.write_text(text, encoding="utf-8")
    out = tmp_path / "regions"
    assert main(["split", str(master), "-o", str(out), "--config", str(toml), "--region", "华南区"]) == 0
    files = list(out.glob("*.xlsx"))
    assert len(files) == 1 and "华南区" in files[0].name
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    code = main(["consolidate", str(master), str(out), str(bad), "--config", str(toml)])
    printed = capsys.readouterr().out
    assert code == 1 and "files read: 2 (1 merged, 1 excluded)" in printed and "refused (not_zip)" in printed
    # a folder with no regional file in it: said so, exit 2, the master untouched
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a workbook")
    before = _digest(master)
    assert main(["consolidate", str(master), str(empty), "--config", str(toml)]) == 2
    err = capsys.readouterr().err
    assert f"nothing to consolidate: {empty} holds no regional file" in err and _digest(master) == before


@pytest.mark.libreoffice
def test_regional_targets_are_the_masters(master, config, tmp_path):
    """Every target of a regional file is the master plan's, to the yuan: region revenue and new
    customers, region × product, region × phase, KPI weights, and (after LibreOffice recalculates the
    file) every rep's personal target. A per-region recomputation would differ by a yuan in some
    phase targets of this plan (e.g. 华东区 phase 1: 136,956 instead of 136,957)."""
    from lo_recalc import error_cells, load_values, recalc, require_libreoffice

    from salesplan.engine.actuals import DealRow, compute_actuals
    from salesplan.engine.plan import compute_plan
    from salesplan.regional.workflow import split_plan
    from salesplan.workbook_templates.expect import same
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    require_libreoffice()
    with OpenpyxlReader(master) as rd:
        _, master_inputs = read_inputs(rd)
    for k, region in enumerate(("华东区", "北方区")):       # deals: the rep tables hold more than targets
        master_inputs.deals[k] = DealRow(seq=k + 1, rep=REPS[region][0], region=region, customer="客户",
                                         amount=1000.5, customer_region="西南区")
    writer.generate_workbook(config, master, inputs=master_inputs)
    plan = compute_plan(config)                    # the master plan, computed from the full configuration
    act = compute_actuals(plan, master_inputs)
    res = split_plan(master, tmp_path / "out", config=config)
    outs = recalc(list(res.files.values()), tmp_path / "lo")
    master_wb = openpyxl.load_workbook(master)
    checked = 0
    for (region, _), out in zip(res.files.items(), outs):
        wb = load_values(out)
        assert error_cells(wb) == []
        rt = next(r for r in plan.regions if r.name == region)
        ws, mws = wb[region], master_wb[region]
        # the region tab has the master's geometry: find the cells by their labels
        rows = {c.value: c.row for c in ws["B"] if isinstance(c.value, str)}
        hdr = next(c.row for c in ws["A"] if c.value == "阶段" and c.row > 5)
        cols = {c.value: c.column for c in ws[hdr] if isinstance(c.value, str)}
        assert ws["C5"].value == rt.revenue and ws["C6"].value == rt.new_customers
        for j, pt in enumerate(plan.phases):
            assert ws.cell(hdr + 1 + j, 5).value == pt.regions[region], (region, j)
        for p in plan.products:
            assert ws.cell(rows["产品目标"], cols[p.name]).value == rt.products[p.name], (region, p.name)
        rep_hdr = next(c.row for c in ws["B"] if c.value == "姓名")
        kpi_cols = {c.value: c.column for c in ws[rep_hdr] if isinstance(c.value, str)}
        for kw in plan.kpi_weights[region]:
            assert ws.cell(rep_hdr - 4, kpi_cols[kw.name]).value == pytest.approx(float(kw.weight)), kw.key
        tcol = kpi_cols["个人目标"]
        for i, _ in enumerate(master_inputs.regions[region].reps):
            assert same(ws.cell(rep_hdr + 1 + i, tcol).value, act[("rep", region, i, "target")]), (region, i)
            checked += 1
        assert sum(ws.cell(rep_hdr + 1 + i, tcol).value or 0 for i in range(len(REPS[region]))) == rt.revenue
        # the same plan values sit in the same cells of the master's tab
        for r in range(1, rep_hdr):
            for c in range(1, ws.max_column + 1):
                mv = mws.cell(r, c).value
                if isinstance(mv, int) and not isinstance(mv, bool):       # yuan: exact
                    assert ws.cell(r, c).value == mv, (region, ws.cell(r, c).coordinate)
                elif isinstance(mv, float):                                # weights (LibreOffice writes 15 digits)
                    assert same(ws.cell(r, c).value, mv), (region, ws.cell(r, c).coordinate)
        # 目标分解: the region's row of the region table and of the region × product matrix
        tg = wb["目标分解"]
        found = [r for r in range(1, tg.max_row + 1) if tg.cell(r, 1).value == region]
        assert len(found) == 2
        assert (tg.cell(found[0], 3).value, tg.cell(found[0], 5).value) == (rt.revenue, rt.new_customers)
        assert [tg.cell(found[1], 2 + j).value for j in range(len(plan.products))] == \
            [rt.products[p.name] for p in plan.products]
        # 作战日历: the region's phase column; KPI考核: the region's final weights
        cal = wb["作战日历"]
        h = next(r for r in range(1, cal.max_row + 1) if region in [c.value for c in cal[r]])
        col = [c.value for c in cal[h]].index(region) + 1
        assert [cal.cell(h + 1 + j, col).value for j in range(len(plan.phases))] == \
            [pt.regions[region] for pt in plan.phases]
        kpi = wb["KPI考核"]
        weights = [kpi.cell(r, 4).value for r in range(1, kpi.max_row + 1)
                   if kpi.cell(r, 2).value in {kw.name for kw in plan.kpi_weights[region]} and
                   isinstance(kpi.cell(r, 4).value, float) and r > 12]
        assert weights == pytest.approx([float(kw.weight) for kw in plan.kpi_weights[region]])
    assert checked >= 4 * 5


def test_generate_a_regional_file_directly(config, tmp_path):
    """generate_workbook(…, regions=[R]) writes R's file: the master plan's figures, R alone, stamped
    with the regions it holds; an unknown region is refused."""
    from salesplan.errors import WorkbookError

    path = tmp_path / "south.xlsx"
    writer.generate_workbook(config, path, regions=["华南区"])
    others = [r for r in config.regions if r.name != "华南区"]
    assert scan_for_names(path, [r.name for r in others] + [r.manager for r in others]
                          + [n for r in others for n in REPS[r.name]]) == []
    with XlsxFile(path) as x:
        assert x.custom_properties["salesplan.regions"] == '["华南区"]'
        assert "华南区" in x.sheet_names and not set(REPS) - {"华南区"} & set(x.sheet_names)
    with pytest.raises(WorkbookError) as err:
        writer.generate_workbook(config, tmp_path / "x.xlsx", regions=["东北区"])
    assert err.value.problems[0].code == "unknown_region"


def test_master_values_find_the_same_rep_rows_as_resolving_each_key_alone():
    """MasterValues works a region's rep rows out once (not per key: n² for n reps); it
    places every key — names, duplicated and blank names (#n), renamed reps found by
    their split-time row, unknown regions and fields — where resolving each key on its
    own from the rep table does."""
    import random
    import types

    from salesplan.engine.actuals import RepRow
    from salesplan.regional.workflow import MasterValues, _resolve, rep_whos

    rng = random.Random(7)
    for _ in range(300):
        names = [rng.choice([None, "", " ", "张三", "李四", "王五", " 张三 ", "#2", "#9", "赵六", "钱七"])
                 for _ in range(rng.randint(0, 8))]
        regions = {"华东区": types.SimpleNamespace(reps=[RepRow(name=n, weight=i) for i, n in enumerate(names)],
                                                 phases=[])}
        inputs = types.SimpleNamespace(regions=regions)
        whos = rep_whos(regions["华东区"].reps)
        candidates = whos + ["张三", "李四", "无名", "#1", "#3", "#12"]
        keys = [("reps", rng.choice(["华东区", "华东区", "华南区"]), rng.choice(candidates),
                 rng.choice(["weight", "name", "kpi:reads", "nope"])) for _ in range(12)]
        hints = {k: rng.randint(0, 9) for k in keys if rng.random() < 0.5}
        mv = MasterValues(inputs)
        mv.hint(hints.items())
        for k in keys:
            want = _resolve(inputs, k, hints.get(k))
            got = mv.slot(k)
            assert (got is None) == (want is None), (names, k)
            if got is not None:
                assert (got.obj is want.obj, got.attr, got.sub) == (True, want.attr, want.sub), (names, k)


def test_a_sheet_the_manager_added_is_named_as_a_warning(master, config, tmp_path):
    """A manager adds a scratch sheet and types in it: the file still merges (its inputs
    are the manager's work), and the report says the added sheet's contents stay out of
    the master (a warning, sheet_added) — nothing typed is dropped without a word."""
    from salesplan.regional.workflow import consolidate, split_plan

    res = split_plan(master, tmp_path / "out", config=config, regions=["华南区"])
    path = res.files["华南区"]
    m = SplitManifest.load(sidecar_path(master, "华南区"))
    f = next(f for f in m.inputs if f.key == ("reps", "华南区", REPS["华南区"][0], "coaching"))
    wb = openpyxl.load_workbook(path)
    wb["华南区"][f.cell] = 4
    wb.create_sheet("草稿")["B2"] = "下周拜访 20 家"
    wb.save(path)
    report = consolidate(master, [path], config=config)
    assert report.ok and report.saved and report.rows_imported == 1, report.details()
    (warning,) = [p for fr in report.files for p in fr.problems]
    assert (warning.code, warning.where) == ("sheet_added", f"{path.name}: 草稿")
    assert any("sheet_added" in line and "草稿" in line for line in report.details())


@pytest.mark.parametrize("length,ok", [(60, True), (61, False)])
def test_a_rep_name_longer_than_the_spec_allows_is_refused(master, config, tmp_path, length, ok):
    """The input specification's limit (salesplan.engine.input_spec) holds on consolidation as it
    does in the workbook's own validation: a 61-character rep name is invalid_input."""
    from salesplan.engine.input_spec import spec
    from salesplan.regional.workflow import consolidate, split_plan

    assert spec("reps", "name").max_length == 60
    res = split_plan(master, tmp_path / "out", config=config, regions=["华南区"])
    path = res.files["华南区"]
    m = SplitManifest.load(sidecar_path(master, "华南区"))
    f = next(f for f in m.inputs if f.key == ("reps", "华南区", REPS["华南区"][0], "name"))
    wb = openpyxl.load_workbook(path)
    wb["华南区"][f.cell] = "名" * length
    wb.save(path)
    report = consolidate(master, [path], config=config)
    problems = [p for fr in report.files for p in fr.problems]
    if ok:
        assert report.rows_imported == 1 and not problems, report.details()
    else:
        (p,) = problems
        assert p.code == "invalid_input" and p.value == "名" * length and "at most 60 characters" in p.expected
        assert report.rows_imported == 0
