"""Formula-looking CRM text lands in the deals sheet as text: a string cell for openpyxl,
never evaluated by LibreOffice (the workbook writer stores it as a string cell)."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest

from salesplan.cli import main
from salesplan.workbook_templates import generate_workbook
from lo_recalc import load_values

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]
HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", '=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0",
           "#N/A", "＝1+1", "-", "=", "普通文本", "00123"]


@pytest.fixture
def landed(tmp_path, default_config) -> Path:
    plan = tmp_path / "plan.xlsx"
    generate_workbook(default_config, plan)
    crm = tmp_path / "crm.csv"
    with open(crm, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, s in enumerate(HOSTILE):
            w.writerow([f"2026-12-{i + 1:02d}", "钱东一", "华东区", s, "是", "产品A", "100", f"HT-{i:03d}", "是"])
    assert main(["deals", "import", str(crm), "--into", str(plan)]) == 0
    return plan


def hostile_cells(ws) -> dict[str, object]:
    return {c.value: c for row in ws.iter_rows() for c in row if c.value in HOSTILE}


def test_formula_looking_text_is_a_string_cell(landed):
    cells = hostile_cells(openpyxl.load_workbook(landed, read_only=True)["成交明细"])   # types as stored
    assert set(cells) == set(HOSTILE)
    assert {s: c.data_type for s, c in cells.items()} == {s: "s" for s in HOSTILE}


@pytest.mark.libreoffice
def test_libreoffice_does_not_evaluate(landed, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required on CI")
        pytest.skip("LibreOffice not installed")
    out = tmp_path / "out"
    profile = tmp_path / f"lo_{uuid.uuid4().hex}"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "xlsx",
                    "--outdir", str(out), str(landed)], check=True, capture_output=True, timeout=300)
    converted = out / landed.name
    values = hostile_cells(load_values(converted)["成交明细"])
    formulas = hostile_cells(openpyxl.load_workbook(converted, read_only=True)["成交明细"])
    assert set(values) == set(HOSTILE)                      # every text kept as typed, none computed
    assert all(c.data_type != "f" for c in formulas.values())
