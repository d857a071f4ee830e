"""Calendar UDFs (R4, R10): PHASE_OF, PHASE_TARGET, WORKDAYS, SPRING_FESTIVAL,
SENSITIVE_PERIOD, SENSITIVE_WINDOW — the bodies behind ``salesplan.udfs.functions``.

Dates come from ``salesplan.engine.calendar`` (the mainland-China working-day
calendar, the lunar calendar, the sensitive window before Spring Festival); phase
targets are ``salesplan.engine.plan.phase_revenues`` over the month's phases.
"""
from __future__ import annotations

from functools import lru_cache

from salesplan.engine import calendar as cal
from salesplan.engine.month import Month
from salesplan.engine.plan import phase_revenues
from salesplan.engine.targets import overall_targets
from salesplan.udfs.convert import (
    BLANK, MONTH_RE, NUM, NUMBER, UdfError, bad_message, error_text, grid, is_missing, language as language_of,
    number, scalar, shaped, to_date, to_month, vector, whole, xl_number,
)
from salesplan.udfs.plans import holiday_calendar, month_phases, plan_config


def phase_of(on_date, language=None, config=None):
    """PHASE_OF: rows of phase number and name, one per date."""
    cfg = plan_config(config)
    lang = language_of(language, cfg.workbook.language)
    g = grid(on_date, "on_date")
    starts = cfg.calendar.phase_starts
    memo: dict = {}  # a column of dates repeats: each distinct cell value is worked out once

    def one(i: int) -> list:
        try:
            d = to_date(g.flat[i], g.where(i))
            p = month_phases(cfg, Month.of(d))[cal.phase_of(d, starts) - 1]
            return [p.number, p.name_zh if lang == "zh" else p.name_en]
        except UdfError as exc:
            return [error_text(exc.code, exc.message), ""]

    rows = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            rows.append(["", ""])
            continue
        key = (type(g.flat[i]), g.flat[i])
        row = memo.get(key)
        if row is None:
            row = one(i)
            if not isinstance(row[0], str):  # error texts name their cell: never reused
                memo[key] = row
        rows.append(list(row))
    return rows


def phase_target(plan_month, phase, total=None, config=None):
    """PHASE_TARGET: each phase number's revenue target, shaped like the phase range."""
    cfg = plan_config(config)
    month = to_month(scalar(plan_month, "plan_month"), "plan_month")
    phases = month_phases(cfg, month)
    if is_missing(total):
        tot = overall_targets(cfg).revenue
    else:
        tot = whole(number(total, "total"), "total", "a whole number of yuan")
    amounts = phase_revenues(tot, phases)
    g = vector(phase, "phase")
    out = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        if g.kinds[i] != NUMBER:
            err = bad_message(g, i, f"a phase number 1–{len(phases)}")
            out.append(error_text(err.code, err.message))
            continue
        n = g.values[i]
        if not (float(n).is_integer() and 1 <= n <= len(phases)):
            out.append(error_text(NUM, f"{g.where(i)} is {n:.15g}; {month} has phases 1–{len(phases)}"))
            continue
        out.append(xl_number(amounts[int(n) - 1]))
    return shaped(out, g)


def workdays(plan_month, config=None):
    """WORKDAYS: working days of each month, shaped like the input."""
    cfg = plan_config(config)
    calendar = holiday_calendar(cfg)
    g = grid(plan_month, "plan_month")
    out = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        try:
            m = to_month(g.flat[i], g.where(i))
        except UdfError as exc:
            out.append(error_text(exc.code, exc.message))
            continue
        out.append(len(calendar.working_days(m.first_day, m.last_day)))
    return shaped(out, g)


def spring_festival(cal_year):
    """SPRING_FESTIVAL: the festival's date for each year, shaped like the input."""
    g = grid(cal_year, "cal_year")
    out = []
    for i in range(g.size):
        k = g.kinds[i]
        if k == BLANK:
            out.append("")
            continue
        if k != NUMBER:
            err = bad_message(g, i, "a year such as 2027")
            out.append(error_text(err.code, err.message))
            continue
        y = g.values[i]
        if not (float(y).is_integer() and y in cal.LUNAR_YEARS):
            out.append(error_text(NUM, f"{g.where(i)} is {y:.15g}; the lunar calendar covers years 1900–2099"))
            continue
        out.append(cal.spring_festival(int(y)))
    return shaped(out, g)


@lru_cache(maxsize=512)
def _window(year: int, months_before: int):
    return cal.sensitive_window(year, months_before)


def _in_window(d, months_before: int) -> bool:
    for year in (d.year, d.year + 1):
        if year in cal.LUNAR_YEARS:
            start, end = _window(year, months_before)
            if start <= d <= end:
                return True
    return False


def sensitive_period(on_date, config=None):
    """SENSITIVE_PERIOD: TRUE/FALSE for each date or month, shaped like the input."""
    cfg = plan_config(config)
    months_before = cfg.risks.sensitive_months_before
    g = grid(on_date, "on_date")
    out: list = []
    for i in range(g.size):
        v = g.flat[i]
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        try:
            if isinstance(v, str) and MONTH_RE.match(v):
                month = to_month(v, g.where(i))
                if not {month.year, month.year + 1} <= set(cal.LUNAR_YEARS):
                    raise UdfError(NUM, f"{g.where(i)} is outside 1900–2098")
                out.append(cal.sensitive_overlap(month, months_before) is not None)
            else:
                out.append(_in_window(to_date(v, g.where(i)), months_before))
        except UdfError as exc:
            out.append(error_text(exc.code, exc.message))
    return shaped(out, g)


def sensitive_window(cal_year, config=None):
    """SENSITIVE_WINDOW: one row, first and last day of the period."""
    cfg = plan_config(config)
    y = whole(number(cal_year, "cal_year", what="a year such as 2027"), "cal_year", "a year such as 2027")
    if y not in cal.LUNAR_YEARS:
        raise UdfError(NUM, f"cal_year is {y}; the lunar calendar covers years 1900–2099")
    start, end = _window(y, cfg.risks.sensitive_months_before)
    return [[start, end]]
