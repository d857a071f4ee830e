"""Assemble the month's complete plan from a PlanConfig — the engine's main entry point.

    config ──► compute_plan() ──► Plan ──► to_dict() (the JSON contract, docs/plan-json.md)
                                      └──► workbook writer, UDFs, macros, announcements
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from salesplan.engine.params import PlanConfig
from salesplan.engine import calendar as cal
from salesplan.engine.calendar_events import Event, event_rules, month_events
from salesplan.engine.allocation import allocate_matrix, largest_remainder
from salesplan.engine.kpi import KpiWeight, all_region_weights, weight_warnings
from salesplan.engine.targets import (
    OverallTargets, ProductTarget, RegionTarget, RepTarget, overall_targets, product_targets, region_targets,
    rep_targets,
)


@dataclass(frozen=True)
class Alert:
    rule: str
    code: str
    message: str


@dataclass(frozen=True)
class Warning_:
    code: str
    message: str


@dataclass(frozen=True)
class PhaseTarget:
    phase: cal.Phase
    revenue: int
    regions: dict[str, int]        # region -> yuan (rows and columns exact)


@dataclass(frozen=True)
class Plan:
    config: PlanConfig
    targets: OverallTargets
    products: list[ProductTarget]
    regions: list[RegionTarget]
    kpi_weights: dict[str, list[KpiWeight]]
    phases: list[PhaseTarget]
    working_days: int
    holidays: list[cal.Holiday]
    makeup_workdays: list[date]
    events: list[Event]
    reps: dict[str, list[RepTarget]]
    sensitive_window: tuple[date, date] | None          # the whole window (R10)
    sensitive_in_month: tuple[date, date] | None        # the part of it inside this month
    alerts: list[Alert] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)

    @property
    def month(self):
        return self.config.month

    def to_dict(self) -> dict:
        """The documented JSON contract (docs/plan-json.md): money int yuan, dates ISO."""
        return {
            "month": str(self.month),
            "strategy": self.config.strategy,
            "targets": {
                "revenue": self.targets.revenue,
                "new_customers": self.targets.new_customers,
                "repurchase_rate": float(self.targets.repurchase_rate),
                "average_order_value": self.targets.average_order_value,
                "implied_orders": self.targets.implied_orders,
            },
            "products": [{"name": p.name, "share": float(p.share), "revenue": p.revenue} for p in self.products],
            "regions": [
                {
                    "name": r.name, "manager": r.manager, "revenue": r.revenue, "new_customers": r.new_customers,
                    "products": dict(r.products),
                    "phases": {str(pt.phase.number): pt.regions[r.name] for pt in self.phases},
                    "kpi_weights": {w.name: round(w.weight_float, 6) for w in self.kpi_weights[r.name]},
                    "reps": [{"name": x.name, "new_hire": x.new_hire, "weight": float(x.weight),
                              "revenue": x.revenue} for x in self.reps.get(r.name, [])],
                }
                for r in self.regions
            ],
            "phases": [
                {"number": pt.phase.number, "name": pt.phase.name_zh, "name_en": pt.phase.name_en,
                 "start": pt.phase.start.isoformat(), "end": pt.phase.end.isoformat(),
                 "working_days": pt.phase.working_days, "revenue": pt.revenue}
                for pt in self.phases
            ],
            "working_days": self.working_days,
            "holidays": [{"date": h.date.isoformat(), "name": h.name, "source": h.source} for h in self.holidays],
            "makeup_workdays": [d.isoformat() for d in self.makeup_workdays],
            "events": [{"date": e.date.isoformat(), "time": e.time, "name": e.name_zh, "name_en": e.name_en,
                        "key": e.key} for e in self.events],
            "sensitive_period": (None if self.sensitive_window is None else
                                 {"start": self.sensitive_window[0].isoformat(),
                                  "end": self.sensitive_window[1].isoformat(),
                                  "spring_festival": (self.sensitive_window[1] + timedelta(days=1)).isoformat(),
                                  "in_month_start": self.sensitive_in_month[0].isoformat(),
                                  "in_month_end": self.sensitive_in_month[1].isoformat()}),
            "alerts": [{"rule": a.rule, "code": a.code, "message": a.message} for a in self.alerts],
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }


def phase_revenues(revenue: int, phases: list[cal.Phase]) -> list[int]:
    """R4 (assumption): the month's revenue split by each phase's working days, exactly.

    A month with no working day at all (only a hypothetical calendar) splits evenly.
    """
    days = [p.working_days for p in phases]
    return largest_remainder(revenue, days if sum(days) else [1] * len(phases))


def holiday_calendar(config: PlanConfig) -> cal.HolidayCalendar:
    return cal.HolidayCalendar(config.calendar.extra_holidays, config.calendar.extra_workdays)


def compute_plan(config: PlanConfig) -> Plan:
    month = config.month
    calendar = holiday_calendar(config)
    overall = overall_targets(config)
    products = product_targets(config, overall)
    regions = region_targets(config, overall, products)
    phases = cal.month_phases(month, calendar, config.calendar.phase_starts)
    working_days = len(calendar.working_days(month.first_day, month.last_day))
    phase_revenue = phase_revenues(overall.revenue, phases)
    matrix = allocate_matrix([r.revenue for r in regions], phase_revenue)
    phase_targets = [PhaseTarget(p, phase_revenue[j], {r.name: matrix[i][j] for i, r in enumerate(regions)})
                     for j, p in enumerate(phases)]
    reps = {r.name: rep_targets(rt.revenue, r.reps) for r, rt in zip(config.regions, regions) if r.reps}
    window, in_month = _sensitive_period(month, config.risks.sensitive_months_before)

    alerts: list[Alert] = []
    warnings: list[Warning_] = [Warning_(w.code, w.message) for w in weight_warnings(config)]
    if window:
        alerts.append(Alert("R10", "sensitive_period",
                            f"春节前敏感期 {window[0].isoformat()} – {window[1].isoformat()} "
                            f"(本月 {in_month[0].isoformat()} – {in_month[1].isoformat()}): 启动大客户保号预案 / "
                            f"Spring Festival sensitive period: the key-account retention plan is active"))
    if config.strategy == "B":
        alerts.append(Alert("R10", "strategy_b", "B版本销售策略 active (industry policy change): "
                                                 "strategy B targets and KPI weights apply"))
    for year in sorted({month.first_day.year, month.last_day.year}):
        if not calendar.is_published(year):
            warnings.append(Warning_("holidays_estimated",
                                     f"The official {year} holiday schedule is not in salesplan's table: "
                                     f"statutory days are estimated and make-up working days are unknown; "
                                     f"correct them with [calendar] extra_holidays / extra_workdays."))
    return Plan(
        config=config, targets=overall, products=products, regions=regions,
        kpi_weights=all_region_weights(config), phases=phase_targets, working_days=working_days,
        holidays=calendar.holidays(month.first_day, month.last_day),
        makeup_workdays=calendar.makeup_workdays(month.first_day, month.last_day),
        events=month_events(month, calendar, event_rules(config.events)), reps=reps, sensitive_window=window, sensitive_in_month=in_month,
        alerts=alerts, warnings=warnings,
    )


def _sensitive_period(month, months_before: int):
    """The R10 window (month before Spring Festival) that overlaps ``month``, and the overlap."""
    in_month = cal.sensitive_overlap(month, months_before)
    if in_month is None:
        return None, None
    for year in (month.year, month.year + 1):
        start, end = cal.sensitive_window(year, months_before)
        if start <= in_month[0] <= end:
            return (start, end), in_month
    return in_month, in_month  # pragma: no cover - overlap always comes from one of the two windows
