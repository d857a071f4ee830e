"""Runs the gap cases in tests/cases/gap.toml, and checks that a what-if is "append and recompute"."""
from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from salesplan.engine import gap as g
from salesplan.engine.commission import boundary_fen
from salesplan.engine.deal import Deal
from salesplan.money import round_yuan
from salesplan.engine.bonuses import compute_bonuses
from salesplan.engine.plan import compute_plan
from tests.test_rules import config_with

CASES = tomllib.loads((Path(__file__).parent / "cases" / "gap.toml").read_text("utf-8"))


def cases(kind: str):
    return [pytest.param(c, id=c["name"]) for c in CASES.get(kind, [])]


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def yuan(v) -> str:
    return "none" if v is None else f"{Decimal(int(v)) / 100:.2f}"


def inputs_of(case) -> tuple:
    cfg = config_with(case.get("config"), case.get("month", "2027-03"))
    reps = tuple(g.RepInput(r["region"], r["rep"], r["target"], r.get("kpi", 0.0)) for r in case["reps"])
    nc = {r["region"]: r["nc"] for r in case["reps"] if "nc" in r}
    deals = tuple(Deal(d["seq"], d["region"], d["rep"], fen(d["amount"]), d.get("customer", f"客户{d['seq']}"),
                       d.get("new", False), date.fromisoformat(d["date"]) if "date" in d else None)
                  for d in case["deals"])
    return cfg, compute_plan(cfg), g.GapInputs(reps, deals, nc)


def rep_fields(r: g.RepGap) -> dict:
    return {"revenue": yuan(r.revenue_fen), "attainment": str(r.attainment), "tier": r.tier,
            "to_next_tier": yuan(r.to_next_tier_fen),
            "next_tier_rate": "none" if r.next_tier_rate is None else str(r.next_tier_rate),
            "to_80": yuan(r.to_80_fen), "to_100": yuan(r.to_100_fen), "to_120": yuan(r.to_120_fen),
            "to_champion": yuan(r.to_champion_fen), "daily_needed": yuan(r.daily_needed_fen),
            "near_next_tier": g.near_next_tier(r)}


def region_fields(r: g.RegionGap) -> dict:
    return {"revenue": yuan(r.revenue_fen), "target": yuan(r.target_yuan * 100), "to_target": yuan(r.to_target_fen),
            "phase": r.phase, "to_phase_target": yuan(r.to_phase_target_fen),
            "new_customers_needed": r.new_customers_needed}


@pytest.mark.parametrize("case", cases("gap"))
def test_gap(case):
    _, plan, gi = inputs_of(case)
    got = g.compute_gap(plan, gi, date.fromisoformat(case["as_of"]), every_deal=case.get("every_deal", False))
    if "as_of_used" in case:
        assert got.as_of == date.fromisoformat(case["as_of_used"])
    if "working_days_left" in case:
        assert got.working_days_left == case["working_days_left"]
    if "champion" in case:
        assert got.champion.rep == case["champion"]
    reps = {r.rep: rep_fields(r) for r in got.reps}
    for rep, want in case.get("expected", {}).items():
        assert {k: reps[rep][k] for k in want} == want, rep
    regions = {r.region: region_fields(r) for r in got.regions}
    for region, want in case.get("expected_regions", {}).items():
        assert {k: regions[region][k] for k in want} == want, region


@pytest.mark.parametrize("case", cases("whatif"))
def test_whatif(case):
    cfg, plan, gi = inputs_of(case)
    day = g.clamp_as_of(plan, date.fromisoformat(case["as_of"]))
    rep_region = {r.rep: r.region for r in gi.reps}
    new = [g.NewDeal(rep_region[w["rep"]], w["rep"], fen(w["amount"]), w.get("new", False)) for w in case["whatif"]]
    after, seqs = g.with_deals(gi, new, day)
    got = {w.rep: w for w in g.whatif(cfg, gi, after, seqs, [(d.region, d.rep) for d in new])}
    assert set(got) == set(case["expected"])
    for rep, want in case["expected"].items():
        w = got[rep]
        have = {"before": yuan(w.before["total_fen"]), "after": yuan(w.after["total_fen"]), "delta": yuan(w.delta_fen),
                "slices": [[str(s["tier"]), str(s["rate"]), yuan(s["base_fen"]), yuan(s["commission_fen"])]
                           for s in w.slices],
                "awards_after": [a.award for a in w.awards_after]}
        assert {k: have[k] for k in want} == want, rep


def test_whatif_equals_appending_the_deal_and_recomputing():
    """The what-if adds nothing of its own: its 'after' is compute_bonuses on the appended deals."""
    case = CASES["whatif"][0]
    cfg, plan, gi = inputs_of(case)
    day = date(2027, 3, 15)
    new = [g.NewDeal("华东区", "周二", fen("1500000"), True), g.NewDeal("华东区", "陈一", fen("12345.67"))]
    after, seqs = g.with_deals(gi, new, day)
    by_hand = list(gi.deals) + [Deal(3, "华东区", "周二", fen("1500000"), "新客户X", True, day),
                                Deal(4, "华东区", "陈一", fen("12345.67"), "", False, day)]
    recomputed = {(s.region, s.rep): s for s in compute_bonuses(
        cfg, by_hand, gi.rep_targets(), kpi_scores=gi.kpi_scores(), churn=gi.churn(), known_only=True).statements}
    rows = g.whatif(cfg, gi, after, seqs, [("华东区", "周二"), ("华东区", "陈一")])
    assert {w.rep for w in rows} == {"周二", "陈一"}
    for w in rows:
        for f in g.STATEMENT_FIELDS:
            assert w.after[f] == getattr(recomputed[w.region, w.rep], f), (w.rep, f)
    conquest = next(w for w in rows if w.rep == "周二")
    assert conquest.after["conquest_fen"] == 5000_00 and [a.award for a in conquest.awards_after][-1] == "conquest"
    assert sum(s["commission_fen"] for w in rows for s in w.slices) == sum(
        w.after["commission_fen"] - w.before["commission_fen"] for w in rows)


def test_gap_with_an_unknown_rep_deal_ignores_it():
    """A deal of a name on no region tab earns nothing and moves no gap (the workbook's semantics)."""
    case = CASES["gap"][0]
    _, plan, gi = inputs_of(case)
    extra = gi.deals + (Deal(9, "华东区", "无名", fen("999999"), "c", False, date(2027, 3, 2)),)
    from dataclasses import replace
    a = g.compute_gap(plan, gi, date(2027, 3, 15))
    b = g.compute_gap(plan, replace(gi, deals=extra), date(2027, 3, 15))
    assert a.reps == b.reps and a.regions == b.regions


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.integers(-10**12, 10**12), st.integers(0, 3_000_000), st.integers(0, 6))
def test_a_boundary_in_integers_is_excels_round_of_target_times_share(target, ppm, places):
    """Tier boundaries and the 80/100/120 % marks are computed once, in integer parts per million
    (boundary_fen); that is ROUND(target × share, 0) half away from zero, as Excel and Decimal round."""
    share = Decimal(ppm).scaleb(-6).quantize(Decimal(1).scaleb(-places))
    assert boundary_fen(target, share) == round_yuan(Decimal(target) * share) * 100


def test_rep_figures_follow_the_tier_boundaries():
    """compute_gap's tier, to-next-tier and marks for reps around each boundary (zero target too)."""
    cfg = config_with(None, "2027-03")
    plan = compute_plan(cfg)
    tiers = cfg.commission.tiers
    rows = [(0, 0), (0, 100), (2_000_000, 0)]
    for t in tiers[1:]:
        b = boundary_fen(2_000_000, t.start)
        rows += [(2_000_000, b - 1), (2_000_000, b), (2_000_000, b + 1)]
    reps = tuple(g.RepInput("华东区", f"r{i}", t) for i, (t, _) in enumerate(rows))
    deals = tuple(Deal(i, "华东区", f"r{i}", a, "c") for i, (_, a) in enumerate(rows) if a)
    got = g.compute_gap(plan, g.GapInputs(reps, deals), date(2027, 3, 10))
    for r, (target, amount) in zip(got.reps, rows):
        assert r.revenue_fen == amount
        bounds = [boundary_fen(target, t.start) for t in tiers]
        k = max(i for i, b in enumerate(bounds) if b <= amount)
        assert r.tier == k + 1 and r.tier_rate == tiers[k].rate
        assert r.to_next_tier_fen == (bounds[k + 1] - amount if k + 1 < len(tiers) else None)
        for name, share in g.MARKS:
            assert getattr(r, f"{name}_fen") == max(0, boundary_fen(target, share) - amount)
