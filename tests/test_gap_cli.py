"""`salesplan gap` and `salesplan whatif` on real generated workbooks (no mocks)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from salesplan.cli import main
from salesplan.commands import _plan_source as ps
from salesplan.config import load_default
from salesplan.engine import gap as g
from salesplan.engine.actuals import NO, YES, DealRow, default_inputs
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.writer import generate_workbook

MONTH = "2027-03"


def typed_inputs(plan, extra_deals=()):
    inputs = default_inputs(plan, deal_rows=10)
    east, south = inputs.regions["华东区"].reps, inputs.regions["华南区"].reps
    east[0].name, east[0].weight = "陈一", 1          # 华东区 ¥1,050,000 split 1:1 → 525,000 each
    east[1].name, east[1].weight = "周二", 1
    south[0].name = "新人"                             # alone: the region's ¥820,000
    deals = [DealRow(date=date(2027, 3, 2), rep="陈一", region="华东区", customer="甲公司", new_customer=NO,
                     amount=400000),
             DealRow(date=date(2027, 3, 3), rep="周二", region="华东区", customer="乙公司", new_customer=YES,
                     amount=450000.5),
             DealRow(date=date(2027, 3, 20), rep="陈一", region="华东区", customer="丙公司", new_customer=NO,
                     amount=100000)]
    inputs.deals[: len(deals)] = deals
    inputs.deals += list(extra_deals)
    inputs.regions["华东区"].phases[0].new_customers = 4
    return inputs


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    cfg = load_default(MONTH)
    path = tmp_path_factory.mktemp("gap") / "plan.xlsx"
    generate_workbook(cfg, path, inputs=typed_inputs(compute_plan(cfg)))
    return path


def run_json(capsys, *argv):
    assert main(list(argv) + ["--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_gap_json_contract(book, capsys):
    data = run_json(capsys, "gap", str(book), "--as-of", "2027-03-15")
    assert data["month"] == MONTH and data["as_of"] == "2027-03-15" and data["working_days_left"] == 12
    reps = {r["rep"]: r for r in data["reps"]}
    assert set(reps) == {"陈一", "周二", "新人"}
    # 陈一: ¥400,000 (the ¥100,000 of 20 March is after the as-of date) of ¥525,000
    c = reps["陈一"]
    assert c == {"region": "华东区", "rep": "陈一", "revenue": "400000.00", "target": "525000.00",
                 "attainment": "0.7619", "tier": 1, "tier_rate": "0.02", "to_next_tier": "20000.00",
                 "next_tier_rate": "0.04", "to_80": "20000.00", "to_100": "125000.00", "to_120": "230000.00",
                 "to_champion": "50000.50", "daily_needed": "10416.67"}
    # to champion: 周二 leads with 450,000.50; a tie would go to 陈一, whose KPI score (the workbook's
    # current one: completion 500,000 / 525,000 with the later deal) beats 周二's — so no extra fen
    assert reps["周二"]["to_champion"] == "0.00" and data["champion"]["rep"] == "周二"
    assert reps["新人"]["revenue"] == "0.00" and reps["新人"]["to_100"] == "820000.00"
    east = next(r for r in data["regions"] if r["region"] == "华东区")
    assert east["revenue"] == "850000.50" and east["to_target"] == "199999.50"
    assert east["phase"] == 3 and east["new_customers"] == 4 and east["new_customers_needed"] == 24
    for r in data["reps"] + data["regions"]:          # money is a string with exactly 2 decimals
        for k in ("revenue", "target", "to_100"):
            if k in r:
                assert isinstance(r[k], str) and len(r[k].split(".")[1]) == 2


def test_gap_filters_and_table(book, capsys):
    data = run_json(capsys, "gap", str(book), "--as-of", "2027-03-15", "--region", "华南区")
    assert [r["rep"] for r in data["reps"]] == ["新人"] and [r["region"] for r in data["regions"]] == ["华南区"]
    data = run_json(capsys, "gap", str(book), "--as-of", "2027-03-15", "--rep", "华东区/周二")
    assert [r["rep"] for r in data["reps"]] == ["周二"]
    assert main(["gap", str(book), "--as-of", "2027-03-31"]) == 0
    out = capsys.readouterr().out
    assert "0 working day(s) left" in out and "距下一档" in out and "陈一" in out


def test_whatif_equals_typing_the_deal_and_recomputing(book, tmp_path, capsys):
    data = run_json(capsys, "whatif", str(book), "--deal", "陈一=12.5万", "--deal", "新人=1,000,000.01:new",
                    "--as-of", "2027-03-25")
    got = {r["rep"]: r for r in data["reps"]}
    assert set(got) == {"陈一", "新人"}
    # typed for real: the same deals appended to the workbook, recomputed from the file
    cfg = load_default(MONTH)
    plan = compute_plan(cfg)
    extra = [DealRow(date=date(2027, 3, 25), rep="陈一", region="华东区", customer=None, new_customer=NO,
                     amount=125000),
             DealRow(date=date(2027, 3, 25), rep="新人", region="华南区", customer="新客户", new_customer=YES,
                     amount=1000000.01)]
    typed = tmp_path / "typed.xlsx"
    generate_workbook(cfg, typed, inputs=typed_inputs(plan, extra))
    src = ps.load(typed)
    statements = {(s.region, s.rep): s for s in g.bonuses(src.config, src.gap_inputs()).statements}
    for rep, r in got.items():
        row = statements[r["region"], rep]
        assert r["after"]["total"] == g.yuan_text(row.total_fen)
        assert r["after"]["commission"] == g.yuan_text(row.commission_fen)
    # 陈一 stands at ¥500,000 of ¥525,000 (tier 2 from 420,000): the ¥125,000 deal takes him to 625,000 —
    # 25,000 × 4 % = 1,000 up to 525,000, then 100,000 × 6 % = 6,000 (120 % is 630,000)
    assert [(s["tier"], s["base"], s["commission"]) for s in got["陈一"]["slices"]] == [
        (2, "25000.00", "1000.00"), (3, "100000.00", "6000.00")]
    assert Decimal(got["陈一"]["delta"]) == Decimal("7000.00")
    # 新人 (¥820,000): 656,000 × 2 % + 164,000 × 4 % + 164,000 × 6 % + 16,000.01 × 8 % (1,280.0008 → 1,280.00)
    # = 13,120 + 6,560 + 9,840 + 1,280 = 30,800, plus ¥5,000 conquest (a new customer's first deal > ¥1,000,000)
    assert [s["commission"] for s in got["新人"]["slices"]] == ["13120.00", "6560.00", "9840.00", "1280.00"]
    assert got["新人"]["after"]["conquest"] == "5000.00" and got["新人"]["delta"] == "35800.00"


@pytest.mark.parametrize("argv, expect", [
    (["whatif", "{book}", "--deal", "无名=100"], "无名"),
    (["whatif", "{book}", "--deal", "陈一=abc"], "abc"),
    (["whatif", "{book}", "--deal", "陈一=-5"], "-5"),
    (["whatif", "{book}", "--deal", "陈一"], "NAME=AMOUNT"),
    (["whatif", "{book}", "--deal", "陈一=5:old"], "old"),
    (["gap", "{book}", "--rep", "谁"], "谁"),
    (["gap", "{book}", "--region", "火星区"], "火星区"),
    (["gap", "{missing}"], "missing.xlsx"),
])
def test_clear_errors_exit_2(book, tmp_path, capsys, argv, expect):
    argv = [a.format(book=book, missing=tmp_path / "missing.xlsx") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("salesplan: error:") and expect in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["gap", "whatif", "scenario"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0 and "usage:" in capsys.readouterr().out


def test_bad_as_of_is_a_usage_error(book, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gap", str(book), "--as-of", "15/03/2027"])
    assert exc.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err


def test_random_workbook_gap_agrees_with_engine_and_whatif_with_retyping(tmp_path, capsys):
    """A busy workbook (ties, blank dates, unknown reps, first deals at the thresholds)."""
    from tests.workbook_helpers import random_inputs
    cfg = load_default(MONTH)
    plan = compute_plan(cfg)
    inputs = random_inputs(plan, 5, n_deals=40, deal_rows=60)
    path = tmp_path / "busy.xlsx"
    generate_workbook(cfg, path, inputs=inputs)
    src = ps.load(path)
    # the adapter's targets and KPI scores are the workbook's (compute_actuals on every typed deal)
    from salesplan.engine.actuals import compute_actuals, rep_slots
    full = compute_actuals(src.plan, src.inputs)
    want = {}
    for region, i, _ in rep_slots(src.plan, src.inputs):
        if full[("rep", region, i, "name")] is not None:
            want.setdefault((region, full[("rep", region, i, "name")]),
                            (full[("rep", region, i, "target")], full[("rep", region, i, "kpi_score")]))
    got = {(r.region, r.rep): (r.target_yuan, r.kpi_score) for r in src.gap_inputs().reps}
    assert got.keys() == want.keys() and all(got[k][0] == want[k][0] for k in got)
    assert all(got[k][1] == pytest.approx(want[k][1], abs=1e-9) for k in got)
    data = run_json(capsys, "gap", str(path), "--as-of", "2027-03-31")
    assert data["reps"] == [g.rep_gap_dict(r) for r in g.compute_gap(src.plan, src.gap_inputs(),
                                                                     date(2027, 3, 31)).reps]
    region, rep = src.roster()[-1]
    data = run_json(capsys, "whatif", str(path), "--deal", f"{region}/{rep}=3000000:new", "--as-of", "2027-03-31")
    mine = next(r for r in data["reps"] if r["rep"] == rep and r["region"] == region)
    extra = DealRow(date=date(2027, 3, 31), rep=rep, region=region, customer="X", new_customer=YES, amount=3000000)
    again = ps.PlanSource(src.path, src.config, src.plan, replace(src.inputs, deals=src.inputs.deals + [extra]))
    st = {(s.region, s.rep): s for s in g.bonuses(src.config, again.gap_inputs()).statements}
    assert mine["after"]["total"] == g.yuan_text(st[region, rep].total_fen)


def test_a_half_new_customer_rounds_away_from_zero_like_the_sheet():
    """The region tab's ROUND(2.5) is 3 (half away from zero), so 3 of 28 are found: 25 still needed
    (Python's round would say 2 → 26)."""
    plan = compute_plan(load_default(MONTH))
    inputs = typed_inputs(plan)
    inputs.regions["华东区"].phases[0].new_customers = 2.5
    assert ps.gap_inputs(plan, inputs).new_customers["华东区"] == 3
