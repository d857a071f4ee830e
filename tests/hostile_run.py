"""The hostile-input run (issue 18): the crafted files of the hostile tests, built by those
tests' own builders, fed through the real commands — ``deals import`` (with and without
``--into``), ``consolidate``, ``config --check`` — each in a child process under a
1.5 GB address-space limit, counting: files tried, rejected with a named reason,
accepted, crashes (a traceback, a panic or a signal), values lost, peak RSS.

    python tests/hostile_run.py [--quick] [--dir DIR]

``--quick`` builds a handful of CRM and plan files (the test suite's smoke test,
tests/test_hostile_run.py); the full run builds every attack the hostile tests know, in
variants, and adds ``--into`` and consolidation. The exit status is 1 when a file
crashed, lost a value or was accepted although hostile.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS.parent))

# the hostile tests' builders (never copies of them)
from test_deals_hostile import ROW, good_xlsx as crm_xlsx, huge_shared_strings, wide_last_row  # noqa: E402
from test_deals_hostile import write_csv as crm_csv  # noqa: E402
from test_limits_config import NAMED_KEYS, regions_toml  # noqa: E402
from test_limits_memory import AS_LIMIT, _bomb, run_limited  # noqa: E402
from test_limits_memory import write_csv as rows_csv  # noqa: E402
from test_preflight import BILLION_LAUGHS, good_xlsx, rewrite, sheet_xml, spaces_bomb, write_ole2  # noqa: E402

MONTH = "2026-12"


@dataclass
class Tally:
    group: str
    tried: int = 0
    named: int = 0          # refused / rejected / errors, each with its reason or problem code
    accepted: int = 0
    crashes: int = 0
    wrong: int = 0          # hostile but accepted, or a good control refused
    lost: int = 0
    peak_mib: float = 0.0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def crashed(code: int, err: str) -> bool:
    return code < 0 or code not in (0, 1, 2) or "Traceback" in err or "panicked" in err


def run(t: Tally, argv: list[str], cwd: Path) -> tuple[int, str, str]:
    start = time.perf_counter()
    code, out, err, peak = run_limited(*argv, cwd=cwd)
    t.seconds += time.perf_counter() - start
    t.peak_mib = max(t.peak_mib, peak)
    if crashed(code, err):
        t.crashes += 1
        t.notes.append(f"CRASH ({code}) {' '.join(argv)[:120]}: {err[-300:]}")
    return code, out, err


# ----------------------------------------------------------------------------- CRM files

def crm_files(d: Path, quick: bool) -> dict[str, str | None]:
    """CRM files → the reason expected (None: a good file, imported)."""
    d.mkdir(parents=True, exist_ok=True)
    good = good_xlsx(d / "good.xlsx")
    out: dict[str, str | None] = {"good.xlsx": None, "good.csv": None}
    crm_csv(d / "good.csv", [ROW])
    out[rewrite(good, d / "laughs.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=BILLION_LAUGHS)}).name] = \
        "xml_entities"
    huge_shared_strings(d)
    out["sst.xlsx"] = "absurd_dimensions"
    if quick:
        return out
    wide_last_row(d)
    out["wide.xlsx"] = "absurd_dimensions"
    wb = zipfile.ZipFile(good).read("xl/workbook.xml")
    out[rewrite(good, d / "xxe.xlsx", replace={"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/'
                b'passwd">]>' + wb.replace(b"?>", b"?>&xxe;", 0)}).name] = "xml_entities"
    out[rewrite(good, d / "split-entity.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(
        b" " * ((1 << 20) - 5) + b"<!ENTITY a 'b'>")}).name] = "xml_entities"
    for i, part in enumerate(["[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                              "xl/worksheets/sheet1.xml"]):
        out[rewrite(good, d / f"missing{i}.xlsx", drop={part}).name] = "missing_part"
    out[rewrite(good, d / "norel.xlsx", replace={"xl/workbook.xml": wb.replace(b'r:id="rId1"', b'r:id="rId99"')}
                ).name] = "missing_part"
    for i, dim in enumerate([b"A1:XFD1048577", b"A1:XFE1", b"A1:ZZZZ9", b"junk", b"A1:XFD1048576"]):
        out[rewrite(good, d / f"dim{i}.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(b"", dimension=dim)}
                    ).name] = "absurd_dimensions"
    for i, body in enumerate([b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
                              b'<row r="1"><c r="XFE1"><v>1</v></c></row>',
                              b'<row r="1"><c\tr = \'XFE1\'><v>1</v></c></row>', b'<x:row r="1048577"/>',
                              b'<row r="1"><c r="A99999999"><v>1</v></c></row>',
                              b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1'
                              b'</v></c></row>', b'<row r="20000"><c r="A20000"><v>1</v></c></row>']):
        out[rewrite(good, d / f"cells{i}.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(body)}
                    ).name] = "absurd_dimensions"
    out[write_ole2(d / "secret.xlsx", "EncryptedPackage").name] = "encrypted"
    out[write_ole2(d / "old.xlsx", "Workbook").name] = "legacy_format"
    (d / "fake.xlsx").write_text("成交日期,销售\n2024-05-01,张明\n", encoding="utf-8")
    out["fake.xlsx"] = "not_zip"
    (d / "empty.xlsx").write_bytes(b"")
    out["empty.xlsx"] = "empty"
    sheet = zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml")
    out[rewrite(good, d / "cut-sheet.xlsx", replace={"xl/worksheets/sheet1.xml": sheet[: len(sheet) // 2]}
                ).name] = "corrupt"
    xml16 = sheet_xml(b"").decode().replace("UTF-8", "UTF-16").encode("utf-16")
    out[rewrite(good, d / "u16.xlsx", replace={"xl/worksheets/sheet1.xml": xml16}).name] = "xml_encoding"
    rels = zipfile.ZipFile(good).read("xl/_rels/workbook.xml.rels").replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="../../../../etc/passwd"')
    out[rewrite(good, d / "rel-escape.xlsx", replace={"xl/_rels/workbook.xml.rels": rels}).name] = "path_traversal"
    import warnings
    for i, name in enumerate(["../evil.xml", "/etc/evil.xml", "xl\\..\\..\\evil.xml", "C:/evil.xml",
                              "xl/../../evil.xml", "xl/worksheets/sheet1.xml"]):
        p = rewrite(good, d / f"trav{i}.xlsx")
        with zipfile.ZipFile(p, "a") as z, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr(zipfile.ZipInfo(name), b"<x/>")
        out[p.name] = "path_traversal"
    rnd = random.Random(18)
    data = good.read_bytes()
    for i in range(40):                      # cut short anywhere: a download that stopped
        (d / f"trunc{i:02d}.xlsx").write_bytes(data[: rnd.randrange(1, len(data) - 1)])
        out[f"trunc{i:02d}.xlsx"] = "*"
    for i in range(40):                      # bytes flipped: a mail gateway's damage
        b = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        (d / f"flip{i:02d}.xlsx").write_bytes(bytes(b))
        out[f"flip{i:02d}.xlsx"] = "*"
    bad_rows = {"date-2926": [["2926-03-01", *ROW[1:]]], "date-9999": [["9999-12-31", *ROW[1:]]],
                "date-1899": [["1899-12-31", *ROW[1:]]], "date-digits": [["29260301", *ROW[1:]]],
                "controls": [[ROW[0], "\x01\x02", *ROW[2:7], "\x03 \x7f\x1f", "是"]],
                "too-long": [[*ROW[:3], "客" * 32_768, *ROW[4:]]], "amount-text": [[*ROW[:6], "abc", *ROW[7:]]],
                "amount-huge": [[*ROW[:6], "1e30", *ROW[7:]]], "formula": [[*ROW[:3], "=cmd|' /C calc'!A0", *ROW[4:]]]}
    for name, rows in bad_rows.items():
        crm_csv(d / f"{name}.csv", rows)
        out[f"{name}.csv"] = "*" if name in ("formula", "amount-huge") else "errors"
    crm_xlsx(d / "dates.xlsx", [[__import__("datetime").datetime(9999, 12, 31), *ROW[1:]], [2958465, *ROW[1:]]])
    out["dates.xlsx"] = "errors"
    rows_csv(d / "crm-100k.csv", 100_000)
    out["crm-100k.csv"] = "beyond_capacity"
    rows_csv(d / "crm-wide.csv", 3, width=300)
    out["crm-wide.csv"] = "beyond_capacity"
    _bomb(d / "bomb-low-ratio.xlsx", 400)
    out["bomb-low-ratio.xlsx"] = "zip_bomb"
    spaces_bomb(good, d / "bomb.xlsx")
    out["bomb.xlsx"] = "zip_bomb"
    return out


def import_crm(t: Tally, d: Path, expected: dict[str, str | None], chunk: int = 25) -> None:
    """``deals import FILES --json`` in chunks (each file gets its own status in the report)."""
    names = list(expected)
    for i in range(0, len(names), chunk):
        part = names[i:i + chunk]
        code, out, err = run(t, ["deals", "import", *part, "--json"], cwd=d)
        t.tried += len(part)
        if crashed(code, err):
            continue
        files = {Path(f["file"]).name: f for f in json.loads(out)["files"]}
        for name in part:
            f = files[name]
            want = expected[name]
            if f["status"] == "ok":
                t.accepted += 1
                if want not in (None, "*"):
                    t.wrong += 1
                    t.notes.append(f"accepted although hostile: {name}")
            elif (f["status"] == "refused" and f.get("reason")) or \
                    (f["status"] == "errors" and all(e.get("code") for e in f["errors"])):
                t.named += 1
                if want is None or want not in ("*", f.get("reason", "errors"), f["status"]):
                    t.wrong += 1
                    t.notes.append(f"{name}: {f['status']} {f.get('reason')} (expected {want})")
            else:
                t.wrong += 1
                t.notes.append(f"{name}: {f['status']} without a named reason")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_into(t: Tally, d: Path) -> None:
    """``deals import FILE --into PLAN``: a refused file leaves the plan byte for byte as it was."""
    plan = d / "plan.xlsx"
    code, _, err = run(t, ["generate", "--month", MONTH, "-o", str(plan)], cwd=d)
    assert code == 0, err
    cases = ["crm-100k.csv", "bomb-low-ratio.xlsx", "wide.xlsx", "sst.xlsx", "too-long.csv", "controls.csv",
         "date-2926.csv", "laughs.xlsx", "trunc00.xlsx"]
    for name in cases:
        before = digest(plan)
        code, out, err = run(t, ["deals", "import", name, "--into", str(plan)], cwd=d)
        t.tried += 1
        if crashed(code, err):
            continue
        if code == 0:
            t.accepted += 1
            t.wrong += 1
            t.notes.append(f"--into accepted {name}")
        elif "refused (" in out or "problem" in out + err or "error" in (out + err).lower():
            t.named += 1
        else:
            t.wrong += 1
            t.notes.append(f"--into {name}: exit {code} without a reason: {(out + err)[-200:]}")
        if digest(plan) != before:
            t.lost += 1
            t.notes.append(f"--into {name}: the plan changed although the import was refused")


# ----------------------------------------------------------------------------- regional files

def typed_cells(path: Path) -> dict[tuple[str, str], object]:
    """Every non-formula cell of every sheet (what people typed, and the labels)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None and not (isinstance(c.value, str) and c.value.startswith("="))}


def consolidate_files(t: Tally, d: Path) -> None:
    """A master with a manager's edits merged, then every hostile regional file on its own:
    each is refused, rejected or a conflict — the master's typed values all stay."""
    import openpyxl

    from salesplan.regional.manifest import SplitManifest, Stamp, read_stamp, sidecar_path, stamp_xlsx
    from salesplan.regional.workflow import consolidate, split_plan
    from salesplan.workbook_templates import generate_workbook
    from salesplan.config import load_config
    from salesplan.xlsx.lxml_reader import XlsxFile
    from test_regional_consolidate import hostile_directory
    from test_regional_hazards import saved_at

    d.mkdir(parents=True, exist_ok=True)
    master = d / "plan.xlsx"
    generate_workbook(load_config(None, month=MONTH), master)
    split = split_plan(master, d / "regions")
    region, path = next(iter(split.files.items()))
    old = d / "old" / path.name
    old.parent.mkdir()
    shutil.copy(path, old)
    saved_at(old, "2026-11-30T09:00:00Z")
    m = SplitManifest.load(sidecar_path(master, region))
    wb = openpyxl.load_workbook(path)
    typed = [f for f in m.inputs if f.key[0] == "reps" and f.key[3] in ("name", "coaching", "churn")][:12]
    for n, f in enumerate(typed):
        wb[f.sheet][f.cell] = f"新人{n}" if f.key[3] == "name" else (3 if f.key[3] == "coaching" else 0.05)
    wb.save(path)
    report = consolidate(master, [path])
    assert report.ok, report.details()
    bad = d / "bad"
    expected = hostile_directory(path, bad)
    # the writer's sheets carry an honest <dimension> already: make it the absurd one (as the month
    # play does; the builder's second <dimension> is never read)
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    (bad / "absurd.xlsx").unlink()
    rewrite(path, bad / "absurd.xlsx", replace={"xl/worksheets/sheet2.xml": re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet, count=1)})
    shutil.copy(old, bad / "old-copy.xlsx")
    expected["old-copy.xlsx"] = "older_copy"
    moved = Path(shutil.copy(path, bad / "inserted-row.xlsx"))
    wb = openpyxl.load_workbook(moved)
    wb[region].insert_rows(7)
    wb[region]["B7"] = "新来的"
    wb.save(moved)
    expected[moved.name] = "rows_moved"
    tampered = Path(shutil.copy(path, bad / "digest.xlsx"))
    stamp_xlsx(tampered, Stamp(**{**m.stamp().__dict__, "manifest_digest": "0" * 32}))
    expected[tampered.name] = "digest_mismatch"
    other = Path(shutil.copy(path, bad / "other-month.xlsx"))
    with XlsxFile(other) as x:
        s = read_stamp(x)
    stamp_xlsx(other, Stamp("2026-11", s.region, s.plan_version, s.layout_version, s.split_id,
                            s.manifest_digest))
    expected[other.name] = "month_mismatch"
    openpyxl.Workbook().save(bad / "plain.xlsx")
    expected["plain.xlsx"] = "not_regional"
    shutil.copy(master, bad / "master-copy.xlsx")
    expected["master-copy.xlsx"] = "not_regional"
    kept = typed_cells(master)
    for name in sorted(expected):
        code, out, err = run(t, ["consolidate", str(master), str(bad / name), "--json"], cwd=d)
        t.tried += 1
        if crashed(code, err):
            continue
        try:
            f = json.loads(out)["files"][0]
        except (ValueError, KeyError, IndexError):
            t.wrong += 1
            t.notes.append(f"{name}: exit {code}, no report: {(out + err)[-200:]}")
            continue
        reasons = {f.get("reason")} | {p.get("code") for p in f.get("problems", [])}
        if code == 0:
            t.accepted += 1
            t.wrong += 1
            t.notes.append(f"consolidate accepted {name}")
        elif reasons - {None}:
            t.named += 1
            if expected[name] not in reasons:
                t.notes.append(f"{name}: {sorted(r for r in reasons if r)} (expected {expected[name]})")
        else:
            t.wrong += 1
            t.notes.append(f"{name}: exit {code} without a named reason")
        now = typed_cells(master)
        changed = [k for k in kept if now.get(k) != kept[k]]
        if changed:
            t.lost += len(changed)
            t.notes.append(f"{name}: {len(changed)} typed values changed, e.g. {changed[:3]}")
            kept = now


# ----------------------------------------------------------------------------- plan files

def plan_texts(quick: bool) -> dict[str, str]:
    out = {"control-region": regions_toml(["华东", "华\x01南"])}
    if quick:
        return out
    for key, (make, _, _) in NAMED_KEYS.items():
        for ch in ("\x01", "\x07", "\x1b", "\x7f", "\x85", "\ufffe"):
            out[f"control {key} U+{ord(ch):04X}"] = make(f"名{ch}字")
        out[f"long {key}"] = make("名" * 300)
    for month in ("2099-12", "2100-01", "0001-01", "9999-12", "1999-12", "2026-13", "26-12", ""):
        out[f"month {month!r}"] = f'month = "{month}"\n'
    for rev in ("1e17", "1e30", "100000000000000000", "-5", "0.001", "nan", "inf", "1.0000000000000001"):
        out[f"revenue {rev}"] = f"[targets]\nrevenue = {rev}\n"
    out["10,000 regions"] = regions_toml([f"区域{i:05d}" for i in range(10_000)])
    out["600 reps in a region"] = regions_toml(["华东"], reps=600)
    out["not toml"] = "[[regions]\nname = \n"
    out["binary"] = "\x00\x01\x02PK\x03\x04"
    out["9 MiB"] = "# " + "x" * (9 << 20) + "\n"
    return out


def check_plans(t: Tally, d: Path, quick: bool) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for n, (label, text) in enumerate(plan_texts(quick).items()):
        f = d / f"plan{n:03d}.toml"
        f.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = run(t, ["config", "--check", str(f)], cwd=d)
        t.tried += 1
        if crashed(code, err):
            continue
        if code == 0:        # what config --check calls OK must generate
            t.accepted += 1
            code, out, err = run(t, ["generate", "--config", str(f), "-o", str(d / f"plan{n:03d}.xlsx")], cwd=d)
            if code != 0 and not crashed(code, err):
                t.wrong += 1
                t.notes.append(f"config --check accepted {label}, generate failed: {err[-200:]}")
        elif code == 2 and f.name in err:
            t.named += 1
        else:
            t.wrong += 1
            t.notes.append(f"config --check {label}: exit {code}: {err[-200:]}")


# ----------------------------------------------------------------------------- the run

def hostile_run(work: Path, quick: bool = False, echo: Callable[[str], None] = print) -> list[Tally]:
    crm = Tally("deals import (CRM files)")
    import_crm(crm, work / "crm", crm_files(work / "crm", quick))
    plans = Tally("config --check (plan files)")
    check_plans(plans, work / "plans", quick)
    tallies = [crm, plans]
    if not quick:       # a plan workbook to import into, a master split into regional files
        into = Tally("deals import --into")
        import_into(into, work / "crm")
        regional = Tally("consolidate (regional files)")
        consolidate_files(regional, work / "regional")
        tallies += [into, regional]
    echo(f"{'command':<30}{'tried':>7}{'named':>7}{'accepted':>10}{'crashes':>9}{'wrong':>7}{'lost':>6}"
         f"{'peak MiB':>10}{'s':>6}")
    for x in tallies + [total(tallies)]:
        echo(f"{x.group:<30}{x.tried:>7}{x.named:>7}{x.accepted:>10}{x.crashes:>9}{x.wrong:>7}{x.lost:>6}"
             f"{x.peak_mib:>10.0f}{x.seconds:>6.0f}")
    echo(f"(each command in a child process under a {AS_LIMIT / 1e9:.1f} GB address-space limit; named = refused, "
         f"rejected or errors with a named reason; wrong = hostile accepted or good refused)")
    for x in tallies:
        for note in x.notes:
            echo(f"  {x.group}: {note}")
    return tallies


def total(tallies: list[Tally]) -> Tally:
    t = Tally("all")
    for x in tallies:
        for f in ("tried", "named", "accepted", "crashes", "wrong", "lost", "seconds"):
            setattr(t, f, getattr(t, f) + getattr(x, f))
        t.peak_mib = max(t.peak_mib, x.peak_mib)
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a handful of files (the smoke test)")
    ap.add_argument("--dir", type=Path, help="keep the files here (default: a temporary folder)")
    args = ap.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="salesplan-hostile-"))
    try:
        t = total(hostile_run(work, args.quick))
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if t.crashes or t.lost or t.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
