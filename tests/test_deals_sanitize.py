"""Untrusted strings are written as text: openpyxl round trip and a LibreOffice recalculation."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest

from salesplan.deals.sanitize import as_safe_text, excel_input_text, is_formula_like, text_cell, write_text

HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil","x")',
           "=cmd|' /C calc'!A0", "#N/A", "＝1+1", "-", "=", "普通文本", "00123"]


def test_detection():
    assert all(is_formula_like(s) for s in HOSTILE[:10])
    assert not any(is_formula_like(s) for s in ["普通文本", "abc", "", "1+1"])


def test_as_safe_text_keeps_visible_text():
    assert as_safe_text("=1+1") == "=1+1"
    assert as_safe_text(None) == "" and as_safe_text(12) == "12"
    assert as_safe_text("a\x00b\x07c\td") == "abc\td"   # XML cannot hold \x00 or \x07
    assert excel_input_text("=1+1") == "'=1+1" and excel_input_text("") == ""


def test_plain_openpyxl_would_write_formulas():
    """The hazard this module exists for (documents openpyxl's behaviour)."""
    ws = openpyxl.Workbook().active
    ws["A1"] = "=1+1"
    ws["A2"] = "#N/A"
    assert ws["A1"].data_type == "f" and ws["A2"].data_type == "e"


def write_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, s in enumerate(HOSTILE, start=1):
        write_text(ws.cell(row=i, column=1), s)
    ws["B1"] = "=1+1"   # a real formula, as a control: LibreOffice must evaluate this one
    wb.save(path)
    return path


def test_openpyxl_round_trip(tmp_path):
    p = write_book(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(p).active
    for i, s in enumerate(HOSTILE, start=1):
        cell = ws.cell(row=i, column=1)
        assert cell.data_type == "s", (s, cell.data_type)
        assert cell.value == s, (s, cell.value)
    assert ws["A1"].quotePrefix is True


def test_write_only_mode(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([text_cell(ws, "=1+1"), text_cell(ws, "@x")])
    wb.save(tmp_path / "w.xlsx")
    ws2 = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    assert ws2["A1"].value == "=1+1" and ws2["A1"].data_type == "s" and ws2["B1"].value == "@x"


@pytest.mark.libreoffice
def test_libreoffice_does_not_evaluate(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required on CI")
        pytest.skip("LibreOffice not installed")
    src = write_book(tmp_path / "in.xlsx")
    out = tmp_path / "out"
    profile = tmp_path / f"lo_{uuid.uuid4().hex}"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "xlsx",
                    "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180)
    converted = out / "in.xlsx"
    values = openpyxl.load_workbook(converted, data_only=True).active
    formulas = openpyxl.load_workbook(converted).active
    assert values["B1"].value == 2 and formulas["B1"].data_type == "f"   # control: LO did recalculate
    for i, s in enumerate(HOSTILE, start=1):
        v = values.cell(row=i, column=1)
        f = formulas.cell(row=i, column=1)
        assert f.data_type != "f", (s, f.value)
        expected = s.replace("\r", "\n") if s.startswith("\r") else s
        assert v.value in (expected, s), (s, v.value)
