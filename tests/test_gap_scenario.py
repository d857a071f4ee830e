"""`salesplan scenario`: base vs scenario side by side, nothing written."""
from __future__ import annotations

import hashlib
import json

import pytest

from salesplan.cli import main
from salesplan.config import load_default
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.writer import generate_workbook
from tests.test_gap_cli import MONTH, typed_inputs


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    cfg = load_default(MONTH)
    path = tmp_path_factory.mktemp("scenario") / "plan.xlsx"
    generate_workbook(cfg, path, inputs=typed_inputs(compute_plan(cfg)))
    return path


def run_json(capsys, *argv):
    assert main(["scenario", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_scenario_is_the_other_strategy(capsys):
    d = run_json(capsys, "--month", MONTH)
    assert d["strategy"] == {"base": "A", "scenario": "B"}
    assert d["targets"]["revenue"] == {"base": "3000000.00", "scenario": "2700000.00", "delta": "-300000.00"}
    east = next(r for r in d["regions"] if r["region"] == "华东区")
    assert east["revenue"]["base"] == "1050000.00" and east["products"]["产品A"]["base"] == "420000.00"
    assert {w["kpi"] for w in d["kpi_weights"] if w["base"] != w["scenario"]} == {"retention", "completion"}
    assert "payouts" not in d


def test_set_region_targets_and_tiers_and_pay_the_same_deals(book, capsys):
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    d = run_json(capsys, "--deals", str(book), "--set", "targets.revenue=3300000",
                 "--set", "regions.华东区.revenue=1350000", "--set", "commission.tiers.1.rate=0.05")
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before      # nothing written
    assert d["month"] == MONTH and d["strategy"] == {"base": "A", "scenario": "A"}
    assert d["set"] == {"targets.revenue": 3300000, "regions.华东区.revenue": 1350000,
                        "commission.tiers.1.rate": "0.05"}
    east = next(r for r in d["regions"] if r["region"] == "华东区")
    assert east["revenue"] == {"base": "1050000.00", "scenario": "1350000.00", "delta": "300000.00"}
    pay = {r["rep"]: r for r in d["payouts"]}
    # 陈一: ¥500,000 of 525,000 (base) → 420,000 × 2 % + 80,000 × 4 % = 11,600;
    # scenario target 675,000 (1,350,000 / 2): 540,000 is 80 %, all 500,000 at 2 % = 10,000
    assert pay["陈一"]["target"] == {"base": "525000.00", "scenario": "675000.00", "delta": "150000.00"}
    assert pay["陈一"]["total"] == {"base": "11600.00", "scenario": "10000.00", "delta": "-1600.00"}
    assert pay["新人"]["total"]["delta"] == "0.00"


def test_tier_rate_change_alone(book, capsys):
    d = run_json(capsys, "--deals", str(book), "--set", "commission.tiers.1.rate=0.05")
    pay = {r["rep"]: r for r in d["payouts"]}
    # 420,000 × 2 % + 80,000 × 5 % = 12,400
    assert pay["陈一"]["total"] == {"base": "11600.00", "scenario": "12400.00", "delta": "800.00"}


@pytest.mark.parametrize("argv, expect", [
    (["--set", "targets.revenue=3300000"], "regions"),           # regions no longer sum to the revenue
    (["--set", "regions.火星区.revenue=1"], "regions.火星区.revenue"),
    (["--set", "targets.nonsense=1"], "nonsense"),
    (["--set", "targets.revenue"], "KEY=VALUE"),
    (["--config", "{missing}"], "missing.toml"),
])
def test_bad_scenarios_exit_2(tmp_path, capsys, argv, expect):
    argv = [a.format(missing=tmp_path / "missing.toml") for a in argv]
    assert main(["scenario", "--month", MONTH, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("salesplan: error:") and expect in err and "Traceback" not in err


def test_table_output(book, capsys):
    assert main(["scenario", "--deals", str(book), "--strategy", "B"]) == 0
    out = capsys.readouterr().out
    assert "strategy B" in out and "陈一" in out and "华东区" in out


def test_strategy_plans_are_the_scenario_commands_plans():
    """The workbook's 方案对比 sheet (strategy_plans) shows what `salesplan scenario` compares by default."""
    from salesplan.engine import scenario as sc
    cfg = load_default(MONTH)
    a, b = sc.strategy_plans(cfg)
    assert (a.config.strategy, b.config.strategy) == ("A", "B")
    active = compute_plan(cfg)
    assert sc.strategy_plans(cfg, active)[0] is active
    d = sc.compare_plans(a, b)
    assert d["targets"]["revenue"] == {"base": 3000000, "scenario": 2700000, "delta": -300000}


def test_compare_sheet_lays_out_both_strategies():
    from salesplan.workbook_templates.writer import build_models
    cfg = load_default(MONTH)
    built = build_models(compute_plan(cfg), lang="en")
    m = next(x for x in built.models if x.role == "compare")
    assert m.name == "Strategy A vs B"
    rows = {tuple(v[0] for _, v in sorted(cols.items()) if v[0] is not None) for cols in m.cells.values()}
    assert ("Item", "Strategy A (active)", "Strategy B", "Difference") in rows
    assert any(r[:1] == ("华东区",) and 1050000 in r and 945000 in r for r in rows)
    regional = build_models(compute_plan(cfg), regions=["华东区"])
    assert "compare" not in {x.role for x in regional.models}
