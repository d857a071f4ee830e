"""Actuals: what the month's workbook computes from what people type — in pure Python.

The generated workbook recalculates everything that reacts to typed inputs with
native Excel formulas. This package computes *the same values* from the plan and a
typed :class:`~salesplan.engine.records.WorkbookInputs`, one module per sheet, on top of
the engine's own functions (``largest_remainder``, ``kpi_scores``, ``compute_bonuses``
— commission, first-deal awards, champion —, ``deal_flags``, ``missed_streaks``,
``inventory_alert``, ``complaint_violation``, ``coaching_report``):

==============  =====================================  ==========================================
module          sheet                                  formulas (workbook_templates/sheets/)
==============  =====================================  ==========================================
region          region tabs (reps, phases, totals)     region.py
deals           成交明细                               deals.py
incentives      激励, 竞赛与推荐                       incentives.py, awards_inputs.py
statements      个人奖金明细                           statements.py
dashboard       仪表盘, 辅导                           dashboard.py, coaching.py
==============  =====================================  ==========================================

The LibreOffice recalculation test compares every computed cell of the workbook with
:func:`compute_actuals`.

Semantics (identical in the sheet):

* A rep slot counts when its name is not blank. Weights are read to 6 decimals
  (``ROUND(w·10⁶)``); a blank weight is 1, a negative one 0. Personal targets are
  the largest-remainder split of the region target (exact sum, ties → earlier row).
* Rep revenue comes from the deals sheet (成交明细): the sum of valid deals
  (rep, region and a numeric amount) whose region and rep match exactly
  (case-sensitive). Region weekly revenue is what the manager types per phase.
* The "sales-plan completion" KPI (key ``completion``) is the rep's attainment
  (deals revenue / personal target); every other KPI actual is typed.
* A phase ("week" of R10) is judged only when at least one product revenue is typed.
* Deals are taken in row order (= the monthly report's order). Deals of a rep who
  is not on a region tab earn no commission and are flagged ``unknown_rep``.

Values are returned in a flat ``dict`` keyed by tuples (see :func:`compute_actuals`);
money is returned in yuan as ``float`` computed from exact integer fen, blanks as None.
"""
from __future__ import annotations

from typing import Any

from salesplan.engine.actuals.basis import DealBasis, counted_deals, deal_basis
from salesplan.engine.actuals.cells import (BLANK_DATE, COMPLETION_KEY, NO, WEIGHT_SCALE, YES, as_date, excel_serial,
                                            later_duplicates, num, present, rep_slots, sum_fen, text, tier_ppm,
                                            to_fen, yes)
from salesplan.engine.actuals.dashboard import coaching_values, dashboard_values
from salesplan.engine.actuals.deals import deal_values
from salesplan.engine.actuals.incentives import awards_inputs_values, incentive_values
from salesplan.engine.actuals.payouts import Payouts, payouts, quiz_valid, referral_valid
from salesplan.engine.actuals.region import Roster, region_phases, region_reps
from salesplan.engine.actuals.statements import reconciliation, statement_lines, statement_reps
# the input model lives in salesplan.engine.records; re-exported for callers of the old path
from salesplan.engine.records import (DEFAULT_REFERRAL_ROWS, DealRow, PhaseRow, QuizRow, ReferralRow, RegionInput,
                                    RepRow, WorkbookInputs, default_inputs, quiz_slots, quiz_weeks)

__all__ = ["compute_actuals", "region_tab_values", "DealBasis", "Payouts", "Roster", "counted_deals", "deal_basis",
           "payouts",
           "BLANK_DATE", "COMPLETION_KEY", "NO", "YES", "WEIGHT_SCALE", "as_date", "excel_serial", "later_duplicates",
           "num", "present", "rep_slots", "sum_fen", "text", "tier_ppm", "to_fen", "yes", "quiz_valid",
           "referral_valid", "DEFAULT_REFERRAL_ROWS", "DealRow", "PhaseRow", "QuizRow", "ReferralRow", "RegionInput",
           "RepRow", "WorkbookInputs", "default_inputs", "quiz_slots", "quiz_weeks"]


def compute_actuals(plan, inputs: WorkbookInputs) -> dict[tuple, Any]:
    """Every value the workbook computes, keyed by a stable tuple.

    Keys (r = region name, i = rep slot, j = phase index, d = deal row index, k = tier index):
      ("rep", r, i, f)       f in W q rem rank target revenue attainment score:<kpi> kpi_score
                             min_coaching coaching_short name new_hire sessions
      ("phase", r, j, f)     f in total attainment status streak missed_flag complaint_flag inventory_flag
      ("region", r, f)       month totals and summary figures (see region.py)
      ("deal", d, f)         f in fen known target cum_before cum_after tier:k commission first_new
                             breakthrough conquest report_flag support_flag discount_flag
      ("inc", r, i, f)       incentives row; ("team", f) team totals; ("quiz", s) / ("ref", s) award inputs;
      ("stmt", k, f) / ("srep", r, i, f) / ("recon", f) rep statements; ("product", p, f) / ("burnup", j) dashboard
    """
    out: dict[tuple, Any] = {}
    basis = deal_basis(plan, inputs)
    roster = _region_tabs(plan, inputs, basis, out)
    pay = payouts(plan, inputs, basis, roster)
    deal_values(plan, basis, pay, roster.targets, out)
    awards_inputs_values(plan, inputs, basis, pay, out)
    slots = rep_slots(plan, inputs)
    incentive_values(plan, inputs, basis, pay, slots, out)
    order = statement_lines(plan, inputs, basis, pay, slots, out)
    statement_reps(inputs, basis, pay, slots, order, out)
    reconciliation(pay, slots, out)
    dashboard_values(plan, slots, pay.bonus.champion, out)
    coaching_values(plan, slots, out)
    return out


def region_tab_values(plan, inputs: WorkbookInputs) -> dict[tuple, Any]:
    """Only the region tabs' values (the ``("rep", …)``, ``("phase", …)`` and ``("region", …)``
    keys of :func:`compute_actuals`): each rep's target and KPI score, the phase table, the
    month's totals — what the gap stands on, without the payouts and the sheets after them."""
    out: dict[tuple, Any] = {}
    _region_tabs(plan, inputs, deal_basis(plan, inputs), out)
    return out


def _region_tabs(plan, inputs: WorkbookInputs, basis, out: dict[tuple, Any]) -> Roster:
    roster = Roster.of([region_reps(plan, inputs, region, basis, out) for region in plan.config.regions])
    for region in plan.config.regions:
        region_phases(plan, inputs, region, out)
    return roster
