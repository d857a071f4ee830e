"""A regional file re-saved by LibreOffice (as WPS and other Excel versions re-save it)
merges: locked content is judged by what it means — the plan cells' values, the stamp —
not by how the application spells a formula (``'设置'!$A$3`` vs ``设置!$A$3``, ``TRUE()``,
numbers cut to 15 digits). The files are really re-saved by LibreOffice headless."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from lo_recalc import recalc
from salesplan.config import load_config
from salesplan.engine.params import Rep
from salesplan.regional.manifest import SplitManifest, sidecar_path

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

REPS = {"华东区": ["钱东一", "孙东二"], "华南区": ["吴南一", "郑南二"], "西南区": ["冯西一"], "北方区": ["褚北一"]}


@pytest.fixture(scope="module")
def resaved(tmp_path_factory):
    from salesplan.regional.workflow import split_plan
    from salesplan.workbook_templates.writer import generate_workbook

    d = tmp_path_factory.mktemp("lo-resave")
    cfg = load_config(month="2025-07")
    cfg = dataclasses.replace(cfg, regions=tuple(
        dataclasses.replace(r, reps=tuple(Rep(n, False, Decimal(1)) for n in REPS[r.name])) for r in cfg.regions))
    plan = d / "plan.xlsx"
    generate_workbook(cfg, plan)
    split = split_plan(plan, d / "out", config=cfg)
    # 华南区's manager types two values (in openpyxl), then both files go through LibreOffice
    m = SplitManifest.load(sidecar_path(plan, "华南区"))
    by_key = {f.key: f for f in m.inputs}
    typed = {("reps", "华南区", "吴南一", "coaching"): 4, ("reps", "华南区", "郑南二", "churn"): 0.125}
    wb = openpyxl.load_workbook(split.files["华南区"])
    for key, v in typed.items():
        wb[by_key[key].sheet][by_key[key].cell] = v
    wb.save(split.files["华南区"])
    files = recalc([split.files["华东区"], split.files["华南区"]], d / "lo")
    return {"plan": plan, "cfg": cfg, "files": dict(zip(("华东区", "华南区"), files)), "typed": typed}


def test_a_file_resaved_without_edits_merges_clean(resaved):
    from salesplan.regional.workflow import consolidate

    report = consolidate(resaved["plan"], [resaved["files"]["华东区"]], config=resaved["cfg"], write=False)
    f, = report.files
    assert f.status == "merged", (f.reason, f.detail)
    assert f.problems == [] and report.rows_imported == 0 and not report.conflicts


def test_a_file_edited_then_resaved_merges_its_edits(resaved, tmp_path):
    import shutil

    from salesplan.regional.workflow import consolidate
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    plan = Path(shutil.copy(resaved["plan"], tmp_path / "plan.xlsx"))
    shutil.copytree(resaved["plan"].parent / "plan.splits", tmp_path / "plan.splits")
    report = consolidate(plan, [resaved["files"]["华南区"]], config=resaved["cfg"])
    f, = report.files
    assert f.status == "merged" and f.problems == [], [str(p) for p in f.problems[:5]]
    assert {c.key: c.regional for c in f.applied} == {k: Decimal(str(v)) for k, v in resaved["typed"].items()}
    with OpenpyxlReader(plan) as rd:
        _, inputs = read_inputs(rd)
    reps = {r.name: r for r in inputs.regions["华南区"].reps}
    assert reps["吴南一"].coaching == 4 and reps["郑南二"].churn == pytest.approx(0.125)
