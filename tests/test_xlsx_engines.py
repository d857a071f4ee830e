"""The lxml engine reads a master as the openpyxl engine does, and every sheet the writer
renders declares its used range (``<dimension>``).

Files: the default plan, a filled month (random typed inputs: deals with dates, quiz,
referrals …) and both as LibreOffice re-saved them (the session's ``recalculated_plans``).
"""
from __future__ import annotations

import re
import zipfile

import pytest

from salesplan.xlsx import open_book


def _trim(grid):
    rows = [list(r) for r in grid]
    for r in rows:
        while r and r[-1] is None:
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


@pytest.fixture(scope="module")
def books(recalculated_plans):
    """The files of the session's LibreOffice fixture: as written, and as LibreOffice saved them."""
    out = {}
    for case in ("default", "filled"):
        ours, resaved = recalculated_plans.files["seed", case]
        out[case], out[f"{case}, LibreOffice"] = ours, resaved
    return out


@pytest.mark.parametrize("case", ["filled", "filled, LibreOffice"])
def test_lxml_reads_every_sheet_as_openpyxl(books, case):
    with open_book(books[case], engine="openpyxl") as a, open_book(books[case], engine="lxml") as b:
        assert a.sheet_names() == b.sheet_names()
        for sheet in a.sheet_names():
            assert _trim(b.read_used_range(sheet)) == _trim(a.read_used_range(sheet)), sheet


@pytest.mark.parametrize("case", ["default", "filled", "default, LibreOffice", "filled, LibreOffice"])
def test_read_plan_book_is_the_same_with_either_engine(books, case):
    from salesplan.workbook_templates.reader import read_plan_book

    a = read_plan_book(books[case], engine="openpyxl")
    b = read_plan_book(books[case], engine="lxml")
    assert (b.meta, b.config, b.inputs) == (a.meta, a.config, a.inputs)
    if case == "filled":
        assert any(d.date is not None for d in a.inputs.deals)      # dates were compared, not only blanks


def test_every_sheet_declares_its_used_range(books):
    import openpyxl

    full = openpyxl.load_workbook(books["filled"])
    with zipfile.ZipFile(books["filled"]) as z, open_book(books["filled"], engine="lxml") as x:
        for info in x.file.sheets:
            ref = re.search(rb'<dimension ref="([^"]+)"', z.read(info.part)[:4000]).group(1).decode()
            ws = full[info.name]
            cells = [c for row in ws.iter_rows() for c in row if c.value is not None or c.has_style]
            rows, cols = [c.row for c in cells], [c.column for c in cells]
            want = (f"{openpyxl.utils.get_column_letter(min(cols))}{min(rows)}:"
                    f"{openpyxl.utils.get_column_letter(max(cols))}{max(rows)}")
            assert ref == want, info.name
