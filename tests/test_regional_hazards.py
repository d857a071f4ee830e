"""Files from e-mail and many hands (issue 18): an older copy never erases a newer value,
identical copies are taken once, a file whose rows moved is refused whole, a tampered
stamp or split record is caught and the message shows the difference. Every file is
built here by code (bench.synthetic, then edited as a manager or a mailer would)."""
from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salesplan.regional.manifest import SplitManifest, Stamp, stamp_xlsx
from test_regional_consolidate import Split, cell_of, edit


def saved_at(path: Path, when: str) -> Path:
    """Set the file's own save time (docProps/core.xml), as the application that saved it would."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data, n = re.subn(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                  rb"\g<1>" + when.encode() + rb"\g<2>", data)
                assert n == 1
            zout.writestr(info, data)
    tmp.replace(path)
    return path


@pytest.fixture
def copies(tmp_path):
    """One region's file: a newer copy (41 typed in a KPI cell) and an older copy (that
    cell as split, another cell typed), saved two days apart."""
    (tmp_path / "split").mkdir()
    sp = Split(tmp_path / "split", n_regions=1)
    region = sp.region(0)
    m = sp.manifests[region]
    k41, other = ("reps", region, 2, "kpi:reads"), ("reps", region, 3, "coaching")
    older = tmp_path / "old" / sp.files[region].name
    older.parent.mkdir()
    shutil.copy(sp.files[region], older)
    edit(older, {cell_of(m, other): 2})
    saved_at(older, "2025-07-03T09:00:00Z")
    edit(sp.files[region], {cell_of(m, k41): 41})
    newer = saved_at(sp.files[region], "2025-07-05T18:30:00Z")
    return sp, newer, older, k41, other


@pytest.mark.parametrize("together", [False, True], ids=["later-run", "same-run"])
def test_an_older_copy_never_erases_a_newer_value(copies, together):
    sp, newer, older, k41, other = copies
    runs = [sp.run([newer, older])] if together else [sp.run([newer]), sp.run([older])]
    f_new, f_old = [f for r in runs for f in r.report.files]
    assert [c.key for c in f_new.applied] == [k41] and f_new.problems == []
    assert f_old.status == "merged"
    assert [c.key for c in f_old.applied] == [other]          # its own change is still taken
    (c,) = f_old.conflicts
    assert (c.key, c.master, c.regional) == (k41, 41, None)
    (p,) = f_old.problems
    assert p.code == "older_copy" and p.where.endswith("!" + cell_of(sp.manifests[sp.region(0)], k41))
    assert newer.name in p.expected and "2025-07-05T18:30:00+00:00" in p.expected and "2025-07-03T09:00:00+00:00" in p.expected
    assert sp.master[k41] == 41 and sp.master[other] == 2
    # the record keeps who set the value: a later run still refuses the older copy
    again = sp.run([older])
    assert [c.key for c in again.report.files[0].conflicts] == [k41] and sp.master[k41] == 41


def test_identical_copies_are_taken_once_and_a_later_save_may_change_it(copies, tmp_path):
    sp, newer, _, k41, _ = copies
    twin = tmp_path / "twin" / newer.name
    twin.parent.mkdir()
    shutil.copy(newer, twin)
    res = sp.run([newer, twin])
    assert [len(f.applied) for f in res.report.files] == [1, 0] and res.report.ok
    # the manager opens the newer file again and clears the cell: saved later, so taken
    edit(newer, {cell_of(sp.manifests[sp.region(0)], k41): None})
    saved_at(newer, "2025-07-06T08:00:00Z")
    later = sp.run([newer])
    assert [c.key for c in later.report.files[0].applied] == [k41] and sp.master[k41] is None


def test_a_file_with_an_inserted_row_is_refused_whole(tmp_path):
    sp = Split(tmp_path, n_regions=1, n_reps=6)
    region = sp.region(0)
    m = sp.manifests[region]
    key = ("reps", region, 2, "coaching")
    wb = openpyxl.load_workbook(sp.files[region])
    ws = wb[region]
    ws[cell_of(m, key)] = 3
    ws.insert_rows(7)                                  # a row inserted inside the rep table
    ws["B7"] = "新来的"
    wb.save(sp.files[region])
    before = dict(sp.master)
    res = sp.run([sp.files[region]])
    f, = res.report.files
    assert (f.status, f.reason) == ("rejected", "rows_moved")
    assert "row 7" in f.problems[0].expected and f.problems[0].value == "row 8"
    assert res.updates == {} and sp.master == before and not f.applied


def test_an_edited_cell_alone_is_no_moved_row(tmp_path):
    sp = Split(tmp_path, n_regions=1, n_reps=6)
    region = sp.region(0)
    edit(sp.files[region], {"A7": 100, "A8": 3})        # a label changed, another copied from above
    f, = sp.run([sp.files[region]]).report.files
    assert f.status == "merged" and {p.code for p in f.problems} == {"locked_changed"}


def test_a_changed_manifest_digest_is_detected(tmp_path):
    sp = Split(tmp_path, n_regions=1)
    region = sp.region(0)
    stamp = sp.manifests[region].stamp()
    stamp_xlsx(sp.files[region], Stamp(**{**stamp.__dict__, "manifest_digest": "0" * 32}))
    f, = sp.run([sp.files[region]]).report.files
    assert (f.status, f.reason) == ("rejected", "digest_mismatch")
    assert sp.manifests[region].digest in f.problems[0].expected


@pytest.mark.parametrize("tampered,shown", [("2025-07 ", "'2025-07 '"), ("2025-07\u200b", "'2025-07\\u200b'")])
def test_a_month_mismatch_shows_the_difference(tmp_path, tampered, shown):
    """A split record whose month was edited: the message shows both spellings."""
    sp = Split(tmp_path, n_regions=1)
    region = sp.region(0)
    p = tmp_path / f"{region}.json"
    m = SplitManifest.load(p)
    m.month = tampered
    m.save(p)
    res = sp.run([sp.files[region]])
    f, = res.report.files
    assert (f.status, f.reason) == ("rejected", "month_mismatch")
    text = str(f.problems[0])
    assert shown in text and "'2025-07'" in text, text
