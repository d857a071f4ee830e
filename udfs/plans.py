"""The plan configuration the UDFs use, loaded once and cached (with its calendar and phases).

Without a [config] argument the UDFs use ``$SALESPLAN_CONFIG`` when it is set,
else the built-in default plan (the seed's numbers). A TOML path is re-read
when the file changes (its modification time is part of the cache key), so a
director's edit shows up at the next recalculation (Ctrl+Alt+F9).
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from salesplan.config import PlanConfig, load_config, load_default
from salesplan.engine import calendar as cal
from salesplan.engine.month import Month
from salesplan.errors import ConfigError
from salesplan.udfs.convert import NA, VALUE, UdfError, config_path


@lru_cache(maxsize=1)
def default_config() -> PlanConfig:
    return load_default()


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> PlanConfig:
    return load_config(path)


def plan_config(arg: Any = None) -> PlanConfig:
    """The PlanConfig for a UDF's optional [config] argument."""
    path = config_path(arg)
    if path is None:
        return default_config()
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        raise UdfError(NA, f"config: no such file '{path}' (give the full path of a plan .toml)") from None
    try:
        return _load(path, mtime)
    except ConfigError as exc:
        first = exc.problems[0] if exc.problems else exc
        more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise UdfError(VALUE, f"config: {first}{more}") from None


@lru_cache(maxsize=16)
def _calendar(holidays: tuple, workdays: tuple) -> cal.HolidayCalendar:
    return cal.HolidayCalendar(holidays, workdays)


def holiday_calendar(config: PlanConfig) -> cal.HolidayCalendar:
    """The plan's working-day calendar (official table + the config's extra days), cached."""
    return _calendar(tuple(config.calendar.extra_holidays), tuple(config.calendar.extra_workdays))


def month_phases(config: PlanConfig, month: Month) -> list[cal.Phase]:
    """The month's battle phases (R4) under the plan's phase starts and calendar, cached."""
    return _month_phases(month, tuple(config.calendar.phase_starts), tuple(config.calendar.extra_holidays),
                         tuple(config.calendar.extra_workdays))


@lru_cache(maxsize=256)
def _month_phases(month: Month, starts: tuple, holidays: tuple, workdays: tuple) -> list[cal.Phase]:
    return cal.month_phases(month, cal.HolidayCalendar(holidays, workdays), starts)
