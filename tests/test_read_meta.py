"""read_meta — a plan's month, language and marks from its hidden registry sheet alone.

Every command asks a plan its meta before anything else (the month, the 已结账 mark), so it
reads the workbook part, its relationships and the registry sheet only; the file is not
preflighted as a whole there, and each part it does inflate is still capped and refused
when it declares entities. These cases hold it to that, and to the same answer for a plan
re-saved by another application (strings moved to the shared-strings part).
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from salesplan.errors import WorkbookError
from salesplan.workbook_templates import generate_workbook
from salesplan.workbook_templates.labels import META_SHEET
from salesplan.workbook_templates.reader import read_meta
from salesplan.xlsx.lxml_reader import UnsafeFileError, XlsxFile


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    from salesplan.config import load_config
    path = tmp_path_factory.mktemp("meta") / "plan.xlsx"
    generate_workbook(load_config(None, month="2027-03"), path)
    return path


def _registry_part(path: Path) -> str:
    with XlsxFile(path, preflight=False) as f:
        return f.sheet_info(META_SHEET).part


def _with_part(src: Path, dst: Path, name: str, data: bytes) -> Path:
    """``src`` with the part ``name`` replaced by ``data`` (every other part as it was)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == name else zin.read(info.filename))
    return dst


def test_meta_is_the_plans_month_and_language(plan):
    meta = read_meta(plan)
    assert meta["month"] == "2027-03" and meta["lang"] == "zh"


def test_a_file_resaved_by_libreoffice_gives_the_same_meta(recalculated_plans):
    for written, resaved in recalculated_plans.files.values():
        assert read_meta(resaved) == read_meta(written), resaved


def test_another_sheet_is_not_read(plan, tmp_path):
    """A sheet other than the registry that no parser could read does not stop the meta."""
    other = next(p for p in zipfile.ZipFile(plan).namelist()
                 if p.startswith("xl/worksheets/sheet") and p != _registry_part(plan))
    broken = _with_part(plan, tmp_path / "broken.xlsx", other, b"<worksheet><sheetData><row>")
    assert read_meta(broken) == read_meta(plan)


def test_entities_in_the_registry_are_refused(plan, tmp_path):
    part = _registry_part(plan)
    data = zipfile.ZipFile(plan).read(part)
    evil = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1)
    with pytest.raises(UnsafeFileError) as exc:
        read_meta(_with_part(plan, tmp_path / "evil.xlsx", part, evil))
    assert exc.value.reason == "xml_entities"


def test_an_inflated_registry_is_refused_within_its_cap(plan, tmp_path):
    part = _registry_part(plan)
    data = zipfile.ZipFile(plan).read(part)
    padded = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (17 << 20), 1)    # 17 MiB of blanks
    with pytest.raises(UnsafeFileError) as exc:
        read_meta(_with_part(plan, tmp_path / "bomb.xlsx", part, padded))
    assert exc.value.reason == "zip_bomb"


def test_not_a_salesplan_workbook_is_none_and_not_a_workbook_is_named(plan, tmp_path):
    import openpyxl
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    assert read_meta(other) is None
    text = tmp_path / "plan.xlsx"
    text.write_text("not a zip", encoding="utf-8")
    with pytest.raises(WorkbookError, match="not a zip package"):
        read_meta(text)
    with pytest.raises(FileNotFoundError):
        read_meta(tmp_path / "missing.xlsx")
    shutil.copy(plan, tmp_path / "copy.xlsx")
    assert read_meta(tmp_path / "copy.xlsx") == read_meta(plan)
