"""The month played with a history (issue 20, "How it is shown"), on SQLite and PostgreSQL:
play January (generate, import the CRM deals, type the reps' churn), close (the workbook
carries the 已结账 banner); play February with the history — its 年度累计 sheet shows
January — and close it; reopen January with a reason, correct one deal, close as version 2; ``diff 2027-01@1 2027-01@2`` names that
deal and the rep's payout delta to the fen; ``statement`` prints the closed statement; a
direct database edit is caught by ``history --verify``.

Expected figures are worked out by hand below (R8 defaults: tiers 2% from 0, 4% from 80%,
6% from 100%, 8% from 120% of the personal target; slices rounded half away from zero).
"""
from __future__ import annotations

import json

import openpyxl
import pytest

from history_helpers import db_url, make_plan, pg_server, type_rep_inputs, write_deals_csv  # noqa: F401
from lo_recalc import load_values

MONTH = "2027-01"
JANUARY = [(5, "钱东一", "华东区", "客户甲", "是", "产品A", "300,000.00", "HT-001"),
           (6, "吴南一", "华南区", "新客乙", "是", "产品B", "120万", "HT-002"),
           (7, "钱东一", "华东区", "客户丙", "否", "产品A", "500,000", "HT-003"),
           (8, "冯西一", "西南区", "客户丁", "否", "产品C", "88,888.88", "HT-004")]
CORRECTED = [r if r[7] != "HT-003" else r[:6] + ("500,123.45", "HT-003") for r in JANUARY]

# 钱东一: weight 2 of 3 on 华东区's ¥1,050,000 → target ¥700,000; tiers at 560,000 / 700,000 / 840,000.
# v1: HT-001 300,000 → 6,000.00; HT-003 500,000: 260,000×2% 5,200.00 + 140,000×4% 5,600.00
#     + 100,000×6% 6,000.00 → commission 22,800.00; churn 5% ≤ 8% → retention 2,000 + 500.
# v2: HT-003 500,123.45: the 6% slice is 100,123.45×6% = 6,007.4070 → 6,007.41: +7.41.
V1_QIAN = 22_800_00 + 2_500_00
DELTA_QIAN = 7_41
FEBRUARY = [(3, "钱东一", "华东区", "客户戊", "否", "产品A", "100,000", "HT-101")]


def cli(capsys, *argv):
    from salesplan.cli import main
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_january_closed_reopened_corrected_and_diffed(db_url, tmp_path, capsys):
    plan = make_plan(tmp_path, MONTH, JANUARY)
    type_rep_inputs(plan, {("华东区", 0, "churn"): 0.05, ("华东区", 1, "churn"): 0.2})
    rc, out, err = cli(capsys, "close", plan, "--by", "财务 Alice", "--note", "一月工资", "--db", db_url)
    assert rc == 0, err
    assert "closed 2027-01 as version 1" in out
    wb = openpyxl.load_workbook(plan)
    assert wb["华东区"]["A1"].value.startswith("🔒 已结账 · 第 1 版 · 财务 Alice · ")
    assert wb["使用说明"].protection.sheet and wb["成交明细"].protection.sheet

    # February with the history: its 年度累计 sheet shows January (version 1) beside the live month
    feb_dir = tmp_path / "feb"
    feb_dir.mkdir()
    feb = make_plan(feb_dir, "2027-02", FEBRUARY, db=db_url)
    ytd = load_values(feb)["年度累计"]
    assert "2027-01@1" in ytd["A2"].value
    row = next(r for r in range(1, ytd.max_row + 1) if (ytd.cell(r, 1).value, ytd.cell(r, 2).value) ==
               ("华东区", "钱东一"))
    # January: target ¥700,000, revenue ¥800,000, payout ¥25,300 (values); February live: ¥100,000 so far
    assert [ytd.cell(row, c).value for c in (3, 4, 6)] == [700_000, 800_000, V1_QIAN / 100]
    assert ytd.cell(row, 8).value == 100_000 and ytd.cell(row, 12).value == 900_000
    assert [ytd.cell(r, 1).value for r in (6, 7)] == ["2027-01", "2027-02"]
    rc, out, err = cli(capsys, "close", feb, "--by", "财务 Alice", "--db", db_url)
    assert rc == 0 and "closed 2027-02 as version 1" in out, err
    assert "年度累计" in openpyxl.load_workbook(feb, read_only=True).sheetnames   # kept by the mark

    rc, out, err = cli(capsys, "statement", MONTH, "--rep", "钱东一", "--db", db_url)
    assert rc == 0, err
    assert "应发合计 total" in out and "¥25,300.00" in out
    assert "slice ¥140,000.00 × 4%" in out and "R8 客户留存奖: churn 0.05 ≤ 0.08" in out

    # reopen with a reason, the CRM corrects HT-003, import again, close as version 2
    rc, out, err = cli(capsys, "reopen", MONTH, "--by", "总监 Bob", "--reason", "HT-003 金额更正", "--db", db_url)
    assert rc == 0, err
    src = write_deals_csv(tmp_path / "crm-corrected.csv", MONTH, CORRECTED)
    rc, out, err = cli(capsys, "deals", "import", src, "--into", plan, "--db", db_url)
    assert rc == 0, err
    rc, out, err = cli(capsys, "close", plan, "--by", "财务 Alice", "--db", db_url)
    assert rc == 0 and "as version 2" in out, err

    rc, out, err = cli(capsys, "diff", f"{MONTH}@1", f"{MONTH}@2", "--format", "json", "--db", db_url)
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["deals"]["added"] == [] and doc["deals"]["removed"] == []
    [changed] = doc["deals"]["changed"]
    assert changed["contract_id"] == "HT-003"
    assert changed["changes"]["amount_fen"] == [50_000_000, 50_012_345]
    [moved] = doc["payouts"]
    assert (moved["region"], moved["rep"]) == ("华东区", "钱东一")
    assert (moved["before_fen"], moved["after_fen"], moved["delta_fen"]) == (V1_QIAN, V1_QIAN + DELTA_QIAN, DELTA_QIAN)
    assert {"deal": "HT-003", "change": "changed", "fields": changed["changes"]} in moved["because"]
    assert {"rule": "commission", "label": "R8 提成", "before_fen": 22_800_00, "after_fen": 22_807_41,
            "delta_fen": 741} in moved["because"]
    assert doc["totals"]["payout_fen"]["delta_fen"] == DELTA_QIAN
    assert doc["inputs"] == [] and doc["config"] == [] and doc["targets"] == []

    rc, out, err = cli(capsys, "diff", f"{MONTH}@1", f"{MONTH}@2", "--db", db_url)
    assert rc == 0
    assert "~ HT-003: amount_fen ¥500,000.00 → ¥500,123.45" in out
    assert "华东区 钱东一: ¥25,300.00 → ¥25,307.41 (+¥7.41)" in out
    assert "because deal HT-003 changed" in out

    # the workbook as it is now against the closed version: the same
    rc, out, err = cli(capsys, "diff", MONTH, plan, "--format", "json", "--db", db_url)
    assert rc == 0 and json.loads(out)["payouts"] == [], err

    rc, out, err = cli(capsys, "history", "--format", "json", "--db", db_url)
    assert rc == 0
    jan, feb_ = json.loads(out)["months"]
    assert feb_["month"] == "2027-02" and feb_["state"] == "closed"
    assert jan["state"] == "closed" and [v["version"] for v in jan["versions"]] == [1, 2]
    assert jan["versions"][0]["reopened"]["reason"] == "HT-003 金额更正"
    assert jan["versions"][1]["payout_fen"] - jan["versions"][0]["payout_fen"] == DELTA_QIAN
    rc, out, err = cli(capsys, "history", "--verify", "--db", db_url)
    assert rc == 0 and "4 record(s)" in out

    # someone edits version 1's statement for 钱东一 directly in the database
    import sqlalchemy as sa

    from salesplan.history import schema as S
    from salesplan.history.store import open_store
    with open_store(db_url) as st, st.engine.begin() as conn:
        conn.execute(sa.update(S.statements).where(S.statements.c.seq == 1, S.statements.c.rep == "钱东一")
                     .values(total_fen=S.statements.c.total_fen + 100_000_00))
    rc, out, err = cli(capsys, "history", "--verify", "--db", db_url)
    assert rc == 1
    assert "FAILED: record 1 (close 2027-01 version 1) no longer matches (tampered)" in err


@pytest.mark.libreoffice
def test_statement_pdf(tmp_path, capsys):
    """-o FILE.pdf prints the closed statement through LibreOffice (the store does not matter here)."""
    from lo_recalc import require_libreoffice
    require_libreoffice()
    db_url = str(tmp_path / "h.sqlite3")
    plan = make_plan(tmp_path, MONTH, JANUARY)
    assert cli(capsys, "close", plan, "--by", "A", "--db", db_url)[0] == 0
    rc, out, err = cli(capsys, "statement", MONTH, "--rep", "钱东一", "-o", tmp_path / "s.pdf", "--db", db_url)
    assert rc == 0, err
    from pypdf import PdfReader
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "s.pdf").pages)
    assert "HT-003" in text and "22,800.00" in text
