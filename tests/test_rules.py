"""Runs the rule cases in tests/cases/rules.toml (one or more per rule R1–R11)."""
from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from salesplan.config import default_config_text, load_default, validate
from salesplan.engine.params import Awards
from salesplan.engine import awards, coaching, commission, kpi, risks
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.deal import Deal
from salesplan.engine.plan import compute_plan
from salesplan.errors import ConfigError

CASES = tomllib.loads((Path(__file__).parent / "cases" / "rules.toml").read_text("utf-8"))
DEFAULT = tomllib.loads(default_config_text(), parse_float=Decimal)


def cases(kind: str):
    return [pytest.param(c, id=f"{c['rule']}: {c['name']}") for c in CASES.get(kind, [])]


def config_with(patch: dict | None, month: str | None = None):
    data = copy.deepcopy(DEFAULT)
    for key, value in (patch or {}).items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return validate(_decimals(data), source="case", month=month)


def _decimals(x):
    """Cases are parsed without Decimal; turn floats into exact Decimals like the real loader."""
    if isinstance(x, float):
        return Decimal(repr(x))
    if isinstance(x, dict):
        return {k: _decimals(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decimals(v) for v in x]
    return x


def lookup(data, path: str):
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def yuan(fen_value: int) -> str:
    return f"{Decimal(int(fen_value)) / 100:.2f}"


def test_every_rule_has_a_case():
    rules = {c["rule"] for kind in CASES.values() for c in kind}
    assert rules >= {f"R{i}" for i in range(1, 12)}


@pytest.mark.parametrize("case", cases("allocation"))
def test_allocation(case):
    got = largest_remainder(case["input"]["total"], [Decimal(w) for w in case["input"]["weights"]])
    assert got == case["expected"]
    assert sum(got) == case["input"]["total"]


@pytest.mark.parametrize("case", cases("plan"))
def test_plan(case):
    inp = case["input"]
    plan = compute_plan(config_with(inp.get("config"), inp.get("month"))).to_dict()
    for path, expected in case["expected"].items():
        got = lookup(plan, path)
        if expected == "none":
            assert got is None, path
        elif isinstance(expected, float):
            assert got == pytest.approx(expected, abs=5e-7), path
        else:
            assert got == expected, path


@pytest.mark.parametrize("case", cases("config_error"))
def test_config_error(case):
    with pytest.raises(ConfigError) as err:
        config_with(case["input"]["config"], "2026-12")
    text = str(err.value)
    for fragment in case["expected"]:
        assert fragment in text


@pytest.mark.parametrize("case", cases("kpi_score"))
def test_kpi_score(case):
    inp = case["input"]
    actuals = [[None if a == "" else a for a in inp["actuals"]]]
    w = [Decimal(x) for x in inp["weights"]]
    if inp["normalize"]:
        w = [x / sum(w) for x in w]
    got = kpi.kpi_scores(actuals, inp["targets"], w, inp["scoring"], inp["cap"])[0]
    assert got == pytest.approx(case["expected"], abs=1e-9)


@pytest.mark.parametrize("case", cases("commission"))
def test_commission(case):
    inp = case["input"]
    tiers = load_default("2026-12").commission.tiers
    got = commission.commission_for_amounts([fen(a) for a in inp["amounts"]], inp["target"], tiers)
    assert [yuan(g) for g in got] == case["expected"]


def _deals(rows) -> list[Deal]:
    return [Deal(r["seq"], r.get("region", ""), r.get("rep", ""), fen(r["amount"]), r.get("customer", ""),
                 r.get("new", False), date.fromisoformat(r["date"]) if "date" in r else None) for r in rows]


def _quotes(rows) -> list[risks.DealQuote]:
    return [risks.DealQuote(r["seq"], r.get("region", ""), fen(r["amount"]), r.get("customer_region", ""),
                            fen(r["quote"]) if "quote" in r else None,
                            fen(r["list_price"]) if "list_price" in r else None, r.get("first_quote", False))
            for r in rows]


@pytest.mark.parametrize("case", cases("awards"))
def test_awards(case):
    cfg = load_default("2026-12").awards
    if case["input"].get("stack"):
        cfg = Awards(**{**cfg.__dict__, "stack_breakthrough_and_conquest": True})
    got = awards.first_deal_awards(_deals(case["input"]["deals"]), cfg)
    assert [{"rep": a.rep, "award": a.award, "amount": yuan(a.amount_fen)} for a in got] == case["expected"]
    deals = _deals(case["input"]["deals"])
    for a in got:     # the deal is carried as a field, not only inside the basis text
        assert a.seq is not None and f"#{a.seq} " in a.basis
        assert next(d.rep for d in deals if d.seq == a.seq) == a.rep


def test_money_helpers():
    from salesplan import money
    assert money.to_fen(84598.92) + money.to_fen(47159.81) + money.to_fen(50850.27) == 182609_00
    assert money.to_fen("1.005") == 101 and money.to_fen(-1.005) == -101
    assert [money.round_div_half_away(n, 2) for n in (5, -5, 3, -3, 4)] == [3, -3, 2, -2, 2]
    assert money.round_div_half_away(7, 3) == 2 and money.round_div_half_away(-8, 3) == -3
    assert str(money.fen_to_yuan(12345)) == "123.45" == str(commission.fen_to_yuan(12345))
    # a referral reward: ¥1,234.55 × 5% = 61.7275 → ¥61.73 (half away from zero, exact)
    cfg = Awards(**{**load_default("2026-12").awards.__dict__, "referral_rates": (Decimal("0.05"),)})
    assert awards.referral_awards([("华东区", "P", 1, 123455)], cfg)[0].amount_fen == 6173


@pytest.mark.parametrize("case", cases("champion"))
def test_champion(case):
    deals = _deals(case["input"]["deals"])
    scores = {(d.region, d.rep): s for d in deals
              for name, s in case["input"].get("kpi", {}).items() if name == d.rep}
    got = awards.champion(deals, scores)
    assert {"rep": got.rep, "decided_by": got.decided_by} == case["expected"]


@pytest.mark.parametrize("case", cases("discount"))
def test_discount(case):
    inp = case["input"]
    r = load_default("2026-12").risks
    assert risks.discount_ok(fen(inp["quote"]), fen(inp["list_price"]), inp["first_quote"], r) is case["expected"]


@pytest.mark.parametrize("case", cases("deal_flags"))
def test_deal_flags(case):
    flags = risks.deal_flags(_quotes(case["input"]["deals"]), load_default("2026-12").risks)
    assert [[f.seq, f.code] for f in flags] == case["expected"]


@pytest.mark.parametrize("case", cases("risk"))
def test_risk(case):
    inp = case["input"]
    r = load_default("2026-12").risks
    blank = lambda v: None if v == "" else v  # noqa: E731
    if inp["check"] == "inventory":
        got = [risks.inventory_alert(blank(v), r) for v in inp["values"]]
    elif inp["check"] == "complaint":
        got = [risks.complaint_violation(blank(v), r) for v in inp["values"]]
    else:
        got = risks.missed_streaks([blank(v) for v in inp["actuals"]], inp["targets"], r.missed_weeks)
    assert got == case["expected"]


@pytest.mark.parametrize("case", cases("weekly"))
def test_weekly(case):
    """Phase totals are summed exactly (fen) before they are compared with the whole-yuan target."""
    from salesplan.engine.actuals import compute_actuals, default_inputs
    inp = case["input"]
    plan = compute_plan(config_with(inp.get("config"), inp["month"]))
    inputs = default_inputs(plan)
    region = inp["region"]
    for row, typed in zip(inputs.regions[region].phases, inp["phases"]):
        row.revenue.update(typed)
    act = compute_actuals(plan, inputs)
    n = len(inp["phases"])
    exp = case["expected"]
    assert [fen(f"{act[('phase', region, j, 'total')]:.2f}") for j in range(n)] == [fen(t) for t in exp["total"]]
    assert [act[("phase", region, j, "total")] for j in range(n)] == [float(t) for t in exp["total"]]
    assert [act[("phase", region, j, "status")] for j in range(n)] == exp["status"]
    assert [act[("phase", region, j, "streak")] for j in range(n)] == exp["streak"]
    assert [act[("phase", region, j, "missed_flag")] for j in range(n)] == exp["missed_flag"]


@pytest.mark.parametrize("case", cases("coaching"))
def test_coaching(case):
    reps = [("华东区", x["rep"], x["new_hire"], x["sessions"]) for x in case["input"]["reps"]]
    report = coaching.coaching_report(reps, load_default("2026-12").coaching)
    assert [line.rep for line in report.short] == case["expected"]["short"]
    assert report.team_short_by == case["expected"]["team_short_by"]


def test_duplicate_rep_name_uses_first_slot():
    """R3: a name repeated in a region is flagged; its deals use the FIRST slot's target and only the
    first slot is paid (the sheet does the same — see test_workbook_recalc)."""
    from salesplan.engine.actuals import DealRow, compute_actuals, default_inputs
    plan = compute_plan(config_with(None, "2026-12"))
    inputs = default_inputs(plan, deal_rows=2)
    reps = inputs.regions["华东区"].reps
    name, slot = "王伟", 2
    reps[0].name, reps[1].name = name, "李娜"
    reps[slot].name, reps[slot].weight = name, 3
    inputs.deals[0] = DealRow(seq=1, rep=name, region="华东区", customer="X", new_customer="否", product="产品A",
                              amount=250000.0)
    act = compute_actuals(plan, inputs)
    assert act[("region", "华东区", "dup_flag")]
    assert act[("deal", 0, "target")] == act[("rep", "华东区", 0, "target")] != act[("rep", "华东区", slot, "target")]
    assert act[("inc", "华东区", 0, "commission")] > 0
    assert act[("inc", "华东区", slot, "payout")] == 0 and act[("inc", "华东区", slot, "commission")] == 0
    assert act[("team", "commission")] == act[("inc", "华东区", 0, "commission")]
    assert act[("recon", "check")] == "recon_ok"
