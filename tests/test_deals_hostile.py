"""CRM files that used to kill the process or land wrong values: each built here by code.

A 5 KB workbook can make the Rust reader abort the whole process (a shared-string table
declaring 4,294,967,295 strings, a row of cells without ``r`` at row 1,048,576). The
preflight refuses what it can name; the rest is read in a child process that may die
without taking the import down. Out-of-range dates, control-character-only text and
text longer than a cell are errors naming file, row and value.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from salesplan.deals.reader import import_deals
from salesplan.errors import DealsError
from salesplan.xlsx import open_book
from salesplan.xlsx.preflight import UnsafeFileError

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]
ROW = ["2026-12-01", "钱东一", "华东区", "客户甲", "是", "产品A", "100", "HT-001", "是"]
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def good_xlsx(path: Path, rows=(ROW,)) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def with_parts(src: Path, dst: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, parts.pop(info.filename, None) or zin.read(info.filename))
        for name, data in parts.items():
            zout.writestr(name, data)
    return dst


def sheet(body: bytes) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b"><sheetData>" + body + b"</sheetData></worksheet>"


def huge_shared_strings(tmp_path: Path) -> Path:
    src = good_xlsx(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src) as z:
        types, rels = z.read("[Content_Types].xml"), z.read("xl/_rels/workbook.xml.rels")
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + NS + b' count="4294967295" uniqueCount="4294967295">'
           b"<si><t>a</t></si></sst>")
    return with_parts(src, tmp_path / "sst.xlsx", {
        "xl/sharedStrings.xml": sst,
        "[Content_Types].xml": types.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                             b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                             b'sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://'
                                                   b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                                                   b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')})


def wide_last_row(tmp_path: Path) -> Path:
    """20,000 cells without ``r`` in row 1,048,576: a dense area the reader cannot allocate."""
    src = good_xlsx(tmp_path / "src.xlsx")
    body = b'<row r="1048576">' + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    return with_parts(src, tmp_path / "wide.xlsx", {"xl/worksheets/sheet1.xml": sheet(body)})


def test_shared_strings_count_is_refused_by_the_preflight(tmp_path):
    evil = huge_shared_strings(tmp_path)
    assert evil.stat().st_size < 10_000
    with pytest.raises(UnsafeFileError) as info:
        import_deals(evil)
    assert info.value.reason == "absurd_dimensions" and "4,294,967,295 strings" in str(info.value)


def test_a_reader_crash_is_a_refusal_not_a_dead_process(tmp_path):
    evil = wide_last_row(tmp_path)
    assert evil.stat().st_size < 10_000
    with pytest.raises(UnsafeFileError) as info:   # the deals capacity (10,000 rows) refuses it by name
        import_deals(evil)
    assert info.value.reason == "absurd_dimensions"
    with pytest.raises(UnsafeFileError) as info:   # with Excel's own limits, the reader dies in its child
        import_deals(evil, preflight_options={"max_rows": 1_048_576, "max_cells": 30_000_000})
    assert info.value.reason == "corrupt" and "reader stopped" in str(info.value)
    # the same isolation for any file: a reader without memory stops, the caller carries on. In a
    # fresh process: a pytest worker's forked child may find enough free heap to need no new memory
    code = ("import sys\nfrom salesplan.xlsx import open_book\nfrom salesplan.xlsx.preflight import UnsafeFileError\n"
            "try:\n    open_book(sys.argv[1], engine='calamine', memory_limit=1)\n"
            "except UnsafeFileError as exc:\n    print('refused:', exc)\nelse:\n    print('read')\n")
    r = subprocess.run([sys.executable, "-c", code, str(good_xlsx(tmp_path / "ok.xlsx"))], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("refused:"), (r.stdout, r.stderr[-2000:])
    assert "reader stopped" in r.stdout or "could not be read" in r.stdout, r.stdout
    assert import_deals(tmp_path / "ok.xlsx").report.imported == 1


def test_cli_survives_every_crashing_file(tmp_path):
    files = [huge_shared_strings(tmp_path), wide_last_row(tmp_path), good_xlsx(tmp_path / "good.xlsx")]
    proc = subprocess.run([sys.executable, "-m", "salesplan.cli", "deals", "import", *map(str, files), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "panicked" not in proc.stderr and "backtrace" not in proc.stderr
    out = json.loads(proc.stdout)
    assert [(f["status"], f.get("reason")) for f in out["files"]] == [
        ("refused", "absurd_dimensions"), ("refused", "absurd_dimensions"), ("ok", None)]
    assert [d["contract_id"] for d in out["deals"]] == ["HT-001"]


def write_csv(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


@pytest.mark.parametrize("date", ["2926-03-01", "9999-12-31", "1899-12-31", "29260301"])
def test_out_of_range_dates_are_errors_naming_file_row_and_value(tmp_path, date):
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "crm.csv", [ROW, [date, *ROW[1:7], "HT-002", "是"]]))
    [problem] = info.value.problems
    assert problem.where == "crm.csv: row 3, column 成交日期" and problem.value == date
    assert "2099-12-31" in problem.expected


def test_out_of_range_dates_in_an_xlsx(tmp_path):
    rows = [[dt.datetime(9999, 12, 31), *ROW[1:7], "HT-002", "是"], [2958465, *ROW[1:7], "HT-003", "是"], ROW]
    with pytest.raises(DealsError) as info:
        import_deals(good_xlsx(tmp_path / "crm.xlsx", rows))
    assert [p.where for p in info.value.problems] == ["crm.xlsx: row 2, column 成交日期", "crm.xlsx: row 3, column 成交日期"]


def test_control_characters_only_are_blank_not_a_deal(tmp_path):
    bad = [ROW[0], "\x01\x02", *ROW[2:7], "\x03 \x7f\x1f", "是"]
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "crm.csv", [ROW, bad]))
    assert {(p.where, p.code) for p in info.value.problems} == {("crm.csv: row 3, column 销售", "blank"),
                                                                ("crm.csv: row 3, column 合同编号", "blank")}


def test_text_longer_than_a_cell_is_refused(tmp_path):
    long = "客" * 32_768
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "crm.csv", [[*ROW[:3], long, *ROW[4:]]]))
    [problem] = info.value.problems
    assert problem.code == "too_long" and problem.where == "crm.csv: row 2, column 客户"
    assert "32,768 characters" in problem.value and "32,767" in problem.expected
    assert import_deals(write_csv(tmp_path / "ok.csv", [[*ROW[:3], "客" * 32_767, *ROW[4:]]])).report.imported == 1
