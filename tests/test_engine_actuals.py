"""The actuals' pieces agree with each other and with the engine (formerly run-time cross-checks).

The workbook spells some engine results in its own integer helper columns (the weight
split's W/q/rem/rank, the missed-week streak, the champion ranking); the LibreOffice
recalculation test proves the sheet equals ``compute_actuals``, these tests prove the
engine's figures that ``compute_actuals`` reuses equal the sheet's spelling of them.
"""
from __future__ import annotations

import pytest
from workbook_helpers import random_inputs, second_config

from salesplan.config import load_config
from salesplan.engine.actuals import compute_actuals, deal_basis, region_tab_values, later_duplicates, present, rep_slots, text
from salesplan.engine.actuals.deals import cumulative_before
from salesplan.engine.actuals.payouts import payouts
from salesplan.engine.actuals.region import Roster, region_reps, streaks, weight_split
from salesplan.engine.plan import compute_plan
from salesplan.engine.records import RepRow, default_inputs

CASES = [(cfg, seed) for cfg in ("default", "second") for seed in range(4)]


@pytest.fixture(scope="module")
def plans():
    return {"default": compute_plan(load_config(None, month="2026-12")), "second": compute_plan(second_config())}


def _filled(plans, cfg, seed):
    plan = plans[cfg]
    inputs = random_inputs(plan, seed)
    return plan, inputs, compute_actuals(plan, inputs)


@pytest.mark.parametrize("cfg,seed", CASES)
def test_personal_targets_are_the_sheets_integer_split(plans, cfg, seed):
    plan, inputs, act = _filled(plans, cfg, seed)
    for r in plan.config.regions:
        reps = inputs.regions[r.name].reps
        for i, row in enumerate(reps):
            k = ("rep", r.name, i)
            if not present(row.name):
                continue
            sheet = (act[k + ("q",)] + (1 if act[k + ("rank",)] < act[("region", r.name, "left")] else 0)
                     if act[("region", r.name, "S")] else 0)
            assert act[k + ("target",)] == sheet, (r.name, i)


@pytest.mark.parametrize("cfg,seed", CASES)
def test_region_tab_values_are_compute_actuals_region_tabs(plans, cfg, seed):
    """The gap's shortcut computes the region tabs exactly as the whole workbook does."""
    plan, inputs, act = _filled(plans, cfg, seed)
    tabs = region_tab_values(plan, inputs)
    assert {k for k in act if k[0] in ("rep", "phase")} == {k for k in tabs if k[0] in ("rep", "phase")}
    assert any(k[0] == "region" for k in tabs)
    assert all(act[k] == v or (v != v and act[k] != act[k]) for k, v in tabs.items()), \
        [k for k, v in tabs.items() if act[k] != v][:5]


def test_weight_split_ties_go_to_the_earlier_row():
    split = weight_split(10, [RepRow(name=n) for n in "abc"])
    assert split.target == (4, 3, 3) and sum(split.target) == 10
    assert split.target == tuple(q + (1 if rk < split.left else 0) for q, rk in zip(split.q, split.rank))
    blank = weight_split(7, [RepRow(), RepRow(name="x", weight=-1)])
    assert blank.S == 0 and blank.target == (0, 0)


@pytest.mark.parametrize("cfg,seed", CASES)
def test_missed_flag_is_the_sheets_streak(plans, cfg, seed):
    plan, inputs, act = _filled(plans, cfg, seed)
    n = plan.config.risks.missed_weeks
    for r in plan.config.regions:
        for j, _ in enumerate(plan.phases):
            k = ("phase", r.name, j)
            assert act[k + ("missed_flag",)] == (act[k + ("streak",)] >= n), k


def test_streak_resets_on_unjudged_phase():
    assert streaks([0, 0, 5, 0, 0], [True, True, True, False, True], [1, 1, 1, 1, 1]) == [1, 2, 0, 0, 1]


@pytest.mark.parametrize("cfg,seed", CASES)
def test_deal_rows_agree_with_the_commission_engine(plans, cfg, seed):
    plan, inputs, act = _filled(plans, cfg, seed)
    basis = deal_basis(plan, inputs)
    roster = Roster.of([region_reps(plan, inputs, region, basis, {}) for region in plan.config.regions])
    pay = payouts(plan, inputs, basis, roster)
    before = cumulative_before(basis)
    n_t = len(plan.config.commission.tiers)
    assert basis.rows, "the random month has paid deals"
    for i in basis.rows:
        engine = pay.by_row[i]
        assert before[i] == int(engine.cum_before_fen), i
        slices = sum(round(act[("deal", i, f"tier:{t}")] * 100) for t in range(n_t))
        assert slices == int(engine.commission_fen) == act[("deal", i, "commission_fen")], i


@pytest.mark.parametrize("cfg,seed", CASES)
def test_incentives_tiers_sum_to_the_statement_and_rank_the_champion(plans, cfg, seed):
    plan, inputs, act = _filled(plans, cfg, seed)
    slots = rep_slots(plan, inputs)
    later = later_duplicates(slots)
    n_t = len(plan.config.commission.tiers)
    champions = []
    for r, i, row in slots:
        k = ("inc", r, i)
        if not present(row.name) or (r, i) in later:
            continue
        tiers = sum(round(act[k + (f"tier:{t}",)] * 100) for t in range(n_t))
        assert tiers == round(act[k + ("commission",)] * 100), k
        if act[k + ("deal_count",)] and act[k + ("better",)] == 0:
            champions.append((r, text(row.name)))
        assert act[k + ("champion",)] == ((r, text(row.name)) in champions[:1] and act[k + ("better",)] == 0)
    assert len(champions) <= 1
    if champions:
        assert act[("team", "champion")] == " ".join(champions[0])
    assert act[("recon", "check")] == "recon_ok"


def test_blank_month_has_no_payouts(plans):
    plan = plans["default"]
    act = compute_actuals(plan, default_inputs(plan, deal_rows=3))
    assert act[("team", "payout")] == 0 and act[("team", "champion")] is None
    assert act[("recon", "check")] == "recon_ok"
