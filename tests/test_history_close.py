"""`salesplan close` / `reopen` through the CLI: every reason to refuse listed, a closed month
locked against consolidate and deals import, reopen records why (SQLite and PostgreSQL)."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

from history_helpers import db_url, make_plan, pg_server  # noqa: F401  (fixtures)

DEALS = [(5, "钱东一", "华东区", "客户甲", "是", "产品A", "300,000.00", "HT-001"),
         (6, "吴南一", "华南区", "新客乙", "是", "产品B", "120万", "HT-002")]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """A clean plan, and a plan with an unknown rep's deal and an unresolved consolidation conflict."""
    from salesplan.regional.manifest import SplitManifest, sidecar_path
    from salesplan.regional.workflow import consolidate, split_plan
    d = tmp_path_factory.mktemp("plans")
    clean = make_plan(d, "2027-01", DEALS)
    bad_dir = d / "bad"
    bad_dir.mkdir()
    bad = make_plan(bad_dir, "2027-01", DEALS + [(7, "无名氏", "西南区", "客户丁", "否", "产品C", "1000", "HT-003")])
    split = split_plan(bad, bad_dir / "regions")
    f = {x.key: x for x in SplitManifest.load(sidecar_path(bad, "华东区")).inputs}[("reps", "华东区", "钱东一", "churn")]
    for path, value in ((split.files["华东区"], 0.05), (bad, 0.07)):   # both changed the same input
        wb = openpyxl.load_workbook(path)
        wb[f.sheet][f.cell] = value
        wb.save(path)
    assert len(consolidate(bad, [split.files["华东区"]]).conflicts) == 1
    return {"clean": clean, "bad": bad, "dir": d, "regional": split.files["华东区"]}


def run(capsys, *argv) -> tuple[int, str, str]:
    from salesplan.cli import main
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_close_refuses_listing_every_reason_and_stores_nothing(plans, db_url, capsys):
    rc, out, err = run(capsys, "close", plans["bad"], "--by", "Alice", "--db", db_url)
    assert rc == 2
    assert "2027-01 cannot be closed — 2 reason(s)" in err
    assert "[unknown_rep] 成交明细 deal #3: got '西南区 / 无名氏'" in err
    assert "[conflicts] 华东区: consolidation of plan.华东区.xlsx" in err and "1 unresolved conflict(s)" in err
    from salesplan.history.store import open_store
    with open_store(db_url) as st:
        assert st.records() == []


def test_closed_month_is_locked_until_reopened(plans, db_url, capsys, tmp_path):
    plan = shutil.copy(plans["clean"], tmp_path / "plan.xlsx")
    rc, out, err = run(capsys, "close", plan, "--by", "Alice", "--note", "January paid", "--db", db_url)
    assert rc == 0, err
    assert out.startswith("closed 2027-01 as version 1 by Alice")
    rc, out, err = run(capsys, "close", plan, "--by", "Bob", "--db", db_url)
    assert rc == 2 and "2027-01 is closed (version 1, by Alice" in err and "salesplan reopen 2027-01" in err
    crm = plans["dir"] / "crm-2027-01.csv"
    rc, out, err = run(capsys, "deals", "import", crm, "--into", plan, "--db", db_url)
    assert rc == 2 and "cannot import deals into plan.xlsx: 2027-01 is closed" in err
    rc, out, err = run(capsys, "consolidate", plan, plans["regional"], "--db", db_url)
    assert rc == 2 and "cannot consolidate into plan.xlsx: 2027-01 is closed" in err
    rc, out, err = run(capsys, "reopen", "2027-01", "--by", "Bob", "--reason", "HT-002 was booked twice",
                       "--db", db_url)
    assert rc == 0 and "reopened 2027-01" in out
    rc, out, err = run(capsys, "deals", "import", crm, "--into", plan, "--db", db_url)
    assert rc == 0, err
    rc, out, err = run(capsys, "close", plan, "--by", "Carol", "--db", db_url)
    assert rc == 0 and out.startswith("closed 2027-01 as version 2 by Carol"), err
    rc, out, err = run(capsys, "reopen", "2027-13", "--by", "Bob", "--reason", "x", "--db", db_url)
    assert rc == 2 and "MONTH: got '2027-13'; expected a month as YYYY-MM" in err


def test_env_variable_chooses_the_store(plans, monkeypatch, tmp_path, capsys):
    db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("SALESPLAN_DB", str(db))
    plan = shutil.copy(plans["clean"], tmp_path / "plan.xlsx")
    rc, out, err = run(capsys, "close", plan, "--by", "Alice")
    assert rc == 0, err
    assert db.is_file()
