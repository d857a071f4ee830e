"""R8 retention from the history: the engine's annual-churn rule on the case table
(tests/cases/churn.toml); the history supplies the twelve closed months before the plan month
(SQLite and PostgreSQL); ``salesplan generate --db`` puts the history's churn into the reps'
churn inputs (saying which typed values it replaced) and keeps the typed ones otherwise."""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from history_helpers import config_text, db_url, pg_server  # noqa: F401  (fixtures)
from salesplan.engine.retention import annual_churn, churn_inputs, window

CASES = tomllib.loads((Path(__file__).parent / "cases" / "churn.toml").read_text("utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_churn_cases(case):
    deals = {mo: [tuple(d) for d in case.get("deals", {}).get(mo, [])] for mo in case["months"]}
    got = annual_churn(case["month"], deals)
    if case.get("none"):
        assert got is None
        return
    want = {tuple(k.split("/")): Decimal(v) for k, v in case.get("expect", {}).items()}
    assert got == want


def test_window_and_typed_fallback():
    assert window("2027-01") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert window("2027-03")[0] == "2026-03" and window("2027-03")[-1] == "2027-02"
    typed = {("华东区", "钱东一"): 0.05, ("华东区", "孙东二"): None}
    assert churn_inputs(typed, None) == typed
    assert churn_inputs(typed, {("华东区", "钱东一"): Decimal("0.1")}) == {("华东区", "钱东一"): Decimal("0.1"),
                                                                        ("华东区", "孙东二"): None}


def close_year(url: str, months: list[str]) -> None:
    """Closed months straight into the store: 钱东一 sells to 甲…丁 early in the year, 甲 buys
    again late, and 吴南一 takes over 乙 → 钱东一's churn 2/4 = 0.5."""
    from salesplan.history.snapshot import Snapshot
    from salesplan.history.store import open_store
    early = [("华东区", "钱东一", c) for c in ("甲", "乙", "丙", "丁")]
    late = [("华东区", "钱东一", "甲"), ("华南区", "吴南一", "乙")]
    with open_store(url) as st:
        for mo in months:
            k = window("2027-01").index(mo)
            rows = early if k == 0 else late if k == 11 else []
            deals = [(i, i + 1, f"HT-{mo}-{i}", f"{mo}-05", r, p, c, False, "产品A", 100_00, True, 2_00)
                     for i, (r, p, c) in enumerate(rows)]
            st.close_month(Snapshot(mo, "plan.xlsx", "0" * 64, 0, 0, 0, {}, {}, {}, deals=deals), by="test")


def test_history_supplies_twelve_months(db_url):
    from salesplan.history.churn import history_churn
    close_year(db_url, window("2027-01")[:11])
    assert history_churn("2027-01", db_url) is None                   # eleven months: typed churn stays
    close_year(db_url, window("2027-01")[11:])
    assert history_churn("2027-01", db_url) == {("华东区", "钱东一"): Decimal("0.5")}
    assert history_churn("2027-02", db_url) is None                   # its window needs 2027-01 too


def test_generate_takes_churn_from_the_history(tmp_path, capsys):
    from salesplan.cli import main
    from salesplan.history.churn import history_churn
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    db = str(tmp_path / "h.sqlite3")
    close_year(db, window("2027-01"))
    assert history_churn("2027-01", db) == {("华东区", "钱东一"): Decimal("0.5")}
    cfg = tmp_path / "c.toml"
    cfg.write_text(config_text("2027-01"), encoding="utf-8")
    plan = tmp_path / "plan.xlsx"
    assert main(["generate", "--config", str(cfg), "-o", str(plan)]) == 0       # no history: as today
    from history_helpers import type_rep_inputs
    type_rep_inputs(plan, {("华东区", 0, "churn"): 0.05, ("华东区", 1, "churn"): 0.07})
    capsys.readouterr()
    assert main(["generate", "-o", str(plan), "--db", db]) == 0
    err = capsys.readouterr().err
    assert "华东区: 钱东一: churn 0.05 replaced by the history's 50.00% (twelve closed months)" in err
    with OpenpyxlReader(plan) as rd:
        reps = read_inputs(rd)[1].regions["华东区"].reps
    assert reps[0].churn == 0.5 and reps[1].churn == 0.07      # 孙东二 has no customers in the history: typed
