"""What a new user meets at the command line: the headers in --help, a template to fill,
errors that say what was found, and a report that never contradicts itself."""
from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from salesplan.cli import main
from salesplan.deals.columns import DEFAULT_HEADERS, FIELDS
from salesplan.deals.reader import import_deals
from salesplan.errors import DealsError
from salesplan.workbook_templates import generate_workbook

ROW = ["2026-12-01", "钱东一", "华东区", "客户甲", "是", "产品A", "100", "HT-001", "是"]


def write_csv(path: Path, header, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_help_lists_every_accepted_header(capsys):
    with pytest.raises(SystemExit):
        main(["deals", "import", "--help"])
    out = capsys.readouterr().out
    for f in FIELDS:
        assert all(h in out for h in DEFAULT_HEADERS[f]), f
    assert "docs/deals.md" in out


@pytest.mark.parametrize("name", ["deals.csv", "deals.xlsx"])
def test_template_is_an_empty_file_the_import_reads(tmp_path, name, capsys):
    out = tmp_path / name
    assert main(["deals", "template", "-o", str(out)]) == 0
    labels = [DEFAULT_HEADERS[f][0] for f in FIELDS]
    if name.endswith(".csv"):
        assert out.read_text(encoding="utf-8-sig").splitlines() == [",".join(labels)]
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")       # Excel opens the Chinese headers right
    else:
        assert [c.value for c in openpyxl.load_workbook(out).active[1]] == labels
    r = import_deals(out)
    assert r.report.imported == 0 and set(r.report.columns) == set(FIELDS)
    assert main(["deals", "template", "-o", str(out)]) == 2          # never overwritten
    assert "existing file" in capsys.readouterr().err


def test_common_crm_spellings_are_accepted(tmp_path):
    header = ["签约日期", "业务员", "区域", "客户", "是否新客户", "产品线", "合同金额", "合同编号", "合同盖章"]
    assert import_deals(write_csv(tmp_path / "crm.csv", header, [ROW])).report.imported == 1
    header[-1] = "是否盖章"
    assert import_deals(write_csv(tmp_path / "crm2.csv", header, [ROW])).report.imported == 1


def test_missing_header_names_what_was_found(tmp_path, capsys):
    header = ["成交日期", "销售", "区域", "客户", "金额", "合同编号", "已盖章"]
    f = write_csv(tmp_path / "crm.csv", header, [[*ROW[:4], *ROW[6:]]])
    assert main(["deals", "import", str(f)]) == 1
    out = capsys.readouterr().out
    assert "crm.csv: row 1 header: got 'no 产品线 column; headers found: 成交日期, 销售, 区域, 客户, 金额, 合同编号, " \
           "已盖章'; expected a column headed 产品线 or 产品 or product" in out


def test_text_report_names_the_unstamped_rows(tmp_path, capsys):
    rows = [ROW, [*ROW[:7], "HT-002", "否"], [*ROW[:7], "HT-003", "未盖章"]]
    f = write_csv(tmp_path / "crm.csv", ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号",
                                          "已盖章"], rows)
    assert main(["deals", "import", str(f)]) == 0
    out = capsys.readouterr().out
    assert "excluded (unstamped, R11): 2" in out
    assert f"{f}: not stamped (R11), not imported: row(s) 3, 4" in out


@pytest.mark.parametrize("content, what", [(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\x00\x01\x02", "a PDF"),
                                           (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
                                           (b"abc\x00\x00\x01def,ghi\n" * 50, "binary data")])
def test_a_file_that_is_not_csv_says_so(tmp_path, content, what):
    f = tmp_path / "export.csv"
    f.write_bytes(content)
    with pytest.raises(DealsError) as info:
        import_deals(f)
    [p] = info.value.problems
    assert p.code == "not_csv" and p.value.startswith(what) and "C error" not in str(info.value)


def test_ragged_csv_names_the_line(tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("成交日期,销售,区域\n2026-12-01,a,b\n2026-12-02,a,b,c,d\n", encoding="utf-8")
    with pytest.raises(DealsError) as info:
        import_deals(f)
    assert info.value.problems[0].value == "line 3 has 5 fields, the lines before it 3"
    assert "tokenizing" not in str(info.value)


def test_a_deal_outside_the_month_is_not_reported_as_imported(tmp_path, default_config, capsys):
    plan = tmp_path / "plan.xlsx"
    generate_workbook(default_config, plan)
    f = write_csv(tmp_path / "crm.csv", ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号",
                                          "已盖章"], [["2026-11-30", *ROW[1:]]])
    assert main(["deals", "import", str(f), "--into", str(plan)]) == 1
    captured = capsys.readouterr()
    assert "rows imported: 0 (1 valid, not written)" in captured.out
    assert "errors: 1 (1 deal(s) outside the plan's month)" in captured.out
    assert "errors: 0" not in captured.out and "nothing written" in captured.err
