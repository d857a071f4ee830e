"""``salesplan deals import FILE... --into PLAN.xlsx`` on real files.

A GBK CSV and an XLSX with tricky rows (unstamped, duplicate contract numbers inside a
file and across files, formula-looking strings, 万/亿/full-width/¥ amounts) land in the
plan's 成交明细 in report order (file order, then row order) through write_deals;
every file is validated first and nothing is written when any has a problem.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salesplan.cli import main
from salesplan.workbook_templates import generate_workbook, read_meta

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]

# GBK file (no U+00A5 in GBK: the full-width ￥ is used there)
CSV_ROWS = [
    ["2026-12-01", "钱东一", "华东区", '=HYPERLINK("http://evil","点我")', "是", "产品A", "１２０万", "HT-001", "是"],
    ["2026/12/2", "吴南一", "华南区", "未盖章客户", "否", "产品B", "5000", "HT-002", "否"],          # unstamped
    ["2026年12月3日", "冯西一", "西南区", "@SUM(1,1)", "是", "产品C", "1.2亿", "HT-003", "是"],
    ["2026-12-04", "褚北一", "北方区", "-2+3", "否", "行业解决方案", "￥38,000.00", "HT-004", "√"],
    ["2026-12-05", "钱东一", "华东区", "重复客户", "否", "产品A", "999", "ht-001", "是"],            # dup in file
]
# XLSX file: ¥ (U+00A5), a duplicate of the CSV's HT-003 (across files), an unstamped row
XLSX_ROWS = [
    ["2026-12-06", "吴南一", "华南区", "+86 138 0000", "否", "产品B", "¥38,000.00", "HT-010", "是"],
    ["2026-12-07", "冯西一", "西南区", "跨文件重复", "否", "产品C", "7777", "ＨＴ-003", "是"],     # dup across files
    ["2026-12-08", "褚北一", "北方区", "未盖章", "否", "产品A", "abc", "HT-011", "否"],            # unstamped
    ["2026-12-09", "钱东一", "华东区", "=1+1", "否", "产品A", "1,234.56", "HT-012", "是"],
]


def write_csv(path: Path, rows, encoding="gbk") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows(min_row=2):
        for c in row:                     # CRM text stays text, even "=1+1"
            if isinstance(c.value, str):
                c.data_type = "s"
    wb.save(path)
    return path


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def plan(tmp_path, default_config) -> Path:
    path = tmp_path / "plan.xlsx"
    generate_workbook(default_config, path)
    return path


@pytest.fixture
def files(tmp_path) -> list[Path]:
    return [write_csv(tmp_path / "crm-a.csv", CSV_ROWS), write_xlsx(tmp_path / "crm-b.xlsx", XLSX_ROWS)]


def read_deals(path: Path):
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    with OpenpyxlReader(path) as rd:
        _, inputs = read_inputs(rd)
    return inputs, [d for d in inputs.deals if d.rep not in (None, "")]


def test_into_lands_every_file_in_report_order(plan, files, capsys, default_config):
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    # a regional manager already typed a rep: the import must keep it
    with OpenpyxlReader(plan) as rd:
        _, inputs = read_inputs(rd)
    inputs.regions["华东区"].reps[0].name = "钱东一"
    inputs.regions["华东区"].reps[0].weight = 2
    generate_workbook(default_config, plan, inputs=inputs)
    inputs_before = [(r.name, r.weight) for r in inputs.regions["华东区"].reps]
    sources = {f: digest(f) for f in files}

    assert main(["deals", "import", *map(str, files), "--into", str(plan)]) == 0
    out = capsys.readouterr().out
    assert "files read: 2 (2 imported, 0 not)" in out
    assert "rows imported: 5" in out
    assert "excluded (unstamped, R11): 2" in out
    assert "duplicate contract numbers: 2 (1 across files)" in out
    assert "errors: 0" in out
    assert "contract HT-003: crm-a.csv row 4 is imported; crm-b.xlsx row 3 dropped" in out
    assert "landed 5 deal(s)" in out and "replaced 0" in out

    inputs, deals = read_deals(plan)
    assert [(r.name, r.weight) for r in inputs.regions["华东区"].reps] == inputs_before
    assert [d.seq for d in deals] == [1, 2, 3, 4, 5]
    assert [d.contract_id for d in deals] == ["HT-001", "HT-003", "HT-004", "HT-010", "HT-012"]
    assert [Decimal(str(d.amount)) for d in deals] == [Decimal(1_200_000), Decimal(120_000_000), Decimal(38_000),
                                                      Decimal(38_000), Decimal("1234.56")]
    assert [d.customer for d in deals] == ['=HYPERLINK("http://evil","点我")', "@SUM(1,1)", "-2+3",
                                           "+86 138 0000", "=1+1"]
    days = [d.date.date() if isinstance(d.date, dt.datetime) else d.date for d in deals]
    assert days == [dt.date(2026, 12, 1), dt.date(2026, 12, 3), dt.date(2026, 12, 4), dt.date(2026, 12, 6),
                    dt.date(2026, 12, 9)]
    # formula-looking CRM strings are stored as text cells, never as formulas
    wb = openpyxl.load_workbook(plan, read_only=True)      # cell types as stored, one sheet parsed
    ws = wb["成交明细"]
    texts = {c.value: c.data_type for row in ws.iter_rows(min_row=5, max_row=9) for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+-@"}
    for s in ('=HYPERLINK("http://evil","点我")', "@SUM(1,1)", "-2+3", "+86 138 0000", "=1+1"):
        assert texts.get(s) == "s", (s, texts)
    # inputs are only read
    assert {f: digest(f) for f in files} == sources
    assert read_meta(plan)["month"] == "2026-12"


def test_reimport_replaces_the_deals(plan, files, capsys):
    assert main(["deals", "import", *map(str, files), "--into", str(plan)]) == 0
    capsys.readouterr()
    assert main(["deals", "import", str(files[1]), "--into", str(plan)]) == 0
    assert "replaced 5 deal row(s)" in capsys.readouterr().out
    _, deals = read_deals(plan)
    assert [d.contract_id for d in deals] == ["HT-010", "ＨＴ-003", "HT-012"]   # alone, b's HT-003 copy counts


def test_any_bad_file_means_nothing_is_written(plan, files, tmp_path, capsys):
    bad_amount = write_csv(tmp_path / "bad-amount.csv", [CSV_ROWS[0][:6] + ["十二块"] + CSV_ROWS[0][7:],
                                                        CSV_ROWS[2][:1] + ["", *CSV_ROWS[2][2:]]], "utf-8")
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_bytes(b"PK\x03\x04 this is not a zip")
    missing_col = tmp_path / "no-stamp.csv"
    missing_col.write_text("成交日期,销售,区域,客户,产品线,金额,合同编号\n2026-12-01,a,华东区,c,产品A,1,X\n", "utf-8")
    before = digest(plan)
    code = main(["deals", "import", str(files[0]), str(bad_amount), str(not_xlsx), str(missing_col),
                 str(files[1]), "--into", str(plan), "--json"])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in doc["files"]] == ["ok", "errors", "refused", "errors", "ok"]
    where = [p["where"] for f in doc["files"] for p in f.get("errors", [])]
    assert "bad-amount.csv: row 2, column 金额" in where          # every problem of every file, at once
    assert "bad-amount.csv: row 3, column 销售" in where
    assert any(w.startswith("no-stamp.csv") for w in where)
    assert doc["into"]["written"] is False
    assert digest(plan) == before                                 # nothing half-written


def test_deals_of_another_month_are_refused_unless_allowed(plan, tmp_path, capsys):
    rows = [CSV_ROWS[0], ["2026-11-30", "吴南一", "华南区", "上月客户", "否", "产品B", "5000", "HT-020", "是"],
            ["2027-01-02", "冯西一", "西南区", "下月客户", "否", "产品C", "6000", "HT-021", "是"]]
    f = write_csv(tmp_path / "mixed.csv", rows)
    before = digest(plan)
    assert main(["deals", "import", str(f), "--into", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "2 deal(s) dated outside 2026-12" in err
    assert "mixed.csv: row 3, column 成交日期: got 2026-11-30" in err and "row 4" in err
    assert digest(plan) == before
    assert main(["deals", "import", str(f), "--into", str(plan), "--allow-other-months"]) == 0
    out = capsys.readouterr().out
    assert "landed 3 deal(s)" in out and "warning: mixed.csv: row 3" in out
    _, deals = read_deals(plan)
    assert [d.contract_id for d in deals] == ["HT-001", "HT-020", "HT-021"]


def test_target_must_be_a_plan_workbook(tmp_path, files, capsys):
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    before = digest(other)
    assert main(["deals", "import", str(files[0]), "--into", str(other)]) == 2
    assert "not a salesplan workbook" in capsys.readouterr().err
    assert digest(other) == before
    assert main(["deals", "import", str(files[0]), "--into", str(tmp_path / "none.xlsx")]) == 2


def test_without_into_nothing_is_written_and_duplicates_span_files(files, capsys):
    assert main(["deals", "import", *map(str, files), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["seq"] for d in doc["deals"]] == [1, 2, 3, 4, 5]
    assert [d["file"].rsplit("/", 1)[-1] for d in doc["deals"]] == ["crm-a.csv"] * 3 + ["crm-b.xlsx"] * 2
    assert doc["duplicates_across_files"] == [{"contract_id": "HT-003", "places": [["crm-a.csv", 4],
                                                                                    ["crm-b.xlsx", 3]]}]


def test_customer_region_is_imported_and_landed(plan, tmp_path, capsys):
    """客户区域 (R9 green channel) survives the import and lands in 成交明细."""
    from salesplan.deals.reader import import_deals
    path = tmp_path / "crm-region.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + ["客户区域"])
        w.writerow(["2026-12-01", "钱东一", "华东区", "北方客户", "是", "产品A", "5000", "HT-101", "是", "北方区"])
        w.writerow(["2026-12-02", "吴南一", "华南区", "本地客户", "否", "产品B", "6000", "HT-102", "是", ""])
    df = import_deals(path).deals
    assert list(df["customer_region"]) == ["北方区", ""]
    # English header too
    assert import_deals(path, {"customer_region": "客户区域"}).deals["customer_region"].iloc[0] == "北方区"

    assert main(["deals", "import", str(path), "--into", str(plan)]) == 0
    capsys.readouterr()
    _, deals = read_deals(plan)
    assert [d.customer_region for d in deals] == ["北方区", None]
    ws = openpyxl.load_workbook(plan, read_only=True)["成交明细"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "客户区域" in values and "北方区" in values


def test_customer_region_english_header(tmp_path):
    from salesplan.deals.reader import import_deals
    path = tmp_path / "crm-en.csv"
    path.write_text("date,rep,region,customer,product,amount,contract_id,stamped,Customer Region\n"
                    "2026-12-01,A,华东区,C,产品A,100,X1,yes,北方区\n", encoding="utf-8")
    assert list(import_deals(path).deals["customer_region"]) == ["北方区"]


def test_progress_one_step_per_file_then_the_sheet(plan, files):
    """Point 5 of the workflow: an import reports progress — a step per file, a step for
    writing 成交明细 — to whatever watches (the CLI's bar, Excel's status bar)."""
    from salesplan.commands.deals import import_steps, land_deals, read_deal_files
    from salesplan.workbook_templates import plan_month
    from salesplan.progress import RecordingProgress

    p = RecordingProgress()
    p.start(import_steps(files, True), "导入成交")
    report = read_deal_files(files, month=plan_month(plan), progress=p)
    land_deals(plan, report, progress=p)
    p.finish("done")
    assert p.events[0] == ("start", 3) and p.events[-1] == ("finish", "done") and p.done == p.total == 3
    notes = [note for kind, note in p.events if kind == "advance"]
    assert notes == ["读取 reading crm-a.csv", "crm-a.csv: ok, 5 rows",
                     "读取 reading crm-b.xlsx", "crm-b.xlsx: ok, 4 rows",
                     "写入 成交明细 writing 5 deals into plan.xlsx", "plan.xlsx: 5 deals written"]


def test_cli_draws_a_bar_on_a_terminal_and_keeps_stdout_clean(plan, files):
    """`salesplan deals import` in a real terminal (a pseudo-terminal): the bar goes to
    stderr and is wiped at the end; stdout holds the summary (and --json stays JSON)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        r = subprocess.run([sys.executable, "-m", "salesplan", "deals", "import", *map(str, files), "--into",
                            str(plan), "--json"], stdout=subprocess.PIPE, stderr=slave, timeout=120)
        os.close(slave)
        slave = -1
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:          # the pty's other end is closed: everything is read
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["into"]["landed"] == 5
    text = err.decode("utf-8")
    assert "导入成交 import deals" in text and "3/3" in text and "█" in text
    bar, wiped, after = text.rpartition("\r\x1b[2K")      # the bar is wiped when the import ends;
    assert bar and wiped and after.startswith("salesplan: warning: ")   # then the reps on no region tab


def test_crm_strings_starting_with_tab_or_cr_land_as_text(plan, tmp_path, capsys):
    """A CRM cell that starts with a tab or a carriage return before a formula-looking
    text ("\\t=1+1", "\\r=2+2"): trimmed like every CRM field (so names and regions
    match) and written as a text cell — never a formula, whatever follows the blank."""
    rows = [["2026-12-01", "钱东一", "华东区", "\t=1+1", "否", "产品A", "100", "\tHT-T1", "是"],
            ["2026-12-02", "吴南一", "华南区", "\r=2+2", "否", "产品B", "200", "HT-T2", "是"],
            ["2026-12-03", "冯西一", "西南区", "\t\r@SUM(A1)", "否", "产品C", "300", "HT-T3", "是"],
            ["2026-12-04", "褚北一", "北方区", "\r\n-1+1", "否", "产品A", "400", "HT-T4", "是"]]
    src = write_csv(tmp_path / "blanks.csv", rows, encoding="utf-8")
    assert main(["deals", "import", str(src), "--into", str(plan)]) == 0
    capsys.readouterr()
    _, deals = read_deals(plan)
    assert [d.customer for d in deals] == ["=1+1", "=2+2", "@SUM(A1)", "-1+1"]
    assert [d.contract_id for d in deals] == ["HT-T1", "HT-T2", "HT-T3", "HT-T4"]
    ws = openpyxl.load_workbook(plan, read_only=True)["成交明细"]
    cells = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value in ("=1+1", "=2+2", "@SUM(A1)",
                                                                                         "-1+1")}
    assert cells == {"=1+1": "s", "=2+2": "s", "@SUM(A1)": "s", "-1+1": "s"}
