"""The 已结账 mark: ``salesplan close`` marks the workbook (banner with who, when, version on the
guide and every input sheet; inputs locked; sheets protected) without moving one typed value;
while closed, generate and deals import refuse; a mark the history cannot account for is
refused too; reopen → the next generate writes an open workbook with the same inputs."""
from __future__ import annotations

import openpyxl
import pytest

from history_helpers import make_plan, type_rep_inputs, write_deals_csv

MONTH = "2027-01"
DEALS = [(5, "钱东一", "华东区", "客户甲", "是", "产品A", "300,000.00", "HT-001"),
         (6, "吴南一", "华南区", "新客乙", "是", "产品B", "120万", "HT-002")]
INPUT_SHEETS = ("设置", "华东区", "华南区", "西南区", "北方区", "成交明细", "竞赛与推荐")


def run(capsys, *argv) -> tuple[int, str, str]:
    from salesplan.cli import main
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def typed(wb) -> dict[tuple[str, str], object]:
    """Every input cell of the open workbook (unlocked, on a visible sheet): (sheet, cell) → value."""
    out = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for c in row:
                if c.protection.locked is False:
                    out[(ws.title, c.coordinate)] = c.value
    return out


def values_at(wb, cells) -> dict[tuple[str, str], object]:
    return {(s, a): wb[s][a].value for s, a in cells}


def inputs_of(path):
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    with OpenpyxlReader(path) as rd:
        return read_inputs(rd)[1]


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """A played January (deals, churn typed), its typed inputs, then closed in a SQLite history."""
    from salesplan.cli import main
    d = tmp_path_factory.mktemp("mark")
    plan = make_plan(d, MONTH, DEALS)
    type_rep_inputs(plan, {("华东区", 0, "churn"): 0.05, ("华南区", 1, "churn"): 0.125})
    before, inputs = typed(openpyxl.load_workbook(plan)), inputs_of(plan)
    db = str(d / "h.sqlite3")
    assert main(["close", str(plan), "--by", "财务 Alice", "--db", db]) == 0
    return {"dir": d, "plan": plan, "db": db, "before": before, "inputs": inputs}


def test_close_marks_the_workbook_and_moves_no_input(closed):
    from salesplan.history.mark import workbook_mark
    plan, before = closed["plan"], closed["before"]
    assert len(before) > 500
    wb = openpyxl.load_workbook(plan)
    assert values_at(wb, before) == before            # every typed value where it was
    assert inputs_of(plan) == closed["inputs"]
    assert typed(wb) == {}                            # nothing left to type into
    mark = workbook_mark(plan)
    assert mark["version"] == 1 and mark["by"] == "财务 Alice" and mark["at_utc"].endswith("Z")
    for name in ("使用说明",) + INPUT_SHEETS:
        a1 = wb[name]["A1"].value
        assert a1.startswith("🔒 已结账 · 第 1 版 · 财务 Alice · " + mark["at_shanghai"]), (name, a1)
        assert wb[name].protection.sheet, name
    assert "已结账" not in str(wb["仪表盘"]["A1"].value)      # output sheets keep their title


def test_closed_workbook_refuses_writes_until_reopened(closed, capsys):
    plan, db, d = closed["plan"], closed["db"], closed["dir"]
    rc, _, err = run(capsys, "generate", "-o", plan, "--db", db)
    assert rc == 2 and "cannot regenerate plan.xlsx: 2027-01 is closed (version 1, by 财务 Alice" in err
    # nor into a new file: an open copy of a closed month would be a second, unlocked truth
    rc, _, err = run(capsys, "generate", "--month", MONTH, "-o", d / "copy.xlsx", "--db", db)
    assert rc == 2 and "cannot generate copy.xlsx: 2027-01 is closed (version 1" in err
    assert not (d / "copy.xlsx").exists()
    src = write_deals_csv(d / "more.csv", MONTH, DEALS[:1])
    rc, _, err = run(capsys, "deals", "import", src, "--into", plan, "--db", db)
    assert rc == 2 and "is closed" in err
    # another (empty) history cannot say the month was reopened: the mark stands
    rc, _, err = run(capsys, "generate", "-o", plan, "--db", d / "other.sqlite3")
    assert rc == 2 and "is marked 已结账 (2027-01 version 1, by 财务 Alice" in err
    assert not (d / "other.sqlite3").exists()          # asking does not create a history

    assert run(capsys, "reopen", MONTH, "--by", "总监 Bob", "--reason", "更正", "--db", db)[0] == 0
    rc, _, err = run(capsys, "generate", "-o", plan, "--db", db)
    assert rc == 0, err
    from salesplan.history.mark import workbook_mark
    assert workbook_mark(plan) is None
    wb = openpyxl.load_workbook(plan)
    assert typed(wb) == closed["before"]               # open again: the same inputs, unlocked
    assert all("已结账" not in str(wb[n]["A1"].value) for n in ("使用说明",) + INPUT_SHEETS)
    # a close stored without its mark (the ribbon's, or a save that failed): close again only marks it
    from salesplan.history.source import read_workbook
    from salesplan.history.store import open_store
    with open_store(db) as st:
        st.close_month(read_workbook(plan).snapshot, by="财务 Carol")
    rc, out, err = run(capsys, "close", plan, "--by", "财务 Alice", "--db", db)
    assert rc == 0 and "2027-01 was closed as version 2; marked plan.xlsx 已结账 now" in out, err
    assert workbook_mark(plan)["version"] == 2 and workbook_mark(plan)["by"] == "财务 Carol"
    rc, _, err = run(capsys, "close", plan, "--by", "财务 Alice", "--db", db)
    assert rc == 2 and "is closed (version 2" in err
