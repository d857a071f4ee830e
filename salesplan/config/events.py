"""The ``[events]`` table: when the R5 events the source leaves open fall.

Every key has a default (the built-in assumptions, ``EventSettings``); a bad value is
reported with its key (``events.salon_time``), the value and what is expected, like
every other setting.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import time as clock
from dataclasses import fields
from typing import Any

from salesplan.engine.calendar_events import IF_NOT_WORKING, WEEKDAYS, time_problem
from salesplan.engine.params import EventSettings

__all__ = ["read_events", "EVENT_KEYS"]

EVENT_KEYS = tuple(f.name for f in fields(EventSettings))
_DEFAULT = EventSettings()
_WEEKDAYS_EXPECTED = "one of " + ", ".join(repr(w) for w in WEEKDAYS)


def read_events(v: Any) -> EventSettings:
    """The validated ``[events]`` table of a config being checked by ``v`` (loader's _Validator)."""
    t = v.table("events", default={})
    v.unknown_keys(t, set(EVENT_KEYS), "events")
    p = "events."

    def weekday(key: str) -> str:
        raw = v.get(t, key, p + key, getattr(_DEFAULT, key))
        if raw not in WEEKDAYS:
            v.fail(p + key, raw, _WEEKDAYS_EXPECTED, "choice")
            return getattr(_DEFAULT, key)
        return raw

    def policy(key: str) -> str:
        raw = v.get(t, key, p + key, getattr(_DEFAULT, key))
        if raw not in IF_NOT_WORKING:
            v.fail(p + key, raw, "one of " + ", ".join(repr(c) for c in IF_NOT_WORKING)
                   + " (what happens on a holiday or weekend)", "choice")
            return getattr(_DEFAULT, key)
        return raw

    def day(key: str, hi: int) -> int:
        return v.number(t, key, p + key, default=getattr(_DEFAULT, key), integer=True, minimum=1, maximum=hi)

    def listing(key: str, ok: Callable[[Any], bool], expected: str) -> tuple:
        raw = v.get(t, key, p + key, list(getattr(_DEFAULT, key)))
        good = isinstance(raw, list) and raw and all(ok(x) for x in raw) and len(set(raw)) == len(raw)
        if not good:
            v.fail(p + key, raw, expected, "invalid")
            return getattr(_DEFAULT, key)
        return tuple(raw)

    time = v.get(t, "salon_time", p + "salon_time", _DEFAULT.salon_time)
    if isinstance(time, clock) and not (time.second or time.microsecond):   # TOML's bare 14:00:00
        time = time.strftime("%H:%M")
    if (problem := time_problem(time)) is not None:
        v.fail(p + "salon_time", _shown(time), problem, "invalid")
        time = _DEFAULT.salon_time
    return EventSettings(
        quiz_weekday=weekday("quiz_weekday"),
        industry_cases_weekdays=listing("industry_cases_weekdays", lambda x: x in WEEKDAYS,
                                        "a non-empty list of different weekdays, each " + _WEEKDAYS_EXPECTED),
        salon_weekday=weekday("salon_weekday"),
        salon_weeks=listing("salon_weeks", lambda x: isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 4,
                            "a non-empty list of different week numbers 1..4 (every month has 4 of each weekday)"),
        salon_time=time,
        salon_if_not_working=policy("salon_if_not_working"),
        kickoff_day=day("kickoff_day", 28),
        kickoff_if_not_working=policy("kickoff_if_not_working"),
        analysis_day=day("analysis_day", 28),
        analysis_if_not_working=policy("analysis_if_not_working"),
        support_list_workdays_before=day("support_list_workdays_before", 10),
    )


def _shown(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
