"""Deals of reps on no region tab: named at import (stderr and JSON), shown as unassigned
revenue on the dashboard, counted in the team total (issue 22, point 7). Real files."""
from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from salesplan.cli import main
from salesplan.workbook_templates import generate_workbook
from lo_recalc import load_values

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]
ROWS = [
    ["2026-12-01", "钱东一", "华东区", "甲", "否", "产品A", "1000", "HT-1", "是"],     # on the 华东区 tab
    ["2026-12-02", "吴南一", "华南区", "乙", "否", "产品B", "2000.50", "HT-2", "是"],  # on the 华东区 tab only
    ["2026-12-03", "冯西一", "西南区", "丙", "否", "产品C", "300", "HT-3", "是"],      # on no tab
    ["2026-12-04", "冯西一", "西南区", "丁", "否", "产品C", "400", "HT-4", "是"],
]


def write_csv(path: Path) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(ROWS)
    return path


@pytest.fixture(scope="module")
def base_plan(tmp_path_factory) -> Path:
    """A plan workbook whose 华东区 tab lists 钱东一 and 吴南一 (written once; tests copy it)."""
    from salesplan.config import load_config
    from salesplan.engine.plan import compute_plan
    from salesplan.engine.records import default_inputs
    config = load_config(None, month="2026-12")
    inputs = default_inputs(compute_plan(config))
    inputs.regions["华东区"].reps[0].name = "钱东一"
    inputs.regions["华东区"].reps[1].name = "吴南一"
    path = tmp_path_factory.mktemp("unassigned") / "base.xlsx"
    generate_workbook(config, path, inputs=inputs)
    return path


@pytest.fixture
def plan(base_plan, tmp_path) -> Path:
    return Path(shutil.copy(base_plan, tmp_path / "plan.xlsx"))


def test_import_names_reps_on_no_region_tab(plan, tmp_path, capsys):
    crm = write_csv(tmp_path / "crm.csv")
    assert main(["deals", "import", str(crm), "--into", str(plan)]) == 0
    cap = capsys.readouterr()
    assert "2 rep(s) with deals are on no region tab" in cap.err
    assert "冯西一 (西南区): 2 deal(s), ¥700.00" in cap.err
    assert "吴南一 (华南区): 1 deal(s), ¥2,000.50 — listed on the tab of 华东区" in cap.err
    assert "钱东一" not in cap.err
    assert "landed 4 deal(s)" in cap.out and "unassigned" not in cap.out

    # the dashboard's unassigned row and team total carry the engine's values (stored, not recalculated)
    ws = load_values(plan)["仪表盘"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    u, t = rows["未分配（销售不在任何区域表）"], rows["团队合计（含未分配）"]
    assert Decimal(str(ws.cell(u, 4).value)) == Decimal("2700.50")
    assert Decimal(str(ws.cell(t, 4).value)) == Decimal("3700.50")       # regions 1000 + unassigned 2700.50
    headers = [ws.cell(4, c).value for c in range(1, 9)]
    assert "经理周报完成率" in headers and "成交明细完成率" in headers
    assert any(isinstance(ws.cell(r, 1).value, str) and ws.cell(r, 1).value.startswith("两种“实际”来源不同")
               for r in range(1, ws.max_row + 1))


def test_json_report_lists_unassigned_reps(plan, tmp_path, capsys):
    crm = write_csv(tmp_path / "crm.csv")
    assert main(["deals", "import", str(crm), "--into", str(plan), "--json"]) == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    assert doc["unassigned_reps"] == [
        {"rep": "吴南一", "region": "华南区", "deals": 1, "amount": "2000.50", "on_region_tabs": ["华东区"]},
        {"rep": "冯西一", "region": "西南区", "deals": 2, "amount": "700.00", "on_region_tabs": []},
    ]
    assert {w["code"] for w in doc["into"]["warnings"]} == {"unassigned_rep"}
    assert "冯西一" in cap.err


def test_without_into_the_configs_reps_are_the_roster(tmp_path, capsys):
    cfg = tmp_path / "plan.toml"
    cfg.write_text('month = "2026-12"\n'
                   '[[regions]]\nname = "华东区"\nmanager = "张明"\nrevenue = 1050000\nfocus_kpi = "k"\n'
                   'focus_weight = 0.05\nreps = [{ name = "钱东一" }]\n'
                   '[[regions]]\nname = "华南区"\nmanager = "李强"\nrevenue = 820000\nfocus_kpi = "k"\n'
                   'focus_weight = 0.03\nreps = [{ name = "吴南一" }]\n'
                   '[[regions]]\nname = "西南区"\nmanager = "王芳"\nrevenue = 1130000\nfocus_kpi = "k"\n'
                   'focus_weight = 0.02\n', encoding="utf-8")
    crm = write_csv(tmp_path / "crm.csv")
    assert main(["deals", "import", str(crm), "--config", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert "1 rep(s) with deals are on no region tab" in err and "冯西一 (西南区): 2 deal(s), ¥700.00" in err
    # no roster known: nothing to warn about, and the JSON says so
    assert main(["deals", "import", str(crm), "--json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["unassigned_reps"] is None and "region tab" not in cap.err
