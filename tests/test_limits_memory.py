"""Issue 18.6: any single input file costs at most ~1 GB, and a file beyond the stated
capacity (docs/capacity.md) is refused with a named reason, before anything is written.

The CLI runs as a real process under a 1.5 GB address-space limit (RLIMIT_AS, what
``prlimit --as`` sets); a small wrapper process reports its peak RSS, children included
(``getrusage(RUSAGE_CHILDREN)``: the XLSX reader's child process counts too). Every file
is built here by code.
"""
from __future__ import annotations

import csv
import hashlib
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from salesplan.cli import main
from salesplan.config.limits import MAX_DEALS, MAX_FILE_ROWS

AS_LIMIT = 1_500_000_000
PEAK_MAX_MIB = 1024
HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]

_WRAP = """
import resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
p = subprocess.run(sys.argv[2:], preexec_fn=cap, capture_output=True, text=True)
sys.stdout.write(p.stdout)
sys.stderr.write(p.stderr)
print(f"@@ {p.returncode} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
"""


def run_limited(*argv: str, cwd: Path) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, peak RSS MiB) of ``salesplan argv`` under AS_LIMIT."""
    proc = subprocess.run([sys.executable, "-c", _WRAP, str(AS_LIMIT), sys.executable, "-m", "salesplan", *argv],
                          capture_output=True, text=True, cwd=cwd, timeout=600,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    err, _, last = proc.stderr.rstrip().rpartition("\n")
    _, code, kib = last.split()
    return int(code), proc.stdout, err, int(kib) / 1024


def rows(n: int, tag: str = "", month: str = "2026-12"):
    rnd = random.Random(n)
    for i in range(n):
        yield [f"{month}-{1 + i % 28:02d}", f"销售{i % 40:02d}", "华东区", f"客户{i:06d}", "否", "产品A",
               f"{rnd.randrange(1000, 10**7)}.{i % 100:02d}", f"HT-{tag}{n}-{i:07d}", "是"]


def write_csv(path: Path, n: int, width: int = 0, tag: str = "") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + [f"备注{j}" for j in range(width)])
        w.writerows(r + [""] * width for r in rows(n, tag))
    return path


def write_xlsx(path: Path, n: int) -> Path:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("成交明细")
    ws.append(HEADER)
    for r in rows(n):
        ws.append(r)
    wb.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    assert main(["generate", "--month", "2026-12", "-o", str(out)]) == 0
    return out


def test_a_100k_row_csv_is_refused_before_anything_is_written(tmp_path, plan):
    big = write_csv(tmp_path / "crm-100k.csv", 100_000)
    before = digest(plan)
    code, out, err, peak = run_limited("deals", "import", str(big), "--into", str(plan), cwd=tmp_path)
    assert code == 1, err
    assert "refused (beyond_capacity)" in out and f"more than {MAX_FILE_ROWS:,} rows" in out
    assert "Traceback" not in err and "nothing written" in err
    assert digest(plan) == before
    assert peak < PEAK_MAX_MIB


def test_a_csv_file_at_capacity_imports_within_memory(tmp_path):
    f = write_csv(tmp_path / "crm-max.csv", MAX_FILE_ROWS - 1)
    code, out, err, peak = run_limited("deals", "import", str(f), cwd=tmp_path)
    assert code == 0, err
    assert f"rows imported: {MAX_FILE_ROWS - 1}" in out
    assert peak < PEAK_MAX_MIB


def test_an_xlsx_file_at_capacity_imports_within_memory(tmp_path):
    f = write_xlsx(tmp_path / "crm-max.xlsx", MAX_FILE_ROWS - 1)
    code, out, err, peak = run_limited("deals", "import", str(f), cwd=tmp_path)
    assert code == 0, err
    assert f"rows imported: {MAX_FILE_ROWS - 1}" in out
    assert peak < PEAK_MAX_MIB


def test_a_csv_wider_than_capacity_is_refused_before_parsing(tmp_path):
    f = write_csv(tmp_path / "wide.csv", 10, width=400)
    code, out, err, peak = run_limited("deals", "import", str(f), cwd=tmp_path)
    assert code == 1 and "refused (beyond_capacity)" in out and "columns" in out


def _bomb(path: Path, megabytes: int) -> Path:
    """An XLSX whose one sheet inflates to ``megabytes`` MB at a low ratio (≈ 15:1, far under
    the 1000:1 a ratio check catches): rows of random hex and filler."""
    import openpyxl

    seed = path.with_suffix(".seed.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.save(seed)
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
                continue
            head, _, tail = src.read(info).decode().partition("</sheetData>")
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head.encode())
                written, line = 0, 1
                while written < megabytes * 10**6:
                    line += 1
                    text = os.urandom(2048).hex() + "x" * 28_000      # ≈ 15:1 once deflated
                    chunk = f'<row r="{line}"><c r="A{line}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()
                    fh.write(chunk)
                    written += len(chunk)
                fh.write(("</sheetData>" + tail).encode())
    seed.unlink()
    return path


def test_a_low_ratio_zip_bomb_is_refused_within_memory(tmp_path, plan):
    bomb = _bomb(tmp_path / "bomb.xlsx", 400)
    assert bomb.stat().st_size < 64 << 20            # passes the file-size check: the content is the bomb
    before = digest(plan)
    code, out, err, peak = run_limited("deals", "import", str(bomb), "--into", str(plan), cwd=tmp_path)
    assert code == 1 and "refused (zip_bomb)" in out, out + err
    assert "Traceback" not in err and digest(plan) == before
    assert peak < PEAK_MAX_MIB


def test_a_5kb_file_claiming_a_million_rows_is_refused(tmp_path):
    seed = write_xlsx(tmp_path / "seed.xlsx", 2)
    tiny = tmp_path / "tiny.xlsx"
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(tiny, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
                                                     b"</sheetData>")
            dst.writestr(info, data)
    assert tiny.stat().st_size < 8 * 1024
    code, out, err, peak = run_limited("deals", "import", str(tiny), cwd=tmp_path)
    assert code == 1 and "refused (absurd_dimensions)" in out and "10,000 rows" in out
    assert peak < PEAK_MAX_MIB


def test_more_deals_than_a_workbook_holds_are_refused_before_writing(tmp_path, plan, capsys):
    half = MAX_DEALS // 2 + 1
    files = [str(write_csv(tmp_path / f"crm-{k}.csv", half, tag=f"{k}-")) for k in range(2)]
    before = digest(plan)
    assert main(["deals", "import", *files, "--into", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err and f"at most {MAX_DEALS:,} deals in one plan workbook" in err
    assert digest(plan) == before
    from salesplan.commands.deals import check_landable, read_deal_files
    from salesplan.errors import DealsError

    report = read_deal_files(files, month="2026-12")
    with pytest.raises(DealsError) as info:
        check_landable(report)
    (problem,) = [p for p in info.value.problems if p.code == "beyond_capacity"]
    assert problem.value == f"{2 * half:,} deals" and f"at most {MAX_DEALS:,} deals" in problem.expected


def test_deals_times_rep_rows_beyond_capacity_are_refused_before_writing(tmp_path, capsys):
    from salesplan.config.limits import MAX_DEAL_REP_PAIRS

    cfg = tmp_path / "plan.toml"
    cfg.write_text('month = "2026-12"\n[workbook]\nrep_rows = 500\n', "utf-8")    # 4 regions × 500 rep rows
    wide = tmp_path / "wide.xlsx"
    assert main(["generate", "--config", str(cfg), "-o", str(wide)]) == 0
    f = write_csv(tmp_path / "crm.csv", MAX_DEAL_REP_PAIRS // 2000 + 1)
    before = digest(wide)
    capsys.readouterr()
    assert main(["deals", "import", str(f), "--into", str(wide)]) == 1
    out, err = capsys.readouterr()
    assert "rep rows" in out + err and "deal × rep-row pairs" in out + err and "nothing written" in err
    assert digest(wide) == before
