"""The plan configuration as typed, validated objects.

Rates and shares are ``Decimal`` (parsed exactly from TOML), money is ``int`` yuan.
Objects are frozen: the engine never mutates the plan it was given.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from salesplan.engine.month import Month

SCORING_TYPES = ("linear", "threshold", "lower_is_better")
STRATEGIES = ("A", "B")


@dataclass(frozen=True)
class Targets:
    """R1 overall monthly targets."""

    revenue: int
    new_customers: int
    repurchase_rate: Decimal
    average_order_value: int


@dataclass(frozen=True)
class Product:
    name: str
    share: Decimal


@dataclass(frozen=True)
class Rep:
    name: str
    new_hire: bool = False
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class Region:
    name: str
    manager: str
    revenue: int
    focus_kpi: str
    focus_weight: Decimal
    focus_target: Decimal = Decimal(1)
    focus_scoring: str = "linear"
    reps: tuple[Rep, ...] = ()


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    category: str
    weight: Decimal
    target: Decimal
    scoring: str = "linear"
    cap: Decimal = Decimal("1.2")
    unit: str = "count"


@dataclass(frozen=True)
class Weights:
    normalize: bool = True
    score_max: int = 100


@dataclass(frozen=True)
class CommissionTier:
    start: Decimal   # attainment of the rep's target where this tier starts ("from")
    rate: Decimal


@dataclass(frozen=True)
class Commission:
    tiers: tuple[CommissionTier, ...]


@dataclass(frozen=True)
class Awards:
    champion_prize: str
    champion_prize_value: int
    champion_tiebreak: tuple[str, ...]
    conquest_amount: int
    conquest_threshold: int
    breakthrough_amount: int
    breakthrough_threshold: int
    stack_breakthrough_and_conquest: bool
    retention_max_churn: Decimal
    retention_bonus: int
    full_attendance_bonus: int
    quiz_top_n: int
    quiz_awards: tuple[int, ...]
    referral_rates: tuple[Decimal, ...]


@dataclass(frozen=True)
class Risks:
    report_threshold: int
    special_discount_threshold: int
    special_discount_floor: Decimal
    standard_discount_floor: Decimal
    support_priority_threshold: int
    inventory_alert: Decimal
    missed_weeks: int
    extra_support_staff: int
    complaint_max_hours: Decimal
    sensitive_months_before: int
    green_channel_customer_region: str = ""
    green_channel_via_region: str = ""


@dataclass(frozen=True)
class StrategyB:
    revenue: int
    new_customers: int
    kpi_weights: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class CalendarSettings:
    phase_starts: tuple[int, ...] = (1, 6, 11, 16, 21, 26)
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class EventSettings:
    """R5: when the dated events fall. The source leaves most of it open, so these are
    assumptions the director can change ([events] in the plan file, R5 rows of 设置).

    Weekdays are ``mon`` … ``sun``; ``*_if_not_working`` says what happens when the date is
    a holiday or weekend: ``skip``, ``keep``, ``next`` or ``previous`` (working day).
    """

    quiz_weekday: str = "fri"                                  # weekly product quiz
    industry_cases_weekdays: tuple[str, ...] = ("tue", "thu")  # the 2 industry case updates a week
    salon_weekday: str = "tue"                                 # offline salons, on the ...
    salon_weeks: tuple[int, ...] = (2, 4)                      # ... 2nd and 4th such weekday of the month
    salon_time: str = "14:00"
    salon_if_not_working: str = "next"
    kickoff_day: int = 2                                       # regional kick-off meetings
    kickoff_if_not_working: str = "next"
    analysis_day: int = 25                                     # director's execution analysis meeting
    analysis_if_not_working: str = "previous"
    support_list_workdays_before: int = 1                      # support list: Nth working day before the month


@dataclass(frozen=True)
class Coaching:
    team_total: int = 10
    new_hire_min: int = 3
    veteran_min: int = 1


@dataclass(frozen=True)
class WorkbookSettings:
    language: str = "zh"
    rep_rows: int = 12
    protect: bool = True
    password: str = ""


@dataclass(frozen=True)
class PlanConfig:
    """Everything the director decides for one month; the engine's only input besides actuals."""

    month: Month
    month_explicit: bool
    strategy: str
    targets: Targets
    products: tuple[Product, ...]
    regions: tuple[Region, ...]
    kpis: tuple[Kpi, ...]
    weights: Weights
    commission: Commission
    awards: Awards
    risks: Risks
    strategy_b: StrategyB
    calendar: CalendarSettings
    coaching: Coaching
    workbook: WorkbookSettings
    deal_columns: dict[str, str] = field(default_factory=dict)
    events: EventSettings = EventSettings()
    source: str = "<built-in default>"
    #: keys a partial file left out, taken from the built-in default (``targets.revenue``, ``[[kpis]]``)
    defaulted: tuple[str, ...] = ()

    def region(self, name: str) -> Region:
        for r in self.regions:
            if r.name == name:
                return r
        raise KeyError(name)
