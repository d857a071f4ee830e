"""The workbook input model: what people type into the month's plan workbook.

Plain records, no spreadsheet library: the engine's actuals read them, the workbook
writer lays them out, regeneration and consolidation read them back from a file.
Values are kept as typed (a cell's raw value: number, text, date, bool or None);
:mod:`salesplan.engine.input_spec` says which values each field accepts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from salesplan.engine.input_spec import typed_fields
from salesplan.engine.words import NO, YES

__all__ = ["RepRow", "PhaseRow", "RegionInput", "DealRow", "QuizRow", "ReferralRow", "WorkbookInputs",
           "DEFAULT_REFERRAL_ROWS", "DEAL_FIELDS", "REP_FIELDS", "REFERRAL_FIELDS", "PHASE_SCALARS", "QUIZ_FIELDS",
           "quiz_weeks", "quiz_slots", "default_inputs"]

DEFAULT_REFERRAL_ROWS = 20
# the typed fields of each row, as the input specification declares them
DEAL_FIELDS = typed_fields("deals")
REFERRAL_FIELDS = typed_fields("referrals")
PHASE_SCALARS = typed_fields("phases")
REP_FIELDS = typed_fields("reps")
QUIZ_FIELDS = ("week", "place") + typed_fields("quiz")     # week and place are laid out, not typed


@dataclass
class RepRow:
    """One rep slot of a region tab (what the regional manager types)."""

    name: Any = None
    new_hire: Any = None          # "是"/"否" (or bool)
    weight: Any = None
    kpi: dict[str, Any] = field(default_factory=dict)   # KPI key (incl. "focus") -> actual
    coaching: Any = None          # coaching sessions this month
    churn: Any = None             # annual natural churn of the rep's customers


@dataclass
class PhaseRow:
    """One phase ("week") row of a region tab."""

    revenue: dict[str, Any] = field(default_factory=dict)   # product name -> yuan
    new_customers: Any = None
    complaints: Any = None
    response_hours: Any = None    # the phase's longest complaint response time
    satisfaction: Any = None
    inventory: Any = None         # customer inventory occupancy (0.30 = 30%)


@dataclass
class RegionInput:
    reps: list[RepRow] = field(default_factory=list)
    phases: list[PhaseRow] = field(default_factory=list)
    focus_target: Any = None


@dataclass
class DealRow:
    """One row of the deals sheet (成交明细); row order is the report order."""

    seq: Any = None
    date: Any = None
    rep: Any = None
    region: Any = None
    customer: Any = None
    new_customer: Any = None
    product: Any = None
    amount: Any = None            # yuan, up to 2 decimals
    contract_id: Any = None
    quote: Any = None
    list_price: Any = None
    first_quote: Any = None
    customer_region: Any = None   # 客户区域: where the customer is (R9 green channel)


@dataclass
class QuizRow:
    """One place of one week's product quiz (R8): week and place are layout, region + rep typed."""

    week: Any = None
    place: Any = None
    region: Any = None
    rep: Any = None


@dataclass
class ReferralRow:
    """One partner referral (R8): the partner, the referral level 1..n and the referred deal's amount."""

    region: Any = None
    partner: Any = None
    level: Any = None
    amount: Any = None            # yuan, up to 2 decimals
    reference: Any = None         # free text: deal #, customer (not computed)


@dataclass
class WorkbookInputs:
    regions: dict[str, RegionInput] = field(default_factory=dict)
    deals: list[DealRow] = field(default_factory=list)
    quiz: list[QuizRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)


def quiz_weeks(plan) -> list:
    """The dates of the month's weekly product quiz (R5 events), one per quiz week."""
    return [e.date for e in plan.events if e.key == "product_quiz"]


def quiz_slots(plan) -> list[QuizRow]:
    """Blank quiz rows: every quiz week × places 1..quiz_top_n."""
    n = max(0, plan.config.awards.quiz_top_n)
    return [QuizRow(week=w + 1, place=p + 1) for w in range(len(quiz_weeks(plan))) for p in range(n)]


def default_inputs(plan, rep_rows: int | None = None, deal_rows: int = 0,
                   referral_rows: int = DEFAULT_REFERRAL_ROWS) -> WorkbookInputs:
    """The inputs of a freshly generated workbook: config reps pre-filled, everything else blank."""
    cfg = plan.config
    n_default = rep_rows if rep_rows is not None else cfg.workbook.rep_rows
    regions = {}
    for r in cfg.regions:
        reps = [RepRow(name=x.name, new_hire=YES if x.new_hire else NO, weight=_plain(x.weight)) for x in r.reps]
        reps += [RepRow() for _ in range(max(n_default, len(reps)) - len(reps))]
        regions[r.name] = RegionInput(reps=reps, phases=[PhaseRow() for _ in plan.phases],
                                      focus_target=_plain(r.focus_target))
    return WorkbookInputs(regions, [DealRow() for _ in range(deal_rows)], quiz_slots(plan),
                          [ReferralRow() for _ in range(referral_rows)])


def _plain(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)
