"""Consolidation core on real files: managers edit through openpyxl, files come back,
inputs are merged by key, every problem is named, hostile files are refused one by one.

The files are small synthetic regional workbooks (bench.synthetic) built
exactly like ``split`` builds them: written, fingerprinted, sealed, stamped.
"""
from __future__ import annotations

import random
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salesplan.progress import RecordingProgress
from salesplan.regional.core import consolidate_snapshots
from salesplan.regional.manifest import SplitManifest, Stamp, stamp_xlsx
from bench.synthetic import region_names, rep_name, write_region_file
from salesplan.regional.values import canon
from test_preflight import rewrite, spaces_bomb

MONTH, VERSION = "2025-07", "vtest"


class Split:
    """A master (a dict of input values) split into regional files with sidecar manifests."""

    def __init__(self, tmp: Path, n_regions: int = 3, n_reps: int = 6):
        self.dir = tmp
        self.manifests: dict[str, SplitManifest] = {}
        self.files: dict[str, Path] = {}
        self.master: dict = {}
        for i in range(n_regions):
            region, manager = region_names(i)
            reps = [rep_name(i, j) for j in range(n_reps)]
            values = {("reps", region, j + 1, "weight"): 1 for j in range(n_reps)}
            path = tmp / f"plan.{region}.xlsx"
            m = write_region_file(path, region, manager, n_reps, month=MONTH, plan_version=VERSION,
                                  values=values, reps=reps)
            m.save(tmp / f"{region}.json")
            self.manifests[region], self.files[region] = m, path
            self.master.update(m.base)

    def find(self, stamp: Stamp) -> SplitManifest | None:
        p = self.dir / f"{stamp.region}.json"
        return SplitManifest.load(p) if p.exists() else None

    def run(self, files, **kw):
        res = consolidate_snapshots(files, master_values=self.master, find_manifest=self.find, month=MONTH,
                                    plan_version=VERSION, layout_version="1", **kw)
        self.master.update(res.updates)
        for m in res.manifests.values():
            m.save(self.dir / f"{m.region}.json")
        return res

    def region(self, i: int) -> str:
        return region_names(i)[0]


def edit(path: Path, cells: dict[str, object], sheet: str | None = None) -> None:
    """A manager at work: open in openpyxl, type, save."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[1]
    for addr, v in cells.items():
        ws[addr] = v
    wb.save(path)


def cell_of(m: SplitManifest, key) -> str:
    return next(f.cell for f in m.inputs if f.key == key)


@pytest.fixture
def split(tmp_path) -> Split:
    return Split(tmp_path)


def test_untouched_files_merge_nothing(split):
    res = split.run(split.files.values())
    r = res.report
    assert [f.status for f in r.files] == ["merged"] * 3
    assert r.rows_imported == 0 and not r.conflicts and not r.errors and r.ok


def test_manager_changes_are_applied_by_key(split):
    region = split.region(1)
    m = split.manifests[region]
    k_weight = ("reps", region, 2, "weight")
    k_reads = ("reps", region, 3, "kpi:reads")
    k_hire = ("reps", region, 1, "new_hire")
    edit(split.files[region], {cell_of(m, k_weight): 2.5, cell_of(m, k_reads): 1200, cell_of(m, k_hire): "是"})
    res = split.run([split.files[region]])
    f = res.report.files[0]
    assert f.status == "merged" and f.region == region
    assert res.updates == {k_weight: Decimal("2.5"), k_reads: Decimal(1200), k_hire: True}
    assert split.master[k_weight] == Decimal("2.5")


def test_conflict_is_listed_and_master_keeps_its_value(split):
    region = split.region(0)
    m = split.manifests[region]
    key = ("reps", region, 1, "weight")
    split.master[key] = 7                       # the director changed it in the master
    edit(split.files[region], {cell_of(m, key): 3})
    res = split.run([split.files[region]])
    (file, c), = res.report.conflicts
    assert c.key == key and (c.base, c.master, c.regional) == (1, 7, 3)
    assert key not in res.updates and split.master[key] == 7
    again = split.run([split.files[region]])     # still a conflict, still not overwritten
    assert [c.key for _, c in again.report.conflicts] == [key] and split.master[key] == 7


def test_rerun_is_idempotent_and_resend_applies_only_new_changes(split):
    region = split.region(2)
    m = split.manifests[region]
    key = ("reps", region, 4, "coaching")
    edit(split.files[region], {cell_of(m, key): 3})
    first = split.run([split.files[region]])
    assert first.updates == {key: 3}
    second = split.run([split.files[region]])
    assert second.updates == {} and second.report.rows_imported == 0 and not second.report.conflicts
    edit(split.files[region], {cell_of(m, key): 4})
    third = split.run([split.files[region]])
    assert third.updates == {key: 4} and not third.report.conflicts


@pytest.mark.parametrize("together", [True, False])
def test_two_files_of_one_region_merge_as_if_sent_one_after_the_other(tmp_path, together):
    """The same region sent twice (an early copy, then the final one), in one run or in
    two: the same master, base and report. The second file merges over what the first
    applied — no false conflict on a value both changed, and where the final file differs
    from the moved base (it left k2 as split) the final file wins, as on a later resend."""
    import shutil

    sp = Split(tmp_path, n_regions=1)
    region = sp.region(0)
    m = sp.manifests[region]
    k1, k2 = ("reps", region, 1, "weight"), ("reps", region, 2, "coaching")
    early = tmp_path / "early" / sp.files[region].name
    early.parent.mkdir()
    shutil.copy(sp.files[region], early)
    edit(early, {cell_of(m, k1): 3, cell_of(m, k2): 2})
    edit(sp.files[region], {cell_of(m, k1): 5})
    runs = [sp.run([early, sp.files[region]])] if together else [sp.run([early]), sp.run([sp.files[region]])]
    outcomes = [f for r in runs for f in r.report.files]
    assert [f.status for f in outcomes] == ["merged", "merged"]
    assert [[c.key for c in f.conflicts] for f in outcomes] == [[], []]
    assert [sorted((c.key[3], c.regional) for c in f.applied) for f in outcomes] == \
        [[("coaching", 2), ("weight", 3)], [("coaching", None), ("weight", 5)]]
    assert sp.master[k1] == 5 and sp.master[k2] is None
    back = SplitManifest.load(tmp_path / f"{region}.json")
    assert back.base[k1] == 5 and back.base[k2] is None


def test_edited_formula_locked_cell_and_invalid_input_are_named(split):
    region = split.region(0)
    m = split.manifests[region]
    good = ("reps", region, 2, "kpi:followups")
    edit(split.files[region], {
        "J5": "=999",                                   # formula edited
        "K6": 5,                                        # formula replaced by a value
        "A7": 100,                                      # a locked label changed (序号)
        "M20": "note",                                  # a locked empty cell filled
        cell_of(m, ("reps", region, 1, "churn")): 1.5,  # out of range
        cell_of(m, ("reps", region, 1, "coaching")): "three",
        cell_of(m, ("reps", region, 1, "weight")): "=1+1",
        cell_of(m, good): 55,
    })
    res = split.run([split.files[region]])
    f = res.report.files[0]
    found = {(p.where.split("!")[-1], p.code) for p in f.problems}
    name = split.files[region].name
    assert found == {("J5", "formula_edited"), ("K6", "formula_edited"), ("A7", "locked_changed"),
                     ("M20", "locked_changed"), ("I5", "invalid_input"), ("H5", "invalid_input"),
                     ("D5", "invalid_input")}
    assert all(p.where.startswith(f"{name}: {region}!") for p in f.problems)
    churn = next(p for p in f.problems if p.where.endswith("!I5"))
    assert churn.value == 1.5 and "between 0 and 1" in churn.expected
    assert f.status == "merged" and res.updates == {good: 55}   # the valid keystroke still counts


@pytest.mark.parametrize("change,code", [
    ({"month": "2025-08"}, "month_mismatch"),
    ({"plan_version": "vother"}, "version_mismatch"),
    ({"split_id": "0" * 32}, "split_mismatch"),
    ({"layout_version": "9"}, "layout_mismatch"),
    ({"region": "不存在区"}, "no_manifest"),
])
def test_identity_mismatch_rejects_the_file(split, change, code):
    region = split.region(0)
    m = split.manifests[region]
    stamp = Stamp(**{**m.stamp().__dict__, **change})
    stamp_xlsx(split.files[region], stamp)
    res = split.run([split.files[region], split.files[split.region(1)]])
    f0, f1 = res.report.files
    assert f0.status == "rejected" and f0.reason == code
    assert f1.status == "merged"


def test_a_file_without_stamp_is_not_regional(split, tmp_path):
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    res = split.run([plain])
    assert res.report.files[0].status == "rejected" and res.report.files[0].reason == "not_regional"


def test_deleted_sheet_rejects(split):
    region = split.region(0)
    wb = openpyxl.load_workbook(split.files[region])
    del wb["说明"]
    wb.save(split.files[region])
    res = split.run([split.files[region]])
    assert res.report.files[0].reason == "sheet_missing"


def test_hundreds_of_random_manager_inputs_survive(tmp_path):
    sp = Split(tmp_path, n_regions=4, n_reps=25)
    rnd = random.Random(20250701)
    typed: dict = {}
    for i in range(4):
        region = sp.region(i)
        m = sp.manifests[region]
        cells = {}
        for f in rnd.sample(m.inputs, 120):
            kind = f.kind
            if kind == "text":
                v = rnd.choice(["王小明", "A-07", "  空格 ", "=not a formula?", "é"]) + str(rnd.randrange(99))
            elif kind == "bool":
                v = rnd.choice(["是", "否", True, False])
            elif kind == "integer":
                v = rnd.randrange(0, 100)
            elif kind == "percent":
                v = rnd.randrange(0, 1001) / 1000
            else:
                hi = float(f.maximum) if f.maximum is not None else 1e7
                v = rnd.choice([rnd.randrange(0, int(hi)), round(rnd.uniform(0, hi), 2), 0.1, 1e-7])
            cells[f.cell] = v
            expected = {"是": True, "否": False}.get(v, v) if kind == "bool" else v
            typed[f.key] = canon(expected)
        wb = openpyxl.load_workbook(sp.files[region])
        ws = wb[region]
        for addr, v in cells.items():
            ws[addr] = v
            if isinstance(v, str) and v.startswith("="):
                ws[addr].data_type = "s"                # typed as text, as Excel does with a leading '
        wb.save(sp.files[region])
    res = sp.run(list(sp.files.values()))
    assert not res.report.errors, res.report.errors[:5]
    for key, v in typed.items():
        assert canon(sp.master.get(key)) == v, key
    assert res.report.rows_imported == sum(1 for k, v in typed.items() if v != canon(sp.manifests[k[1]].base.get(k)))


# ---------------------------------------------------------------------------- hostile files

def hostile_directory(good: Path, d: Path) -> dict[str, str]:
    """Write one hostile file per attack into ``d``; returns file name -> expected reason."""
    d.mkdir()
    expected = {}
    # zip bomb: 64 MiB of zeros in the sheet compresses ~1000:1
    spaces_bomb(good, d / "bomb.xlsx", "xl/worksheets/sheet2.xml")
    expected["bomb.xlsx"] = "zip_bomb"
    # XXE / billion laughs in the shared strings
    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + sheet.split(b"?>", 1)[-1])
    rewrite(good, d / "xxe.xlsx", replace={"xl/worksheets/sheet2.xml": xxe})
    expected["xxe.xlsx"] = "xml_entities"
    # missing workbook part
    rewrite(good, d / "missing.xlsx", drop={"xl/workbook.xml"})
    expected["missing.xlsx"] = "missing_part"
    # a password-protected workbook is an OLE2 compound file holding an EncryptedPackage stream
    (d / "encrypted.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
                                       + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024)
    expected["encrypted.xlsx"] = "encrypted"
    # absurd dimensions: a sheet claiming every cell of Excel's grid
    absurd = sheet.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1)
    rewrite(good, d / "absurd.xlsx", replace={"xl/worksheets/sheet2.xml": absurd})
    expected["absurd.xlsx"] = "absurd_dimensions"
    # truncated download
    data = good.read_bytes()
    (d / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    expected["truncated.xlsx"] = "not_zip"
    # a CSV saved with an .xlsx name
    (d / "csv.xlsx").write_text("姓名,权重\n张三,1\n", encoding="utf-8")
    expected["csv.xlsx"] = "not_zip"
    # an empty file and a directory entry that is not a file
    (d / "empty.xlsx").write_bytes(b"")
    expected["empty.xlsx"] = "empty"
    # path traversal inside the zip
    rewrite(good, d / "traversal.xlsx", add={"../../evil.txt": b"x"})
    expected["traversal.xlsx"] = "path_traversal"
    # not well-formed XML in the sheet
    rewrite(good, d / "badxml.xlsx", replace={"xl/worksheets/sheet2.xml": sheet[: len(sheet) // 2]})
    expected["badxml.xlsx"] = "corrupt"
    return expected


def test_malformed_directory_each_rejected_with_a_named_reason_good_files_proceed(tmp_path):
    (tmp_path / "split").mkdir()
    sp = Split(tmp_path / "split", n_regions=2, n_reps=4)
    region = sp.region(0)
    m = sp.manifests[region]
    key = ("reps", region, 1, "weight")
    edit(sp.files[region], {cell_of(m, key): 5})
    expected = hostile_directory(sp.files[sp.region(1)], tmp_path / "bad")
    files = sorted((tmp_path / "bad").iterdir())
    files = files[:4] + [sp.files[region]] + files[4:] + [sp.files[sp.region(1)]]
    progress = RecordingProgress()
    res = sp.run(files, progress=progress)
    by_name = {Path(f.file).name: f for f in res.report.files}
    for name, reason in expected.items():
        f = by_name[name]
        assert f.status == "refused", (name, f.status, f.reason, f.detail)
        assert f.reason == reason, (name, f.reason, f.detail)
        assert f.detail
    assert by_name[sp.files[region].name].status == "merged"
    assert by_name[sp.files[sp.region(1)].name].status == "merged"
    assert res.updates == {key: 5}
    assert res.report.files_read == len(files) and len(res.report.excluded) == len(expected)
    assert len([e for e in progress.events if e[0] == "advance"]) == len(files)
    assert progress.events[-1][0] == "finish" and "files read" in progress.events[-1][1]
    text = "\n".join(res.report.details())
    for name, reason in expected.items():
        assert f"{name}: refused ({reason})" in text


def test_report_json_and_summary(split):
    region = split.region(0)
    m = split.manifests[region]
    edit(split.files[region], {cell_of(m, ("reps", region, 1, "weight")): 4})
    res = split.run(list(split.files.values()))
    j = res.report.to_json()
    assert j["summary"] == {"files_read": 3, "merged": 3, "excluded": 0, "inputs_read": j["summary"]["inputs_read"],
                            "rows_imported": 1, "errors": 0, "conflicts": 0}
    assert j["files"][0]["applied"] == [{"key": ["reps", region, 1, "weight"], "base": 1, "master": 1,
                                         "regional": 4}]
    assert "files read: 3" in res.report.summary()


def test_a_file_of_valid_inputs_reads_back_exactly(tmp_path):
    """Every input valid: each comes back as the canonical value written, no problem; an
    edited value is found."""
    from salesplan.regional.checks import check_cells
    from salesplan.xlsx.lxml_reader import XlsxFile

    region, manager = region_names(0)
    rnd = random.Random(11)
    values = {}
    for j in range(1, 31):
        k = ("reps", region, j)
        values.update({k + ("weight",): rnd.choice([1, 2, 0.5]), k + ("kpi:retention",): rnd.randrange(0, 5),
                       k + ("kpi:reads",): rnd.choice([0, 1.5, 2500]), k + ("churn",): rnd.choice([0.1, 0.05]),
                       k + ("new_hire",): rnd.choice([True, False])})
    path = tmp_path / "r.xlsx"
    m = write_region_file(path, region, manager, 30, values=values, reps=[rep_name(0, j) for j in range(30)])

    def check():
        with XlsxFile(path) as x:
            return check_cells("r.xlsx", m, {s: x.read_sheet(s) for s in x.sheet_names}, x.is_locked)

    got, problems = check()
    assert problems == []
    for key, v in values.items():
        want = canon(v) if key[3] != "new_hire" else v
        assert got[key] == want and type(got[key]) is type(want), key

    edit(path, {cell_of(m, ("reps", region, 2, "kpi:retention")): 7})
    assert check()[0][("reps", region, 2, "kpi:retention")] == 7


def test_a_value_invalid_since_the_split_is_not_blamed_on_the_manager(tmp_path):
    """The master held weight 150 (> 100) at split time; the manager left it alone: kept,
    no problem — even when the same value, typed by a manager elsewhere, is refused."""
    from salesplan.regional.checks import check_cells
    from salesplan.xlsx.lxml_reader import XlsxFile

    region, manager = region_names(0)
    path = tmp_path / "r.xlsx"
    m = write_region_file(path, region, manager, 3, values={("reps", region, 1, "weight"): 150,
                                                           ("reps", region, 2, "weight"): 1})
    edit(path, {cell_of(m, ("reps", region, 2, "weight")): 150})
    with XlsxFile(path) as x:
        values, problems = check_cells("r.xlsx", m, {s: x.read_sheet(s) for s in x.sheet_names}, x.is_locked)
    assert values[("reps", region, 1, "weight")] == 150
    assert [(p.where, p.code) for p in problems] == [(f"r.xlsx: {region}!D6", "invalid_input")]


def test_split_record_round_trips(tmp_path):
    """The sidecar saves and loads the same record: inputs (nested keys, choices, bounds),
    base values of every type, locked values, history and moved bases."""
    import json

    from salesplan.regional.manifest import InputField

    region, manager = region_names(0)
    m = write_region_file(tmp_path / "r.xlsx", region, manager, 5,
                          values={("reps", region, 2, "weight"): 3, ("reps", region, 1, "churn"): 0.25})
    m.inputs.append(InputField(("phases", region, 1, "mode"), region, "Z9", "choice", choices=("冲刺", "稳守"),
                               label="模式"))
    m.base[("phases", region, 1, "mode")] = "冲刺"
    m.inputs.append(InputField(("nested", region, (1, "a")), region, "Z10", "integer", Decimal(0), Decimal(9)))
    m.base[("nested", region, (1, "a"))] = Decimal(4)
    m.base[("reps", region, 1, "new_hire")] = True
    m.history.append({"file": "r.xlsx", "applied": 2})
    m.changed_by[("nested", region, (1, "a"))] = {"file": "x.xlsx", "saved": "2025-07-02T08:00:00+00:00"}
    m.seal()
    m.save(tmp_path / "m.json")
    back = SplitManifest.load(tmp_path / "m.json")
    text = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert text["format_version"] == 1 and text["inputs"][0]["key"] == ["reps", region, 1, "name"]
    assert back.to_json() == m.to_json() and back.inputs == m.inputs and back.cells == m.cells
    assert back.base == m.base and {k: type(v) for k, v in back.base.items()} == {k: type(v) for k, v in m.base.items()}
    assert back.changed_by == m.changed_by and back.digest == m.digest and back.seal() == m.digest


@pytest.mark.parametrize("damage", ["format", "version", "kind", "base", "inputs"])
def test_a_damaged_record_is_refused(tmp_path, damage):
    import json

    region, manager = region_names(0)
    m = write_region_file(tmp_path / "r.xlsx", region, manager, 2)
    d = json.loads(json.dumps(m.to_json(), ensure_ascii=False))
    if damage == "format":
        d["format"] = "other"
    elif damage == "version":
        d["format_version"] = 3
    elif damage == "kind":
        d["inputs"][0]["kind"] = "colour"
    elif damage == "base":
        d["inputs"][0]["base"] = [1, 2]
    else:
        d["inputs"] = {"grid": {}}
    with pytest.raises(ValueError):
        SplitManifest.from_json(d)


@pytest.mark.parametrize("stored", ["1e999", "-1E400", "nan", "inf"])
def test_a_number_no_spreadsheet_can_hold_is_an_invalid_input_not_a_corrupt_file(tmp_path, stored):
    """A hand-edited file whose number input stores an infinite or NaN value (Excel can
    write neither): that input is reported invalid, naming its cell; the file is read
    and its other inputs are kept (it used to be refused whole as "corrupt")."""
    import re as _re

    from salesplan.regional.checks import check_cells
    from salesplan.xlsx.lxml_reader import XlsxFile

    region, manager = region_names(0)
    src, path = tmp_path / "src.xlsx", tmp_path / "r.xlsx"
    key = ("reps", region, 2, "kpi:retention")
    m = write_region_file(src, region, manager, 3, values={key: 5, ("reps", region, 1, "kpi:retention"): 7})
    addr = cell_of(m, key)
    with zipfile.ZipFile(src) as z:
        part = next(n for n in z.namelist() if n.startswith("xl/worksheets/") and
                    f'<c r="{addr}"'.encode() in z.read(n))
        xml = z.read(part)
    xml, n = _re.subn(rb'(<c r="' + addr.encode() + rb'"[^>]*>)<v>5</v>', rb"\g<1><v>" + stored.encode() + b"</v>", xml)
    assert n == 1
    rewrite(src, path, replace={part: xml})
    with XlsxFile(path) as x:
        values, problems = check_cells("r.xlsx", m, {s: x.read_sheet(s) for s in x.sheet_names}, x.is_locked)
    assert [(p.where, p.code) for p in problems] == [(f"r.xlsx: {region}!{addr}", "invalid_input")]
    assert problems[0].value in ("inf", "-inf", "nan")             # as text: JSON has no infinity
    assert key not in values and values[("reps", region, 1, "kpi:retention")] == 7
