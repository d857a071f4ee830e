"""Printing like a document: every sheet has a deliberate A4 page setup (orientation, print area
on the rows with content, repeated titles, a readable scale, header and footer with the plan
month, the sheet name and "page x of y"); LibreOffice's PDF export of the default plan and of a
filled month has no page without content (pdftotext per page)."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest

from salesplan.config import load_config
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.sheets.common import MIN_SCALE
from salesplan.workbook_templates.writer import build_models, write_built
from workbook_helpers import random_inputs

# the page counts docs/workbook.md states (LibreOffice's PDF export; Excel's page breaks may differ a little)
DOC_PAGES = {"default": 39, "filled": 51}


def _files(folder: Path) -> dict[str, Path]:
    plan = compute_plan(load_config(None, month="2026-12"))
    out = {}
    for tag, inputs in (("default", None), ("filled", random_inputs(plan, seed=5))):
        path = folder / f"{tag}.xlsx"
        write_built(build_models(plan, inputs=inputs), path)
        out[tag] = path
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("print"))


def test_every_sheet_has_a_deliberate_page_setup(files):
    for tag, path in files.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            where = f"{tag}: {ws.title}"
            assert ws.page_setup.paperSize in (9, "9"), where
            assert ws.page_setup.orientation in ("landscape", "portrait"), where
            assert ws.print_area, where
            assert "2026-12" in ws.oddHeader.center.text and "&A" in ws.oddHeader.center.text, where
            assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, where
            if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
                assert ws.title in ("仪表盘", "目标分解"), where     # only the dashboard and the targets: one page
            else:
                assert MIN_SCALE <= int(ws.page_setup.scale) <= 100, where


def test_print_areas_end_at_the_rows_with_content(files):
    wb = openpyxl.load_workbook(files["default"])
    last_row = {ws.title: int(re.findall(r"\d+", ws.print_area.split(":")[-1])[-1]) for ws in wb.worksheets
                if ws.print_area}
    # untouched: no deals, no statement lines, no triggered flags — only the tables' headers print
    assert last_row["成交明细"] <= 6 and last_row["风险预警"] <= 10
    assert wb["成交明细"].print_title_rows and wb["激励"].print_title_cols
    filled = openpyxl.load_workbook(files["filled"])
    assert int(re.findall(r"\d+", filled["成交明细"].print_area.split(":")[-1])[-1]) > 40


def _page_texts(pdf: Path) -> list[str]:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                         check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for i in range(1, n + 1)]


def _body(page: str) -> list[str]:
    """A page's lines without the header (first line) and the footer (page x of y)."""
    lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
    return [ln for ln in lines[1:] if not re.fullmatch(r"第 \d+ 页，共 \d+ 页", ln)]


def to_pdf(files: list[Path], outdir: Path) -> list[Path]:
    from lo_recalc import make_profile, require_libreoffice
    exe = require_libreoffice()
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        subprocess.run([exe, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                        f"-env:UserInstallation={make_profile(Path(prof))}", "--convert-to", "pdf",
                        "--outdir", str(outdir), *map(str, files)], capture_output=True, timeout=600, check=True)
    return [outdir / (f.stem + ".pdf") for f in files]


@pytest.mark.libreoffice
def test_pdf_has_no_page_without_content(files, tmp_path):
    pdfs = to_pdf(list(files.values()), tmp_path)
    for tag, pdf in zip(files, pdfs):
        pages = _page_texts(pdf)
        empty = [i + 1 for i, p in enumerate(pages) if len(_body(p)) < 2]
        assert empty == [], f"{tag}: pages with no content {empty}"
        assert all("2026-12" in p.splitlines()[0] for p in pages if p.strip())
        assert len(pages) == DOC_PAGES[tag], f"{tag}: {len(pages)} pages (update docs/workbook.md and DOC_PAGES)"
