"""The optional C cell tokenizer returns exactly what the raw reader's regular
expression finds — on random fragments built from the pattern's own pieces (where
backtracking could differ) and on real sheets."""
from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.regional import xlsxread

try:
    from salesplan.regional import _cellscan as cellscan
except ImportError:  # no compiler where it was installed: the reader uses the regex
    if os.environ.get("CI"):
        raise           # CI has gcc: a missing tokenizer there is a build failure
    pytest.skip("the C tokenizer was not built (no compiler): the regex is used", allow_module_level=True)

PIECES = ['<c r="', '<c r="A', "A", "AB", "XFD", "ABCD", "1", "12", '"', ' s="', ' t="', "3", "n", "inlineStr",
          ">", "/>", "/", "</c>", "<v>", "</v>", "<f>", "SUM(A1:B2)", "</f>", "<is><t>", "</t></is>", "中文",
          " ", '"x"', "<", "</row>", '<row r="1">', "<c>", ' r="A1"', "&amp;", "\n", "é", " foo=\"1\""]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_tuples_as_the_regex_on_fragments(pieces):
    text = "".join(pieces)
    assert cellscan.scan_cells(text.encode("utf-8")) == xlsxread._FAST_CELL.findall(text)


def test_same_tuples_on_real_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 40):
        ws.append([r, f"销售员{r}", r * 1.5, f"=A{r}*2", None, True, "a & <b>", "=SUM(A1:A3)"])
    wb.save(tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        data = z.read("xl/worksheets/sheet1.xml")
    found = cellscan.scan_cells(data)
    assert found == xlsxread._FAST_CELL.findall(data.decode("utf-8")) and len(found) > 200


def test_a_reader_without_it_reads_the_same(tmp_path, monkeypatch):
    from salesplan.regional.synthetic import write_region_file

    write_region_file(tmp_path / "r.xlsx", "华东区", "张明", 12, values={("reps", "华东区", 1, "kpi:reads"): 1.25})
    with xlsxread.XlsxFile(tmp_path / "r.xlsx") as x:
        with_c = {s: dict(x.read_sheet(s)) for s in x.sheet_names}
    monkeypatch.setattr(xlsxread, "_scan_cells", None)
    with xlsxread.XlsxFile(tmp_path / "r.xlsx") as x:
        without = {s: dict(x.read_sheet(s)) for s in x.sheet_names}
    assert with_c == without and len(with_c["华东区"]) > 100
