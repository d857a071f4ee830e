"""Import real CRM exports: CSV in UTF-8, UTF-8 with BOM and GBK, and XLSX."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from salesplan.deals.columns import ColumnMap
from salesplan.engine.words import parse_yes_no
from salesplan.deals.reader import DEALS_COLUMNS, Duplicate, import_deals
from salesplan.errors import ConfigError, DealsError

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章", "报价", "目录价", "首次报价"]
# Every row is representable in GBK (no ¥ U+00A5 or ✓ there: ￥ and √ are).
ROWS = [
    ["2024-05-03", "张明", "华东区", '=HYPERLINK("http://evil","点我")', "是", "产品A", "1,200,000", "HT-001", "是", "", "", ""],
    ["2024/5/4", "李强", "华南区", "+86 138 0000", "否", "产品B", "１２０万", "HT-002", "否", "", "", ""],   # unstamped
    ["2024年5月5日", "王芳", "西南区", "@SUM(1,1)", "Y", "产品C", "1.2亿", "HT-003", "Y", "130000000", "140000000", "是"],
    ["2024-05-06", "刘伟", "北方区", "-2+3", "N", "行业解决方案", "￥38,000.00", "HT-004", "√", "", "", ""],
    ["2024-05-07", "张明", "华东区", "\t=1+1", "", "产品A", "38000.5", "HT-001", "TRUE", "", "", "否"],  # duplicate
    ["2024-05-08", "李强", "华南区", "普通客户", "否", "产品B", "5000", "ht-005", "1", "5200", "5500", "N"],
    ["20240509", "王芳", "西南区", "客户,带逗号", "否", "产品C", "5000", "HT-005", "是", "", "", ""],   # dup (case)
    ["2024-05-10", "刘伟", "北方区", "未盖章客户", "否", "产品A", "abc", "HT-006", "否", "", "", ""],  # unstamped: not validated
]


def write_csv(path: Path, rows, encoding: str, header=HEADER) -> Path:
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(params=["utf-8", "utf-8-sig", "gbk"])
def csv_file(request, tmp_path):
    return write_csv(tmp_path / f"deals-{request.param}.csv", ROWS, request.param), request.param


def check_tricky(result, name):
    df, r = result.deals, result.report
    assert list(df.columns) == list(DEALS_COLUMNS)
    assert r.rows_read == 8
    assert r.excluded_unstamped == 2 and r.unstamped_rows == [3, 9]
    assert r.duplicates == [Duplicate("HT-001", (2, 6)), Duplicate("ht-005", (7, 8))]
    assert r.duplicates_dropped == 2
    assert r.errors == [] and r.error_count == 0
    # HT-001 copies differ (amount, date, customer): a warning names the fields
    assert any(w.code == "duplicate_conflict" and "amount" in w.expected for w in r.warnings)
    assert r.imported == 4
    assert df["seq"].tolist() == [1, 2, 3, 4]
    assert df["source_row"].tolist() == [2, 4, 5, 7]
    assert df["contract_id"].tolist() == ["HT-001", "HT-003", "HT-004", "ht-005"]
    assert df["amount_fen"].tolist() == [120_000_000, 12_000_000_000, 3_800_000, 500_000]
    assert df["amount_fen"].dtype == np.int64
    assert df["date"].dtype == "datetime64[ns]"
    assert [d.date() for d in df["date"]] == [dt.date(2024, 5, 3), dt.date(2024, 5, 5), dt.date(2024, 5, 6),
                                              dt.date(2024, 5, 8)]
    # formula-looking strings are kept verbatim as data
    assert df["customer"].tolist()[:3] == ['=HYPERLINK("http://evil","点我")', "@SUM(1,1)", "-2+3"]
    assert df["is_new_customer"].tolist() == [True, True, False, False]
    assert df["first_quote"].tolist() == [False, True, False, False]
    assert df["stamped"].all()
    assert str(df["quote_fen"].dtype) == "Int64"
    assert df["quote_fen"].isna().tolist() == [True, False, True, False]
    assert int(df["quote_fen"].iloc[1]) == 13_000_000_000 and int(df["list_price_fen"].iloc[3]) == 550_000


def test_csv_in_three_encodings(csv_file):
    path, enc = csv_file
    result = import_deals(path)
    assert result.report.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030"}[enc]
    check_tricky(result, path.name)


def test_three_encodings_give_identical_frames(tmp_path):
    frames = [import_deals(write_csv(tmp_path / f"{e}.csv", ROWS, e)).deals for e in ("utf-8", "utf-8-sig", "gbk")]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_gbk_bytes_really_are_not_utf8(tmp_path):
    path = write_csv(tmp_path / "g.csv", ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


def write_xlsx(path: Path, rows, header=HEADER, title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成交明细"
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        r = ws.max_row + 1
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, str):
                cell.data_type = "s"        # CRM strings land as text, even "=..."
    wb.save(path)
    return path


def test_xlsx_with_tricky_rows(tmp_path):
    path = write_xlsx(tmp_path / "deals.xlsx", ROWS)
    result = import_deals(path)
    assert result.report.sheet == "成交明细"
    check_tricky(result, path.name)


def test_xlsx_native_cells(tmp_path):
    """Numbers, dates and booleans as real XLSX cell types, plus a title row above the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年5月成交报表"])
    ws.append(HEADER)
    ws.append([dt.date(2024, 5, 3), "张明", "华东区", "甲公司", True, "产品A", 1200000, 20240001, True, None, None, False])
    ws.append([dt.datetime(2024, 5, 4, 15, 30), "李强", "华南区", "乙公司", False, "产品B", 38000.5, "HT-2", 1, 40000, 42000.25, 1])
    ws.append([45420, "王芳", "西南区", "丙公司", 0, "产品C", 0.1, "HT-3", "是", None, None, None])  # serial date
    wb.save(tmp_path / "native.xlsx")
    result = import_deals(tmp_path / "native.xlsx")
    df, r = result.deals, result.report
    assert r.header_row == 2
    assert df["source_row"].tolist() == [3, 4, 5]
    assert df["contract_id"].tolist() == ["20240001", "HT-2", "HT-3"]
    assert df["amount_fen"].tolist() == [120_000_000, 3_800_050, 10]
    assert [d.date() for d in df["date"]] == [dt.date(2024, 5, 3), dt.date(2024, 5, 4), dt.date(2024, 5, 8)]
    assert df["is_new_customer"].tolist() == [True, False, False]
    assert df["list_price_fen"].tolist()[1] == 4_200_025


BAD_AMOUNTS = ["abc", "N/A", "nan", "-5", "", "1.2E+06", "38000.123"]


@pytest.mark.parametrize("maker", ["csv", "xlsx"])
def test_bad_amounts_raise_with_file_row_and_column(tmp_path, maker):
    rows = [["2024-05-01", "张明", "华东区", "甲", "否", "产品A", "100", "OK-1", "是", "", "", ""]]
    rows += [["2024-05-02", "张明", "华东区", "甲", "否", "产品A", a, f"B-{i}", "是", "", "", ""]
             for i, a in enumerate(BAD_AMOUNTS)]
    path = (write_csv(tmp_path / "bad.csv", rows, "utf-8") if maker == "csv"
            else write_xlsx(tmp_path / "bad.xlsx", rows))
    with pytest.raises(DealsError) as info:
        import_deals(path)
    problems = info.value.problems
    assert [p.where for p in problems] == [f"{path.name}: row {n}, column 金额" for n in range(3, 3 + len(BAD_AMOUNTS))]
    assert [p.value for p in problems] == BAD_AMOUNTS
    assert all("at most 2 decimals" in p.expected for p in problems)
    assert info.value.source == str(path)
    # strict=False: the report carries the same problems, only the good row is imported
    result = import_deals(path, strict=False)
    assert result.report.errors == problems and result.report.error_rows == len(BAD_AMOUNTS)
    assert result.deals["contract_id"].tolist() == ["OK-1"]


def test_all_problems_at_once(tmp_path):
    rows = [["2024-13-01", "", "华东区", "甲", "maybe", "产品A", "abc", "X-1", "是", "cheap", "", ""],
            ["2024-05-01", "张明", "华东区", "甲", "否", "产品A", "1", "X-2", "perhaps", "", "", ""]]
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "many.csv", rows, "utf-8"))
    wheres = sorted(p.where for p in info.value.problems)
    assert wheres == sorted([
        "many.csv: row 2, column 成交日期", "many.csv: row 2, column 销售", "many.csv: row 2, column 新客户",
        "many.csv: row 2, column 金额", "many.csv: row 2, column 报价", "many.csv: row 3, column 已盖章"])


def test_missing_and_ambiguous_columns(tmp_path):
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "m.csv", [["2024-05-01", "张明"]], "utf-8", header=["成交日期", "销售"]))
    assert {p.code for p in info.value.problems} == {"missing_column"}
    # each problem says which column is missing and which headers were found (not "got 'product'")
    assert [p.value for p in info.value.problems] == [
        f"no {label} column; headers found: 成交日期, 销售" for label in ("区域", "客户", "产品线", "金额", "合同编号", "已盖章")]
    assert info.value.problems[2].expected.startswith("a column headed 产品线 or 产品 or product")
    hdr = HEADER + ["合同金额"]
    with pytest.raises(DealsError) as info:
        import_deals(write_csv(tmp_path / "a.csv", [ROWS[0] + ["1"]], "utf-8", header=hdr))
    assert [p.code for p in info.value.problems] == ["ambiguous_column"]


def test_english_headers_and_configured_mapping(tmp_path):
    eng = ["Date", "Sales Rep", "Region", "Customer", "New Customer", "Product Line", "Amount", "Contract ID",
           "Stamped", "Quote", "List Price", "First Quote"]
    r = import_deals(write_csv(tmp_path / "en.csv", ROWS[:1], "utf-8", header=eng))
    assert r.deals["amount_fen"].tolist() == [120_000_000]
    custom = ["签约时间", "业务员", "区域", "客户", "产品线", "合同额", "合同编号", "盖章状态"]
    rows = [["2024-05-01", "张明", "华东区", "甲", "产品A", "120万", "C-1", "已盖章"]]
    cfg = {"date": "签约时间", "rep": ["业务员", "销售"], "amount": "合同额", "stamped": "盖章状态"}
    r = import_deals(write_csv(tmp_path / "c.csv", rows, "utf-8", header=custom), cfg)
    assert r.deals["amount_fen"].tolist() == [120_000_000]
    assert r.report.missing_optional == ["new_customer", "quote", "list_price", "first_quote", "customer_region"]
    with pytest.raises(ConfigError) as info:
        ColumnMap.from_config({"amout": "金额", "rep": 5})
    assert [p.where for p in info.value.problems] == ["[deals.columns].amout", "[deals.columns].rep"]


@pytest.mark.parametrize("text, expected", [("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True),
                                            ("false", False), ("1", True), ("0", False), ("✓", True), ("√", True),
                                            ("✗", False), ("", False), (None, False), (1.0, True), ("ｙｅｓ", True)])
def test_bool_values(text, expected):
    assert bool(parse_yes_no(text)) is expected


def test_ragged_csv_is_an_error_not_a_crash(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0][:3]) + ",x,x,x,x,x,x,x,x,x,x,x,x,x\n", encoding="utf-8")
    with pytest.raises(DealsError) as info:
        import_deals(p)
    assert info.value.problems[0].code == "csv"


def test_undecodable_bytes(tmp_path):
    p = tmp_path / "junk.csv"
    p.write_bytes(",".join(HEADER).encode("utf-8") + b"\n\xff\xfe\xff\n")
    with pytest.raises(DealsError) as info:
        import_deals(p)
    assert info.value.problems[0].code == "encoding"
    # an explicit encoding wins over detection
    write_csv(tmp_path / "g.csv", ROWS, "gbk")
    assert import_deals(tmp_path / "g.csv", encoding="gbk").report.encoding == "gbk"


def test_tab_separated_utf16_export(tmp_path):
    """Excel's "Unicode text" export: UTF-16 with BOM, tab-separated."""
    import csv

    p = tmp_path / "unicode.txt"
    with open(p, "w", encoding="utf-16", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows([HEADER] + ROWS)  # quotes the cell holding a tab
    check_tricky(import_deals(p), p.name)


def test_cli_summary_and_json(tmp_path):
    path = write_csv(tmp_path / "d.csv", ROWS, "gbk")
    cols = tmp_path / "cols.toml"
    cols.write_text('[deals.columns]\namount = ["金额"]\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "salesplan.cli", "deals", "import", str(path), "--columns", str(cols)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "rows imported: 4" in proc.stdout and "excluded (unstamped, R11): 2" in proc.stdout
    assert "duplicate contract numbers: 2" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "salesplan.cli", "deals", "import", str(path), "--json"],
                          capture_output=True, text=True, timeout=120)
    out = json.loads(proc.stdout)
    assert [d["amount"] for d in out["deals"]] == ["1200000.00", "120000000.00", "38000.00", "5000.00"]
    assert out["deals"][1]["quote"] == "130000000.00" and out["deals"][0]["quote"] is None
    bad = write_csv(tmp_path / "bad.csv", [ROWS[0][:6] + ["abc"] + ROWS[0][7:]], "utf-8")
    proc = subprocess.run([sys.executable, "-m", "salesplan.cli", "deals", "import", str(bad), str(path), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["files"][0]["status"] == "errors"
    assert out["files"][0]["errors"][0]["where"] == "bad.csv: row 2, column 金额"
    assert len(out["deals"]) == 4  # only the clean file's deals


def test_a_bom_followed_by_other_bytes_is_an_encoding_error_naming_the_byte(tmp_path):
    """A GBK export saved with a UTF-8 byte-order mark: an encoding problem at the first
    byte that breaks UTF-8 (file offset and value), not a "CSV structure" one."""
    import codecs

    from salesplan.deals.reader import detect_encoding

    gbk = write_csv(tmp_path / "probe.csv", ROWS, "utf-8").read_text(encoding="utf-8").encode("gbk")
    bad = tmp_path / "bom-gbk.csv"
    bad.write_bytes(codecs.BOM_UTF8 + gbk)
    first = next(i for i in range(len(gbk)) if gbk[i] >= 0x80)          # the first GBK byte after the BOM
    with pytest.raises(DealsError) as e:
        import_deals(bad)
    p, = e.value.problems
    assert (p.where, p.code) == ("bom-gbk.csv: encoding", "encoding")
    assert p.value == f"byte {3 + first:,}: 0x{gbk[first]:02X}" and "UTF-8" in p.expected

    # deep in a big file, after a character cut by the 1 MiB read boundary: the right offset
    big = tmp_path / "big.csv"
    body = codecs.BOM_UTF8 + b"a" * ((1 << 20) - 4) + "成".encode("utf-8") + b"b" * 10 + b"\xff" + b"c"
    big.write_bytes(body)
    with pytest.raises(DealsError) as e:
        detect_encoding(big)
    at = body.index(b"\xff")
    assert e.value.problems[0].value == f"byte {at:,}: 0xFF"
    # the same bytes without the bad one read as UTF-8 with its mark
    big.write_bytes(body.replace(b"\xff", b""))
    assert detect_encoding(big) == "utf-8-sig"
