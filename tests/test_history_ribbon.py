"""The 结账 and 对比上月 ribbon macros, headless, through the same run() the VBA dispatcher calls."""
from __future__ import annotations

import contextlib
import io
import json

from history_helpers import make_plan

JANUARY = [(5, "钱东一", "华东区", "客户甲", "是", "产品A", "300,000.00", "HT-001")]
FEBRUARY = [(3, "钱东一", "华东区", "客户甲", "否", "产品A", "350,000.00", "HT-101")]


def _run(tag, book):
    import salesplan.macros as macros
    messages = []
    ok = macros.run(tag, book=book, notify=lambda m, t: messages.append(m))
    return ok, messages, book.ui.messages


def test_close_and_compare_with_last_month(tmp_path, monkeypatch):
    from salesplan.macros.actions import HeadlessUI, PathBook
    monkeypatch.setenv("SALESPLAN_DB", str(tmp_path / "history.sqlite3"))
    (tmp_path / "jan").mkdir()
    (tmp_path / "feb").mkdir()
    jan = make_plan(tmp_path / "jan", "2027-01", JANUARY)
    feb = make_plan(tmp_path / "feb", "2027-02", FEBRUARY)

    ok, errors, msgs = _run("close_month", PathBook(jan, HeadlessUI(yes=False)))
    assert ok and msgs[-1] == "结账已取消 Close cancelled."                  # asked first; "no" stores nothing
    from salesplan.history.gate import closed_state
    assert closed_state("2027-01") is None
    ok, errors, msgs = _run("close_month", PathBook(jan, HeadlessUI(yes=True)))
    assert ok, errors
    assert msgs[-1].startswith("已结账 2027-01 version 1")
    from salesplan.history.mark import workbook_mark
    assert workbook_mark(jan)["version"] == 1             # the workbook itself carries the 已结账 mark
    ok, errors, msgs = _run("close_month", PathBook(jan, HeadlessUI(yes=True)))
    assert not ok and "2027-01 is closed (version 1" in errors[-1]

    ok, errors, msgs = _run("diff_last_month", PathBook(feb, HeadlessUI()))
    assert ok, errors
    assert msgs[-1].startswith("diff 2027-01@1 → 2027-02 (plan.xlsx)")
    assert "+ HT-101 华东区 钱东一 ¥350,000.00" in msgs[-1] and "- HT-001" in msgs[-1]
    assert "华东区 钱东一: ¥6,000.00 → ¥7,000.00 (+¥1,000.00)" in msgs[-1]

    # February closed too: the year to date (年度累计 data) holds both months
    ok, errors, msgs = _run("close_month", PathBook(feb, HeadlessUI(yes=True)))
    assert ok, errors
    from salesplan.cli import main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["history", "--ytd", "2027", "--format", "json"]) == 0
    doc = json.loads(buf.getvalue())
    assert doc["months"] == ["2027-01", "2027-02"] and doc["versions"] == {"2027-01": 1, "2027-02": 1}
    qian = next(r for r in doc["reps"] if r["rep"] == "钱东一")
    assert [qian["months"][m]["payout_fen"] for m in doc["months"]] == [6_000_00, 7_000_00]
    assert qian["ytd"] == {"target_fen": 1_400_000_00, "revenue_fen": 650_000_00, "payout_fen": 13_000_00,
                           "attainment": round(650_000 / 1_400_000, 6)}
    east = next(r for r in doc["regions"] if r["region"] == "华东区")
    assert east["ytd"]["payout_fen"] == 13_000_00 and east["ytd"]["target_fen"] == 2 * 1_050_000_00
